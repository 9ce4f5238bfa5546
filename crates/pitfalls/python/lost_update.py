"""Shared state across an await: reading, awaiting and writing back loses
updates; holding an asyncio.Lock across the whole update keeps them.

The asyncio twin of crates/pitfalls/src/lost_update.rs.
"""

import asyncio

TASKS = 10


class Counter:
    def __init__(self):
        self.count = 0
        self.lock = asyncio.Lock()

    async def increment_bad(self):
        async with self.lock:
            current = self.count
        await asyncio.sleep(0.1)
        async with self.lock:
            self.count = current + 1

    async def increment_good(self):
        async with self.lock:
            current = self.count
            await asyncio.sleep(0.1)
            self.count = current + 1


async def main():
    loop = asyncio.get_running_loop()
    counter = Counter()
    start = loop.time()
    await asyncio.gather(*(counter.increment_bad() for _ in range(TASKS)))
    print(f"Without the lock held: {TASKS} increments gave {counter.count} in {loop.time() - start:.1f}s")
    assert counter.count < TASKS

    counter = Counter()
    start = loop.time()
    await asyncio.gather(*(counter.increment_good() for _ in range(TASKS)))
    print(f"With the lock held: {TASKS} increments gave {counter.count} in {loop.time() - start:.1f}s")
    assert counter.count == TASKS


asyncio.run(main())
