"""Shutdown: the Tokio runtime lives as long as the process, each event loop
only as long as its asyncio.run(); a Rust task that nothing waits for
outlives its loop, and a worker that Python closes leaves none behind."""

import asyncio
import contextlib
import io
import time

from bridge import Worker, detached_running, sleep, spawn_detached


async def first() -> None:
    # Long enough that a busy machine still finishes the worker first.
    spawn_detached(2.0)
    async with Worker() as worker:
        for item in ["a", "b", "c"]:
            worker.submit(item)
    # Leaving the block closed the worker: the queued items were done.
    print(f"worker closed: done {worker.done()}, its tasks running: {worker.running()}")
    print(f"detached Rust tasks running as the first loop closes: {detached_running()}")


async def second() -> None:
    print(f"detached Rust tasks running in the second loop: {detached_running()}")
    await sleep(2.1)
    print(f"after 2.1s more: {detached_running()}")


async def forgets_an_await() -> None:
    # Not awaited, not a task: asyncio.run() does not cancel it.
    sleep(0.2)


def main() -> None:
    asyncio.run(first())
    asyncio.run(second())

    # pyo3-async-runtimes reports what it could not deliver on stderr.
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        asyncio.run(forgets_an_await())
        time.sleep(0.5)
    lines = stderr.getvalue().splitlines()
    print(f"a Rust future that outlived its loop: {lines[-1] if lines else 'nothing'}")


if __name__ == "__main__":
    main()
