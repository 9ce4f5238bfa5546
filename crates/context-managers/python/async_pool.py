"""A pool that limits how many tasks use something at once: an async
context manager around a Semaphore, with the release awaited.

The asyncio twin of crates/context-managers/src/async_pool.rs.
"""

import asyncio
import time


class AsyncPool:
    def __init__(self, size):
        self.size = size
        self.semaphore = asyncio.Semaphore(size)
        # asyncio.Semaphore does not say how many slots are free: count them.
        self.in_use = 0

    async def acquire(self):
        await self.semaphore.acquire()
        self.in_use += 1
        assert self.in_use <= self.size

    async def release(self):
        self.in_use -= 1
        self.semaphore.release()

    def slot(self, user):
        return Slot(self, user)

    def free(self):
        return self.size - self.in_use


class Slot:
    def __init__(self, pool, user):
        self.pool = pool
        self.user = user

    async def __aenter__(self):
        await self.pool.acquire()
        return self

    async def __aexit__(self, *exc_info):
        print(f"{self.user} released its slot")
        # The guide's bug was `self.release()` without `await` here.
        await self.pool.release()


class FailedHalfway(Exception):
    pass


async def some_operation(pool, user, fail):
    async with pool.slot(user) as slot:
        print(f"{slot.user} acquired a slot; {pool.free()} of {pool.size} free")
        await asyncio.sleep(0.1)
        if fail:
            raise FailedHalfway(f"{slot.user} failed halfway")


async def worker(pool, name, arrival, start):
    await asyncio.sleep(arrival)
    async with pool.slot(name):
        print(f"[{time.monotonic() - start:.1f}s] {name} acquired a slot")
        await asyncio.sleep(1)


async def main():
    pool = AsyncPool(3)

    for use_number in range(1, 6):
        await some_operation(pool, f"use {use_number}", False)
    print(f"Free after five uses: {pool.free()} of {pool.size}")

    print()
    try:
        await some_operation(pool, "failing use", True)
    except FailedHalfway as error:
        print(f"Error: {error}")
    print(f"Free after the failure: {pool.free()} of {pool.size}")

    print()
    pool = AsyncPool(2)
    start = time.monotonic()
    await asyncio.gather(*(worker(pool, f"W{i + 1}", 0.1 * i, start) for i in range(5)))
    print(f"[{time.monotonic() - start:.1f}s] All done; {pool.free()} of {pool.size} free")
    assert pool.free() == pool.size, "every slot was given back"


asyncio.run(main())
