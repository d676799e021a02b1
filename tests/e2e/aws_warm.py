"""The aws CLI's own code (awscli.clidriver), kept loaded in one process for a test's many calls.

Each `aws` process spends about a second importing and loading before it sends anything; the CLI
suites make hundreds of calls, and on CI's two cores that start-up was most of their time. This
server runs the same driver `aws` runs (argument parsing, profiles, signing, retries, output and
error text), a fresh driver and session per call, with the caller's environment, working
directory, stdout and stderr, so a call behaves as `aws ARGS...` would. tests/e2e/lib.sh's
`aws_warm` is the client; it falls back to the `aws` command where this cannot run.

usage: python3 aws_warm.py DIR PARENT_PID
  DIR/requests is a FIFO of lines, each the path of a request file: NUL-separated fields, the
  working directory, the environment (`env -0`), an empty field, then the arguments. The exit
  status goes to the FIFO <request>.rc; stdout and stderr to <request>.out and <request>.err.
  The server stops when PARENT_PID (the test) is gone.
"""

import os
import select
import sys
import traceback

import awscli
from awscli.clidriver import create_clidriver

# Importing awscli appends its own data directory to AWS_DATA_PATH; each call's environment
# replaces os.environ, so every call does the same.
AWSCLI_DATA = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")


def run(request):
    fields = open(request, "rb").read().split(b"\0")
    cwd = fields[0].decode()
    end = fields.index(b"", 1)
    env = dict(f.decode().split("=", 1) for f in fields[1:end] if b"=" in f)
    args = [f.decode() for f in fields[end + 1:-1]]
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    data_path = [os.path.expanduser(os.path.expandvars(p))
                 for p in env.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    os.environ["AWS_DATA_PATH"] = os.pathsep.join(data_path + [AWSCLI_DATA])
    saved = os.dup(1), os.dup(2), sys.stdout, sys.stderr
    with open(request + ".out", "w") as out, open(request + ".err", "w") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdout, sys.stderr = out, err
        try:
            rc = create_clidriver().main(args)
        except SystemExit as e:  # --version and argparse's usage errors exit
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 255)
        except BaseException:
            traceback.print_exc()
            rc = 255
        finally:
            out.flush()
            err.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            sys.stdout, sys.stderr = saved[2], saved[3]
            os.close(saved[0])
            os.close(saved[1])
    return rc


def main():
    directory, parent = sys.argv[1], int(sys.argv[2])
    sys.argv[0] = "aws"  # usage errors name the program as the command would
    # Read-write so the FIFO never reports end-of-file between clients.
    fd = os.open(os.path.join(directory, "requests"), os.O_RDWR)
    pending = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                return
            continue
        pending += os.read(fd, 65536)
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = line.decode()
            rc = run(request)
            try:  # the client holds <request>.rc open; if it is gone, nobody waits
                done = os.open(request + ".rc", os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                continue
            os.write(done, f"{rc}\n".encode())
            os.close(done)


if __name__ == "__main__":
    main()
