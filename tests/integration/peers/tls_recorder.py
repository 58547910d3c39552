"""A TLS server for tests: presents a given certificate and records, per connection, how many
application bytes the client sent. Run with Debian's /usr/bin/python3.

usage: tls_recorder.py PORT CERT KEY RECORD_FILE
Each finished connection appends one line to RECORD_FILE: "<handshake ok|failed> <bytes>".
"""
import socket
import ssl
import sys
import threading


def serve(conn, context, record):
    conn.settimeout(5)
    try:
        tls = context.wrap_socket(conn, server_side=True)
    except (ssl.SSLError, OSError):
        line = "failed 0"
    else:
        received = 0
        try:
            while True:
                data = tls.recv(65536)
                if not data:
                    break
                received += len(data)
        except (ssl.SSLError, OSError):
            pass
        line = f"ok {received}"
        tls.close()
    with open(record, "a") as f:
        f.write(line + "\n")
        f.flush()


def main():
    port, cert, key, record = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, context, record), daemon=True).start()


if __name__ == "__main__":
    main()
