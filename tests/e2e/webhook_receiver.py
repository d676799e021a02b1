#!/usr/bin/env python3
"""A webhook target for the events test.

  webhook_receiver.py PORT DIR
      answers POSTs, 204, or 503 while DIR/fail exists; appends every attempt to DIR/received.jsonl
      as {"status", "signature", "body"}
  webhook_receiver.py verify DIR KEY_FILE
      every accepted delivery's Berth-Signature is the HMAC-SHA256 of "<t>.<body>" under the key
      (the key file's first line), with t within five minutes of now; prints how many
"""
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time


def serve(port, directory):
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
            status = 503 if os.path.exists(os.path.join(directory, "fail")) else 204
            with lock, open(os.path.join(directory, "received.jsonl"), "a") as out:
                out.write(json.dumps({"status": status, "signature": self.headers.get("Berth-Signature", ""),
                                      "body": body}) + "\n")
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def verify(directory, key_file):
    key = open(key_file).readline().rstrip("\n").encode()
    count = 0
    for line in open(os.path.join(directory, "received.jsonl")):
        record = json.loads(line)
        if record["status"] != 204:
            continue
        parts = dict(p.split("=", 1) for p in record["signature"].split(","))
        want = hmac.new(key, (parts["t"] + "." + record["body"]).encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, parts.get("v1", "")) or abs(time.time() - int(parts["t"])) > 300:
            sys.exit("bad signature on " + record["body"][:200])
        count += 1
    print(count)


if __name__ == "__main__":
    if sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        serve(int(sys.argv[1]), sys.argv[2])
