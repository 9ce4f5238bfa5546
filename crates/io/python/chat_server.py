"""A chat server: every line a client sends goes to all the others, with a
message when someone joins or leaves, and a graceful shutdown that tells
every client the server is going away.

The asyncio twin of crates/io/src/chat_server.rs.
"""

import asyncio

MAX_LINE = 1024
SEND_TIMEOUT = 5
NAME_TIMEOUT = 30
DRAIN_LIMIT = 64 * 1024
DRAIN_TIME = 1
CLIENT_PATIENCE = 5
# The longest line a client takes: a name and a line, with ": " between.
MAX_HEARD = 2 * MAX_LINE + len(": ")


async def drain(writer):
    """Waits for room for what was written, SEND_TIMEOUT at most: drain()
    has no time limit of its own. A client that stopped reading is cut off,
    as close() would wait for its unsent bytes for ever too."""
    try:
        await asyncio.wait_for(writer.drain(), SEND_TIMEOUT)
    except TimeoutError:
        writer.transport.abort()
        raise


class Refused(Exception):
    """A line the server refuses, with what the client is told."""


async def read_text(reader):
    """The next line, decoded; "" once the stream has ended."""
    try:
        line = await reader.readline()
    except ValueError:  # longer than the stream's limit, which drops it
        raise Refused(f"lines are at most {MAX_LINE} bytes; bye") from None
    try:
        return line.decode()
    except UnicodeDecodeError:
        raise Refused("lines must be UTF-8 text; bye") from None


class ChatServer:
    def __init__(self):
        self.writers = {}  # connection id -> writer, for every named client
        self.shutdown = asyncio.Event()
        self.handlers = set()
        self.next_id = 0

    async def broadcast(self, sender, text):
        """Writes to each client in turn, in the sender's handler, as the
        classic demo does: a client that reads nothing holds the sender up
        for SEND_TIMEOUT a line, which the Rust's channel, each connection
        writing at its own pace, avoids."""
        for connection, writer in list(self.writers.items()):
            if connection != sender and not writer.transport.is_closing():
                writer.write(text.encode() + b"\n")
                try:
                    await drain(writer)
                except (TimeoutError, ConnectionError):
                    pass  # gone or cut off: its own handler sees the stream end

    async def handle(self, reader, writer):
        self.handlers.add(asyncio.current_task())
        self.next_id += 1
        connection = self.next_id
        try:
            writer.write(b"your name?\n")
            try:
                async with asyncio.timeout(NAME_TIMEOUT):
                    line = await read_text(reader)
            except TimeoutError:
                writer.write(f"no name within {NAME_TIMEOUT}s; bye\n".encode())
                await self.hang_up(reader, writer)
                return
            except Refused as refused:
                writer.write(f"{refused}\n".encode())
                await self.hang_up(reader, writer)
                return
            if not line:
                return  # gone before giving a name
            name = line.strip()
            if not name:
                writer.write(b"a name can't be empty; bye\n")
                await self.hang_up(reader, writer)
                return
            # Only named clients are in the room, so only they are counted.
            writer.write(f"welcome, {name}; {len(self.writers)} already connected\n".encode())
            await self.broadcast(connection, f"{name} joined")
            self.writers[connection] = writer
            stop = asyncio.ensure_future(self.shutdown.wait())
            while True:
                line = asyncio.ensure_future(read_text(reader))
                done, _ = await asyncio.wait({line, stop}, return_when=asyncio.FIRST_COMPLETED)
                if stop in done:
                    line.cancel()
                    await asyncio.wait({line})  # its read ends before the drain's
                    del self.writers[connection]
                    writer.write(b"server shutting down\n")
                    await self.hang_up(reader, writer)
                    return
                try:
                    text = line.result()
                except Refused as refused:
                    writer.write(f"{refused}\n".encode())
                    break
                if not text:
                    break
                await self.broadcast(connection, f"{name}: {text.rstrip()}")
            stop.cancel()
            del self.writers[connection]
            await self.broadcast(connection, f"{name} left")
            await self.hang_up(reader, writer)
        finally:
            writer.close()
            await writer.wait_closed()


    @staticmethod
    async def hang_up(reader, writer):
        """Ends the stream, then reads and discards what the client still
        sends, within bounds: closing with input unread resets the
        connection, which can destroy the last line on its way."""
        if writer.transport.is_closing():
            return  # cut off for not reading
        await drain(writer)
        writer.write_eof()
        left = DRAIN_LIMIT
        try:
            async with asyncio.timeout(DRAIN_TIME):
                while left > 0 and (data := await reader.read(min(left, 65536))):
                    left -= len(data)
        except TimeoutError:
            pass


class Client:
    def __init__(self, name, reader, writer):
        self.name, self.reader, self.writer = name, reader, writer

    @classmethod
    async def join(cls, port, name):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_HEARD)
        client = cls(name, reader, writer)
        await client.hear()
        writer.write(name.encode() + b"\n")
        await client.hear()
        return client

    async def say(self, text):
        print(f"[{self.name}] says {text!r}")
        self.writer.write(text.encode() + b"\n")
        await self.writer.drain()

    async def hear(self):
        """Prints the next line, and fails if none comes within
        CLIENT_PATIENCE (a server that accepted and then stalled would hold
        the client for ever) or it is longer than MAX_HEARD."""
        try:
            line = await asyncio.wait_for(self.reader.readline(), CLIENT_PATIENCE)
        except TimeoutError:
            raise TimeoutError(f"the server said nothing for {CLIENT_PATIENCE}s") from None
        except ValueError:
            raise ValueError(f"the server sent a line longer than {MAX_HEARD} bytes") from None
        if line:
            print(f"[{self.name}] hears {line.decode().rstrip()!r}")
        else:
            print(f"[{self.name}] is disconnected")


async def main():
    chat = ChatServer()
    # The limit is the longest line, its newline not counted.
    server = await asyncio.start_server(chat.handle, "127.0.0.1", 0, limit=MAX_LINE)
    port = server.sockets[0].getsockname()[1]
    try:
        alice = await Client.join(port, "alice")
        bob = await Client.join(port, "bob")
        await alice.hear()
        carol = await Client.join(port, "carol")
        await alice.hear()
        await bob.hear()

        await alice.say("hi all")
        await bob.hear()
        await carol.hear()
        await carol.say("hello alice")
        await alice.hear()
        await bob.hear()

        print("[bob] disconnects")
        bob.writer.close()
        await alice.hear()
        await carol.hear()

        print("-- shutting down")
        server.close()
        chat.shutdown.set()
        for client in [alice, carol]:
            await client.hear()
            await client.hear()
            client.writer.close()
        await asyncio.gather(*chat.handlers)
        await server.wait_closed()
    finally:
        # However main ends, the server stops, as the Rust's drop guard
        # makes it; otherwise its handlers would run until asyncio.run
        # cancels the tasks left at its end.
        server.close()
        chat.shutdown.set()
    print("server stopped")


asyncio.run(main())
