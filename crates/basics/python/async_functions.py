"""Defining coroutine functions: async def for functions and methods, and a
coroutine function passed as a callback (Python has no async lambda).

The asyncio twin of crates/basics/src/async_functions.rs.
"""

import asyncio


async def simple_async():
    await asyncio.sleep(1)
    return "Done"


async def async_with_params(name, delay):
    print(f"Starting {name}")
    await asyncio.sleep(delay)
    print(f"Finished {name}")
    return name.upper()


async def fetch_data():
    await asyncio.sleep(1)
    return "Data"


async def process_data():
    data = await fetch_data()
    return data.upper()


class DataFetcher:
    async def fetch(self):
        return "data"


async def call_twice(f):
    return (await f(1), await f(2))


async def main():
    result1 = await simple_async()
    result2 = await async_with_params("test", 0.5)
    print(f"Results: {result1}, {result2}")

    print(f"process_data() returned {await process_data()}")
    print(f"DataFetcher.fetch() returned {await DataFetcher().fetch()}")

    offset = 10

    # No `async lambda`: a nested coroutine function closes over `offset`.
    async def add_offset(x):
        await asyncio.sleep(0.1)
        return x + offset

    print(f"async closure returned {await call_twice(add_offset)}")


asyncio.run(main())
