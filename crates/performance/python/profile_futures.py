"""Profiling coroutines: a wrapper that drives a coroutine step by step and
times each step, the counterpart of a Rust future wrapper that times each
poll; a step longer than 100 ms blocked the event loop, which is what
asyncio's debug mode reports as a slow callback.

The asyncio twin of crates/performance/src/profile_futures.rs.
"""

import asyncio
import time

SLOW_STEP = 0.1  # asyncio's slow_callback_duration


class Profiled:
    """Awaitable: runs `coroutine` one step (one poll) at a time."""

    def __init__(self, name, coroutine):
        self.name = name
        self.coroutine = coroutine
        self.polls = 0
        self.longest = 0.0
        self.elapsed = 0.0

    def blocked_the_loop(self):
        return self.longest > SLOW_STEP

    def __await__(self):
        steps = self.coroutine.__await__()
        first = asyncio.get_running_loop().time()
        sent = None
        while True:
            started = time.perf_counter()
            self.polls += 1
            try:
                yielded = steps.send(sent)
            except StopIteration as done:
                self.longest = max(self.longest, time.perf_counter() - started)
                self.elapsed = asyncio.get_running_loop().time() - first
                return done.value, self
            self.longest = max(self.longest, time.perf_counter() - started)
            sent = yield yielded


async def cpu_intensive():
    # A tenth of the guide's loop, as Rust's loop of 10,000 is.
    total = sum(i * i for i in range(10_000))
    await asyncio.sleep(0)
    return total


async def io_intensive():
    await asyncio.sleep(0.1)
    return 0


async def blocking_call():
    time.sleep(0.15)


def tenths(seconds):
    """Rounded down, as the Rust prints it, so timer lateness doesn't show."""
    return f"{int(seconds * 10) / 10:.1f}s"


async def wrapped(profiled):
    return await profiled


async def performance_test():
    tasks = [
        asyncio.create_task(
            wrapped(Profiled(f"cpu_intensive #{i}", cpu_intensive()) if i % 2 == 0 else Profiled(f"io_intensive #{i}", io_intensive()))
        )
        for i in range(10)
    ]
    return [profile for _, profile in await asyncio.gather(*tasks)]


async def main():
    profiles, total = await Profiled("performance_test", performance_test())
    for profile in profiles:
        elapsed = f", {tenths(profile.elapsed)} elapsed" if profile.name.startswith("io_intensive") else ""
        # No verdict: a busy machine can stop a quick step for longer than SLOW_STEP.
        print(f"{profile.name}: {profile.polls} polls{elapsed}")
    print(f"{total.name}: {tenths(total.elapsed)} elapsed")

    _, profile = await Profiled("blocking_call", blocking_call())
    print(f"{profile.name}: {profile.polls} poll, blocked the runtime: {profile.blocked_the_loop()}")


asyncio.run(main())
