"""A strict HTTP/1.1 upstream for the request-smuggling tests: TLS, one thread per connection,
keep-alive, every request parsed by python3-h11 (a parser independent of the proxies under test).
Run with Debian's /usr/bin/python3.

usage: strict_upstream.py PORT CERT KEY RECORD_FILE

RECORD_FILE gets one JSON line per event, flushed at once:
  a complete request:  {"conn": n, "method", "target", "version", "headers": [[name, value]...],
                        "framing": {"content-length": [...], "transfer-encoding": [...]},
                        "body_len", "body_sha256", "body_preview", "raw_body_preview",
                        "trailers": [[name, value]...]}
      ("headers" are the field lines as received, in order and original case; "framing" lists the
      raw values of every Content-Length and Transfer-Encoding field line of the head, so that
      duplicates h11 would fold are still visible; "raw_body_preview" is the body as framed on the
      wire, chunk sizes and extensions included)
  a request head, as soon as it is parsed: {"conn": n, "event": "head", "method", "target"}
  a protocol error:    {"conn": n, "error": "...", "incomplete": bool, "method"?, "target"?}
      ("incomplete": the peer closed the connection in the middle of a message, e.g. of a request
      body; "method"/"target" name the request in progress; the connection is closed after any
      error, and a socket failure is recorded alike with "socket": true)
  the connection's end: {"conn": n, "event": "closed"}

Each request is answered with 200, Content-Length and the body "ok <method> <target>\\n".
GET /resp/<name> answers with a canned raw response instead (bytes written by hand, bypassing
h11's serializer) and closes the connection; see CANNED.
"""
import gzip
import hashlib
import json
import socket
import ssl
import sys
import threading

import h11

MAX_HEAD = 1 << 20  # the proxies enforce their own limits; the upstream must not be the one
PREVIEW = 2048

_GZ = gzip.compress(b"gzip body\n", mtime=0)

CANNED = {
    # Ambiguous framing.
    "two-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "cl-list": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello",
    "te-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nhello\r\n0\r\n\r\n",
    "gzip-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
    + b"%x\r\n" % len(_GZ) + _GZ + b"\r\n0\r\n\r\n",
    "obs-fold": b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 3\r\n\r\nabc",
    "bare-lf": b"HTTP/1.1 200 OK\nContent-Length: 3\n\nabc",
    "cl-plus": b"HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
    # A complete second response hidden after a body-less first one.
    "extra-response": b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nSMUGGLED\n",
    # The same in two TLS records: the second waits in OpenSSL's read-ahead, not in the gateway's
    # buffer (each element is one sendall, so one record).
    "extra-response-record": [
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nSMUGGLED\n",
    ],
    # Interim responses.
    "early-hints": b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n"
    b"Set-Cookie: hint=1; Domain=127.0.0.1; Path=/\r\n"
    b"Strict-Transport-Security: max-age=31536000\r\n\r\n"
    b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    "continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    "unsolicited-101": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
    b"Connection: Upgrade\r\n\r\nraw bytes after an upgrade nobody asked for\n",
    # No Content-Length, no chunking: the body ends when the connection closes.
    "close-delimited": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited body\n",
    # The same, but the connection is cut without a TLS close_notify: a truncated body.
    "close-delimited-cut": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
    b"close-delimited body\n",
}

_lock = threading.Lock()
_next_conn = [0]


class Recorder:
    def __init__(self, path):
        self.path = path
        self.file = open(path, "a", encoding="utf-8")

    def write(self, obj):
        line = json.dumps(obj, ensure_ascii=True)
        with _lock:
            self.file.write(line + "\n")
            self.file.flush()


def text(b):
    return b.decode("latin-1")


def framing_of(raw_head):
    """Raw values of every Content-Length / Transfer-Encoding field line of a request head."""
    out = {"content-length": [], "transfer-encoding": []}
    for line in raw_head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            continue
        key = text(name).strip().lower()
        if key in out:
            out[key].append(text(value).strip(" \t"))
    return out


class Connection:
    """One client connection. The raw bytes each h11 event consumed are kept beside it: h11
    consumes exactly one event's bytes per next_event() call, so received - len(trailing_data)
    marks the event boundaries."""

    def __init__(self, tls, number, recorder):
        self.tls = tls
        self.n = number
        self.rec = recorder
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
        self.raw = bytearray()  # bytes received and not yet attributed to an event
        self.request = None
        self.body = None
        self.raw_body = None

    def consumed_since_last(self):
        unprocessed = len(self.h11.trailing_data[0])
        taken = len(self.raw) - unprocessed
        chunk = bytes(self.raw[:taken])
        del self.raw[:taken]
        return chunk

    def send_raw(self, data):
        try:
            for part in data if isinstance(data, list) else [data]:
                self.tls.sendall(part)
        except (OSError, ssl.SSLError):
            pass

    def respond(self, req):
        method, target = text(req.method), text(req.target)
        body = f"ok {method} {target}\n".encode("latin-1")
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
        out = self.h11.send(h11.Response(status_code=200, headers=headers, reason=b"OK"))
        if method != "HEAD":
            out += self.h11.send(h11.Data(data=body))
        out += self.h11.send(h11.EndOfMessage())
        self.tls.sendall(out)

    def finish_request(self, trailers):
        req, body = self.request, bytes(self.body)
        self.rec.write(
            {
                "conn": self.n,
                "method": text(req.method),
                "target": text(req.target),
                "version": text(req.http_version),
                "headers": [[text(k), text(v)] for k, v in req.headers.raw_items()],
                "framing": self.framing,
                "body_len": len(body),
                "body_sha256": hashlib.sha256(body).hexdigest(),
                "body_preview": text(body[:PREVIEW]),
                "raw_body_preview": text(bytes(self.raw_body[:PREVIEW])),
                "trailers": [[text(k), text(v)] for k, v in trailers.raw_items()],
            }
        )

    def error(self, message, incomplete):
        line = {"conn": self.n, "error": message, "incomplete": incomplete}
        if self.request is not None:
            line["method"] = text(self.request.method)
            line["target"] = text(self.request.target)
        self.rec.write(line)
        if self.h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            self.send_raw(
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )

    def run(self):
        eof = False
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as e:
                # At EOF the only complaint h11 can have is that a message was cut short.
                self.error(str(e), incomplete=eof)
                return
            if event is h11.NEED_DATA:
                if eof:
                    return
                try:
                    data = self.tls.recv(65536)
                except (ssl.SSLError, OSError):
                    data = b""
                if not data:
                    eof = True
                self.raw += data
                self.h11.receive_data(data)
                continue
            raw = self.consumed_since_last()
            if isinstance(event, h11.Request):
                self.request, self.body, self.raw_body = event, bytearray(), bytearray()
                self.framing = framing_of(raw)
                self.rec.write(
                    {
                        "conn": self.n,
                        "event": "head",
                        "method": text(event.method),
                        "target": text(event.target),
                    }
                )
            elif isinstance(event, h11.Data):
                self.body += event.data
                self.raw_body += raw
            elif isinstance(event, h11.EndOfMessage):
                self.raw_body += raw
                self.finish_request(event.headers)
                req, self.request = self.request, None
                target = text(req.target)
                if target.startswith("/resp/"):
                    name = target[len("/resp/"):].split("?")[0]
                    canned = CANNED.get(name)
                    self.send_raw(
                        canned
                        if canned is not None
                        else b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                    )
                    if not name.endswith("-cut"):
                        # A clean end (TLS close_notify) marks a close-delimited body complete.
                        try:
                            self.tls.settimeout(2)
                            self.tls.unwrap()
                        except (ssl.SSLError, OSError):
                            pass
                    return  # h11 knows nothing of what was written: the connection ends here
                self.respond(req)
                if self.h11.our_state is h11.MUST_CLOSE:
                    return
                try:
                    self.h11.start_next_cycle()
                except h11.LocalProtocolError:
                    return
            elif isinstance(event, h11.ConnectionClosed):
                return
            elif event is h11.PAUSED:
                return


def serve(conn, context, recorder):
    with _lock:
        _next_conn[0] += 1
        number = _next_conn[0]
    conn.settimeout(300)
    try:
        tls = context.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        conn.close()
        return
    try:
        Connection(tls, number, recorder).run()
    except (ssl.SSLError, OSError) as e:
        # Not a protocol error: the proxy went away (or stalled) while we were writing.
        recorder.write({"conn": number, "error": "socket: " + str(e), "socket": True,
                        "incomplete": True})
    finally:
        recorder.write({"conn": number, "event": "closed"})
        try:
            tls.close()
        except OSError:
            pass


def main():
    port, cert, key, record = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    recorder = Recorder(record)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, context, recorder), daemon=True).start()


if __name__ == "__main__":
    main()
