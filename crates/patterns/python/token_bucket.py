"""A token-bucket rate limiter that limits concurrent callers too: each
caller takes its token (or its place in the debt) before it sleeps, and
gives it back if cancelled while it waits.

The asyncio twin of crates/patterns/src/token_bucket.rs.
"""

import asyncio


class RateLimiter:
    def __init__(self, rate, per):
        self.rate = rate
        self.per = per
        self.allowance = rate
        self.last_check = asyncio.get_running_loop().time()

    async def acquire(self):
        # No await between reading and updating the bucket: this runs alone.
        now = asyncio.get_running_loop().time()
        self.allowance = min(self.allowance + (now - self.last_check) * self.rate / self.per, self.rate)
        self.last_check = now
        self.allowance -= 1
        wait = max(-self.allowance, 0) * self.per / self.rate
        if wait:
            try:
                await asyncio.sleep(wait)
            except asyncio.CancelledError:
                # A caller that gives up while it waits gives its token back.
                self.allowance = min(self.allowance + 1, self.rate)
                raise


async def make_api_call(limiter, call_id, start):
    await limiter.acquire()
    started = asyncio.get_running_loop().time() - start
    print(f"[{started:.1f}s] Making API call {call_id}")
    await asyncio.sleep(0.5)
    return started


async def main():
    limiter = RateLimiter(2, 1)
    start = asyncio.get_running_loop().time()
    started = await asyncio.gather(*(make_api_call(limiter, i, start) for i in range(10)))
    print(f"Completed {len(started)} calls in {asyncio.get_running_loop().time() - start:.1f}s")
    for index, at in enumerate(sorted(started)):
        assert index + 1 <= limiter.rate + limiter.rate * at / limiter.per + 1e-6


asyncio.run(main())
