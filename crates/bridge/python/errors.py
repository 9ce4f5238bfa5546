"""Errors across the boundary: a Rust error becomes a Python exception with
its message, a Python exception comes back to Rust as an Err, and a Rust
panic is an exception too: a BaseException from a call, an Exception from an
awaited future."""

import asyncio
import sys

from bridge import (
    HttpStatusError,
    average,
    average_later,
    average_later_caught,
    fetch,
    load,
    mean,
)


def show(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


async def main(base_url: str) -> None:
    # A Rust error, raised as the exception its variant maps to.
    for url in ["not a url", f"{base_url}/status/404", "http://127.0.0.1:1/"]:
        try:
            await fetch(url)
        except (ValueError, HttpStatusError, ConnectionError) as error:
            print(show(error))

    # A Python exception, back from Rust with context.
    async def loader(name: str) -> str:
        raise KeyError(name)

    try:
        await load(loader, "settings")
    except RuntimeError as error:
        print(f"{show(error)}, raised from {show(error.__cause__)}")

    # A panic in a call: PanicException is a BaseException, so `except
    # Exception` would let it through.
    try:
        average([])
    except BaseException as error:
        print(f"{show(error)}; an Exception: {isinstance(error, Exception)}")
    # A panic in a future: RustPanic is an Exception.
    try:
        await average_later([])
    except Exception as error:
        print(f"{show(error)}; an Exception: {isinstance(error, Exception)}")
    # A future that catches its own panic raises what a call would.
    try:
        await average_later_caught([])
    except BaseException as error:
        print(f"{show(error)}; an Exception: {isinstance(error, Exception)}")
    try:
        mean([])
    except ValueError as error:
        print(show(error))
    print(f"mean([1, 2]) = {mean([1, 2])}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
