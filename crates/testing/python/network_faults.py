"""Network faults in asyncio: there is no simulator like turmoil, so the
test fakes the network itself. Each connection is two StreamReaders, and
what one side writes is fed to the other after the network's latency,
unless the network is cut; a crash cancels the server's tasks, ends its
connections and forgets its store. The clients and the server are the
Rust's, and so are the bug and the fix.

The asyncio twin of crates/testing/src/network_faults.rs.
"""

import asyncio
import sys
import unittest

MAX_LINE = 64
DEADLINE = 1.0
ATTEMPTS = 5
BACKOFF = 0.5
REQUESTS_AT = 2.0
GIVE_UP = 10.0


class Network:
    """One server, its clients, and what the test does to them."""

    def __init__(self):
        self.latency = 0.01
        self.cut = False
        self.store = {}
        self.up = asyncio.Event()
        self.up.set()
        self.served = set()  # (server task, the client's reader)

    async def connect(self):
        if self.cut:
            raise ConnectionRefusedError("no answer to the connection")
        if not self.up.is_set():
            # A crashed host answers nothing; restarted, nothing listens yet.
            await self.up.wait()
            raise ConnectionRefusedError("nothing listens yet")
        await asyncio.sleep(self.latency)  # the handshake's first message
        to_client, to_server = asyncio.StreamReader(MAX_LINE), asyncio.StreamReader(MAX_LINE)
        task = asyncio.create_task(serve(to_server, Link(self, to_client), self.store))
        self.served.add((task, to_client))
        return to_client, Link(self, to_server)

    def crash(self):
        self.up.clear()
        for task, to_client in self.served:
            task.cancel()
            to_client.feed_eof()
        self.served.clear()

    def bounce(self):
        self.store = {}
        self.up.set()


class Link:
    """One direction of a connection: a write arrives after the latency,
    or never, if the network is cut."""

    def __init__(self, network, reader):
        self.network, self.reader = network, reader

    def write(self, data):
        if not self.network.cut:
            loop = asyncio.get_running_loop()
            loop.call_later(self.network.latency, self.reader.feed_data, data)

    async def drain(self):
        pass


async def serve(reader, writer, store):
    while line := await reader.readline():
        match line.decode().split():
            case ["GET", key]:
                reply = f"VALUE {store[key]}" if key in store else "NIL"
            case ["SET", key, value]:
                store[key] = value
                reply = "OK"
            case _:
                reply = "ERR unknown command"
        writer.write(reply.encode() + b"\n")


async def exchange(connection, command):
    reader, writer = connection
    writer.write(command.encode() + b"\n")
    reply = await reader.readline()
    if not reply:
        raise ConnectionError("the server closed the connection")
    return reply.decode().rstrip("\n")


class NaiveClient:
    def __init__(self, network, connection):
        self.connection = connection

    async def request(self, command):
        return await exchange(self.connection, command)


class Client:
    def __init__(self, network, connection):
        self.network, self.connection, self.failed = network, connection, 0

    async def request(self, command):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await asyncio.wait_for(self.attempt(command), DEADLINE)
            except (ConnectionError, TimeoutError):
                self.failed += 1
                self.connection = None
                if attempt == ATTEMPTS:
                    raise
                await asyncio.sleep(BACKOFF)

    async def attempt(self, command):
        if self.connection is None:
            self.connection = await self.network.connect()
        return await exchange(self.connection, command)


FAULTS = {
    "no faults": [],
    "50 ms latency": [(0, lambda net: setattr(net, "latency", 0.05))],
    "partition from 1s to 4s": [
        (1, lambda net: setattr(net, "cut", True)),
        (4, lambda net: setattr(net, "cut", False)),
    ],
    "server crash at 1s, back at 3s": [(1, Network.crash), (3, Network.bounce)],
}


async def script(network, kind):
    client = kind(network, await network.connect())
    await asyncio.sleep(REQUESTS_AT)
    await client.request("SET color red")
    return await client.request("GET color"), getattr(client, "failed", 0)


async def simulate(fault, kind):
    loop = asyncio.get_running_loop()
    start = loop.time()
    network = Network()
    for at, event in FAULTS[fault]:
        if at == 0:  # from the start: before the client connects
            event(network)
        else:
            loop.call_at(start + at, event, network)
    try:
        result = await asyncio.wait_for(script(network, kind), GIVE_UP)
    except TimeoutError:
        result = None
    except ConnectionError as error:
        result = error
    finally:
        network.crash()
    return result, loop.time() - start


class FaultTests(unittest.IsolatedAsyncioTestCase):
    async def test_the_naive_client_hangs_on_a_partition(self):
        result, _ = await simulate("partition from 1s to 4s", NaiveClient)
        self.assertIsNone(result)


async def main():
    for fault in FAULTS:
        for kind, name in [(NaiveClient, "without deadlines"), (Client, "with deadlines")]:
            result, at = await simulate(fault, kind)
            match result:
                case None:
                    ending = f"still waiting when the test gave up at {at:.2f}s"
                case (reply, 0):
                    ending = f"{reply} at {at:.2f}s"
                case (reply, failed):
                    ending = f"{reply} at {at:.2f}s, after {failed} failed attempts"
                case error:
                    ending = f"failed at {at:.2f}s: {error}"
            print(f"{fault}, client {name}: {ending}")


asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
