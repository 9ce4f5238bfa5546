"""A token-bucket rate limiter that limits concurrent callers too, serves
them in the order they came, and lets a caller that gives up leave the line.

The asyncio twin of crates/patterns/src/token_bucket.rs.
"""

import asyncio


class RateLimiter:
    def __init__(self, rate, per):
        self.burst = rate
        self.every = per / rate
        self.tokens = rate
        self.earned_until = asyncio.get_running_loop().time()
        # asyncio.Lock wakes its waiters first come, first served; a waiter
        # cancelled in line leaves it.
        self.line = asyncio.Lock()

    def refill(self):
        now = asyncio.get_running_loop().time()
        earned = int((now - self.earned_until) / self.every)
        if self.tokens + earned >= self.burst:
            # A full bucket earns nothing more until a token is taken.
            self.tokens = self.burst
            self.earned_until = now
        else:
            self.tokens += earned
            self.earned_until += earned * self.every

    async def acquire(self):
        # The first in line sleeps for the next token, holding the lock: safe
        # in asyncio, where the loop runs every task. The Rust can't do this:
        # a future its owner stops polling would hold the lock for ever.
        async with self.line:
            self.refill()
            if self.tokens < 1:
                await asyncio.sleep(self.earned_until + self.every - asyncio.get_running_loop().time())
                self.refill()
            self.tokens -= 1


async def make_api_call(limiter, call_id, start):
    await limiter.acquire()
    started = asyncio.get_running_loop().time() - start
    print(f"[{started:.1f}s] Making API call {call_id}")
    await asyncio.sleep(0.5)
    return started


def within_limit(started, burst, every):
    started = sorted(started)
    return all(
        n + 1 <= burst + (last - first) / every + 1e-9
        for i, first in enumerate(started)
        for n, last in enumerate(started[i:])
    )


async def main():
    limiter = RateLimiter(2, 1)
    start = asyncio.get_running_loop().time()
    started = await asyncio.gather(*(make_api_call(limiter, i, start) for i in range(10)))
    print(f"Completed {len(started)} calls in {asyncio.get_running_loop().time() - start:.1f}s")
    assert within_limit(started, limiter.burst, limiter.every)


asyncio.run(main())
