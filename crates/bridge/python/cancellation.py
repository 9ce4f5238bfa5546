"""Cancellation across the boundary, both ways: asyncio.wait_for cancels a
Rust future, and Rust stops waiting for a Python coroutine."""

import asyncio
import sys
import time

from bridge import Watch, wait_in_python, wait_in_rust


async def python_cancels_rust(base_url: str) -> None:
    # Each Watch times what happens in Rust from its creation.
    watch = Watch()
    try:
        await asyncio.wait_for(watch.fetch(f"{base_url}/delay/5"), timeout=0.5)
    except TimeoutError:
        print("python: wait_for gave up on the request")
    print(f"rust: the request's future was dropped at {await watch.when('request dropped'):.1f}s")

    watch = Watch()
    try:
        # Long enough that a loop held up for a second still times out first.
        await asyncio.wait_for(watch.blocking_sleep(2.0), timeout=0.2)
    except TimeoutError:
        print("python: wait_for gave up on the blocking sleep")
    print(f"rust: its future was dropped at {await watch.when('future dropped'):.1f}s,")
    print(f"rust: its spawn_blocking job ran on to {await watch.when('blocking job ended'):.1f}s")


class SlowJob:
    """A Python job that takes half a second, and finishes only once its
    caller has given up on it (gave_up), so that it outlasts the caller's
    timeout however late a busy machine runs the timer; its other events
    tell when it has started and ended."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.created = time.perf_counter()
        self.started, self.ended, self.gave_up = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def run(self) -> str:
        self.started.set()
        try:
            await asyncio.sleep(0.5)
            await self.gave_up.wait()
        except asyncio.CancelledError:
            print(f"python: {self.name} cancelled at {time.perf_counter() - self.created:.1f}s")
            raise
        finally:
            self.ended.set()
        print(f"python: {self.name} finished at {time.perf_counter() - self.created:.1f}s")
        return self.name


async def rust_stops_waiting() -> None:
    job = SlowJob("job under a Tokio timeout")
    try:
        await wait_in_rust(job.run(), 0.2)
    except TimeoutError as error:
        print(f"rust: {error}")
    job.gave_up.set()
    # The Python task behind the dropped Rust future is still running.
    await job.ended.wait()

    job = SlowJob("job under asyncio.wait_for")
    try:
        await wait_in_python(job.run(), 0.2)
    except TimeoutError:
        took = time.perf_counter() - job.created
        print(f"rust: asyncio.wait_for raised TimeoutError at {took:.1f}s")

    # Python cancels the awaitable from wait_in_python: Rust's future is
    # dropped, and the guard that owns the coroutine's task cancels it.
    job = SlowJob("job of a cancelled wait_in_python")
    waiting = asyncio.ensure_future(wait_in_python(job.run(), 10))
    await job.started.wait()
    waiting.cancel()
    await job.ended.wait()


async def main(base_url: str) -> None:
    await python_cancels_rust(base_url)
    await rust_stops_waiting()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
