"""WebSocket client for gateway tests (Debian python3-websockets). Prints the echoed message.

usage: ws_client.py URL MESSAGE [ORIGIN]
"""
import asyncio
import sys

import websockets


async def main():
    url, message = sys.argv[1], sys.argv[2]
    origin = sys.argv[3] if len(sys.argv) > 3 else None
    # Connect to loopback ourselves: the resolver may not know *.localhost (browsers and curl do).
    port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    async with websockets.connect(url, origin=origin, open_timeout=10, host="127.0.0.1", port=port) as ws:
        await ws.send(message)
        print(await asyncio.wait_for(ws.recv(), 10))


try:
    asyncio.run(main())
except Exception as e:  # the test reads the reason
    print("error:", type(e).__name__, e)
    sys.exit(1)
