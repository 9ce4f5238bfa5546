"""@asynccontextmanager: set up, yield, and clean up with await however the
block ends.

The asyncio twin of crates/context-managers/src/scoped_helper.rs.
"""

import asyncio
from contextlib import asynccontextmanager


class QueryError(Exception):
    def __init__(self, sql):
        super().__init__(f"query {sql!r} failed: permission denied")


class Connection:
    def __init__(self, name):
        self.name = name

    async def query(self, sql):
        await asyncio.sleep(0.3)
        if "secrets" in sql:
            raise QueryError(sql)
        return 42


@asynccontextmanager
async def async_file_handler(filename):
    print(f"Opening {filename}")
    await asyncio.sleep(1)
    try:
        yield f"Handle to {filename}"
    finally:
        print(f"Closing {filename}")
        await asyncio.sleep(1)


@asynccontextmanager
async def database_connection(db_name):
    print(f"Connecting to {db_name}")
    await asyncio.sleep(0.5)
    try:
        yield Connection(f"Connection to {db_name}")
    finally:
        print(f"Disconnecting from {db_name}")
        await asyncio.sleep(0.2)


@asynccontextmanager
async def db_management():
    print("Stopping the database")
    await asyncio.sleep(0.1)
    try:
        yield
    finally:
        print("Starting the database")
        await asyncio.sleep(0.1)


async def count_rows(sql):
    async with database_connection("PostgreSQL") as conn:
        print(f"Using {conn.name}")
        rows = await conn.query(sql)
        print("Work completed")
        return rows


async def count_users_cached(use_cache):
    async with database_connection("PostgreSQL") as conn:
        print(f"Using {conn.name}")
        if use_cache:
            print("Answer found in the cache; returning early")
            return 7
        return await conn.query("SELECT count(*) FROM users")


async def main():
    async with async_file_handler("data.txt") as handle:
        print(f"Working with {handle}")
        await asyncio.sleep(1)

    print()
    print(f"Result: Ok({await count_rows('SELECT count(*) FROM users')})")

    print()
    try:
        rows = await count_rows("SELECT * FROM secrets")
        print(f"Result: {rows}")
    except QueryError as error:
        print(f"Error: {error}")

    print()
    print(f"Result: Ok({await count_users_cached(True)})")

    print()
    async with db_management():
        print("Backing up the data files")
        await asyncio.sleep(1)


asyncio.run(main())
