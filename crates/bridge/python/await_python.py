"""Rust awaits a Python coroutine: Rust starts an async Python function for
each name, awaits them all, and hands the results back to asyncio; if it
stops waiting, it cancels what it started."""

import asyncio
import threading
import time
from collections.abc import Coroutine
from typing import Any

from bridge import lookup_all

DELAYS = {"ada": 0.3, "grace": 0.1, "alan": 0.2}


async def settled() -> int:
    """How many of the other tasks are still running once they have all
    ended, or 10 s have passed: a bound no busy machine reaches, where a
    fixed short wait would count a task whose cancellation is on its way."""
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        await asyncio.wait(others, timeout=10)
    return sum(not task.done() for task in others)


async def main() -> None:
    event_loop = asyncio.get_running_loop()

    delays = dict(DELAYS)
    running = most_at_once = 0

    async def lookup(name: str) -> str:
        nonlocal running, most_at_once
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            await asyncio.sleep(delays[name])
        except asyncio.CancelledError:
            print(f"lookup({name!r}) cancelled")
            raise
        finally:
            running -= 1
        here = threading.current_thread().name
        same_loop = asyncio.get_running_loop() is event_loop
        print(f"lookup({name!r}) ran on {here}, in the caller's event loop: {same_loop}")
        return f"{name}@example.org"

    started = time.perf_counter()
    emails = await lookup_all(lookup, list(DELAYS))
    print(f"Rust returned {emails}")
    took = time.perf_counter() - started
    print(f"three lookups took {took:.1f}s: {most_at_once} of them ran at once")

    # Python stops waiting for Rust; Rust's future is dropped, and cancels
    # the lookups it started, two of which would take a minute. The third
    # only yields once (a sleep of 0 sets no timer), so it ends before the
    # timeout's timer runs, however late a busy machine runs the loop.
    delays.update(ada=60.0, grace=0.0, alan=60.0)
    try:
        await asyncio.wait_for(lookup_all(lookup, list(DELAYS)), timeout=0.5)
    except TimeoutError:
        # Rust asked the loop to cancel them, and can't wait: they end later.
        print(f"wait_for gave up on lookup_all; lookups still running: {running}")
    print(f"tasks still running: {await settled()}")

    # A lookup that fails before it makes a coroutine, for the last name: the
    # tasks Rust started for the names before it are cancelled.
    delays.update(grace=60.0)

    def checked_lookup(name: str) -> Coroutine[Any, Any, str]:
        if name not in DELAYS:
            raise KeyError(name)
        return lookup(name)

    try:
        await lookup_all(checked_lookup, ["grace", "alan", "nobody"])
    except KeyError as error:
        print(f"lookup_all raised KeyError: {error}")
    print(f"tasks still running: {await settled()}")


if __name__ == "__main__":
    asyncio.run(main())
