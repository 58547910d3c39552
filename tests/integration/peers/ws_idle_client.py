"""Holds a WebSocket through the gateway and reports when it is closed (python3-websockets).

usage: ws_idle_client.py URL ORIGIN SEND_EVERY_SECONDS HOLD_SECONDS
Sends one message and reads its echo, then sends another every SEND_EVERY_SECONDS (0: never) for
at most HOLD_SECONDS. Prints "closed after S" (seconds since the first echo) or "open after S".
"""
import asyncio
import sys
import time

import websockets


async def main():
    url, origin = sys.argv[1], sys.argv[2]
    every, hold = float(sys.argv[3]), float(sys.argv[4])
    port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    async with websockets.connect(url, origin=origin, open_timeout=10, host="127.0.0.1", port=port,
                                  ping_interval=None, close_timeout=1) as ws:
        await ws.send("first")
        await asyncio.wait_for(ws.recv(), 10)
        start = time.monotonic()
        try:
            while time.monotonic() - start < hold:
                if every > 0:
                    await asyncio.sleep(every)
                    await ws.send("again")
                    await asyncio.wait_for(ws.recv(), 10)
                else:
                    await asyncio.wait_for(ws.recv(), hold)
        except (websockets.ConnectionClosed, asyncio.TimeoutError, ConnectionError) as e:
            if not isinstance(e, asyncio.TimeoutError):
                print(f"closed after {time.monotonic() - start:.1f}")
                return
        print(f"open after {time.monotonic() - start:.1f}")


asyncio.run(main())
