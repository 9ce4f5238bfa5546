"""asyncio.wait (ALL_COMPLETED): wait until every task has finished, then
look at each result on its own.

The asyncio twin of crates/concurrency/src/wait_all.rs.
"""

import asyncio


async def task(name, duration):
    await asyncio.sleep(duration)
    return f"{name} completed"


async def main():
    start = asyncio.get_running_loop().time()
    tasks = [
        asyncio.create_task(task("Task-1", 2)),
        asyncio.create_task(task("Task-2", 1)),
        asyncio.create_task(task("Task-3", 3)),
    ]

    await asyncio.wait(tasks)

    # `done` is a set, in no promised order: read the results from the list.
    for t in tasks:
        if t.exception() is None:
            print(t.result())
        else:
            print(f"task failed: {t.exception()}")
    print(f"All done after {asyncio.get_running_loop().time() - start:.1f}s")


asyncio.run(main())
