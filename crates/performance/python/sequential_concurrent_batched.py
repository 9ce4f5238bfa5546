"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Efficient Async Patterns", as the guide wrote it, with these changes: times
print to a tenth, rounded down, from the loop's clock; the batched run says
how many results it has; a sliding window of five follows, which the Rust
shows with `buffer_unordered`; and `cpu_bound_task`, never called in the
guide, is left out.
"""

import asyncio

def tenths(seconds):
    """Rounded down, so that timers firing a little late don't show."""
    return f"{int(seconds * 10) / 10:.1f}s"

async def io_bound_task(delay):
    """Simulate I/O-bound work"""
    await asyncio.sleep(delay)
    return f"IO result after {delay}s"

async def performance_patterns():
    loop = asyncio.get_running_loop()
    # ❌ Bad: Sequential execution of concurrent tasks
    start = loop.time()
    results = []
    for i in range(3):
        result = await io_bound_task(0.5)
        results.append(result)
    print(f"Sequential: {tenths(loop.time() - start)}")
    
    # ✅ Good: Concurrent execution
    start = loop.time()
    tasks = [io_bound_task(0.5) for _ in range(3)]
    results = await asyncio.gather(*tasks)
    print(f"Concurrent: {tenths(loop.time() - start)}")
    
    # ✅ Good: Batched processing
    async def process_batch(items, batch_size=10):
        results = []
        for i in range(0, len(items), batch_size):
            batch = items[i:i + batch_size]
            batch_tasks = [io_bound_task(0.1) for _ in batch]
            batch_results = await asyncio.gather(*batch_tasks)
            results.extend(batch_results)
        return results
    
    items = list(range(25))
    start = loop.time()
    results = await process_batch(items, batch_size=5)
    print(f"Batched processing: {tenths(loop.time() - start)} ({len(results)} results)")

    # A sliding window: the next item starts as soon as any one ends.
    async def process_window(items, window):
        if window < 1:  # no workers would process nothing, silently
            raise ValueError("the window must hold at least one item")
        pending = iter(items)
        results = []

        async def worker():
            for _ in pending:
                results.append(await io_bound_task(0.1))

        await asyncio.gather(*(worker() for _ in range(window)))
        return results

    start = loop.time()
    results = await process_window(items, 5)
    print(f"Sliding window of 5: {tenths(loop.time() - start)} ({len(results)} results)")

asyncio.run(performance_patterns())
