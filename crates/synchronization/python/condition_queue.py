"""A queue built on condition variables: put waits while it is full, get
waits while it is empty, each woken by the other.

The asyncio twin of crates/synchronization/src/condition_queue.rs.
"""

import asyncio
from collections import deque


class AsyncQueue:
    def __init__(self, maxsize=0):
        self.maxsize = maxsize  # 0 means unbounded, as with asyncio.Queue
        self.items = deque()
        lock = asyncio.Lock()
        self.not_empty = asyncio.Condition(lock)
        self.not_full = asyncio.Condition(lock)

    async def put(self, item):
        async with self.not_full:
            await self.not_full.wait_for(lambda: self.maxsize == 0 or len(self.items) < self.maxsize)
            self.items.append(item)
            self.not_empty.notify()

    async def get(self):
        async with self.not_empty:
            await self.not_empty.wait_for(lambda: self.items)
            item = self.items.popleft()
            self.not_full.notify()
            return item


async def producer(queue):
    for i in range(5):
        await queue.put(f"item-{i}")
        print(f"Produced item-{i}")
        await asyncio.sleep(0.5)


async def consumer(name, queue):
    consumed = 0
    while True:
        try:
            item = await asyncio.wait_for(queue.get(), 2)
        except TimeoutError:
            print(f"Consumer {name} timed out")
            return consumed
        print(f"Consumer {name} got {item}")
        consumed += 1
        await asyncio.sleep(1)


async def condition_variable_example():
    queue = AsyncQueue(2)
    _, consumed_a, consumed_b = await asyncio.gather(
        producer(queue), consumer("A", queue), consumer("B", queue)
    )
    assert consumed_a + consumed_b == 5


asyncio.run(condition_variable_example())
