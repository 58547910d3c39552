#!/usr/bin/env python3
"""Time from starting `ratls-gateway run` to its READY=1 notification (sd_notify), in ms.

Usage: startup_time.py BINARY CONFIG [RUNS]
Each run starts the gateway with NOTIFY_SOCKET pointing at a socket of ours, waits for READY=1,
stops it with SIGTERM, and the median and the range of the runs are printed:
  startup: READY=1 after <median> ms (min <a>, max <b>, <n> runs)
"""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(binary, config, sock_path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(sock_path)
    server.settimeout(10)
    env = dict(os.environ, NOTIFY_SOCKET=sock_path)
    start = time.monotonic()
    proc = subprocess.Popen([binary, "run", "--config", config, "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            message = server.recv(4096).decode()
            if "READY=1" in message.split("\n"):
                return (time.monotonic() - start) * 1000
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        server.close()
        os.unlink(sock_path)


def main():
    binary, config = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    with tempfile.TemporaryDirectory() as d:
        times = [one_run(binary, config, os.path.join(d, f"notify-{i}")) for i in range(runs)]
    print(f"startup: READY=1 after {statistics.median(times):.1f} ms (min {min(times):.1f}, "
          f"max {max(times):.1f}, {runs} runs)")


if __name__ == "__main__":
    main()
