"""Blocking the event loop: a heartbeat task ticks every 100 ms while the
main task waits with asyncio.sleep, and never while a task sleeps with
time.sleep.

The asyncio twin of crates/pitfalls/src/blocking_the_runtime.rs.
"""

import asyncio
import time

TICK = 0.1
WAIT = 0.5


async def blocking_operations_good():
    await asyncio.sleep(WAIT)
    return "good"


async def blocking_operations_bad():
    time.sleep(WAIT)
    return "bad"


def yes_or_no(ticks):
    return "yes" if ticks > 0 else "no"


async def main():
    loop = asyncio.get_running_loop()
    ticks = 0

    async def heartbeat():
        nonlocal ticks
        next_tick = loop.time() + TICK / 2  # half a tick in, away from the waits' ends
        while True:
            await asyncio.sleep(max(next_tick - loop.time(), 0))
            next_tick += TICK
            ticks += 1

    async def counted(work):
        before = ticks
        result = await work()
        return result, ticks - before

    beating = asyncio.create_task(heartbeat())
    # A tick comes due before the wait's end, so it runs first even on a
    # machine that holds the loop up past both.
    result, during = await asyncio.create_task(counted(blocking_operations_good))
    print(f"Non-blocking result: {result}")
    print(f"Heartbeat ran during tokio::time::sleep(500ms): {yes_or_no(during)}")  # asyncio.sleep
    assert during > 0

    result, during = await asyncio.create_task(counted(blocking_operations_bad))
    print(f"Blocking result: {result}")
    print(f"Heartbeat ran during std::thread::sleep(500ms): {yes_or_no(during)}")  # time.sleep
    assert during == 0
    beating.cancel()


asyncio.run(main())
