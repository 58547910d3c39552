"""A WebSocket echo server over TLS (Debian python3-websockets), as an enclave app would serve one.

usage: wss_echo.py PORT CERT KEY
"""
import asyncio
import ssl
import sys

import websockets


async def echo(ws, *_):
    async for message in ws:
        await ws.send(message)


async def main():
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    # No pings from this side: the test decides when bytes flow.
    async with websockets.serve(echo, "127.0.0.1", port, ssl=ctx, ping_interval=None):
        await asyncio.Future()


asyncio.run(main())
