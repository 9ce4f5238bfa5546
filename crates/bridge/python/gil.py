"""The GIL: Rust that holds it while it blocks holds up the event loop, from
whichever thread; Python::detach and a Tokio task that does not attach leave
the loop running."""

import asyncio
import time
from collections.abc import Awaitable, Callable

from bridge import (
    heartbeat,
    sleep_detached,
    sleep_holding_gil,
    sleep_in_tokio,
    sleep_in_tokio_attached,
)


async def beside_a_heartbeat(blocking_work: Callable[[], Awaitable[int]]) -> tuple[int, float]:
    """Runs blocking_work, which returns how many heartbeats ran while it
    blocked, beside a heartbeat every 10 ms on the event loop: that count,
    and the longest the loop went without a heartbeat."""
    pauses = []
    done = False

    async def beat() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.01)
            heartbeat()
            now = time.perf_counter()
            pauses.append(now - last)
            last = now

    beating = asyncio.create_task(beat())
    await asyncio.sleep(0.05)
    heartbeats = await blocking_work()
    done = True
    await beating
    return heartbeats, max(pauses)


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
        heartbeats, pause = await beside_a_heartbeat(blocking_work)
        # A held GIL lets no heartbeat run, however idle the machine; a free
        # loop runs about a hundred in the second, and a busy machine would
        # have to stop it for the whole second to run none.
        verdict = "left the event loop running" if heartbeats else "held the event loop up"
        print(f"{name}: a 1s sleep {verdict} (its longest pause: {pause:.1f}s)")


if __name__ == "__main__":
    asyncio.run(main())
