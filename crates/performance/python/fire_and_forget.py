"""Fire-and-forget work that is still waited for: keep the background
tasks in a set, answer at once, and gather them before exiting.

The asyncio twin of crates/performance/src/fire_and_forget.rs.
"""

import asyncio


async def send_email(start, to, delay):
    await asyncio.sleep(delay)
    print(f"Background: email to {to} sent at {asyncio.get_running_loop().time() - start:.1f}s")


async def quick_operation():
    await asyncio.sleep(0.1)
    return "quick_result"


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    background = set()
    for to, delay in [("ana", 0.3), ("ben", 0.7), ("cy", 0.5)]:
        task = asyncio.create_task(send_email(start, to, delay))
        background.add(task)  # a reference, or the task may be collected
        task.add_done_callback(background.discard)
    answer = await quick_operation()
    print(f"Answered {answer} at {loop.time() - start:.1f}s with {len(background)} background tasks still running")
    await asyncio.gather(*background)
    assert not background
    print(f"All background work finished at {loop.time() - start:.1f}s; safe to exit")


asyncio.run(main())
