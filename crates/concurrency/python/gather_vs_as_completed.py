"""gather hands back every result at the end, in the order asked;
as_completed hands each one over as soon as it is ready.

The asyncio twin of crates/concurrency/src/gather_vs_as_completed.rs.
"""

import asyncio

# The first six numbers the Rust example's ChaCha8 generator, seeded with 42,
# draws in 1..=100. Python's generator differs, so the twin takes them from
# this list, one per worker as it finishes, which still checks the order.
DRAWS = iter([23, 69, 15, 96, 78, 43])


async def worker(name, delay):
    await asyncio.sleep(delay)
    result = next(DRAWS)
    print(f"Worker {name} completed with result {result}")
    return result


async def gather_pattern():
    print("Using join_all, like asyncio.gather:")
    results = await asyncio.gather(worker("A", 1.0), worker("B", 2.0), worker("C", 0.5))
    print(f"All results: {results}")


async def as_completed_pattern():
    print("\nUsing FuturesUnordered, like asyncio.as_completed:")
    workers = [worker("X", 1.0), worker("Y", 2.0), worker("Z", 0.5)]
    for next_done in asyncio.as_completed(workers):
        result = await next_done
        print(f"Got result: {result}")


async def main():
    await gather_pattern()
    await as_completed_pattern()


asyncio.run(main())
