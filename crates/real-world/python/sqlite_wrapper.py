"""Blocking SQLite calls moved off the event loop with asyncio.to_thread,
on one in-memory database whose connection a lock keeps to one call at a
time.

The asyncio twin of crates/real-world/src/sqlite_wrapper.rs.
"""

import asyncio
import sqlite3


class AsyncSqlite:
    def __init__(self, connection):
        self.connection = connection
        self.lock = asyncio.Lock()

    @classmethod
    async def open_in_memory(cls):
        return cls(await asyncio.to_thread(sqlite3.connect, ":memory:", check_same_thread=False))

    async def call(self, function):
        async with self.lock:
            return await asyncio.to_thread(function, self.connection)

    async def insert_users(self, users):
        def insert(connection):
            with connection:  # one transaction
                connection.executemany("INSERT INTO users (name, email) VALUES (?, ?)", users)

        await self.call(insert)


async def get_user_by_name(db, name):
    return await db.call(
        lambda connection: connection.execute("SELECT id, name, email FROM users WHERE name = ?", (name,)).fetchone()
    )


async def fetch_users(db):
    return await db.call(
        lambda connection: connection.execute("SELECT id, name, email FROM users ORDER BY id").fetchall()
    )


async def main():
    db = await AsyncSqlite.open_in_memory()
    await db.call(
        lambda connection: connection.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE)"
        )
    )
    await db.insert_users(
        [("Alice", "alice@example.com"), ("Bob", "bob@example.com"), ("Charlie", "charlie@example.com")]
    )
    for user in await asyncio.gather(*(get_user_by_name(db, name) for name in ["Alice", "Bob", "Charlie"])):
        if user is not None:
            print(f"User: {user}")
    print(f"All users: {[name for (_, name, _) in await fetch_users(db)]}")


asyncio.run(main())
