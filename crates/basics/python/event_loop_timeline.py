"""The event loop interleaving concurrent work, shown on a timeline of
elapsed time.

The asyncio twin of crates/basics/src/event_loop_timeline.rs.
"""

import asyncio
import time


async def task1():
    print("Task 1 started")
    await asyncio.sleep(2)
    print("Task 1 completed")
    return "Result 1"


async def task2():
    print("Task 2 started")
    await asyncio.sleep(1)
    print("Task 2 completed")
    return "Result 2"


def log(start, message):
    print(f"[{asyncio.get_running_loop().time() - start:.1f}s] {message}")


async def worker(start, name, delay):
    log(start, f"{name}: Starting")
    await asyncio.sleep(delay)
    log(start, f"{name}: Finished")
    return f"{name} result"


async def main():
    print("Starting event loop")
    results = await asyncio.gather(task1(), task2())
    print(f"Results: {results}")

    print()

    start = asyncio.get_running_loop().time()
    log(start, "Main: Starting")
    results = await asyncio.gather(
        worker(start, "Worker-1", 3),
        worker(start, "Worker-2", 1),
        worker(start, "Worker-3", 2),
    )
    log(start, "Main: All done")
    print(f"Results: {results}")


asyncio.run(main())
