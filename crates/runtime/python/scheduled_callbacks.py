"""loop.call_soon, call_later and call_at, and a cancelled TimerHandle.

The asyncio twin of crates/runtime/src/scheduled_callbacks.rs.
"""

import asyncio


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    done = asyncio.Event()
    pending = 3

    def callback(name):
        nonlocal pending
        print(f"Callback {name} executed at {loop.time() - start:.1f}s")
        pending -= 1
        if pending == 0:
            done.set()

    loop.call_soon(callback, "soon")
    loop.call_later(1, callback, "later")
    loop.call_at(start + 2, callback, "at_time")
    cancelled = loop.call_later(1.5, callback, "cancelled")
    cancelled.cancel()

    await done.wait()
    if cancelled.cancelled():
        print("Callback cancelled never ran")
    print(f"All callbacks done at {loop.time() - start:.1f}s")


asyncio.run(main())
