"""A hostile TLS upstream for the gateway's hostile-upstream matrix. Run with Debian's /usr/bin/python3.

usage: hostile_upstream.py PORT RECORD_FILE LABEL CERT KEY [LABEL CERT KEY ...] [--tls12]

Connection N (0, 1, 2... in the order their first bytes arrive) presents the Nth certificate, the
last one from then on: an upstream that swaps its certificate between connections. Connections
that close without a byte (port probes) are neither counted nor recorded. A request head that arrives is
answered "200 hello from LABEL" with keep-alive framing, and then the connection is closed anyway
(a pooled connection the upstream drops), so the next request needs a new connection. The server
issues session tickets as Python's ssl does by default (TLS 1.3: two after each handshake;
--tls12: TLS 1.2 only, tickets and session IDs).

Each finished connection appends one JSON line to RECORD_FILE:
  {"conn": N, "label": L, "handshake": "ok"|"failed", "bytes": application bytes received,
   "request": first request line or "", "reused": the server resumed a session,
   "version": "TLSv1.3", "psk": the ClientHello offered a pre_shared_key,
   "ticket": length of the ClientHello's session_ticket extension, -1 when absent}
"""
import json
import socket
import ssl
import sys
import threading

PRE_SHARED_KEY = 41
SESSION_TICKET = 35


def client_hello_extensions(conn):
    """The ClientHello's extensions {type: length}, peeked so the handshake still sees them."""
    data = b""
    for _ in range(50):
        data = conn.recv(16384, socket.MSG_PEEK)
        if len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big"):
            break
        if not data:
            return {}
        threading.Event().wait(0.01)
    try:
        if data[0] != 22 or data[5] != 1:  # handshake record, ClientHello
            return {}
        p = 5 + 4 + 2 + 32  # record header, handshake header, version, random
        p += 1 + data[p]  # session id
        p += 2 + int.from_bytes(data[p:p + 2], "big")  # cipher suites
        p += 1 + data[p]  # compression methods
        end = p + 2 + int.from_bytes(data[p:p + 2], "big")
        p += 2
        out = {}
        while p + 4 <= end:
            kind = int.from_bytes(data[p:p + 2], "big")
            length = int.from_bytes(data[p + 2:p + 4], "big")
            out[kind] = length
            p += 4 + length
        return out
    except IndexError:
        return {}


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.next = 0

    def take(self):
        with self.lock:
            self.next += 1
            return self.next - 1


def serve(conn, certs, counter, record):
    conn.settimeout(5)
    try:
        if not conn.recv(1, socket.MSG_PEEK):
            conn.close()
            return
    except OSError:
        conn.close()
        return
    index = counter.take()
    label, context = certs[min(index, len(certs) - 1)]
    entry = {"conn": index, "label": label, "handshake": "failed", "bytes": 0, "request": "",
             "reused": False, "version": "", "psk": False, "ticket": -1}
    try:
        extensions = client_hello_extensions(conn)
        entry["psk"] = PRE_SHARED_KEY in extensions
        entry["ticket"] = extensions.get(SESSION_TICKET, -1)
        tls = context.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        pass
    else:
        entry["handshake"] = "ok"
        entry["reused"] = tls.session_reused
        entry["version"] = tls.version()
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                data = tls.recv(65536)
                if not data:
                    break
                received += data
            if b"\r\n\r\n" in received:
                body = ("hello from " + label + "\n").encode()
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                            str(len(body)).encode() + b"\r\n\r\n" + body)
        except (ssl.SSLError, OSError):
            pass
        entry["bytes"] = len(received)
        entry["request"] = received.split(b"\r\n", 1)[0].decode("latin-1") if received else ""
        try:
            tls.close()
        except OSError:
            pass
    with open(record, "a") as f:
        f.write(json.dumps(entry) + "\n")
        f.flush()


def main():
    args = [a for a in sys.argv[1:] if a != "--tls12"]
    tls12 = len(args) != len(sys.argv) - 1
    port, record, rest = int(args[0]), args[1], args[2:]
    certs = []
    for i in range(0, len(rest), 3):
        label, cert, key = rest[i:i + 3]
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if tls12:
            context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(cert, key)
        certs.append((label, context))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    counter = Counter()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, certs, counter, record), daemon=True).start()


if __name__ == "__main__":
    main()
