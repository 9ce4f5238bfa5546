"""A line protocol with a maximum line length: readline under the `limit`
of start_server, an error reply for a line too long or not UTF-8, then the
connection closed; at shutdown, every connection says goodbye.

The asyncio twin of crates/io/src/line_codec.rs.
"""

import asyncio

MAX_LINE = 32
SEND_TIMEOUT = 5
IDLE_TIMEOUT = 30


async def send(writer, line):
    writer.write(line.encode() + b"\n")
    # drain() has no time limit of its own. A client that stopped reading is
    # cut off, as close() would wait for its unsent bytes for ever too.
    try:
        await asyncio.wait_for(writer.drain(), SEND_TIMEOUT)
    except TimeoutError:
        writer.transport.abort()
        raise


async def serve(shutdown):
    handlers = set()

    async def handle(reader, writer):
        handlers.add(asyncio.current_task())
        try:
            while True:
                read = asyncio.ensure_future(asyncio.wait_for(reader.readline(), IDLE_TIMEOUT))
                stop = asyncio.ensure_future(shutdown.wait())
                done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
                if read not in done:
                    read.cancel()
                    await send(writer, "server shutting down")
                    break
                stop.cancel()
                try:
                    line = read.result()
                except TimeoutError:
                    await send(writer, f"error: nothing sent for {IDLE_TIMEOUT}s, closing")
                    break
                except ValueError:
                    await send(writer, f"error: line longer than {MAX_LINE} bytes, closing")
                    break
                if not line:
                    break
                try:
                    text = line.rstrip(b"\r\n").decode()
                except UnicodeDecodeError:
                    await send(writer, "error: line is not UTF-8, closing")
                    break
                await send(writer, text.upper())
        finally:
            writer.close()
            await writer.wait_closed()
            handlers.discard(asyncio.current_task())

    # asyncio's limit, like LinesCodec's maximum, is the length of the line
    # without its newline.
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
# The longest reply a client takes: str.upper() makes a line at most three
# times as long, as Rust's to_uppercase() does.
MAX_REPLY = 3 * MAX_LINE


async def patiently(step):
    """One step of a client, within CLIENT_PATIENCE: a server that accepted
    and then stalled would hold the client for ever."""
    try:
        return await asyncio.wait_for(step, CLIENT_PATIENCE)
    except TimeoutError:
        raise TimeoutError(f"the server stalled for {CLIENT_PATIENCE}s") from None


async def read_reply(reader):
    """readline(), with the error past the limit saying which limit."""
    try:
        return await reader.readline()
    except ValueError:
        raise ValueError(f"the server sent a line longer than {MAX_REPLY} bytes") from None


async def read_until_closed(reader):
    """What the server sends until it closes: MAX_REPLY bytes and a newline
    at most, or an error."""
    reply = b""
    while len(reply) <= MAX_REPLY + 1:
        chunk = await reader.read(MAX_REPLY + 2 - len(reply))
        if not chunk:
            return reply
        reply += chunk
    raise ValueError(f"the server sent a line longer than {MAX_REPLY} bytes")


async def main():
    shutdown = asyncio.Event()
    server, handlers = await serve(shutdown)
    port = server.sockets[0].getsockname()[1]

    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_REPLY)
    for line in ["hello", "a line of exactly thirty-two b..", "x" * 100]:
        writer.write(line.encode() + b"\n")
        reply = await patiently(read_reply(reader))
        if reply:
            print(f"sent {len(line)} bytes, got {reply.decode().rstrip()!r}")
        else:
            print(f"sent {len(line)} bytes, and the server had closed")
    after = await patiently(read_reply(reader))
    print(f"then the server closed the connection: {after == b''}")
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_REPLY)
    writer.write(b"caf\xe9\n")
    reply = await patiently(read_until_closed(reader))
    print(f"sent Latin-1 bytes, got {reply.decode().rstrip()!r}")
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_REPLY)
    writer.write(b"still here\n")
    reply = await patiently(read_reply(reader))
    print(f"sent 'still here', got {reply.decode().rstrip()!r}")
    stop(server, handlers, shutdown)
    goodbye = await patiently(read_reply(reader))
    after = await patiently(read_reply(reader))
    print(f"the server said {goodbye.decode().rstrip()!r}, then closed the connection: {after == b''}")
    writer.close()

    await asyncio.gather(*handlers)
    await server.wait_closed()
    print("server stopped")


asyncio.run(main())
