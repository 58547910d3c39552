"""An upstream that accepts TCP connections and never says a word: no TLS handshake, no close.
Run with Debian's /usr/bin/python3.

usage: silent_upstream.py PORT
Prints "accepted N" on stdout (flushed) as each connection is accepted.
"""
import socket
import sys


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(16)
    held = []  # kept open: the peer must see neither bytes nor a close
    while True:
        conn, _ = listener.accept()
        held.append(conn)
        print("accepted", len(held), flush=True)


if __name__ == "__main__":
    main()
