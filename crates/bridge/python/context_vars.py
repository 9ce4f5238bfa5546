"""contextvars across the boundary: a Python function that Rust calls from a
Tokio thread sees the caller's ContextVars only when Rust runs it in a copy
of the caller's context, taken in the #[pyfunction]."""

import asyncio
import contextvars
import functools
import re
import threading

from bridge import Context, call_each

request_id = contextvars.ContextVar("request_id", default="none")

NAMES = ["ada", "grace"]

CONTEXTS = [
    (Context.THREAD, "in the Tokio thread's own context"),
    (Context.LOCALS_ON_THREAD, "in get_current_locals(py)?.context(py) on the Tokio thread"),
    (Context.SHARED, "in the caller's context, shared"),
]


def describe(name: str, together: threading.Barrier) -> str:
    """What Rust calls for each name. It waits for the other calls to be
    running too (10 s at most, a bound no busy machine reaches), which shows
    that they ran at once."""
    try:
        together.wait()
    except threading.BrokenBarrierError:
        return f"{name}: alone"
    return f"{name}: request {request_id.get()}"


def message(error: Exception) -> str:
    """The error, without the address of the object it names."""
    return f"{type(error).__name__}: {re.sub(' at 0x[0-9a-f]+', '', str(error))}"


async def main() -> None:
    request_id.set("r-42")

    for context, where in CONTEXTS:
        together = threading.Barrier(len(NAMES), timeout=10)
        try:
            described, _ = await call_each(
                functools.partial(describe, together=together), NAMES, context
            )
            print(f"{where}: {described}")
        except RuntimeError as error:
            print(f"{where}: {message(error)}")
            # The call that got in still waits for the other: let it go.
            together.abort()

    # Each call in a copy, while the future awaits a coroutine: the calls and
    # the coroutine wait for each other, so they all ran at once.
    together = threading.Barrier(len(NAMES) + 1, timeout=10)

    async def look_up() -> str:
        await asyncio.to_thread(together.wait)
        return f"request {request_id.get()}"

    described, looked_up = await call_each(
        functools.partial(describe, together=together), NAMES, Context.COPIED, look_up()
    )
    print(f"in a copy of the caller's context each: {described}")
    print(f"the coroutine it awaited meanwhile: {looked_up}")


if __name__ == "__main__":
    asyncio.run(main())
