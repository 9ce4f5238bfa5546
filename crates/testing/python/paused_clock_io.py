"""The paused clock and real I/O, in asyncio: looptime, the event loop whose
clock jumps to the next timer (a fake clock for asyncio tests), has
Tokio's trap. While the loop waits for a socket it has nothing to run, and
after a few idle turns it moves its clock to the next timer, so the 5 s
wait_for fires before the server, on a thread of its own, has answered.
The fixes are the same: the real clock for real I/O, or the server in the
test's loop, here at the other end of two fed StreamReaders. It needs
looptime: pip install looptime.

The asyncio twin of crates/testing/src/paused_clock_io.rs.
"""

import asyncio
import socket
import sys
import threading
import time
import unittest

import looptime

WORK = 0.5
DEADLINE = 5
MAX_LINE = 64
# How long the server waits for a request line.
REQUEST_TIMEOUT = 5


async def answer(reader, writer):
    await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT)
    await asyncio.sleep(WORK)
    writer.write(b"PONG\n")
    await writer.drain()


async def ask(reader, writer):
    writer.write(b"PING\n")
    await writer.drain()
    return (await reader.readline()).decode().rstrip("\n")


async def ask_over_tcp(port):
    async def exchange():
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_LINE)
        try:
            return await ask(reader, writer)
        finally:
            writer.close()

    return await asyncio.wait_for(exchange(), DEADLINE)


def serve_elsewhere(listener, connections, worked, opened):
    """A server outside the test's loop: a thread with blocking sockets,
    which each wait at most DEADLINE. It takes no connection until `opened`
    is set, once the paused client has given up: a busy machine that held
    the client up for the server's WORK would otherwise let the reply in
    before the loop's clock moved."""
    opened.wait()
    listener.settimeout(DEADLINE)
    for _ in range(connections):
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(DEADLINE)
            connection.makefile("rb").readline(MAX_LINE)
            time.sleep(WORK)
            try:
                connection.sendall(b"PONG\n")
            except OSError:  # the client left early
                pass
            worked.set()


class Fed:
    """The writing half of an in-memory connection: feeds the other side."""

    def __init__(self, reader):
        self.reader = reader

    def write(self, data):
        self.reader.feed_data(data)

    async def drain(self):
        pass


async def in_the_loop():
    to_client, to_server = asyncio.StreamReader(), asyncio.StreamReader()
    server = asyncio.create_task(answer(to_server, Fed(to_client)))
    start = asyncio.get_running_loop().time()
    reply = await asyncio.wait_for(ask(to_client, Fed(to_server)), DEADLINE)
    await server
    return reply, asyncio.get_running_loop().time() - start


class InTheLoopTests(unittest.TestCase):
    def test_times_are_exact_again(self):
        loop = looptime.new_event_loop()
        try:
            self.assertEqual(loop.run_until_complete(in_the_loop()), ("PONG", WORK))
        finally:
            loop.close()


def main():
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    worked = threading.Event()
    opened = threading.Event()
    elsewhere = threading.Thread(target=serve_elsewhere, args=(listener, 2, worked, opened))
    elsewhere.start()

    # The whole test on the fast-forwarding loop.
    paused = looptime.new_event_loop()
    start = paused.time()
    try:
        reply = paused.run_until_complete(ask_over_tcp(port))
        print(f"paused clock, server elsewhere: {reply}")
    except TimeoutError:
        server = "had answered" if worked.is_set() else "was still working"
        print(f"paused clock, server elsewhere: timed out at {paused.time() - start:.1f}s; "
              f"the server {server}")
    finally:
        opened.set()

    # Fix one: real I/O on the real clock.
    real = asyncio.SelectorEventLoop()
    print(f"real clock, server elsewhere: {real.run_until_complete(ask_over_tcp(port))}")
    real.close()

    # Fix two: the fast-forwarding loop, and the server in it.
    reply, elapsed = paused.run_until_complete(in_the_loop())
    print(f"paused clock, server in the runtime: {reply} at {elapsed:.1f}s")
    paused.close()
    elsewhere.join()
    listener.close()


main()
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
