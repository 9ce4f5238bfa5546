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
        await asyncio.wait_for(watch.blocking_sleep(1.0), timeout=0.2)
    except TimeoutError:
        print("python: wait_for gave up on the blocking sleep")
    print(f"rust: its future was dropped at {await watch.when('future dropped'):.1f}s,")
    print(f"rust: its spawn_blocking job ran on to {await watch.when('blocking job ended'):.1f}s")


async def rust_stops_waiting() -> None:
    started = time.perf_counter()

    async def slow_job(name: str) -> str:
        try:
            await asyncio.sleep(0.5)
        except asyncio.CancelledError:
            print(f"python: {name} cancelled at {time.perf_counter() - started:.1f}s")
            raise
        print(f"python: {name} finished at {time.perf_counter() - started:.1f}s")
        return name

    try:
        await wait_in_rust(slow_job("job under a Tokio timeout"), 0.2)
    except TimeoutError as error:
        print(f"rust: {error}")
    # The Python task behind the dropped Rust future is still running.
    await asyncio.sleep(0.5)

    started = time.perf_counter()
    try:
        await wait_in_python(slow_job("job under asyncio.wait_for"), 0.2)
    except TimeoutError:
        print(f"rust: asyncio.wait_for raised TimeoutError at {time.perf_counter() - started:.1f}s")

    # Python cancels the awaitable from wait_in_python: Rust's future is
    # dropped, and the guard that owns the coroutine's task cancels it.
    started = time.perf_counter()
    waiting = asyncio.ensure_future(wait_in_python(slow_job("job of a cancelled wait_in_python"), 10))
    await asyncio.sleep(0.1)
    waiting.cancel()
    await asyncio.sleep(0.5)


async def main(base_url: str) -> None:
    await python_cancels_rust(base_url)
    await rust_stops_waiting()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
