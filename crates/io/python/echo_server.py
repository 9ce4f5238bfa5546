"""An echo server and its clients: asyncio.start_server with a handler per
connection, lines read with readuntil, and a client that half-closes its
side with write_eof.

The asyncio twin of crates/io/src/echo_server.rs.
"""

import asyncio


async def serve(shutdown):
    next_id = 1
    handlers = set()

    async def handle(reader, writer):
        nonlocal next_id
        connection = next_id
        next_id += 1
        handlers.add(asyncio.current_task())
        lines = 0
        try:
            while True:
                read = asyncio.ensure_future(reader.readuntil(b"\n"))
                stop = asyncio.ensure_future(shutdown.wait())
                done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
                if read not in done:
                    read.cancel()
                    writer.write(b"server shutting down\n")
                    await writer.drain()
                    break
                stop.cancel()
                try:
                    line = read.result()
                except asyncio.IncompleteReadError as error:
                    if error.partial:
                        print(f"server: connection {connection} ended mid-line; dropped {error.partial.decode()!r}")
                    else:
                        print(f"server: connection {connection} ended by the client, lines echoed: {lines}")
                    break
                writer.write(b"echo: " + line)
                await writer.drain()
                lines += 1
        finally:
            writer.close()
            await writer.wait_closed()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, handlers


async def client(port, message):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"{message}\n".encode())
    echo = await reader.readline()
    print(f"client: sent {message!r}, got back {echo.decode().rstrip()!r}")
    writer.write_eof()
    await reader.read()
    print("client: the server closed the connection")
    writer.close()
    await writer.wait_closed()


async def main():
    shutdown = asyncio.Event()
    server, handlers = await serve(shutdown)
    port = server.sockets[0].getsockname()[1]

    await client(port, "hello")

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"half a li")
    writer.write_eof()
    await reader.read()
    print("client: stopped mid-line, and the server closed the connection")
    writer.close()

    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"ping\n")
    echo = await reader.readline()
    print(f"client: sent 'ping', got back {echo.decode().rstrip()!r}")
    shutdown.set()
    server.close()
    goodbye = await reader.read()
    print(f"client: the server said {goodbye.decode().rstrip()!r} and closed")
    writer.close()

    await asyncio.gather(*handlers)
    await server.wait_closed()
    print("server stopped")


asyncio.run(main())
