"""A line protocol with a maximum line length: readline under the `limit`
of start_server, an error reply for a line too long or not UTF-8, then the
connection closed.

The asyncio twin of crates/io/src/line_codec.rs.
"""

import asyncio

MAX_LINE = 32


async def handle(reader, writer):
    try:
        while True:
            try:
                line = await reader.readline()
            except ValueError:
                writer.write(f"error: line longer than {MAX_LINE} bytes, closing\n".encode())
                break
            if not line:
                break
            try:
                text = line.rstrip(b"\r\n").decode()
            except UnicodeDecodeError:
                writer.write(b"error: line is not UTF-8, closing\n")
                break
            writer.write(text.upper().encode() + b"\n")
            await writer.drain()
        await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def main():
    # asyncio's limit, like LinesCodec's maximum, is the length of the line
    # without its newline.
    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_LINE)
    port = server.sockets[0].getsockname()[1]

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for line in ["hello", "a line of exactly thirty-two b..", "x" * 100]:
        writer.write(line.encode() + b"\n")
        reply = await reader.readline()
        if reply:
            print(f"sent {len(line)} bytes, got {reply.decode().rstrip()!r}")
        else:
            print(f"sent {len(line)} bytes, and the server had closed")
    after = await reader.readline()
    print(f"then the server closed the connection: {after == b''}")
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"caf\xe9\n")
    reply = await reader.read()
    print(f"sent Latin-1 bytes, got {reply.decode().rstrip()!r}")
    writer.close()

    server.close()
    await server.wait_closed()


asyncio.run(main())
