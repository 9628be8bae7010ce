#!/usr/bin/env python3
# fake-etcd.py: a gateway in front of a real etcd (tests/etcd-odd.bats)
# that passes every request on, but answers the ones its rules name the
# way etcd or a network does only rarely.  Usage: fake-etcd.py PORT DIR,
# PORT the real member's client port; it listens on a free port of
# 127.0.0.1, which it writes to DIR/port, and reads DIR/rules before each
# request.  A rule is a line "PATH WHICH ACTION [ARG]": PATH the request's
# after /v3/ (kv/txn, lease/grant, watch...), WHICH the Nth such request
# since the rules last changed (N), that one and those after (N+), or
# every one (*); the first rule that matches acts.  Actions:
#   answer STATUS JSON   that answer instead of etcd's
#   answerclose ST JSON  that answer, without a length, to the close
#   chunkcut             etcd's answer in a chunk cut short, the close
#   chunknocrlf          a whole chunk, the close before its CRLF
#   notrailer            the last chunk, the close before the empty line
#   close                the connection closed, no answer
#   drop                 the request to etcd, then the close, no answer
#   headcut              the close in the middle of the answer's head
#   oddhead              etcd's answer, a head line without a colon
#   longhead             etcd's answer, a head line of 20,000 bytes
#   cut                  etcd's answer, its body cut short, then the close
#   garbage              a line that is not HTTP, then the close
#   toclose              etcd's answer without a length, to the close
#   chunked              etcd's answer in chunks of 7 bytes
#   edit PYTHON          etcd's answer (JSON, as j) changed by PYTHON
#   hold                 nothing until DIR/release exists, then etcd's
# DIR/log gets a line "PATH ACTION" for each request.
import http.client
import json
import os
import select
import socket
import sys
import threading
import time

upstream, d = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
state = {"rules": None, "counts": {}}


def rule_for(path):
    # The rules written anew, even the same, count from 1 again.
    try:
        with open(os.path.join(d, "rules")) as f:
            st = os.fstat(f.fileno())
            text = f.read()
            key = (st.st_ino, st.st_mtime_ns, text)
    except FileNotFoundError:
        text = ""
        key = None
    with lock:
        if key != state["rules"]:
            state["rules"], state["counts"] = key, {}
        n = state["counts"].get(path, 0) + 1
        state["counts"][path] = n
    for line in text.splitlines():
        parts = line.split(None, 3)
        if len(parts) < 3 or parts[0] != path:
            continue
        which = parts[1]
        if (which == "*" or
                (which.endswith("+") and n >= int(which[:-1])) or
                (which.isdigit() and n == int(which))):
            return parts[2], parts[3] if len(parts) > 3 else ""
    return "pass", ""


def log(path, action):
    with lock, open(os.path.join(d, "log"), "a") as f:
        f.write("%s %s\n" % (path, action))


def read_request(c, buf):
    while b"\r\n\r\n" not in buf:
        data = c.recv(65536)
        if not data:
            return None, None, None, b""
        buf += data
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split()[1]
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    n = int(hdrs.get("content-length", "0"))
    while len(buf) < n:
        data = c.recv(65536)
        if not data:
            return None, None, None, b""
        buf += data
    return path, hdrs, buf[:n], buf[n:]


def forward(path, hdrs, body):
    u = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
    h = {"Content-Type": "application/json"}
    # A token of the rules' own (answer 200 {"token":"fake-..."}) is
    # the gateway's: etcd, which would refuse it, never sees it.
    if "authorization" in hdrs and not hdrs["authorization"].startswith("fake-"):
        h["Authorization"] = hdrs["authorization"]
    u.request("POST", path, body, h)
    return u, u.getresponse()


def send(c, status, body, extra=""):
    c.sendall(("HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
               "Content-Length: %d\r\n%s\r\n" % (status, len(body), extra))
              .encode() + body)


def relay(c, full, hdrs, body):
    # A watch: etcd's stream as it comes, until either side ends it.
    u = socket.create_connection(("127.0.0.1", upstream))
    h = "POST %s HTTP/1.1\r\nHost: etcd\r\nContent-Type: " \
        "application/json\r\nContent-Length: %d\r\n" % (full, len(body))
    if "authorization" in hdrs and not hdrs["authorization"].startswith("fake-"):
        h += "Authorization: %s\r\n" % hdrs["authorization"]
    u.sendall((h + "\r\n").encode() + body)
    try:
        while True:
            for s in select.select([c, u], [], [])[0]:
                data = s.recv(65536)
                if not data:
                    return
                (u if s is c else c).sendall(data)
    finally:
        u.close()


def serve(c):
    buf = b""
    try:
        while True:
            full, hdrs, body, buf = read_request(c, buf)
            if full is None:
                return
            path = full[len("/v3/"):]
            action, arg = rule_for(path)
            log(path, action)
            if action == "hold":
                while not os.path.exists(os.path.join(d, "release")):
                    time.sleep(0.02)
                action = "pass"
            if action == "close":
                return
            if action == "garbage":
                c.sendall(b"SPDY/9 what is this\r\n\r\n")
                return
            if action == "headcut":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
                return
            if action == "answerclose":
                st, _, j = arg.partition(" ")
                c.sendall(b"HTTP/1.1 %d X\r\nConnection: close\r\n\r\n"
                          % int(st) + j.encode())
                return
            if action == "answer":
                st, _, j = arg.partition(" ")
                send(c, int(st), j.encode())
                continue
            if path == "watch" and action == "pass":
                relay(c, full, hdrs, body)
                return
            u, r = forward(full, hdrs, body)
            data = r.read()
            u.close()
            if action == "drop":
                return
            if action == "oddhead":
                send(c, r.status, data, "X-Odd header without a colon\r\n"
                     "Connection: close\r\n")
                return
            if action == "longhead":
                send(c, r.status, data, "X-Long: %s\r\n" % ("x" * 20000))
                return
            if action == "cut":
                c.sendall(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n"
                          % (r.status, len(data)) + data[:len(data) // 2])
                return
            if action == "toclose":
                c.sendall(b"HTTP/1.1 %d X\r\nConnection: close\r\n\r\n"
                          % r.status + data)
                return
            if action == "chunkcut":
                c.sendall(b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n"
                          b"\r\n%x\r\n%s" % (r.status, len(data), data[:3]))
                return
            if action == "chunknocrlf":
                c.sendall(b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n"
                          b"\r\n%x\r\n%s" % (r.status, len(data), data))
                return
            if action == "notrailer":
                c.sendall(b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n"
                          b"\r\n%x\r\n%s\r\n0\r\n" % (r.status, len(data), data))
                return
            if action == "chunked":
                out = b"HTTP/1.1 %d X\r\nTransfer-Encoding: chunked\r\n" \
                    b"\r\n" % r.status
                for i in range(0, len(data), 7):
                    p = data[i:i + 7]
                    out += b"%x; x=y\r\n%s\r\n" % (len(p), p)
                c.sendall(out + b"0\r\nX-Trailer: 1\r\n\r\n")
                continue
            if action == "edit":
                j = json.loads(data)
                exec(arg, {"j": j})
                data = json.dumps(j).encode()
            send(c, r.status, data)
    except (OSError, ValueError, IndexError):
        pass
    finally:
        c.close()


l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 0))
l.listen(64)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(l.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
