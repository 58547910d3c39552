"""Cosmian's configuration server, as the enclave runs it before its app (mse-lib-sgx), for tests.
Run with Debian's /usr/bin/python3; it presents a given (simulated RA-TLS) certificate.

usage: config_server.py PORT CERT KEY STATE_DIR UUID [X25519_KEY]

Configuration mode, like the real one: Python's HTTPServer speaking HTTP/1.0, one request per
connection, closed without TLS close_notify.
  GET  (any path) -> 200 "Waiting for code secret key..." with `Mse-Status: Waiting`
  POST /          -> JSON {uuid, code_secret_key, app_secrets, app_sealed_secrets}: checked
                     (uuid: this enclave's UUID; code_secret_key: 32 bytes in hex; app_secrets: an
                     object or null; app_sealed_secrets: base64url without padding of a sealed box
                     to X25519_KEY holding JSON, or null); 200 with no body when it is all right,
                     401 otherwise (as mse-lib-sgx answers both).
After a POST that was all right, the server "restarts as the application server with the same
RA-TLS certificate": the configuration server closes, and an HTTP/1.1 server on the same port with
the same certificate and key answers GET / with the app's page, without Mse-Status.

STATE_DIR records what the tests check at the peer:
  requests         one line per completed TLS handshake ("handshake") and per request
                   ("configuration GET /", "configuration POST /", "application GET /", ...)
  config.body      the body of the accepted POST, byte for byte
  sealed_secrets   app_sealed_secrets opened with X25519_KEY (the enclave's private key)
  app_secrets.json app_secrets as received
  errors           why a POST was refused, one line each
  mode             "configuration", then "application" once the app server listens
"""
import base64
import binascii
import http.server
import json
import os
import socket
import ssl
import sys
import threading

PORT, CERT, KEY, STATE, UUID = sys.argv[1:6]
X25519_KEY = sys.argv[6] if len(sys.argv) > 6 else None
LOCK = threading.Lock()
CONFIGURED = threading.Event()


def record(name, text, mode="a"):
    with LOCK, open(os.path.join(STATE, name), mode) as f:
        f.write(text)


def record_bytes(name, data):
    with open(os.path.join(STATE, name), "wb") as f:
        f.write(data)


def base64url_decode(text):
    if not isinstance(text, str) or "=" in text:
        raise ValueError("app_sealed_secrets: expected base64url without padding")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_configuration(data):
    """The checks mse-lib-sgx makes, as ValueError. Returns the opened sealed secrets, or None."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    allowed = {"uuid", "code_secret_key", "app_secrets", "app_sealed_secrets", "ssl_private_key"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError("unknown keys: " + ", ".join(sorted(unknown)))
    if data.get("uuid") != UUID:
        raise ValueError("uuid: not this enclave's")
    key = data.get("code_secret_key")
    if not isinstance(key, str):
        raise ValueError("code_secret_key: expected a string")
    try:
        if len(bytes.fromhex(key)) != 32:
            raise ValueError("code_secret_key: expected 32 bytes")
    except ValueError as e:
        raise ValueError("code_secret_key: expected 32 bytes in hex") from e
    secrets = data.get("app_secrets")
    if secrets is not None and not isinstance(secrets, dict):
        raise ValueError("app_secrets: expected an object")
    sealed = data.get("app_sealed_secrets")
    if sealed is None:
        return None
    box = base64url_decode(sealed)
    if X25519_KEY is None:
        raise ValueError("app_sealed_secrets: this enclave has no sealing key")
    import nacl.public  # python3-nacl, as the enclave's mse-lib-crypto wraps libsodium

    with open(X25519_KEY, "rb") as f:
        private_key = nacl.public.PrivateKey(f.read())
    try:
        opened = nacl.public.SealedBox(private_key).decrypt(box)
    except Exception as e:  # nacl.exceptions.CryptoError
        raise ValueError("app_sealed_secrets: does not open with the enclave's key") from e
    json.loads(opened)  # mse-lib-sgx takes sealed secrets as JSON too
    return opened


class ConfigurationHandler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0, as mse-lib-sgx's BaseHTTPRequestHandler: one request per connection.
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        record("requests", f"configuration GET {self.path}\n")
        msg = b"Waiting for code secret key and/or ssl private key..."
        self.send_response(200)
        self.send_header("Content-Length", str(len(msg)))
        self.send_header("Mse-Status", "Waiting")
        self.end_headers()
        self.wfile.write(msg)

    def do_POST(self):
        record("requests", f"configuration POST {self.path}\n")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            if self.path != "/":
                raise ValueError("POST " + self.path + ": the configuration goes to /")
            data = json.loads(body.decode("utf-8"))
            opened = check_configuration(data)
        except (ValueError, UnicodeDecodeError, binascii.Error) as e:
            record("errors", f"{e}\n")
            self.send_response_only(401)
            self.end_headers()
            return
        record_bytes("config.body", body)
        if data.get("app_secrets") is not None:
            record("app_secrets.json", json.dumps(data["app_secrets"]), "w")
        if opened is not None:
            record_bytes("sealed_secrets", opened)
        # As mse-lib-sgx: a status line and nothing else; the connection's end ends the response.
        self.send_response_only(200)
        self.end_headers()
        CONFIGURED.set()


class ApplicationHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        record("requests", f"application GET {self.path}\n")
        if self.path == "/":
            body = b"<!doctype html><title>app</title><h1>the configured app is running</h1>\n"
            code = 200
        else:
            body, code = b"not found\n", 404
        self.send_response(code)
        self.send_header("Content-Type", "text/html" if code == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TlsServer(http.server.HTTPServer):
    """Accepts plain TCP and does the TLS handshake per connection, so that a completed handshake
    is recorded even when the client (a gateway refusing the certificate) sends nothing after it."""

    def __init__(self, handler, threaded):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(CERT, KEY)
        self.threaded = threaded
        super().__init__(("127.0.0.1", int(PORT)), handler)

    def process_request(self, request, client_address):
        if not self.threaded:
            return super().process_request(request, client_address)
        t = threading.Thread(
            target=self.serve_one, args=(request, client_address), daemon=True
        )
        t.start()

    def serve_one(self, request, client_address):
        try:
            self.finish_request(request, client_address)
        finally:
            self.shutdown_request(request)

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            record("requests", "handshake failed\n")
            return
        record("requests", "handshake\n")
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            # Like HTTPServer.shutdown_request on mse-lib-sgx's wrapped socket: TCP FIN, no
            # close_notify.
            try:
                tls.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            tls.close()


def main():
    record("mode", "configuration", "w")
    configuration = TlsServer(ConfigurationHandler, threaded=False)
    threading.Thread(target=configuration.serve_forever, daemon=True).start()
    CONFIGURED.wait()
    configuration.shutdown()
    configuration.server_close()
    application = TlsServer(ApplicationHandler, threaded=True)
    record("mode", "application", "w")
    application.serve_forever()


if __name__ == "__main__":
    main()
