"""loop.create_future() completed from another thread: the callback API
of a library turned into something to await.

The asyncio twin of crates/runtime/src/leaf_future.rs.
"""
# differs from the golden file: an asyncio Future is not polled, so the first part (polled by task A, moved to task B, which waker is woken) has no asyncio counterpart

import asyncio
import threading


class Abandoned(Exception):
    def __str__(self):
        return "the completer was dropped without setting a result"


def double_in_background(value, on_done, on_abandoned):
    """A callback API: the work runs on the library's thread, which calls
    on_done there; a failure calls on_abandoned instead."""

    def work():
        doubled = value * 2
        if doubled < 2**64:
            on_done(doubled)
        else:
            on_abandoned()

    threading.Thread(target=work).start()


async def double(value):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    # set_result is not thread-safe: it must run on the loop's thread.
    double_in_background(
        value,
        lambda doubled: loop.call_soon_threadsafe(future.set_result, doubled),
        lambda: loop.call_soon_threadsafe(future.set_exception, Abandoned()),
    )
    return await future


async def main():
    print(f"double(21) = {await double(21)}")
    try:
        print(f"double(2**64 - 1) = {await double(2**64 - 1)} (unexpected)")
    except Abandoned as error:
        print(f"double(u64::MAX): {error}")


asyncio.run(main())
