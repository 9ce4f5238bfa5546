"""Blocking the event loop: a heartbeat task ticks every 100 ms while the
main task waits with asyncio.sleep, and never while a task sleeps with
time.sleep.

The asyncio twin of crates/pitfalls/src/blocking_the_runtime.rs.
"""

import asyncio
import time

TICK = 0.1
WAIT = 0.5
TRIES = 3  # waits with no tick before the heartbeat is said not to run


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

    async def ticks_while_waiting():
        # A machine that stalls the process through a whole wait runs no
        # tick in it: the wait is tried again, as in the Rust.
        for _ in range(TRIES):
            before = ticks
            result = await blocking_operations_good()
            during = ticks - before
            if during > 0:
                break
        return result, during

    beating = asyncio.create_task(heartbeat())
    result, during = await ticks_while_waiting()
    print(f"Non-blocking result: {result}")
    print(f"Heartbeat ran during tokio::time::sleep(500ms): {yes_or_no(during)}")  # asyncio.sleep
    assert during > 0

    async def counted():
        before = ticks
        result = await blocking_operations_bad()
        return result, ticks - before

    result, during = await asyncio.create_task(counted())
    print(f"Blocking result: {result}")
    print(f"Heartbeat ran during std::thread::sleep(500ms): {yes_or_no(during)}")  # time.sleep
    assert during == 0
    beating.cancel()


asyncio.run(main())
