"""What can be awaited: coroutines, Tasks, and Futures.

The asyncio twin of crates/basics/src/awaitables.rs.
"""

# differs from the golden file: awaiting asyncio.sleep gives None, which Rust's sleep gives as ()

import asyncio


async def my_coroutine():
    await asyncio.sleep(1)
    return "Result"


async def main():
    result = await my_coroutine()
    print(result)

    task = asyncio.create_task(my_coroutine())
    result = await task
    print(result)

    future = asyncio.get_running_loop().create_future()
    future.set_result("value")
    value = await future
    print(value)

    nothing = await asyncio.sleep(1)
    print(f"sleep(..).await produced {nothing}")


asyncio.run(main())
