"""Cleanup that has to await goes in an explicit `async def close()`, with a
`__del__` fallback that warns when close() was never called.

The asyncio twin of crates/context-managers/src/explicit_close.rs.
"""

# differs from the golden file: __del__ warns only once the exception holding the frame is gone, after the Error line, and a file flushes when collected, so nothing is lost without flush()

import asyncio
import os
import tempfile


class QueryError(Exception):
    def __init__(self, message):
        super().__init__(f"query failed: {message}")


class Database:
    def __init__(self, name):
        self.name = name
        self.closed = False

    @classmethod
    async def connect(cls, name):
        await asyncio.sleep(1)
        print(f"Connected to {name}")
        return cls(name)

    async def query(self, sql):
        await asyncio.sleep(0.5)
        if "missing_table" in sql:
            raise QueryError(f"no such table in {sql!r}")
        return f"Result of {sql}"

    async def close(self):
        await asyncio.sleep(1)
        print(f"Disconnected from {self.name}")
        self.closed = True

    def __del__(self):
        if not self.closed:
            print(
                f"warning: connection to {self.name} dropped without close(); "
                "it was not shut down cleanly"
            )


async def report(sql):
    db = await Database.connect("database")
    try:
        for statement in sql:
            print(await db.query(statement))
    finally:
        await db.close()


async def report_forgetting_close(sql):
    db = await Database.connect("database")
    print(await db.query(sql))
    await db.close()


def write_greeting(path, flush):
    # Not closed here on purpose: CPython closes, and so flushes, the file
    # when it is collected, at the return, where Rust's BufWriter drops its
    # buffer.
    file = open(path, "w")
    file.write("Hello, async world!")
    if flush:
        file.flush()


async def main():
    await report(["SELECT * FROM users"])

    print()
    try:
        await report(["SELECT * FROM missing_table"])
    except QueryError as error:
        print(f"Error: {error}")

    print()
    try:
        await report_forgetting_close("SELECT * FROM missing_table")
    except QueryError as error:
        print(f"Error: {error}")

    print()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "example.txt")

        def read():
            with open(path) as file:
                return file.read()

        await asyncio.to_thread(write_greeting, path, False)
        content = await asyncio.to_thread(read)
        print(f"File content without flush(): {content!r}")

        await asyncio.to_thread(write_greeting, path, True)
        content = await asyncio.to_thread(read)
        print(f"File content: {content}")


asyncio.run(main())
