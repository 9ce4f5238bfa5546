"""A connection pool: an @asynccontextmanager around a Semaphore whose
finally gives the permit back, and the connection too if it is in a known
state.

The asyncio twin of crates/context-managers/src/connection_pool.rs.
"""

import asyncio
from contextlib import asynccontextmanager

OPEN_TIME = 1.5
QUERY_TIME = 1.5
ARRIVAL_GAP = 0.5


class ConnectionLost(Exception):
    def __init__(self):
        super().__init__("the connection was closed: an earlier query on it never finished")


class Connection:
    def __init__(self, name):
        self.name = name

    async def execute(self, query_time):
        await asyncio.sleep(query_time)


class PooledConnection:
    def __init__(self, connection):
        # None while the connection is being opened or a query has it, and
        # after a query that never finished.
        self.connection = connection

    def name(self):
        return self.connection.name if self.connection else "no connection"

    async def execute(self, query_time):
        """The connection is taken out while the query runs: if the query
        is cancelled halfway, the connection goes with it."""
        connection = self.connection
        if connection is None:
            raise ConnectionLost()
        self.connection = None
        await connection.execute(query_time)
        self.connection = connection


class ConnectionPool:
    def __init__(self, max_connections):
        if max_connections < 1:
            raise ValueError("a pool needs room for at least one connection")
        self.max_connections = max_connections
        self.permits = asyncio.Semaphore(max_connections)
        self.idle = []
        self.active = 0
        self.opened = 0

    async def open(self):
        await asyncio.sleep(OPEN_TIME)
        self.opened += 1
        return Connection(f"Connection-{self.opened}")

    @asynccontextmanager
    async def get_connection(self):
        async with self.permits:
            self.active += 1
            assert self.active <= self.max_connections, f"{self.active} checked out"
            guard = PooledConnection(self.idle.pop() if self.idle else None)
            try:
                print(f"Acquired connection. Active: {self.active}")
                if guard.connection is None:
                    guard.connection = await self.open()
                yield guard
            finally:
                self.active -= 1
                if guard.connection is not None:
                    self.idle.append(guard.connection)
                    print(f"Released connection. Active: {self.active}")
                else:
                    print(
                        f"Released connection. Active: {self.active} "
                        "(no connection to give back)"
                    )

    def status(self):
        # Semaphore has no public count; each active checkout holds one permit.
        free = self.max_connections - self.active
        return (
            f"{self.active} active, {len(self.idle)} idle, {self.opened} opened so far, "
            f"{free} of {self.max_connections} permits free"
        )


async def worker(pool, name):
    async with pool.get_connection() as conn:
        print(f"Worker {name} using {conn.name()}")
        await conn.execute(QUERY_TIME)
    return f"Result from {name}"


async def use_connection_pool():
    pool = ConnectionPool(3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(5):
        # The first three arrive ARRIVAL_GAP apart; W3 and W4 with W2.
        if i in (1, 2):
            await asyncio.sleep(start + ARRIVAL_GAP * i - loop.time())
        tasks.append(asyncio.create_task(worker(pool, f"W{i}")))
    results = await asyncio.gather(*tasks)
    for result in results:
        print(result)
    print(f"Pool: {pool.status()}")
    assert pool.opened == pool.max_connections

    print()
    pool = ConnectionPool(1)
    patience = 0.2
    try:
        async with asyncio.timeout(patience):
            async with pool.get_connection():
                pass
    except TimeoutError:
        print(f"get_connection timed out: {pool.status()}")

    async with pool.get_connection() as conn:
        print(f"Worker W5 using {conn.name()}")
        try:
            async with asyncio.timeout(patience):
                await conn.execute(1)
        except TimeoutError:
            print("Query timed out")
        try:
            await conn.execute(0.1)
        except ConnectionLost as error:
            print(f"Next query on the same guard: {error}")
    print(f"Pool: {pool.status()}")

    async with pool.get_connection() as conn:
        print(f"Worker W6 using {conn.name()}")
        await conn.execute(0.1)
    print(f"Pool: {pool.status()}")
    assert (pool.active, pool.opened) == (0, 2)


asyncio.run(use_connection_pool())
