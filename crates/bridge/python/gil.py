"""The GIL: Rust that holds it while it blocks holds up the event loop, from
whichever thread; Python::detach and a Tokio task that does not attach leave
the loop running."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from bridge import sleep_detached, sleep_holding_gil, sleep_in_tokio, sleep_in_tokio_attached


async def longest_pause(blocking_work: Callable[[], Awaitable[None]]) -> float:
    """The longest the event loop went without running a 10 ms heartbeat,
    while blocking_work ran."""
    pauses = []
    done = False

    async def heartbeat() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            pauses.append(now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.05)
    await blocking_work()
    done = True
    await beating
    return max(pauses)


async def main() -> None:
    event_loop = asyncio.get_running_loop()
    ways = {
        "run_in_executor(sleep_holding_gil)": lambda: event_loop.run_in_executor(
            None, sleep_holding_gil, 1.0
        ),
        "run_in_executor(sleep_detached)": lambda: event_loop.run_in_executor(
            None, sleep_detached, 1.0
        ),
        "sleep_in_tokio_attached()": lambda: sleep_in_tokio_attached(1.0),
        "sleep_in_tokio()": lambda: sleep_in_tokio(1.0),
    }
    for name, blocking_work in ways.items():
        pause = await longest_pause(blocking_work)
        # A held GIL stops the loop for the whole sleep, however idle the
        # machine; a busy one would have to stop a free loop as long.
        verdict = "held the event loop up" if pause >= 1.0 else "left the event loop running"
        print(f"{name}: a 1s sleep {verdict} (its longest pause: {pause:.1f}s)")


if __name__ == "__main__":
    asyncio.run(main())
