"""asyncio.gather: results come back in the order the awaitables were given,
whatever order they finish in.

The asyncio twin of crates/basics/src/gather_results.rs.
"""

import asyncio


async def worker(name, work_time):
    print(f"{name} started")
    await asyncio.sleep(work_time)
    print(f"{name} completed")
    return f"Result from {name}"


async def long_operation():
    await asyncio.sleep(2)
    return "Done"


async def main():
    results = await asyncio.gather(
        worker("Worker-A", 1),
        worker("Worker-B", 2),
        worker("Worker-C", 1.5),
    )
    print(f"Results: {results}")

    tasks = [asyncio.create_task(long_operation()) for _ in range(3)]
    print(await asyncio.gather(*tasks))


asyncio.run(main())
