#!/usr/bin/python3
"""One HTML page over HTTPS on 127.0.0.1 for the browser trust tests (never a real service).

Usage: https_page.py CERT_PEM KEY_PEM PORT. Prints "GET <path>" per request it answers, so a test
can tell that the browser completed the TLS handshake and asked for the page.
"""
import http.server
import ssl
import sys

cert, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
PAGE = (b"<!doctype html><meta charset=utf-8><title>ratls-gateway local CA</title>"
        b"<body style='font:32px sans-serif;background:#e8f5e9'>"
        b"<h1>Trusted: served with a leaf from the ratls-gateway local CA</h1></body>")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)
        print("GET", self.path, flush=True)

    def log_message(self, fmt, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # One line per refused handshake ("error ... ALERT_UNKNOWN_CA ..."): the browser reached
        # this server and rejected its certificate.
        print("error", sys.exc_info()[1], flush=True)


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server = Server(("127.0.0.1", port), Handler)
# The handshake runs in the handler thread, so a browser's idle preconnect cannot block accept().
server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
print("listening", port, flush=True)
server.serve_forever()
