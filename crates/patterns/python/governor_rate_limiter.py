"""The GCRA rate limiter the Rust `governor` crate implements, in a few
lines: two calls per second with a burst of two, waited for by async
callers, or checked at once to answer 429 with a retry time.

The asyncio twin of crates/patterns/src/governor_rate_limiter.rs.
"""

import asyncio


class Gcra:
    """Generic cell rate algorithm: one theoretical arrival time."""

    def __init__(self, per_second, burst=None):
        self.interval = 1 / per_second
        self.burst = burst or per_second
        self.tat = asyncio.get_running_loop().time()

    def check(self):
        """None if allowed now, else the seconds to wait."""
        now = asyncio.get_running_loop().time()
        tat = max(self.tat, now)
        earliest = tat - (self.burst - 1) * self.interval
        if earliest > now + 1e-9:
            return earliest - now
        self.tat = tat + self.interval
        return None


async def until_ready(limiter, queue):
    # Waiters take turns in arrival order, so the first to wait goes first.
    # Holding the lock across the sleep is safe in asyncio, whose loop runs
    # every task; a Rust future can be held unpolled, holding up everyone
    # behind it, so there each caller checks and sleeps on its own, in no set
    # order.
    async with queue:
        while (wait := limiter.check()) is not None:
            await asyncio.sleep(wait)


async def make_api_call(limiter, queue, call_id, start):
    await until_ready(limiter, queue)
    print(f"[{asyncio.get_running_loop().time() - start:.1f}s] Making API call {call_id}")
    await asyncio.sleep(0.5)


async def main():
    loop = asyncio.get_running_loop()
    limiter = Gcra(2)
    start = loop.time()
    queue = asyncio.Lock()  # fair: its waiters are served first come, first served
    await asyncio.gather(*(make_api_call(limiter, queue, i, start) for i in range(10)))
    print(f"Completed 10 calls in {loop.time() - start:.1f}s")

    print()
    limiter = Gcra(2)
    for request in range(4):
        wait = limiter.check()
        if wait is None:
            print(f"Request {request}: allowed")
        else:
            print(f"Request {request}: 429 Too Many Requests, retry after {wait:.1f}s")


asyncio.run(main())
