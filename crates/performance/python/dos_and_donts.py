"""The guide's do's and don'ts: await directly instead of creating a task to
await at once; create tasks (or gather) for work that can overlap; and run
blocking calls in a thread.

The asyncio twin of crates/performance/src/dos_and_donts.rs.
"""

import asyncio
import time


async def simple_async_func():
    return "simple"


async def operation(name):
    await asyncio.sleep(1)
    return name


async def other_work():
    await asyncio.sleep(1)


def blocking_function():
    time.sleep(0.1)
    return "blocking_result"


async def main():
    loop = asyncio.get_running_loop()
    result = await asyncio.create_task(simple_async_func())
    print(f"Task spawned and awaited at once: {result}")
    print(f"Awaited directly: {await simple_async_func()}")

    start = loop.time()
    task1 = asyncio.create_task(operation("op1"))
    task2 = asyncio.create_task(operation("op2"))
    await other_work()
    result1, result2 = await task1, await task2
    print(f"Tasks beside other work: {result1}, {result2} in {loop.time() - start:.1f}s")

    start = loop.time()
    result1, result2, _ = await asyncio.gather(operation("op1"), operation("op2"), other_work())
    print(f"join! beside other work: {result1}, {result2} in {loop.time() - start:.1f}s")

    result = await asyncio.to_thread(blocking_function)
    print(f"spawn_blocking: {result}")


asyncio.run(main())
