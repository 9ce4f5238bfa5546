"""An echo server and its clients: asyncio.start_server with a handler per
connection, lines read with readuntil up to a maximum length, and a client
that half-closes its side with write_eof.

The asyncio twin of crates/io/src/echo_server.rs.
"""

import asyncio

MAX_LINE = 1024
SEND_TIMEOUT = 5
IDLE_TIMEOUT = 30


async def drain(writer):
    """Waits for room for what was written, SEND_TIMEOUT at most: drain()
    has no time limit of its own. A client that stopped reading is cut off,
    as close() would wait for its unsent bytes for ever too."""
    try:
        await asyncio.wait_for(writer.drain(), SEND_TIMEOUT)
    except TimeoutError:
        writer.transport.abort()
        raise


async def serve(shutdown):
    next_id = 1
    handlers = set()

    async def handle(reader, writer):
        nonlocal next_id
        connection = next_id
        next_id += 1
        handlers.add(asyncio.current_task())
        lines = 0
        # How much of the current line was already thrown away for being too long.
        dropped = 0
        try:
            while True:
                read = asyncio.ensure_future(asyncio.wait_for(reader.readuntil(b"\n"), IDLE_TIMEOUT))
                stop = asyncio.ensure_future(shutdown.wait())
                done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
                if read not in done:
                    read.cancel()
                    writer.write(b"server shutting down\n")
                    await drain(writer)
                    break
                stop.cancel()
                try:
                    line = read.result()
                except asyncio.LimitOverrunError as error:
                    # Past the stream's limit readuntil leaves the bytes in
                    # the buffer; read them out to throw them away.
                    dropped += len(await reader.readexactly(error.consumed))
                    continue
                except TimeoutError:
                    print(f"server: connection {connection} silent for {IDLE_TIMEOUT}s")
                    writer.write(f"error: nothing sent for {IDLE_TIMEOUT}s, closing\n".encode())
                    await drain(writer)
                    break
                except asyncio.IncompleteReadError as error:
                    partial = dropped + len(error.partial)
                    if partial:
                        print(f"server: connection {connection} ended mid-line; dropped {partial} bytes")
                    else:
                        print(f"server: connection {connection} ended by the client, lines echoed: {lines}")
                    break
                if dropped:
                    print(f"server: connection {connection} refused a line of {dropped + len(line) - 1} bytes")
                    writer.write(f"error: line longer than {MAX_LINE} bytes\n".encode())
                else:
                    writer.write(b"echo: " + line)
                await drain(writer)
                if not dropped:
                    lines += 1
                dropped = 0
        finally:
            writer.close()
            await writer.wait_closed()
            handlers.discard(asyncio.current_task())

    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_LINE)
    return server, handlers


def stop(server, handlers, shutdown):
    """Closes the listening socket first, so that a client who comes while
    the open connections finish is refused, then tells them to finish."""
    server.close()
    still_open = len(handlers)
    print(f"server: stopped listening; {still_open} connection{'' if still_open == 1 else 's'} still open")
    shutdown.set()


CLIENT_PATIENCE = 5


async def patiently(step):
    """One step of a client, within CLIENT_PATIENCE: a server that accepted
    and then stalled would hold the client for ever."""
    try:
        return await asyncio.wait_for(step, CLIENT_PATIENCE)
    except TimeoutError:
        raise TimeoutError(f"the server stalled for {CLIENT_PATIENCE}s") from None


# The longest line a client takes from the server, without its newline: an
# echo of a line of MAX_LINE bytes.
MAX_REPLY = len("echo: ") + MAX_LINE


async def connect(port):
    """A client's connection, whose readline takes MAX_REPLY bytes at most."""
    return await asyncio.open_connection("127.0.0.1", port, limit=MAX_REPLY)


async def read_reply(reader):
    """readline(), with the error past the limit saying which limit."""
    try:
        return await reader.readline()
    except ValueError:
        raise ValueError(f"the server sent a line longer than {MAX_REPLY} bytes") from None


async def read_until_closed(reader):
    """What the server sends until it closes: a line of MAX_REPLY bytes at
    most, or an error."""
    limit = MAX_REPLY + 1
    rest = b""
    while len(rest) <= limit:
        chunk = await reader.read(limit + 1 - len(rest))
        if not chunk:
            return rest
        rest += chunk
    raise ValueError(f"the server sent more than {limit} bytes before closing")


async def client(port, message):
    reader, writer = await connect(port)
    writer.write(f"{message}\n".encode())
    echo = await patiently(read_reply(reader))
    print(f"client: sent {message!r}, got back {echo.decode().rstrip()!r}")
    writer.write_eof()
    await patiently(read_until_closed(reader))
    print("client: the server closed the connection")
    writer.close()
    await writer.wait_closed()


async def main():
    shutdown = asyncio.Event()
    server, handlers = await serve(shutdown)
    port = server.sockets[0].getsockname()[1]

    await client(port, "hello")

    reader, writer = await connect(port)
    long_line = b"x" * (100 * MAX_LINE)
    writer.write(long_line + b"\nafter\n")
    reply = await patiently(read_reply(reader))
    print(f"client: sent {len(long_line)} bytes, got back {reply.decode().rstrip()!r}")
    reply = await patiently(read_reply(reader))
    print(f"client: sent 'after', got back {reply.decode().rstrip()!r}")
    writer.write_eof()
    await patiently(read_until_closed(reader))
    writer.close()

    reader, writer = await connect(port)
    writer.write(b"half a li")
    writer.write_eof()
    await patiently(read_until_closed(reader))
    print("client: stopped mid-line, and the server closed the connection")
    writer.close()

    reader, writer = await connect(port)
    writer.write(b"ping\n")
    echo = await patiently(read_reply(reader))
    print(f"client: sent 'ping', got back {echo.decode().rstrip()!r}")
    stop(server, handlers, shutdown)
    goodbye = await patiently(read_until_closed(reader))
    print(f"client: the server said {goodbye.decode().rstrip()!r} and closed")
    writer.close()

    await asyncio.gather(*handlers)
    await server.wait_closed()
    print("server stopped")


asyncio.run(main())
