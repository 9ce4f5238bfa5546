"""Creating a thousand tasks is cheap; what needs a bound is the resource
they share, and a semaphore bounds exactly that.

The asyncio twin of crates/pitfalls/src/too_many_tasks.rs.
"""

import asyncio

TASKS, BATCH_SIZE, CONNECTIONS, QUERIES = 1000, 100, 10, 100


def tenths(seconds):
    """Rounded down: Python's own overhead for a thousand tasks must not
    show as a later time."""
    return f"{int(seconds * 10) / 10:.1f}s"


async def small_operation():
    await asyncio.sleep(0.1)
    return "done"


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    results = await asyncio.gather(*(small_operation() for _ in range(TASKS)))
    print(f"{TASKS} tasks spawned at once: {len(results)} done in {tenths(loop.time() - start)}")

    start = loop.time()
    items = list(range(TASKS))
    results = []
    for i in range(0, len(items), BATCH_SIZE):
        batch = items[i:i + BATCH_SIZE]
        results += await asyncio.gather(*(small_operation() for _ in batch))
    print(f"{TASKS} tasks in batches of {BATCH_SIZE}: {len(results)} done in {tenths(loop.time() - start)}")

    connections = asyncio.Semaphore(CONNECTIONS)
    in_use = peak = 0

    async def query():
        nonlocal in_use, peak
        async with connections:
            in_use += 1
            peak = max(peak, in_use)
            try:
                await asyncio.sleep(0.1)
            finally:
                in_use -= 1
        return "row"

    start = loop.time()
    rows = await asyncio.gather(*(query() for _ in range(QUERIES)))
    print(
        f"{QUERIES} tasks sharing {CONNECTIONS} connections: {len(rows)} rows in "
        f"{tenths(loop.time() - start)}, never more than {peak} connections in use"
    )


asyncio.run(main())
