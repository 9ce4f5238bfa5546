"""A pool of real SQLite connections: at most N open, reused between
callers, returned when released (never inside a transaction), with a
timeout for getting one, and closed instead of returned when a call on it
was cancelled.

The asyncio twin of crates/patterns/src/connection_pool.rs.
"""

import asyncio
import os
import sqlite3
import tempfile
import threading


class PoolTimeout(Exception):
    def __str__(self):
        # As Rust's `{:?}` writes these Durations: `5s`, `200ms`.
        seconds = self.args[0]
        within = f"{seconds:g}s" if seconds >= 1 else f"{seconds * 1000:g}ms"
        return f"no connection became free within {within}"


class ConnectionLost(Exception):
    def __str__(self):
        return "the connection was lost: a previous call on it panicked, was cancelled or could not roll back"


class OpenTransaction(Exception):
    def __str__(self):
        return "the call left a transaction open; it was rolled back"


def query_then_roll_back(query, connection):
    """Runs in the executor's thread: a transaction lives within one call,
    so whatever transaction the query left open is rolled back here."""
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


class SqlitePool:
    def __init__(self, path, max_size, acquire_timeout):
        if max_size < 1:
            raise ValueError("a pool needs at least one connection")
        self.path = path
        self.max_size = max_size
        self.acquire_timeout = acquire_timeout
        self.permits = asyncio.Semaphore(max_size)
        self.idle = []
        self.opened = 0
        self.in_use = 0
        self.peak_in_use = 0

    async def get(self, wait=None):
        wait = self.acquire_timeout if wait is None else wait
        try:
            await asyncio.wait_for(self.permits.acquire(), wait)
        except TimeoutError:
            raise PoolTimeout(wait) from None
        self.in_use += 1
        self.peak_in_use = max(self.peak_in_use, self.in_use)
        if self.idle:
            return PooledConnection(self, self.idle.pop())
        connection = await asyncio.to_thread(sqlite3.connect, self.path, check_same_thread=False)
        self.opened += 1
        return PooledConnection(self, connection)

    def give_back(self, connection):
        self.idle.append(connection)
        self._release_permit()

    def close_lost(self, connection):
        connection.close()
        self._release_permit()

    def _release_permit(self):
        self.in_use -= 1
        self.permits.release()


class PooledConnection:
    def __init__(self, pool, connection):
        self.pool = pool
        # The connection and its permit go together: None while a query runs
        # in its thread, and for good once one was abandoned or failed.
        self.connection = connection

    async def run(self, query):
        if self.connection is None:
            raise ConnectionLost()
        connection, self.connection = self.connection, None
        work = asyncio.get_running_loop().run_in_executor(None, query_then_roll_back, query, connection)
        try:
            result = await asyncio.shield(work)
        except asyncio.CancelledError:
            # The query runs on in its thread without this caller. Its
            # connection is in an unknown state: close it when the query ends,
            # and only then give the permit back, so that at most max_size
            # connections are ever open.
            work.add_done_callback(lambda _: self.pool.close_lost(connection))
            raise
        except (sqlite3.Error, OpenTransaction):
            self.connection = connection  # rolled back, so usable
            raise
        except Exception:
            self.pool.close_lost(connection)  # a bug in the query: Rust's panic
            raise
        self.connection = connection
        return result

    def release(self):
        if self.connection is not None:
            self.pool.give_back(self.connection)
            self.connection = None


async def add_user(pool, name):
    def insert(db):
        db.execute("INSERT INTO users (name) VALUES (?)", (name,))
        db.commit()

    conn = await pool.get()
    try:
        await conn.run(insert)
        await asyncio.sleep(0.1)
    finally:
        conn.release()


async def main():
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as directory:
        pool = SqlitePool(os.path.join(directory, "app.db"), 3, 5)
        conn = await pool.get()
        await conn.run(
            lambda db: db.executescript(
                "PRAGMA journal_mode = WAL;"
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
            )
        )
        conn.release()

        names = ["ada", "grace", "edsger", "barbara", "donald", "leslie", "tony", "niklaus"]
        await asyncio.gather(*(add_user(pool, name) for name in names))

        conn = await pool.get()
        users = await conn.run(lambda db: [row[0] for row in db.execute("SELECT name FROM users ORDER BY name")])
        print(f"{len(users)} users: {', '.join(users)}")
        conn.release()
        print(f"{len(names) + 2} queries used {pool.opened} connections, at most {pool.peak_in_use} at once")
        assert pool.opened <= pool.max_size and pool.peak_in_use <= pool.max_size

        print()
        held = [await pool.get() for _ in range(3)]
        start = loop.time()
        try:
            await pool.get(wait=0.2)
            raise AssertionError("a pool of three handed out a fourth connection")
        except PoolTimeout as error:
            print(f"[{loop.time() - start:.1f}s] With all three checked out: {error}")
        for conn in held:
            conn.release()
        (await pool.get()).release()
        print("After they were returned, a connection was free again")

        print()
        conn = await pool.get()
        try:
            await conn.run(
                lambda db: db.executescript(
                    "BEGIN;"
                    "INSERT INTO users (name) VALUES ('zed');"
                    "INSERT INTO users (name) VALUES ('ada');"
                    "COMMIT;"
                )
            )
            raise AssertionError("a duplicate name was accepted")
        except sqlite3.Error as error:
            print(f"A transaction failed halfway: database error: {error}")
        try:
            await conn.run(lambda db: db.executescript("BEGIN; INSERT INTO users (name) VALUES ('zed');"))
            raise AssertionError("a call left a transaction open and the pool kept it")
        except OpenTransaction as error:
            print(f"A transaction never committed: {error}")
        count, in_transaction = await conn.run(
            lambda db: (db.execute("SELECT count(*) FROM users").fetchone()[0], db.in_transaction)
        )
        print(f"Both rolled back: {count} users, and a transaction open: {in_transaction}")
        assert count == 8 and not in_transaction
        conn.release()

        print()
        conn = await pool.get()
        finish = threading.Event()

        def slow_query(db):
            finish.wait()
            return db.execute("SELECT count(*) FROM users").fetchone()[0]

        query = asyncio.create_task(conn.run(slow_query))
        await asyncio.sleep(0)  # started, and running in its thread
        query.cancel()
        finish.set()
        print("A caller gave up mid-query; its connection will not come back")
        try:
            await conn.run(lambda db: db.execute("SELECT 1"))
            raise AssertionError("a connection in an unknown state was used again")
        except ConnectionLost as error:
            print(f"The next call through the same guard: {error}")
        conn.release()
        print(f"Idle connections: {len(pool.idle)}")

        opened_before = pool.opened
        all_three = await asyncio.gather(*(pool.get() for _ in range(3)))
        fresh = pool.opened - opened_before
        print(f"Three callers at once: two idle connections reused, {fresh} opened to replace the lost one")
        assert fresh == 1
        for conn in all_three:
            conn.release()
        for connection in pool.idle:
            connection.close()


asyncio.run(main())
