"""A sliding-window rate limiter: at most three calls in any two seconds,
the lock held while a caller waits for room, so nobody overtakes. Safe in
asyncio, whose loop runs every task; the Rust can't hold a lock across the
wait, since a future its owner stops polling would hold it for ever.

The asyncio twin of crates/patterns/src/sliding_window.rs.
"""

import asyncio
from collections import deque


class AsyncRateLimiter:
    def __init__(self, max_calls, time_window):
        self.max_calls = max_calls
        self.time_window = time_window
        self.calls = deque()
        self.lock = asyncio.Lock()

    async def acquire(self):
        loop = asyncio.get_running_loop()
        async with self.lock:
            while True:
                now = loop.time()
                while self.calls and now - self.calls[0] >= self.time_window:
                    self.calls.popleft()
                if len(self.calls) < self.max_calls:
                    self.calls.append(now)
                    return now
                await asyncio.sleep(self.calls[0] + self.time_window - now)


async def api_call(limiter, name, start):
    started = await limiter.acquire() - start
    print(f"[{started:.1f}s] Making API call {name}")
    await asyncio.sleep(0.1)
    return f"Result from {name}", started


async def rate_limited_operations():
    limiter = AsyncRateLimiter(3, 2)
    start = asyncio.get_running_loop().time()
    results = await asyncio.gather(*(api_call(limiter, f"call-{i}", start) for i in range(6)))
    for result, _ in results:
        print(result)
    started = sorted(at for _, at in results)
    for i in range(len(started) - limiter.max_calls):
        assert started[i + limiter.max_calls] - started[i] >= limiter.time_window - 1e-9


asyncio.run(rate_limited_operations())
