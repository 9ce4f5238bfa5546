"""asyncio.shield: the shielded task keeps running when its awaiter stops
waiting; without the shield, cancelling the awaiter cancels the task.

The asyncio twin of crates/concurrency/src/shield.rs.
"""

import asyncio


async def long_operation():
    await asyncio.sleep(2)
    return "Done"


async def cleanup_tasks(started):
    """Runs long_operation as a task that lives no longer than this
    coroutine: cancelling an await of a task cancels the task too."""
    task = asyncio.create_task(long_operation())
    started.add(task)
    return await task


async def main():
    start = asyncio.get_running_loop().time()

    def elapsed():
        return f"{asyncio.get_running_loop().time() - start:.1f}s"

    task = asyncio.create_task(long_operation())
    try:
        await asyncio.wait_for(asyncio.shield(task), 0.5)
    except TimeoutError:
        print(f"Stopped waiting at {elapsed()}; the task was not cancelled")
    result = await task
    print(f"The task finished anyway: {result} at {elapsed()}")

    started = set()
    try:
        result = await asyncio.wait_for(cleanup_tasks(started), 0.5)
        print(f"cleanup_tasks returned {result!r}")
    except TimeoutError:
        print(f"Operation cancelled: cleanup_tasks timed out at {elapsed()}")
    await asyncio.wait(started)
    # Left alone, the task would have run until 4.0s.
    print(f"Its task stopped at {elapsed()}, aborted by the guard")


asyncio.run(main())
