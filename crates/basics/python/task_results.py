"""A task's return value comes back when the task is awaited.

The asyncio twin of crates/basics/src/task_results.rs.
"""

import asyncio


async def calculate(x, y):
    await asyncio.sleep(1)
    return x + y


async def main():
    start = asyncio.get_running_loop().time()
    task1 = asyncio.create_task(calculate(5, 3))
    task2 = asyncio.create_task(calculate(10, 20))

    result1 = await task1
    result2 = await task2

    print(f"Results: {result1}, {result2}")
    print(f"Both results after {asyncio.get_running_loop().time() - start:.1f}s")


asyncio.run(main())
