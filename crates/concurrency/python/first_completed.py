"""asyncio.wait with FIRST_COMPLETED, then cancelling what is still pending,
and asyncio.wait_for.

The asyncio twin of crates/concurrency/src/first_completed.rs.
"""

import asyncio


async def slow_operation():
    await asyncio.sleep(3)
    return "Slow result"


async def fast_operation():
    await asyncio.sleep(1)
    return "Fast result"


async def main():
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


asyncio.run(main())
