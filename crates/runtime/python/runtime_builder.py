"""new_event_loop and run_until_complete: one loop runs tasks concurrently
on one thread. asyncio has no multi-thread loop; the nearest is one loop
per thread.

The asyncio twin of crates/runtime/src/runtime_builder.rs.
"""
# differs from the golden file: asyncio has no runtime flavors or worker threads to describe, and no multi-thread loop on which two tasks can block at once

import asyncio


async def hello():
    print("Hello")
    await asyncio.sleep(0.1)
    print("World")


async def meet_with_await():
    loop = asyncio.get_running_loop()
    to_b, to_a = loop.create_future(), loop.create_future()

    async def a():
        to_b.set_result("A")
        return await to_a

    async def b():
        to_a.set_result("B")
        return await to_b

    heard_by_a, heard_by_b = await asyncio.gather(a(), b())
    print(f"A heard from {heard_by_a}, B heard from {heard_by_b}, with await")


def main():
    loop = asyncio.new_event_loop()
    print("One event loop, on this thread")
    loop.run_until_complete(hello())
    print(f"run_until_complete returned {loop.run_until_complete(asyncio.sleep(0, 6 * 7))}")
    loop.run_until_complete(meet_with_await())
    loop.close()


main()
