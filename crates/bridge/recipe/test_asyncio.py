"""What the page says about the awaitable `count_primes` returns, checked
under asyncio's own loop and under uvloop's: it is an `asyncio.Future`, made
in the running loop, which `create_task` rejects and `ensure_future` takes;
the job it started runs on after the rejection, and delivers too late if the
loop has closed; and mypy reports the `create_task` (`pip install mypy`)."""

import asyncio
import contextlib
import io
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

import uvloop
from hot_path import count_primes

PRIMES_BELOW_100 = 25
# A count that takes a moment, so that it ends after its loop.
SLOW = 500_000


async def the_awaitable_is_a_future() -> None:
    job = count_primes(100)
    assert isinstance(job, asyncio.Future), type(job)
    try:
        asyncio.create_task(job)  # type: ignore[arg-type]
    except TypeError as error:
        assert "a coroutine was expected" in str(error), error
    else:
        raise AssertionError("create_task took the future")
    assert await asyncio.ensure_future(job) == PRIMES_BELOW_100

    job = count_primes(100)
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(job)  # type: ignore[arg-type]
    except* TypeError:
        pass
    else:
        raise AssertionError("TaskGroup.create_task took the future")
    # Rejected, and still running: awaited here, or its result would come
    # after the loop is gone.
    assert await job == PRIMES_BELOW_100


async def rejected() -> None:
    try:
        asyncio.create_task(count_primes(SLOW))  # type: ignore[arg-type]
    except TypeError:
        pass


def delivered_after_the_loop(run: Callable[[Coroutine[Any, Any, None]], None]) -> str:
    """What Python prints when the rejected job ends after its loop closed."""
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        run(rejected())
        deadline = time.monotonic() + 10
        while "Event loop is closed" not in stderr.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = stderr.getvalue().splitlines()
    assert lines and lines[-1] == "RuntimeError: Event loop is closed", lines
    return lines[-1]


def under_asyncio_and_uvloop() -> str:
    runs: list[Callable[[Coroutine[Any, Any, None]], None]] = [asyncio.run, uvloop.run]
    printed = set()
    for run in runs:
        run(the_awaitable_is_a_future())
        printed.add(delivered_after_the_loop(run))
    [late] = printed
    return late


def outside_a_running_loop() -> str:
    try:
        count_primes(100)
    except RuntimeError as error:
        assert str(error) == "no running event loop", error
        return f"RuntimeError: {error}"
    raise AssertionError("count_primes ran without a running loop")


def mypy_on_create_task() -> str:
    program = "import asyncio\nfrom hot_path import count_primes\n\n"
    program += "async def main() -> None:\n    asyncio.create_task(count_primes(100))\n"
    # As for the oldest Python the wheel is for, whichever runs mypy.
    mypy = [sys.executable, "-m", "mypy", "--python-version", "3.11", "--no-error-summary"]
    run = subprocess.run(
        [*mypy, "--cache-dir", "/dev/null", "-c", program],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, f"{run.stdout}{run.stderr}"
    [error] = run.stdout.splitlines()
    assert '"create_task"' in error and '"Future[int]"' in error, error
    return error.split(": ", 1)[1]


def test_under_asyncio_and_uvloop() -> None:
    under_asyncio_and_uvloop()


def test_outside_a_running_loop() -> None:
    outside_a_running_loop()


def test_mypy_reports_create_task() -> None:
    mypy_on_create_task()


if __name__ == "__main__":
    late = under_asyncio_and_uvloop()
    print("the awaitable is an asyncio.Future, under asyncio's loop and uvloop's")
    print(f"a rejected job that ends after its loop: {late}")
    print(f"count_primes called outside a running loop: {outside_a_running_loop()}")
    print(f"mypy: {mypy_on_create_task()}")
