"""Inspecting a running task: done(), its result, and cancel().

The asyncio twin of crates/basics/src/task_inspection.rs.
"""

import asyncio


async def long_running_task():
    for i in range(5):
        print(f"Step {i}")
        await asyncio.sleep(0.6)
    return "Completed"


async def main():
    task = asyncio.create_task(long_running_task())
    print("Task created")
    print(f"Task done: {task.done()}")

    await asyncio.sleep(1)
    print(f"After 1s - Task done: {task.done()}")

    result = await task
    print(f"Final result: {result}")
    print(f"Task done: {task.done()}")

    sleeper = asyncio.create_task(asyncio.sleep(60))
    sleeper.cancel()
    try:
        await sleeper
    except asyncio.CancelledError:
        pass
    print(f"Aborted task cancelled: {sleeper.cancelled()}")


asyncio.run(main())
