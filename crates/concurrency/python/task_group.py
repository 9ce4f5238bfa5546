"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Task Groups (Python 3.11+)", as the guide wrote it, with these changes:
each worker takes a delay, `task_groups_example` takes the workers and says
which were cancelled, and it runs three times: as the guide's (every worker
takes a second, so when C fails nothing is left to cancel), with C failing
first, and with no failure.
"""

import asyncio


async def worker_with_potential_failure(name, delay, should_fail):
    await asyncio.sleep(delay)
    if should_fail:
        raise ValueError(f"Worker {name} failed")
    return f"Success: {name}"


async def task_groups_example(jobs):
    tasks = []
    failures = []
    try:
        async with asyncio.TaskGroup() as tg:
            for job in jobs:
                tasks.append(tg.create_task(worker_with_potential_failure(*job)))
    except* ValueError as group_failed:
        failures = list(group_failed.exceptions)
    if not failures:
        print(f"All tasks completed successfully: {[task.result() for task in tasks]}")
        return
    print(f"Some tasks failed: {[str(failure) for failure in failures]}")
    cancelled = [name for (name, _, _), task in zip(jobs, tasks) if task.cancelled()]
    if cancelled:
        print(f"Cancelled and stopped: {cancelled}")


async def main():
    print("A, B and C take 1s; C fails:")
    await task_groups_example([("A", 1, False), ("B", 1, False), ("C", 1, True)])

    print("\nA and B take 1s; C fails at 0.5s:")
    await task_groups_example([("A", 1, False), ("B", 1, False), ("C", 0.5, True)])

    print("\nNobody fails:")
    await task_groups_example([("A", 1, False), ("B", 0.5, False)])


asyncio.run(main())
