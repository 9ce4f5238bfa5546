"""What the page says about the awaitable `count_primes` returns, checked
under asyncio's own loop and under uvloop's: it is an `asyncio.Future`, which
`create_task` rejects and `ensure_future` takes, and the job it started runs
on after the rejection."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import uvloop
from hot_path import count_primes

PRIMES_BELOW_100 = 25


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


def test_under_asyncio_and_uvloop() -> None:
    runs: list[Callable[[Coroutine[Any, Any, None]], None]] = [asyncio.run, uvloop.run]
    for run in runs:
        run(the_awaitable_is_a_future())


if __name__ == "__main__":
    test_under_asyncio_and_uvloop()
    print("the awaitable is an asyncio.Future, under asyncio's loop and uvloop's")
