"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Wait and Wait_for", as the guide wrote it, but that it waits until the
cancelled task has really stopped, and says so.
"""

import asyncio


async def slow_operation():
    await asyncio.sleep(3)
    return "Slow result"


async def fast_operation():
    await asyncio.sleep(1)
    return "Fast result"


async def wait_patterns():
    tasks = [
        asyncio.create_task(slow_operation()),
        asyncio.create_task(fast_operation()),
    ]
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print(f"First completed: {[task.result() for task in done]}")

    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    print(f"Pending tasks cancelled: {len(pending)}")

    try:
        result = await asyncio.wait_for(slow_operation(), timeout=2)
        print(f"Result: {result}")
    except TimeoutError:
        print("Operation timed out!")


asyncio.run(wait_patterns())
