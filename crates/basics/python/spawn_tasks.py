"""asyncio.create_task: tasks start when the creator yields, and awaiting a
task collects its result whenever it finished.

The asyncio twin of crates/basics/src/spawn_tasks.rs.
"""

import asyncio


async def my_coroutine():
    print("Starting")
    await asyncio.sleep(1)
    print("Finished")


async def say_after(delay, message):
    await asyncio.sleep(delay)
    print(message)


async def worker(name, delay):
    print(f"Worker {name} starting")
    await asyncio.sleep(delay)
    print(f"Worker {name} finished")
    return f"Result from {name}"


async def main():
    task1 = asyncio.create_task(my_coroutine())
    task2 = asyncio.create_task(my_coroutine())
    await task1
    await task2

    print()

    task1 = asyncio.create_task(say_after(1, "Hello"))
    task2 = asyncio.create_task(say_after(2, "World"))
    print("Tasks created")
    await task1
    await task2
    print("All done")

    print()

    task1 = asyncio.create_task(worker("A", 2))
    task2 = asyncio.create_task(worker("B", 1))
    print("Tasks created")
    result1 = await task1
    result2 = await task2
    print(f"Results: {result1}, {result2}")


asyncio.run(main())
