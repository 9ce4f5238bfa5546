"""Coroutines are lazy: calling a coroutine function runs none of its body.

The asyncio twin of crates/basics/src/lazy_futures.rs.
"""

import asyncio
import inspect


def regular_function():
    return "Hello"


async def coroutine_function():
    return "Hello"


async def coroutine_example():
    print("Start coroutine")
    await asyncio.sleep(1)
    print("End coroutine")
    return "Result"


async def main():
    print(regular_function())

    coro = coroutine_function()
    print(f"iscoroutine(coroutine_function()): {inspect.iscoroutine(coro)}")
    print(await coro)

    coro = coroutine_example()
    print(f"iscoroutine(coroutine_example()): {inspect.iscoroutine(coro)}; nothing printed yet")
    print(await coro)

    never_awaited = coroutine_example()
    # Closing it says it was never meant to run, which keeps the
    # "was never awaited" RuntimeWarning quiet.
    never_awaited.close()
    print("Dropped a future that was never awaited: its body never ran")


asyncio.run(main())
