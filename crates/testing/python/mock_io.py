"""Testing a protocol handler without a network: the handler takes a
StreamReader and a writer, and the test feeds the reader by hand
(feed_data, feed_eof, set_exception) and keeps what the handler writes.
Feeding checks less than tokio_test's script: the bytes fed wait in the
reader's buffer whatever the handler does, and what it wrote is compared
only once it has finished.

The asyncio twin of crates/testing/src/mock_io.rs.
"""

import asyncio
import sys
import unittest

MAX_LINE = 64
IDLE_LIMIT = 1.0


class Written:
    """The writer's half of a fake connection: keeps what is written."""

    def __init__(self):
        self.data = bytearray()

    def write(self, data):
        self.data += data

    async def drain(self):
        pass


def execute(line, store):
    match line.split():
        case ["GET", key]:
            return f"VALUE {store[key]}" if key in store else "NIL"
        case ["SET", key, value]:
            store[key] = value
            return "OK"
        case _:
            return f"ERR unknown command: {line}"


async def serve(reader, writer, store):
    while True:
        try:
            line = await asyncio.wait_for(reader.readline(), IDLE_LIMIT)
        except TimeoutError:
            return "hung up on a silent client"
        except ValueError:  # the reader's limit passed with no newline
            writer.write(b"ERR line too long\n")
            await writer.drain()
            return "refused a line too long and hung up"
        if not line.endswith(b"\n"):
            return "the client hung up"
        writer.write(execute(line.decode().rstrip("\n"), store).encode() + b"\n")
        await writer.drain()


EOF = object()

# Each script: what the client sends, a read at a time, and what the
# handler must have written.
SCRIPTS = [
    ("a conversation",
     [b"SET color red\n", b"GET color\n", b"GET size\n", EOF],
     b"OK\nVALUE red\nNIL\n"),
    ("a command split across reads",
     [b"SET size ", b"10\nGET si", b"ze\n", EOF],
     b"OK\nVALUE 10\n"),
    ("a line too long", [b"x" * 2 * MAX_LINE], b"ERR line too long\n"),
    ("a reset mid-command", [b"GET co", ConnectionResetError("connection reset")], b""),
    ("a silent client", [b"SET color blue\n"], b"OK\n"),
]


async def feed(reader, chunks):
    for chunk in chunks:
        if chunk is EOF:
            reader.feed_eof()
        elif isinstance(chunk, Exception):
            reader.set_exception(chunk)
        else:
            reader.feed_data(chunk)
        # One chunk per read: let the handler run before the next.
        await asyncio.sleep(0)


async def converse(chunks, store):
    reader, writer = asyncio.StreamReader(limit=MAX_LINE), Written()
    feeder = asyncio.create_task(feed(reader, chunks))
    try:
        ended = await serve(reader, writer, store)
    finally:
        feeder.cancel()
    return ended, bytes(writer.data)


class ServeTests(unittest.IsolatedAsyncioTestCase):
    async def test_each_script(self):
        for name, chunks, expected in SCRIPTS[:3]:
            with self.subTest(name):
                _, written = await converse(chunks, {})
                self.assertEqual(written, expected)

    async def test_a_reset_is_an_error(self):
        with self.assertRaises(ConnectionResetError):
            await converse(SCRIPTS[3][1], {})


async def main():
    loop = asyncio.get_running_loop()
    store = {}
    for name, chunks, _ in SCRIPTS:
        start = loop.time()
        try:
            ended, _ = await converse(chunks, store)
            print(f"{name}: {ended} at {loop.time() - start:.1f}s")
        except ConnectionError as error:
            print(f"{name}: failed: {error}")


asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
