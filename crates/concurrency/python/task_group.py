"""asyncio.TaskGroup and except*: the first failure cancels the sibling
tasks, and every failure is reported together.

The asyncio twin of crates/concurrency/src/task_group.rs.
"""

import asyncio


class WorkerFailed(Exception):
    def __init__(self, name):
        super().__init__(f"Worker {name} failed")


async def worker_with_potential_failure(name, delay, should_fail):
    await asyncio.sleep(delay)
    if should_fail:
        raise WorkerFailed(name)
    return f"Success: {name}"


async def group(jobs):
    tasks = []
    failures = []
    try:
        async with asyncio.TaskGroup() as tg:
            for job in jobs:
                tasks.append(tg.create_task(worker_with_potential_failure(*job)))
    except* WorkerFailed as group_failed:
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
    await group([("A", 1, False), ("B", 1, False), ("C", 1, True)])

    print("\nA and B take 1s; C fails at 0.5s:")
    await group([("A", 1, False), ("B", 1, False), ("C", 0.5, True)])

    print("\nNobody fails:")
    await group([("A", 1, False), ("B", 0.5, False)])


asyncio.run(main())
