"""Done callbacks, task.exception(), current_task() and all_tasks().

The asyncio twin of crates/basics/src/task_callbacks.rs.
"""

import asyncio


def describe(task):
    if task.cancelled():
        return "cancelled"
    if task.exception() is not None:
        return f"failed: {task.exception()}"
    return f"returned {task.result()}"


async def fetch():
    await asyncio.sleep(0.1)
    return 42


async def parse():
    await asyncio.sleep(0.2)
    raise ValueError("bad header")


async def upload():
    await asyncio.sleep(10)
    return 7


async def main():
    alive_before = len(asyncio.all_tasks())
    tasks = {
        "fetch": asyncio.create_task(fetch()),
        "parse": asyncio.create_task(parse()),
        "upload": asyncio.create_task(upload()),
    }
    print(f"tasks alive after spawning three: {len(asyncio.all_tasks()) - alive_before} more")

    for name, task in tasks.items():
        task.add_done_callback(lambda task, name=name: print(f"{name} ended: {describe(task)}"))
    await asyncio.sleep(0.3)
    tasks["upload"].cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def own_task():
        return asyncio.current_task()

    task = asyncio.create_task(own_task())
    print(f"a task's own id equals its handle's: {await task is task}")


asyncio.run(main())
