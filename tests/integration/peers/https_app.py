"""An HTTPS app for gateway tests, presenting a given (RA-TLS) certificate. Run with /usr/bin/python3.

usage: https_app.py PORT CERT KEY NAME
  GET /            -> "hello from NAME"
  GET /truncate    -> announces 1 MB, sends 1 KB, closes (an upstream dying mid-response)
  GET /slow?ms=N   -> "slow" after N ms (default 500), counting requests in progress
  GET /drip?ms=N   -> a chunked body: a line every 200 ms for N ms (busy, but never idle)
  GET /most-at-once -> the most /slow requests that were ever in progress together
  GET /in-progress -> the /slow and /hold requests in progress now
  GET /hold        -> "held" once /release was asked (counted in progress meanwhile; at most 60 s)
  GET /release     -> lets every /hold request answer, now and later
  GET /stall?after=N[&chunked=1] -> announces 1 MB (or a chunked body), sends N bytes, then neither
                      sends nor closes (an upstream that hangs mid-body, or is killed there)
  POST /echo       -> the request body's length and the Host/Origin the app saw, as JSON
"""
import http.server
import json
import socketserver
import ssl
import sys
import threading
import time

IN_PROGRESS = 0
MOST_AT_ONCE = 0
LOCK = threading.Lock()
RELEASE = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send_text(self, code, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global IN_PROGRESS, MOST_AT_ONCE
        if self.path.startswith("/slow"):
            ms = int(self.path.partition("ms=")[2] or "500")
            with LOCK:
                IN_PROGRESS += 1
                MOST_AT_ONCE = max(MOST_AT_ONCE, IN_PROGRESS)
            time.sleep(ms / 1000)
            with LOCK:
                IN_PROGRESS -= 1
            self.send_text(200, "slow\n")
            return
        if self.path.startswith("/drip"):
            ms = int(self.path.partition("ms=")[2] or "1000")
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for _ in range(max(1, ms // 200)):
                self.wfile.write(b"2\r\nx\n\r\n")
                self.wfile.flush()
                time.sleep(0.2)
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/most-at-once":
            self.send_text(200, str(MOST_AT_ONCE) + "\n")
            return
        if self.path == "/hold":
            with LOCK:
                IN_PROGRESS += 1
            RELEASE.wait(60)
            with LOCK:
                IN_PROGRESS -= 1
            self.send_text(200, "held\n")
            return
        if self.path == "/release":
            RELEASE.set()
            self.send_text(200, "released\n")
            return
        if self.path == "/in-progress":
            self.send_text(200, str(IN_PROGRESS) + "\n")
            return
        if self.path.startswith("/stall"):
            query = self.path.partition("?")[2]
            params = dict(p.partition("=")[::2] for p in query.split("&") if p)
            after = int(params.get("after", "1024"))
            self.send_response(200)
            if params.get("chunked") == "1":
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n" % after + b"s" * after + b"\r\n")
            else:
                self.send_header("Content-Length", str(1 << 20))
                self.end_headers()
                self.wfile.write(b"s" * after)
            self.wfile.flush()
            time.sleep(3600)
            return
        if self.path == "/truncate":
            self.send_response(200)
            self.send_header("Content-Length", str(1 << 20))
            self.end_headers()
            self.wfile.write(b"x" * 1024)
            self.wfile.flush()
            self.close_connection = True
            self.connection.close()
            return
        if self.path == "/":
            self.send_text(200, "hello from " + NAME + "\n")
            return
        self.send_text(404, "not found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.send_text(200, json.dumps({"bytes": len(body), "host": self.headers.get("Host"),
                                        "origin": self.headers.get("Origin")}), "application/json")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of new connections (tests with 50 requests at once)


if __name__ == "__main__":
    port, cert, key, NAME = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Server(("127.0.0.1", port), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
