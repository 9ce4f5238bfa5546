"""Batching database writes: 200 inserts in one transaction against one
transaction per row, in real SQLite on a file, off the event loop.

The asyncio twin of crates/performance/src/batch_inserts.rs.
"""

import asyncio
import os
import sqlite3
import tempfile

ROWS = 200
INSERT = "INSERT INTO users (name, email) VALUES (?, ?)"


def users(batch):
    return [(f"{batch}-{i}", f"{batch}-{i}@example.com") for i in range(ROWS)]


def insert_one_per_transaction(connection, rows):
    # The guide's db.execute commits every call. A plain sqlite3 connection
    # would open one transaction at the first INSERT and commit nothing until
    # commit(): `with connection` commits each row.
    for row in rows:
        with connection:
            connection.execute(INSERT, row)


def insert_in_one_transaction(connection, rows):
    with connection:
        connection.executemany(INSERT, rows)


def counting_commits(insert, connection, rows):
    """The transactions `insert` commits, counted from the statements
    sqlite3 runs (Python has no commit hook)."""
    statements = []
    connection.set_trace_callback(statements.append)
    try:
        insert(connection, rows)
    finally:
        connection.set_trace_callback(None)
    return statements.count("COMMIT")


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
        commits = await asyncio.to_thread(counting_commits, insert_one_per_transaction, connection, users("single"))
        rows = await asyncio.to_thread(count, connection, "single-%")
        print(f"One transaction per row: inserted {rows} rows, committed {commits} transactions")
        commits = await asyncio.to_thread(counting_commits, insert_in_one_transaction, connection, users("batch"))
        rows = await asyncio.to_thread(count, connection, "batch-%")
        print(f"One transaction for all: inserted {rows} rows, committed {commits} transaction")
        connection.close()


asyncio.run(main())
