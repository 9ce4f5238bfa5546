"""A pool of real SQLite connections to a database file, shared by
concurrent workers, and transactions that commit whole or roll back whole;
a connection whose caller gave up mid-query is not returned.

The asyncio twin of crates/real-world/src/sqlite_pool.rs.
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


class Pool:
    def __init__(self, path, size):
        self.path = path
        self.permits = asyncio.Semaphore(size)
        self.idle = []
        self.opened = 0

    def _open(self):
        connection = sqlite3.connect(self.path, check_same_thread=False, timeout=5)
        self.opened += 1
        return connection

    @classmethod
    async def open(cls, path, size):
        pool = cls(path, size)
        pool.idle = [await asyncio.to_thread(pool._open) for _ in range(size)]
        print(f"Initialized pool with {len(pool.idle)} connections")
        return pool

    async def acquire(self):
        await self.permits.acquire()
        return self.idle.pop() if self.idle else await asyncio.to_thread(self._open)

    def release(self, connection):
        if connection is not None:
            self.idle.append(connection)
        self.permits.release()

    async def run(self, query):
        connection = await self.acquire()
        running = asyncio.get_running_loop().run_in_executor(None, query_then_roll_back, query, connection)
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
            await self.run(transaction)
        except sqlite3.Error as error:
            print(f"Transaction rolled back: {error}")
            raise
        print("Transaction committed")

    async def counts(self):
        return await self.run(
            lambda c: (
                c.execute("SELECT count(*) FROM users").fetchone()[0],
                c.execute("SELECT count(*) FROM logs").fetchone()[0],
            )
        )


async def worker(pool, worker_id):
    names = []
    for user_id in range(worker_id * 3, (worker_id + 1) * 3):
        row = await pool.run(lambda c, user_id=user_id: c.execute("SELECT name FROM users WHERE id = ?", (user_id,)).fetchone())
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

    return await pool.run(execute_and_fetch_all)


async def abandon_a_query(pool):
    started, go_on = threading.Event(), threading.Event()

    def slow(connection):
        started.set()
        go_on.wait()
        return connection.execute("SELECT count(*) FROM users").fetchone()

    query = asyncio.create_task(pool.run(slow))
    await asyncio.to_thread(started.wait)
    query.cancel()
    await asyncio.gather(query, return_exceptions=True)
    print("Gave up on a query while it ran")
    print(f"Its connection is not returned: {len(pool.idle)} idle of {POOL_SIZE}")
    go_on.set()


async def main():
    with tempfile.TemporaryDirectory() as directory:
        pool = await Pool.open(os.path.join(directory, "app.db"), POOL_SIZE)

        def setup(connection):
            connection.executescript(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, status TEXT);"
                "CREATE TABLE logs (id INTEGER PRIMARY KEY, action TEXT NOT NULL);"
            )
            with connection:
                connection.executemany("INSERT INTO users (id, name) VALUES (?, ?)", [(i, f"user-{i}") for i in range(12)])

        await pool.run(setup)
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
        alice = await pool.run(lambda c: c.execute("SELECT status FROM users WHERE name = ?", ("Alice",)).fetchone()[0])
        assert after == committed and alice == "active"
        print("Nothing partial left, nothing committed lost")

        print()
        await abandon_a_query(pool)
        connections = await asyncio.gather(*(pool.acquire() for _ in range(POOL_SIZE)))
        print(f"Took all {len(connections)} connections at once; opened in all: {pool.opened}")


asyncio.run(main())
