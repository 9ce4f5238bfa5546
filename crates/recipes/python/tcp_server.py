"""A line-based TCP server that no client can hold up: each line must arrive
whole within a time limit, each reply must be taken within another, a silent
client is dropped after a longer one, lines have a maximum length, and a
shutdown closes every connection and waits until they are gone.

The asyncio twin of crates/recipes/src/tcp_server.rs.
"""

import asyncio

LINE_TIMEOUT = 2
IDLE_TIMEOUT = 30
WRITE_TIMEOUT = 1
MAX_LINE = 1024
DRAIN_LIMIT = 64 * 1024
DRAIN_TIME = 1
CLIENT_PATIENCE = 5


class TimedOut(Exception):
    pass


async def read_line(reader):
    """A line, once it begins within IDLE_TIMEOUT, and all of it within
    LINE_TIMEOUT of its first byte."""
    try:
        async with asyncio.timeout(IDLE_TIMEOUT):
            first = await reader.readexactly(1)
    except TimeoutError:
        raise TimedOut(f"idle for {IDLE_TIMEOUT}s") from None
    if first == b"\n":
        return first
    try:
        async with asyncio.timeout(LINE_TIMEOUT):
            return first + await reader.readuntil(b"\n")
    except TimeoutError:
        raise TimedOut(f"no whole line within {LINE_TIMEOUT}s") from None


async def send(writer, data):
    writer.write(data)
    try:
        async with asyncio.timeout(WRITE_TIMEOUT):
            await writer.drain()
    except TimeoutError:
        # close() would wait to flush what the client never reads: abort.
        writer.transport.abort()
        raise


async def drain(reader, writer):
    """Ends the stream, then reads and discards what the client still sends,
    for a bounded time and amount: closing with its input unread would reset
    the connection, which can destroy the last reply."""
    writer.write_eof()
    left = DRAIN_LIMIT
    try:
        async with asyncio.timeout(DRAIN_TIME):
            while left > 0 and (data := await reader.read(min(left, 65536))):
                left -= len(data)
    except TimeoutError:
        pass


async def serve_lines(reader, writer, shutdown):
    try:
        while True:
            stopping = asyncio.ensure_future(shutdown.wait())
            reading = asyncio.ensure_future(read_line(reader))
            await asyncio.wait({stopping, reading}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                reading.cancel()
                # cancel() only asks: until the read has stopped, drain() can't read.
                await asyncio.gather(reading, return_exceptions=True)
                last_words = b"server shutting down\n"
                break
            stopping.cancel()
            try:
                line = reading.result()
            except TimedOut as error:
                last_words = f"error: {error}\n".encode()
                break
            except asyncio.LimitOverrunError:
                last_words = f"error: a line may be {MAX_LINE} bytes at most\n".encode()
                break
            except asyncio.IncompleteReadError:
                return  # the client closed, maybe mid-line
            await send(writer, line.upper())
        await send(writer, last_words)
        await drain(reader, writer)
    except (OSError, TimeoutError):
        pass  # an I/O error ends its own connection, nothing more
    finally:
        writer.close()


async def serve(shutdown, ready):
    connections = set()

    async def on_connect(reader, writer):
        task = asyncio.current_task()
        connections.add(task)
        try:
            await serve_lines(reader, writer, shutdown)
        finally:
            connections.discard(task)

    # readuntil accepts a newline at index `limit`, and read_line takes the
    # first byte apart: so the longest line is MAX_LINE bytes, newline
    # included, as in the Rust.
    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, limit=MAX_LINE - 2)
    ready.set_result(server.sockets[0].getsockname())
    await shutdown.wait()
    server.close()
    # Python 3.11's wait_closed() does not wait for the connections.
    await asyncio.gather(*connections, return_exceptions=True)


class Client:
    @classmethod
    async def connect(cls, address):
        client = cls()
        # The server's lines are no longer than its clients': MAX_LINE
        # bytes, newline included.
        client.reader, client.writer = await asyncio.open_connection(*address, limit=MAX_LINE - 1)
        return client

    async def ask(self, message):
        self.writer.write(f"{message}\n".encode())
        await self.writer.drain()
        return await self.answer()

    async def answer(self):
        async with asyncio.timeout(CLIENT_PATIENCE):
            try:
                line = await self.reader.readline()
            except ValueError:
                raise ValueError(f"the server sent a line longer than {MAX_LINE} bytes") from None
        return line.decode().rstrip("\n") if line else "(closed)"


def quoted(text):
    return '"' + text + '"'


async def polite_client(address):
    client = await Client.connect(address)
    for message in ["hello", "how are you?"]:
        reply = await client.ask(message)
        print(f"polite: sent {quoted(message)}, got {quoted(reply)}")
    client.writer.close()


async def trickling_client(address):
    loop = asyncio.get_running_loop()
    start = loop.time()
    client = await Client.connect(address)

    async def trickle():
        while True:
            client.writer.write(b"z")
            await client.writer.drain()
            await asyncio.sleep(0.3)

    trickling = asyncio.create_task(trickle())
    try:
        reply = await client.answer()
    finally:
        trickling.cancel()
    print(f"trickling: after {loop.time() - start:.1f}s got {quoted(reply)}")
    client.writer.close()


async def long_line_client(address):
    client = await Client.connect(address)
    reply = await client.ask("x" * 2000)
    print(f"long line: sent 2000 bytes, got {quoted(reply)}")
    print(f"long line: then {quoted(await client.answer())}")
    client.writer.close()


async def client_that_never_reads(address):
    loop = asyncio.get_running_loop()
    start = loop.time()
    client = await Client.connect(address)
    line = b"y" * (MAX_LINE - 1) + b"\n"
    try:
        for _ in range(1_000_000):
            client.writer.write(line)
            await client.writer.drain()
        raise SystemExit("the server took a million lines unanswered")
    except (ConnectionResetError, BrokenPipeError):
        pass
    print(
        f"never reads: after about {loop.time() - start:.0f}s the server closed the connection"
        " (its writes fail)"
    )
    client.writer.close()


async def main():
    shutdown = asyncio.Event()
    ready = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve(shutdown, ready))
    address = await ready

    await polite_client(address)
    await trickling_client(address)
    await long_line_client(address)
    await client_that_never_reads(address)

    client = await Client.connect(address)
    reply = await client.ask("still here")
    print(f"shutdown: a client sent {quoted('still here')}, got {quoted(reply)}")
    shutdown.set()
    print(f"shutdown: the connected client got {quoted(await client.answer())}")
    print(f"shutdown: then {quoted(await client.answer())}")
    client.writer.close()
    await server
    print("shutdown: the server has stopped, every connection closed")


asyncio.run(main())
