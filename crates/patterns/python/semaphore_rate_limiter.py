"""A rate limiter built on a semaphore: each call takes a permit, and the
limiter gives it back one period after the call started.

The asyncio twin of crates/patterns/src/semaphore_rate_limiter.rs.
"""

import asyncio


class RateLimiter:
    def __init__(self, calls, period):
        if calls < 1:
            raise ValueError("a limiter needs at least one call per period")
        self.permits = asyncio.Semaphore(calls)
        self.period = period

    async def acquire(self):
        await self.permits.acquire()
        loop = asyncio.get_running_loop()
        started = loop.time()
        # The permit comes back one period after the call started.
        loop.call_at(started + self.period, self.permits.release)
        return started


async def call_api(started, start):
    await asyncio.sleep(0.1)
    return started - start


def format_times(times):
    return ", ".join(f"{t:.1f}s" for t in times)


async def main():
    loop = asyncio.get_running_loop()
    concurrency = asyncio.Semaphore(3)
    start = loop.time()

    async def limited():
        async with concurrency:
            return await call_api(loop.time(), start)

    started = await asyncio.gather(*(limited() for _ in range(10)))
    print("Semaphore(3) alone, ten 0.1s calls started at:")
    print(f"  {format_times(started)}")
    print(f"  {loop.time() - start:.1f}s in all: a limit on concurrency, not on rate")

    print()
    limiter = RateLimiter(3, 1)
    start = loop.time()

    async def rate_limited():
        return await call_api(await limiter.acquire(), start)

    started = await asyncio.gather(*(rate_limited() for _ in range(10)))
    print("RateLimiter(3 per second), ten 0.1s calls started at:")
    print(f"  {format_times(started)}")
    print(f"  {loop.time() - start:.1f}s in all")
    for i in range(len(started) - 3):
        assert started[i + 3] - started[i] >= 1.0 - 1e-9


asyncio.run(main())
