#!/usr/bin/env python3
"""Soak driver: a steady mixed load through the gateway, with reloads and upstream restarts.

usage: soak.py SECONDS GATEWAY_PID GATEWAY_PORT CONFIG_A CONFIG_B CONFIG_PATH RESTART_CMD_FILE
       (settings from the environment: SOAK_RELOAD_EVERY, SOAK_RESTART_EVERY, SOAK_SAMPLE_EVERY)

Apps behind the gateway: "demo" (the demo's simulated enclave app: small requests, 4 MiB uploads
and downloads, server-sent events, WebSocket echo sessions) and "second" (another simulated
RA-TLS app, small requests, restarted every SOAK_RESTART_EVERY seconds by running the shell
command in RESTART_CMD_FILE). Every SOAK_RELOAD_EVERY seconds CONFIG_A or CONFIG_B (alternately)
is copied to CONFIG_PATH and the gateway gets SIGHUP. Every answer is checked: a request "fails"
when it gets anything but the upstream's answer, except that a request to "second" during an
announced restart may get a 502 page. Samples RSS, descriptors and threads every
SOAK_SAMPLE_EVERY seconds (to soak-samples.tsv beside CONFIG_PATH) and prints one line:
  soak: <N> requests, <F> failed, <R> reloads, RSS <a> -> <b> MiB (max <m>), fds <c> -> <d>
(a and c: the first sample, taken under load; b and d: the last, under the same load).
"""
import asyncio
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import websockets

SECONDS, GW_PID, PORT = float(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
CONFIG_A, CONFIG_B, CONFIG_PATH, RESTART_CMD = sys.argv[4:8]
RELOAD_EVERY = float(os.environ.get("SOAK_RELOAD_EVERY", "60"))
RESTART_EVERY = float(os.environ.get("SOAK_RESTART_EVERY", "300"))
SAMPLE_EVERY = float(os.environ.get("SOAK_SAMPLE_EVERY", "10"))
MIB = 1024 * 1024

lock = threading.Lock()
counts = {"requests": 0, "failed": 0}
failures = []
restarting = threading.Event()  # the announced window around an upstream restart
stop = threading.Event()


def record(ok, what):
    with lock:
        counts["requests"] += 1
        if not ok:
            counts["failed"] += 1
            if len(failures) < 20:
                failures.append(f"{time.strftime('%H:%M:%S')} {what}")


def connect():
    return http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)


def host(app):
    return f"{app}.localhost:{PORT}"


def exchange(conn, app, method, path, body=None, headers=None):
    h = {"Host": host(app)}
    h.update(headers or {})
    conn.request(method, path, body=body, headers=h)
    res = conn.getresponse()
    return res.status, res.read(), res.getheader("Connection", "")


def small_requests(worker):
    """Keep-alive GETs on both apps; a new connection every second."""
    conn, opened = None, 0.0
    while not stop.is_set():
        if conn is None or time.monotonic() - opened > 1.0:
            if conn:
                conn.close()
            conn, opened = connect(), time.monotonic()
        app = "demo" if worker % 2 == 0 else "second"
        try:
            if app == "demo":
                status, body, _ = exchange(conn, app, "GET", "/api/info")
                ok = status == 200 and json.loads(body).get("app") == "demo"
            else:
                in_restart = restarting.is_set()
                status, body, _ = exchange(conn, app, "GET", "/")
                ok = (status == 200 and body == b"hello from second\n") or (
                    status == 502 and (in_restart or restarting.is_set()))
            record(ok, f"{app} GET -> {status} {body[:80]!r}")
        except (OSError, http.client.HTTPException) as e:
            # A connection the gateway closed during a restart of "second" is allowed too.
            record(app == "second" and restarting.is_set(), f"{app} GET -> {type(e).__name__} {e}")
            conn = None


def transfers():
    """4 MiB uploads and downloads on the demo app, one at a time, alternately."""
    payload = os.urandom(4 * MIB)
    conn = connect()
    upload = True
    while not stop.is_set():
        try:
            if upload:
                status, body, _ = exchange(conn, "demo", "POST", "/api/upload", payload,
                                           {"Content-Type": "application/octet-stream"})
                ok = status == 200 and json.loads(body).get("bytes") == len(payload)
                record(ok, f"upload -> {status} {body[:80]!r}")
            else:
                status, body, _ = exchange(conn, "demo", "GET", f"/api/download?bytes={4 * MIB}")
                ok = status == 200 and len(body) == 4 * MIB and body[:1] == b"x"
                record(ok, f"download -> {status}, {len(body)} bytes")
        except (OSError, http.client.HTTPException) as e:
            record(False, f"transfer -> {type(e).__name__} {e}")
            conn = connect()
        upload = not upload


def events():
    """Server-sent events: five, 100 ms apart, each complete."""
    expected = b"".join(b"data: event %d\n\n" % i for i in range(5))
    conn = connect()
    while not stop.is_set():
        try:
            status, body, _ = exchange(conn, "demo", "GET", "/api/events?count=5&interval_ms=100")
            record(status == 200 and body == expected, f"events -> {status} {body[:80]!r}")
        except (OSError, http.client.HTTPException) as e:
            record(False, f"events -> {type(e).__name__} {e}")
            conn = connect()


def websocket_sessions():
    """WebSocket sessions of ten echoes each, one after another."""

    async def session():
        async with websockets.connect(f"ws://{host('demo')}/ws", host="127.0.0.1", port=PORT,
                                      origin=f"http://{host('demo')}", open_timeout=30,
                                      close_timeout=5) as ws:
            for i in range(10):
                message = f"soak {i}"
                await ws.send(message)
                record(await asyncio.wait_for(ws.recv(), 30) == message, "websocket echo differs")

    while not stop.is_set():
        try:
            asyncio.run(session())
        except Exception as e:  # the session itself failed
            record(False, f"websocket -> {type(e).__name__} {e}")
        time.sleep(0.2)


def sample():
    status = {}
    with open(f"/proc/{GW_PID}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    rss_mib = int(status["VmRSS"].split()[0]) / 1024
    return rss_mib, len(os.listdir(f"/proc/{GW_PID}/fd")), int(status["Threads"])


def main():
    workers = [threading.Thread(target=small_requests, args=(i,)) for i in range(4)]
    workers += [threading.Thread(target=f) for f in (transfers, events, websocket_sessions)]
    for w in workers:
        w.start()
    start = time.monotonic()
    samples, reloads = [], 0
    next_sample, next_reload, next_restart = start + SAMPLE_EVERY, start + RELOAD_EVERY, start + RESTART_EVERY
    samples_path = os.path.join(os.path.dirname(CONFIG_PATH), "soak-samples.tsv")
    with open(samples_path, "w") as out:
        out.write("seconds\trss_mib\tfds\tthreads\trequests\tfailed\n")
        while time.monotonic() - start < SECONDS:
            time.sleep(0.2)
            now = time.monotonic()
            if now >= next_sample:
                rss, fds, threads = sample()
                samples.append((rss, fds))
                with lock:
                    out.write(f"{now - start:.0f}\t{rss:.1f}\t{fds}\t{threads}\t"
                              f"{counts['requests']}\t{counts['failed']}\n")
                out.flush()
                next_sample += SAMPLE_EVERY
            if now >= next_reload:
                reloads += 1
                shutil.copyfile(CONFIG_B if reloads % 2 else CONFIG_A, CONFIG_PATH)
                os.kill(GW_PID, signal.SIGHUP)
                next_reload += RELOAD_EVERY
            if now >= next_restart:
                restarting.set()
                subprocess.run(["bash", RESTART_CMD], check=True)
                time.sleep(2.5)  # the dial cooldown (1 s) started while it was down may still run
                restarting.clear()
                next_restart += RESTART_EVERY
    stop.set()
    for w in workers:
        w.join(60)
    if not samples:
        samples.append(sample()[:2])
    rss = [s[0] for s in samples]
    for f in failures:
        print("soak: failed:", f, file=sys.stderr)
    print(f"soak: {counts['requests']} requests, {counts['failed']} failed, {reloads} reloads, "
          f"RSS {rss[0]:.1f} -> {rss[-1]:.1f} MiB (max {max(rss):.1f}), "
          f"fds {samples[0][1]} -> {samples[-1][1]}")


main()
