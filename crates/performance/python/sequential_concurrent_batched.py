"""Three I/O waits one after another, together, in batches of five, and in
a sliding window of five.

The asyncio twin of crates/performance/src/sequential_concurrent_batched.rs.
"""

import asyncio


async def io_bound_task(delay):
    await asyncio.sleep(delay)
    return f"IO result after {delay}s"


async def process_batch(items, batch_size):
    results = []
    for i in range(0, len(items), batch_size):
        batch = items[i : i + batch_size]
        results.extend(await asyncio.gather(*(io_bound_task(0.1) for _ in batch)))
    return results


async def process_window(items, window):
    pending = iter(items)
    results = []

    async def worker():
        for _ in pending:
            results.append(await io_bound_task(0.1))

    await asyncio.gather(*(worker() for _ in range(window)))
    return results


def tenths(seconds):
    """Rounded down, as the Rust prints it, so timer lateness doesn't show."""
    return f"{int(seconds * 10) / 10:.1f}s"


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    results = [await io_bound_task(0.5) for _ in range(3)]
    print(f"Sequential: {tenths(loop.time() - start)}")

    start = loop.time()
    concurrent = await asyncio.gather(*(io_bound_task(0.5) for _ in range(3)))
    print(f"Concurrent: {tenths(loop.time() - start)}")
    assert results == concurrent

    items = list(range(25))
    start = loop.time()
    results = await process_batch(items, 5)
    print(f"Batched processing: {tenths(loop.time() - start)} ({len(results)} results)")

    start = loop.time()
    results = await process_window(items, 5)
    print(f"Sliding window of 5: {tenths(loop.time() - start)} ({len(results)} results)")


asyncio.run(main())
