"""CPU-bound work off the event loop: Rust's spawn_blocking against
asyncio's run_in_executor, both awaited while a heartbeat on the loop keeps
time."""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

from bridge import count_primes, count_primes_blocking, most_at_once, open_gate, shut_gate

LIMIT = 150_000
# The ticks the heartbeat counts before it lets held work go on.
TICKS = 3


def count_primes_py(limit: int, halfway: Callable[[], object] = lambda: None) -> int:
    """The number of primes below limit, by trial division, as the Rust does,
    calling halfway when half way there."""
    count = 0
    for n in range(2, limit):
        if n == limit // 2:
            halfway()
        d = 2
        while d * d <= n and n % d:
            d += 1
        if d * d > n:
            count += 1
    return count


def through(gate: threading.Event, limit: int) -> int:
    """count_primes_py, waiting halfway until gate is open (10 s at most)."""
    return count_primes_py(limit, lambda: gate.wait(10))


async def with_heartbeat(
    work: Callable[[], Awaitable[int]], opens: Callable[[], None] | None = None
) -> tuple[int, float, int]:
    """Runs work while a heartbeat ticks every 10 ms on the event loop: the
    result, the longest the loop went without a tick, and how many ticks
    there were while work ran. The heartbeat calls opens, which lets work
    held halfway go on, once it has ticked TICKS times meanwhile, so that a
    loop that runs while the work does ticks that often, however soon a busy
    machine would have ended the work; and as it ends, cancelled too, so
    that no work is left waiting."""
    pauses = []
    done = False
    ticks_before: int | None = None

    async def heartbeat() -> None:
        last = time.perf_counter()
        try:
            while not done:
                await asyncio.sleep(0.01)
                now = time.perf_counter()
                pauses.append(now - last)
                last = now
                if opens and ticks_before is not None and len(pauses) - ticks_before == TICKS:
                    opens()
        finally:
            if opens:
                opens()

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)
    ticks_before = len(pauses)
    result = await work()
    ticks = len(pauses) - ticks_before
    done = True
    await beating
    return result, max(pauses), ticks


def running(pause: float, ticks: int) -> str:
    """Whether the loop kept running: whether it ticked while the work ran,
    as often as held work waits for."""
    verdict = "kept running" if ticks >= TICKS else "held up"
    return f"the event loop {verdict} (its longest pause: {pause:.1f}s)"


async def main() -> None:
    event_loop = asyncio.get_running_loop()

    gate = threading.Event()
    result, pause, ticks = await with_heartbeat(
        lambda: event_loop.run_in_executor(None, through, gate, LIMIT), gate.set
    )
    print(f"python, run_in_executor: {result} primes; {running(pause, ticks)}")

    shut_gate()
    result, pause, ticks = await with_heartbeat(lambda: count_primes(LIMIT), open_gate)
    print(f"rust, spawn_blocking: {result} primes; {running(pause, ticks)}")

    async def on_the_loop() -> int:
        return count_primes_blocking(LIMIT)

    result, _, ticks = await with_heartbeat(on_the_loop)
    print(f"rust, called on the loop: {result} primes; heartbeats while it ran: {ticks}")

    # Two jobs at once, long enough that a busy machine starts both before
    # the first ends: without the GIL they compute side by side; holding it,
    # they take turns.
    jobs = {
        "rust, spawn_blocking": lambda: count_primes(2 * LIMIT),
        "rust holding the GIL, run_in_executor": lambda: event_loop.run_in_executor(
            None, count_primes_blocking, 2 * LIMIT
        ),
    }
    for name, job in jobs.items():
        most_at_once()
        await asyncio.gather(job(), job())
        verdict = "side by side" if most_at_once() == 2 else "one after the other"
        print(f"{name}, two jobs at once: they computed {verdict}")


if __name__ == "__main__":
    asyncio.run(main())
