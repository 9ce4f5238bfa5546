"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Database Integration Patterns": the guide's `AsyncDatabaseManager`, with
real SQLite connections to a file where the guide only sleeps. Its methods
keep their names, with these changes: the pool opens its connections once,
in `initialize`; queries are functions run on a thread, with parameters
rather than f-strings; a transaction really commits or rolls back; and a
connection whose caller gave up mid-query is closed, not put back (the
guide's `finally` puts it back, still busy), so `get_connection` is no
`async with`. Then *Asynchronous Programming in Python*'s aiomysql
`fetch_data`, on this pool.
"""

import asyncio
import os
import sqlite3
import tempfile
import threading

POOL_SIZE = 3


class OpenTransaction(Exception):
    def __str__(self):
        return "the operation left a transaction open; it was rolled back"


def query_then_roll_back(query, connection):
    """Runs in the executor's thread: an operation is one transaction at
    most, so whatever transaction the query left open is rolled back here."""
    try:
        result = query(connection)
    except BaseException:
        if connection.in_transaction:
            connection.rollback()
        raise
    if connection.in_transaction:
        connection.rollback()
        raise OpenTransaction()
    return result


class AsyncDatabaseManager:
    """Owns the database's temporary directory. Python has no Arc for each
    thread to hold a share of it: the pool keeps its threads, and close()
    waits for them before it removes the directory. A thread can't be
    cancelled, and one that creates a file (the database, its journal) while
    the directory is removed would leave both on disk."""

    def __init__(self, max_connections):
        self.size = size = max_connections
        self.directory = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.directory.name, "app.db")
        self.permits = asyncio.Semaphore(size)
        self.idle = []
        self.opened = 0
        self.threads = set()

    def _open(self):
        connection = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
        self.opened += 1
        return connection

    def _in_thread(self, call, *args):
        """Runs call on a thread, kept until the thread ends. Callers await it
        shielded: cancelling the future would not stop the thread, only end
        the future early."""
        running = asyncio.get_running_loop().run_in_executor(None, call, *args)
        self.threads.add(running)
        running.add_done_callback(self.threads.discard)
        return running

    async def close(self):
        # A cancelled caller can still await, which a Rust drop can't.
        while self.threads:
            await asyncio.wait(self.threads)
        for connection in self.idle:
            connection.close()
        self.directory.cleanup()

    async def initialize(self):
        pool, size = self, self.size

        def open_all():
            # Each connection goes into the pool as soon as it is open, so
            # close() closes it even if the caller has left.
            for _ in range(size):
                pool.idle.append(pool._open())

        try:
            await asyncio.shield(pool._in_thread(open_all))
        except BaseException:
            await pool.close()
            raise
        print(f"Initialized pool with {len(pool.idle)} connections")

    async def get_connection(self):
        await self.permits.acquire()
        if self.idle:
            return self.idle.pop()
        opening = self._in_thread(self._open)
        try:
            return await asyncio.shield(opening)
        except BaseException:
            # The permit counts the connection being opened until it is
            # closed, when the thread ends.
            def discarded(_):
                if opening.exception() is None:
                    opening.result().close()
                self.permits.release()

            opening.add_done_callback(discarded)
            raise

    def release(self, connection):
        if connection is not None:
            self.idle.append(connection)
        self.permits.release()

    async def execute_query(self, query):
        connection = await self.get_connection()
        running = self._in_thread(query_then_roll_back, query, connection)
        try:
            result = await asyncio.shield(running)
        except asyncio.CancelledError:
            # Still in use on its thread: closed there when the query ends,
            # and only then is its permit given back.
            def closed(_):
                connection.close()
                self.permits.release()

            running.add_done_callback(closed)
            raise
        except BaseException:
            self.release(connection)
            raise
        self.release(connection)
        return result

    async def execute_transaction(self, statements):
        print(f"Starting transaction with {len(statements)} queries")

        def transaction(connection):
            with connection:  # commits, or rolls back on an exception
                for sql, parameters in statements:
                    connection.execute(sql, parameters)

        try:
            await self.execute_query(transaction)
        except sqlite3.Error as error:
            print(f"Transaction rolled back: {error}")
            raise
        print("Transaction committed")

    async def counts(self):
        return await self.execute_query(
            lambda c: (
                c.execute("SELECT count(*) FROM users").fetchone()[0],
                c.execute("SELECT count(*) FROM logs").fetchone()[0],
            )
        )


async def worker(pool, worker_id):
    names = []
    for user_id in range(worker_id * 3, (worker_id + 1) * 3):
        row = await pool.execute_query(lambda c, user_id=user_id: c.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone())
        if row:
            names.append(row[0])
    return names


async def fetch_data(pool):
    """The aiomysql guide's fetch_data: a connection from the pool (run
    acquires it), execute, fetch all."""

    def execute_and_fetch_all(connection):
        cursor = connection.cursor()
        cursor.execute("SELECT id, name FROM users ORDER BY id")
        return cursor.fetchall()

    return await pool.execute_query(execute_and_fetch_all)


async def abandon_a_query(pool):
    loop = asyncio.get_running_loop()
    started, go_on = loop.create_future(), threading.Event()

    def slow(connection):
        loop.call_soon_threadsafe(lambda: started.done() or started.set_result(None))
        go_on.wait()
        return connection.execute("SELECT count(*) FROM users").fetchone()

    query = asyncio.create_task(pool.execute_query(slow))
    try:
        await started
        query.cancel()
        await asyncio.gather(query, return_exceptions=True)
        print("Gave up on a query while it ran")
        print(f"Its connection is not returned: {len(pool.idle)} idle of {POOL_SIZE}")
    finally:
        # Left early or not, the query is given up and may end, as when
        # the Rust's future and sender are dropped.
        query.cancel()
        go_on.set()


async def database_integration_example():
    pool = AsyncDatabaseManager(max_connections=POOL_SIZE)
    await pool.initialize()
    try:

        def setup(connection):
            connection.executescript(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, status TEXT);"
                "CREATE TABLE logs (id INTEGER PRIMARY KEY, action TEXT NOT NULL);"
            )
            with connection:
                connection.executemany("INSERT INTO users (id, name) VALUES (?, ?)", [(i, f"user-{i}") for i in range(12)])

        await pool.execute_query(setup)
        for worker_id, names in enumerate(await asyncio.gather(*(worker(pool, i) for i in range(4)))):
            print(f"Worker {worker_id} found: {', '.join(names)}")
        print("Completed 4 workers")

        rows = await fetch_data(pool)
        print(f"fetch_data: {len(rows)} rows, {rows[0]} to {rows[-1]}")

        await pool.execute_transaction(
            [
                ("INSERT INTO users (name) VALUES (?)", ("Alice",)),
                ("UPDATE users SET status = ? WHERE name = ?", ("active", "Alice")),
                ("INSERT INTO logs (action) VALUES (?)", ("user_created",)),
            ]
        )
        committed = await pool.counts()
        print(f"Rows: users {committed[0]}, logs {committed[1]}")
        try:
            await pool.execute_transaction(
                [
                    ("INSERT INTO users (name) VALUES (?)", ("Bob",)),
                    ("INSERT INTO logs (action) VALUES (?)", ("user_created",)),
                    ("INSERT INTO users (name) VALUES (?)", ("Alice",)),
                ]
            )
            raise AssertionError("the duplicate name must be refused")
        except sqlite3.IntegrityError:
            pass
        after = await pool.counts()
        print(f"Rows: users {after[0]}, logs {after[1]}")
        alice = await pool.execute_query(lambda c: c.execute("SELECT status FROM users WHERE name = ?", ("Alice",)).fetchone()[0])
        assert after == committed and alice == "active"
        print("Nothing partial left, nothing committed lost")

        print()
        await abandon_a_query(pool)
        connections = await asyncio.gather(*(pool.get_connection() for _ in range(POOL_SIZE)))
        print(f"Took all {len(connections)} connections at once; opened in all: {pool.opened}")
    finally:
        await pool.close()


asyncio.run(database_integration_example())
