"""Limiting how many operations run at once: a semaphore around each one,
or a fixed number of workers that keep that many in flight.

The asyncio twin of crates/performance/src/bounded_concurrency.rs.
"""

import asyncio

LIMIT = 10


class InFlight:
    def __init__(self):
        self.now = 0
        self.peak = 0

    async def process_item(self, item):
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            await asyncio.sleep(0.1)
        finally:
            self.now -= 1
        return f"processed {item}"


def tenths(seconds):
    """Rounded down, as the Rust prints it, so timer lateness doesn't show."""
    return f"{int(seconds * 10) / 10:.1f}s"


async def main():
    loop = asyncio.get_running_loop()
    large_dataset = range(100)

    semaphore = asyncio.Semaphore(LIMIT)
    in_flight = InFlight()

    async def bounded_operation(item):
        async with semaphore:
            return await in_flight.process_item(item)

    start = loop.time()
    results = await asyncio.gather(*(bounded_operation(item) for item in large_dataset))
    assert in_flight.peak <= LIMIT
    print(f"Semaphore({LIMIT}): {len(results)} items in {tenths(loop.time() - start)}, at most {LIMIT} at once")

    # buffer_unordered(10): asyncio has none; ten workers pulling from one
    # iterator keep ten in flight the same way.
    in_flight = InFlight()
    items = iter(large_dataset)
    results = []

    async def worker():
        for item in items:
            results.append(await in_flight.process_item(item))

    start = loop.time()
    await asyncio.gather(*(worker() for _ in range(LIMIT)))
    assert in_flight.peak <= LIMIT
    print(f"buffer_unordered({LIMIT}): {len(results)} items in {tenths(loop.time() - start)}, at most {LIMIT} at once")


asyncio.run(main())
