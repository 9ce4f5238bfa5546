"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Gather vs As_completed", as the guide wrote it, but for its random results:
the Rust draws them from a generator seeded with 42, which Python's can't
reproduce, so they are listed here, one per worker as it finishes.
"""

import asyncio

DRAWS = iter([23, 69, 15, 96, 78, 43])

async def worker(name, delay):
    await asyncio.sleep(delay)
    result = next(DRAWS)
    print(f"Worker {name} completed with result {result}")
    return result

async def gather_pattern():
    """Wait for all tasks to complete"""
    print("Using asyncio.gather:")
    tasks = [
        worker("A", 1),
        worker("B", 2),
        worker("C", 0.5)
    ]
    
    results = await asyncio.gather(*tasks)
    print(f"All results: {results}")

async def as_completed_pattern():
    """Process results as they become available"""
    print("\nUsing asyncio.as_completed:")
    tasks = [
        asyncio.create_task(worker("X", 1)),
        asyncio.create_task(worker("Y", 2)),
        asyncio.create_task(worker("Z", 0.5))
    ]
    
    for completed_task in asyncio.as_completed(tasks):
        result = await completed_task
        print(f"Got result: {result}")

async def main():
    await gather_pattern()
    await as_completed_pattern()

asyncio.run(main())
