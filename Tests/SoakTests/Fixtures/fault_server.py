#!/usr/bin/env python3
"""A scripted, fault-injecting HTTP server for soak's tests (Python stdlib only).

It produces what no well-behaved server will: slow answers, connection resets, bytes that are not
HTTP, huge bodies, chosen status codes, and (with --tls) a TLS handshake that demands a client
certificate. It also echoes each request as JSON, so tests can see the headers and auth soak sent.

Usage: fault_server.py [--log PATH] [--tls CERT KEY CLIENT_CA]
Prints "listening PORT" once it listens on 127.0.0.1; with --log, appends each request as a JSON line.
"""
import json
import signal
import socket
import ssl
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK add about 40 ms to every answer on a kept-alive connection.
        try:
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):
        pass

    def answer(self, status, body=b"", content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        url = urlparse(self.path)
        query = parse_qs(url.query)
        length = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(length) if length else b""
        if LOG_PATH:
            record = {
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            with open(LOG_PATH, "a") as log:
                log.write(json.dumps(record) + "\n")
        path = url.path
        if path == "/slow":
            time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
            self.answer(200, b"slow\n")
        elif path == "/reset":
            # An RST instead of an answer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif path == "/garbage":
            self.wfile.write(b"THIS IS NOT HTTP\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/empty":
            # The connection closes without a byte of answer.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif path == "/bad-chunked":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\nzz\r\nnot a chunk\r\n0\r\n\r\n")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/truncated":
            # Promises 1000 bytes, sends 10, closes.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n0123456789")
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        elif path == "/reset-mid-body":
            # Promises 1000 bytes, sends 10, resets.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n0123456789")
            self.wfile.flush()
            time.sleep(0.05)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif path == "/huge-headers":
            # One header line of 200 KiB: more than any client keeps.
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Huge: " + b"x" * (200 * 1024) + b"\r\nContent-Length: 2\r\n\r\nok")
            self.wfile.flush()
            self.close_connection = True
        elif path.startswith("/status/"):
            self.answer(int(path.rsplit("/", 1)[1]), b"status\n")
        elif path == "/huge":
            size = int(query.get("bytes", [str(8 << 20)])[0])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b"x" * 65536
            sent = 0
            while sent < size:
                piece = chunk[: min(len(chunk), size - sent)]
                self.wfile.write(piece)
                sent += len(piece)
        elif path == "/malformed-json":
            self.answer(200, b'{"status": "ok", "count": ', "application/json")
        elif path == "/echo":
            echoed = {
                "method": self.command,
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            self.answer(200, json.dumps(echoed).encode(), "application/json")
        elif path == "/pool":
            # Values as ClickHouse's HTTP interface answers a query in each FORMAT (64-bit integers quoted in JSON).
            ids = [101, 102, 103, 104, 105]
            kind = query.get("format", ["jsonl"])[0]
            if kind == "json":
                document = {"meta": [{"name": "id", "type": "UInt64"}], "data": [{"id": str(i)} for i in ids], "rows": len(ids)}
                self.answer(200, json.dumps(document).encode(), "application/json")
            elif kind == "jsonl":
                self.answer(200, "".join(json.dumps({"id": str(i)}) + "\n" for i in ids).encode(), "application/x-ndjson")
            elif kind == "csv":
                self.answer(200, ("\"id\",\"name\"\n" + "".join(f"{i},\"n,{i}\"\n" for i in ids)).encode(), "text/csv")
            else:
                self.answer(200, ("name\tid\n" + "".join(f"n\\t{i}\t{i}\n" for i in ids)).encode(), "text/tab-separated-values")
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/echo")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.answer(200, b'{"status":"ok","count":3,"items":[1,2,3]}', "application/json")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


LOG_PATH = None


def main():
    global LOG_PATH
    arguments = sys.argv[1:]
    if len(arguments) >= 2 and arguments[0] == "--log":
        LOG_PATH = arguments[1]
        arguments = arguments[2:]
    # The test process may spawn us with SIGTERM blocked; take the default action back.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if len(arguments) == 4 and arguments[0] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments[1], arguments[2])
        context.load_verify_locations(arguments[3])
        context.verify_mode = ssl.CERT_REQUIRED
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
