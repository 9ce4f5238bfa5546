"""Shutdown: the Tokio runtime lives as long as the process, each event loop
only as long as its asyncio.run(); a Rust task that nothing waits for
outlives its loop, and a worker that Python closes leaves none behind."""

import asyncio
import queue
import sys

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
    # Long enough that the detached task, due a second earlier, has ended.
    await sleep(3.0)
    print(f"after 3.0s more: {detached_running()}")


async def forgets_an_await() -> None:
    # Not awaited, not a task: asyncio.run() does not cancel it, and it ends
    # a second after the loop has closed.
    sleep(1.0)


def main() -> None:
    asyncio.run(first())
    asyncio.run(second())

    # pyo3-async-runtimes reports what it could not deliver as an uncaught
    # exception: to sys.excepthook, which prints it on stderr. Waited for, 10 s
    # at most, a bound no busy machine reaches.
    reported: queue.SimpleQueue[BaseException] = queue.SimpleQueue()
    sys.excepthook = lambda kind, error, traceback: reported.put(error)
    asyncio.run(forgets_an_await())
    try:
        error = reported.get(timeout=10)
        outcome = f"{type(error).__name__}: {error}"
    except queue.Empty:
        outcome = "nothing"
    finally:
        sys.excepthook = sys.__excepthook__
    print(f"a Rust future that outlived its loop: {outcome}")


if __name__ == "__main__":
    main()
