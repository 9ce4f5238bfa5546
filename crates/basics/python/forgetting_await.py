"""A forgotten await: the coroutine never runs, and Python's only hint is a
RuntimeWarning on stderr when the coroutine object is destroyed.

The asyncio twin of crates/basics/src/forgetting_await.rs.
"""

import asyncio


async def fetch_data():
    print("fetch_data is running")
    await asyncio.sleep(1)
    return "data"


async def main():
    # The mistake, kept on purpose: stderr gets
    # "RuntimeWarning: coroutine 'fetch_data' was never awaited".
    fetch_data()
    print("Called fetch_data() without .await: nothing ran")

    result = await fetch_data()
    print(result)


asyncio.run(main())
