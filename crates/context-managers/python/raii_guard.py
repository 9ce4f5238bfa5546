"""An async context manager: __aenter__ acquires, __aexit__ releases, on
every way out of the block.

The asyncio twin of crates/context-managers/src/raii_guard.rs.
"""

import asyncio


class basic:
    """The namespace keeps the guides' first AsyncResource, nothing but the
    guard, apart from the other guide's AsyncResource, below."""

    class AsyncResource:
        async def __aenter__(self):
            print("Acquiring resource")
            await asyncio.sleep(1)
            return self

        async def __aexit__(self, *exc_info):
            print("Releasing resource")


class AsyncResource:
    def __init__(self, name):
        self.name = name
        self.is_open = False

    async def open(self):
        print(f"Opening resource {self.name}")
        await asyncio.sleep(0.1)
        self.is_open = True
        return self

    async def close(self):
        print(f"Closing resource {self.name}")
        self.is_open = False

    async def __aenter__(self):
        return await self.open()

    async def __aexit__(self, *exc_info):
        await self.close()


class WorkFailed(Exception):
    def __init__(self, name):
        super().__init__(f"the work on {name} failed")


async def use_resource(resource, fail):
    async with resource:
        print(f"Using resource: {resource.name}")
        print(f"Resource is open: {resource.is_open}")
        await asyncio.sleep(1)
        if fail:
            raise WorkFailed(resource.name)


async def main():
    async with basic.AsyncResource():
        print("Using resource")
        await asyncio.sleep(1)

    print()
    database = AsyncResource("Database")
    try:
        await use_resource(database, False)
    except WorkFailed as error:
        print(f"Error: {error}")
    print(f"Resource is open after context: {database.is_open}")

    print()
    network = AsyncResource("Network")
    try:
        await use_resource(network, True)
    except WorkFailed as error:
        print(f"Error: {error}")
    print(f"Resource is open after context: {network.is_open}")

    print()
    cache = AsyncResource("Cache")
    async with database, cache:
        print("Using both")
    print("Both closed")

    print()
    lock = AsyncResource("Lock")
    async with lock:
        pass
    print("After `let _ = ...`: the lock is already closed")

    print()
    file = AsyncResource("File")
    await file.open()
    await file.close()
    print("File closed early, before the end of the scope")


asyncio.run(main())
