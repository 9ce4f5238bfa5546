"""Batching database writes: 200 inserts in one transaction against one
transaction per row, in real SQLite on a file, off the event loop.

The asyncio twin of crates/performance/src/batch_inserts.rs.
"""

import asyncio
import os
import sqlite3
import tempfile
import time

ROWS = 200
INSERT = "INSERT INTO users (name, email) VALUES (?, ?)"


def users(batch):
    return [(f"{batch}-{i}", f"{batch}-{i}@example.com") for i in range(ROWS)]


def insert_one_per_transaction(connection, rows):
    for row in rows:
        with connection:  # a transaction of one row, committed on exit
            connection.execute(INSERT, row)


def insert_in_one_transaction(connection, rows):
    with connection:
        connection.executemany(INSERT, rows)


def timed(insert, connection, rows):
    start = time.perf_counter()
    insert(connection, rows)
    return time.perf_counter() - start


def count(connection, pattern):
    return connection.execute("SELECT COUNT(*) FROM users WHERE name LIKE ?", (pattern,)).fetchone()[0]


async def main():
    with tempfile.TemporaryDirectory() as directory:
        # One connection, used from one worker thread at a time.
        connection = sqlite3.connect(os.path.join(directory, "users.db"), check_same_thread=False)
        await asyncio.to_thread(
            connection.execute,
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE)",
        )
        per_row = await asyncio.to_thread(timed, insert_one_per_transaction, connection, users("single"))
        print(f"One transaction per row: inserted {await asyncio.to_thread(count, connection, 'single-%')} rows")
        batched = await asyncio.to_thread(timed, insert_in_one_transaction, connection, users("batch"))
        print(f"One transaction for all: inserted {await asyncio.to_thread(count, connection, 'batch-%')} rows")
        print(f"One transaction was faster than one per row: {batched < per_row}")
        connection.close()


asyncio.run(main())
