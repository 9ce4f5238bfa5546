"""Reuse one aiohttp.ClientSession: its pool keeps a connection open across
requests, while a session per request opens a connection every time. A
relay in front of the server counts the connections.

The asyncio twin of crates/performance/src/reuse_http_client.rs.
"""

import asyncio
import sys
from urllib.parse import urlsplit

import aiohttp

REQUESTS = 10
REQUEST_TIMEOUT = 10


class CountingRelay:
    """Forwards TCP connections to the server and counts them."""

    def __init__(self, upstream):
        # hostname drops an IPv6 address's brackets.
        self.host, self.port = upstream.hostname, upstream.port or 80
        self.path = upstream.path.rstrip("/")
        self.connections = 0
        # Why the relay last failed to reach the server: its client sees
        # only a connection closed.
        self.failure = None
        # Each open connection's two streams, and its handler.
        self.streams = set()
        self.handlers = set()

    async def start(self):
        self.server = await asyncio.start_server(self.relay, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}{self.path}"

    async def fetch(self, session, path):
        try:
            return await fetch(session, f"{self.base}{path}")
        except aiohttp.ClientError as error:
            failure, self.failure = self.failure, None
            raise RuntimeError(f"GET {path} failed: {failure or error}") from None

    async def relay(self, in_reader, in_writer):
        self.connections += 1
        self.handlers.add(asyncio.current_task())
        self.streams.add(in_writer)
        try:
            out_reader, out_writer = await asyncio.open_connection(self.host, self.port)
        except OSError as error:
            self.failure = f"the relay cannot connect to {self.host} port {self.port}: {error.strerror}"
            in_writer.close()
            return
        self.streams.add(out_writer)

        async def pipe(reader, writer):
            try:
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
                writer.write_eof()
            except (ConnectionError, OSError):
                pass

        await asyncio.gather(pipe(in_reader, out_writer), pipe(out_reader, in_writer))
        out_writer.close()
        in_writer.close()

    async def stop(self):
        self.server.close()
        # close() leaves open connections to their handlers; cancelled when
        # the loop ends, each logs a traceback (3.11). End them here.
        for writer in self.streams:
            writer.transport.abort()
        await asyncio.gather(*self.handlers)
        await self.server.wait_closed()
        return self.connections


async def fetch(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        await response.read()
        return response.headers.get("Connection", "").lower() == "close"


async def main():
    upstream = urlsplit(sys.argv[1])
    # aiohttp has a total timeout of 5 minutes by default; the Rust's is 10 s.
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    relay = CountingRelay(upstream)
    await relay.start()
    closed = 0
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _ in range(REQUESTS):
            closed += await relay.fetch(session, "/json")
    reused = await relay.stop() < REQUESTS
    print(f"One shared Client: {REQUESTS} requests, some over a reused connection: {reused}")

    relay = CountingRelay(upstream)
    await relay.start()
    for _ in range(REQUESTS):
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await relay.fetch(session, "/json")
    print(f"A new Client per request: {REQUESTS} requests over {await relay.stop()} connections")
    if closed:
        print(
            f"The server closed the connection after {closed} of the shared client's "
            f"{REQUESTS} answers (`Connection: close`), so those could not be reused."
        )


asyncio.run(main())
