"""Cancellation in asyncio raises CancelledError at the await: cleanup
after that await without try is skipped, and what a handler does runs.

The asyncio twin of crates/context-managers/src/cleanup_on_cancel.rs.
"""

import asyncio

# The cleanup tasks still running, which main waits for before it returns:
# asyncio.run cancels the tasks left when main ends, as Tokio's runtime
# drops them when it shuts down.
cleanup_tasks = set()


async def with_connection_unguarded(db_name, body):
    """Cleanup as plain code after an await: skipped when cancelled there."""
    print(f"Connecting to {db_name}")
    await asyncio.sleep(0.5)
    result = await body(db_name)
    print(f"Disconnecting from {db_name}")
    await asyncio.sleep(0.2)
    return result


class Connection:
    def __init__(self, db_name):
        self.db_name = db_name
        self.open = True

    @classmethod
    async def connect(cls, db_name):
        print(f"Connecting to {db_name}")
        await asyncio.sleep(0.5)
        return cls(db_name)

    async def close(self):
        print(f"Disconnecting from {self.db_name}")
        await asyncio.sleep(0.2)
        self.open = False

    def abort(self):
        print(f"Connection to {self.db_name} dropped while open: its goodbye goes to a cleanup task")
        self.open = False

        async def goodbye():
            await asyncio.sleep(0.2)
            print(f"Cleanup task: said goodbye to {self.db_name}")

        task = asyncio.create_task(goodbye())
        cleanup_tasks.add(task)
        task.add_done_callback(cleanup_tasks.discard)


async def with_connection(db_name, body):
    connection = await Connection.connect(db_name)
    try:
        result = await body(connection)
    except asyncio.CancelledError:
        # asyncio could still await close() here; the twin does what the
        # Rust's Drop can do, which is synchronous: hand the goodbye to a task.
        connection.abort()
        raise
    await connection.close()
    return result


async def slow_report(db_name):
    print(f"Using {db_name}: running a five-second report")
    await asyncio.sleep(5)
    print("Report finished")


async def within(limit, coroutine):
    """True if the coroutine finished within the limit."""
    try:
        async with asyncio.timeout(limit):
            await coroutine
        return True
    except TimeoutError:
        return False


async def main():
    start = asyncio.get_running_loop().time()
    limit = 2

    finished = await within(limit, with_connection_unguarded("PostgreSQL", slow_report))
    print(
        f"Unguarded helper: finished = {finished}, after {asyncio.get_running_loop().time() - start:.1f}s"
    )

    print()

    async def quick_query(conn):
        print(f"Using {conn.db_name}: a quick query")
        await asyncio.sleep(0.1)

    finished = await within(limit, with_connection("SQLite", quick_query))
    print(f"Quick query: finished = {finished}")

    print()
    start = asyncio.get_running_loop().time()

    async def report_on(conn):
        await slow_report(conn.db_name)

    finished = await within(limit, with_connection("PostgreSQL", report_on))
    print(f"Guarded helper: finished = {finished}, after {asyncio.get_running_loop().time() - start:.1f}s")

    await asyncio.gather(*cleanup_tasks)
    print("Every cleanup task has finished")


asyncio.run(main())
