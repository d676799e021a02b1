"""A chunked upload whose node dies mid-chunk resumes on another node (tests/e2e/faults.sh).

usage: node_failover.py USER SECRET REPO PID_TO_KILL PORT_A PORT_B PORT_C
Starts the session on node A and sends the first chunk there; sends the second chunk to node B
and kills B halfway through it; asks node C where the upload stands (GET, Range), sends the
rest from there to C, commits on A, and reads the blob back from C. Prints "ok" or the problem.
"""
import base64
import hashlib
import http.client
import os
import signal
import socket
import sys
import time

user, secret, repo, victim = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ports = [int(p) for p in sys.argv[5:8]]
auth = "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
CHUNK = 6 << 20
blob = os.urandom(3 * CHUNK + 12345)
digest = "sha256:" + hashlib.sha256(blob).hexdigest()


def request(port, method, path, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={"Authorization": auth, **(headers or {})})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def fail(message):
    print(message)
    sys.exit(1)


resp, _ = request(ports[0], "POST", f"/v2/{repo}/blobs/uploads/")
if resp.status != 202:
    fail(f"start: {resp.status}")
location = resp.getheader("Location")
resp, _ = request(ports[0], "PATCH", location, blob[:CHUNK],
                  {"Content-Range": f"0-{CHUNK - 1}", "Content-Type": "application/octet-stream"})
if resp.status != 202:
    fail(f"first chunk: {resp.status}")

# Half of the second chunk to node B, which then dies.
sock = socket.create_connection(("127.0.0.1", ports[1]))
head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
        f"Content-Type: application/octet-stream\r\nContent-Range: {CHUNK}-{2 * CHUNK - 1}\r\n"
        f"Content-Length: {CHUNK}\r\n\r\n").encode()
sock.sendall(head + blob[CHUNK:CHUNK + CHUNK // 2])
time.sleep(0.3)
os.kill(victim, signal.SIGKILL)
sock.close()

resp, _ = request(ports[2], "GET", location)
if resp.status != 204:
    fail(f"status on another node: {resp.status}")
end = int(resp.getheader("Range").split("-")[1]) + 1
if end != CHUNK:
    fail(f"after the dead chunk the upload holds {end} bytes, want {CHUNK}")
resp, _ = request(ports[2], "PATCH", location, blob[end:3 * CHUNK],
                  {"Content-Range": f"{end}-{3 * CHUNK - 1}", "Content-Type": "application/octet-stream"})
if resp.status != 202:
    fail(f"resumed chunk: {resp.status}")
sep = "&" if "?" in location else "?"
resp, _ = request(ports[0], "PUT", f"{location}{sep}digest={digest}", blob[3 * CHUNK:],
                  {"Content-Range": f"{3 * CHUNK}-{len(blob) - 1}", "Content-Type": "application/octet-stream"})
if resp.status != 201:
    fail(f"commit: {resp.status}")
resp, data = request(ports[2], "GET", f"/v2/{repo}/blobs/{digest}")
if resp.status != 200 or data != blob:
    fail(f"read back: {resp.status}, {len(data)} bytes")
print("ok")
