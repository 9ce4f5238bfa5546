"""*Python Async/Await*, "Resource Management", as the guide wrote it, with
its bug fixed (`__aexit__` called the async `release()` without `await`, so
no slot was ever given back and a fourth use waited for ever), a count of
the free slots, and `some_operation`, which the guide never defines, as a
100 ms use of a slot that says when it gets and gives back its slot.
"""

import asyncio

class AsyncPool:
    def __init__(self, size):
        self.size = size
        self.semaphore = asyncio.Semaphore(size)
        self.in_use = 0  # asyncio.Semaphore does not say how many are free
    
    async def acquire(self):
        await self.semaphore.acquire()
        self.in_use += 1
    
    async def release(self):
        self.in_use -= 1
        self.semaphore.release()
    
    async def __aenter__(self):
        await self.acquire()
        return self
    
    async def __aexit__(self, exc_type, exc_val, exc_tb):
        await self.release()  # the guide's `self.release()` never ran

    def free(self):
        return self.size - self.in_use

async def some_operation(pool, user, fail=False, duration=0.1, start=None):
    try:
        async with pool:
            if start is None:
                print(f"{user} acquired a slot; {pool.free()} of {pool.size} free")
            else:
                print(f"[{asyncio.get_running_loop().time() - start:.1f}s] {user} acquired a slot")
            await asyncio.sleep(duration)
            if fail:
                raise RuntimeError(f"{user} failed halfway")
    finally:
        print(f"{user} released its slot")

async def use_pool():
    pool = AsyncPool(3)
    for use_number in range(1, 6):
        await some_operation(pool, f"use {use_number}")
    print(f"Free after five uses: {pool.free()} of {pool.size}")

    print()
    try:
        await some_operation(pool, "failing use", fail=True)
    except RuntimeError as error:
        print(f"Error: {error}")
    print(f"Free after the failure: {pool.free()} of {pool.size}")

    print()
    pool = AsyncPool(2)
    start = asyncio.get_running_loop().time()
    async def arrive(i):
        await asyncio.sleep(0.1 * i)
        await some_operation(pool, f"W{i + 1}", duration=1, start=start)
    await asyncio.gather(*(arrive(i) for i in range(5)))
    print(f"[{asyncio.get_running_loop().time() - start:.1f}s] All done; {pool.free()} of {pool.size} free")

asyncio.run(use_pool())
