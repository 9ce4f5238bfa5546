"""asyncio.as_completed: handle each result as soon as it is ready, for
coroutines or for tasks.

The asyncio twin of crates/concurrency/src/as_completed.rs.
"""

import asyncio

JOBS = [(1, 3), (2, 1), (3, 2)]


async def fetch_data(id, delay):
    await asyncio.sleep(delay)
    return f"Data {id} (took {delay}s)"


async def main():
    for next_done in asyncio.as_completed([fetch_data(id, delay) for id, delay in JOBS]):
        print(f"Completed: {await next_done}")

    tasks = [asyncio.create_task(fetch_data(id, delay)) for id, delay in JOBS]
    for next_done in asyncio.as_completed(tasks):
        print(f"Completed task: {await next_done}")

    # Tasks with keys: a dict from key to task, and asyncio.wait.
    by_id = {id: asyncio.create_task(fetch_data(id, delay)) for id, delay in JOBS}
    keys = {task: id for id, task in by_id.items()}
    done, pending = await asyncio.wait(by_id.values(), return_when=asyncio.FIRST_COMPLETED)
    for task in done:
        print(f"Task {keys[task]} completed first: {task.result()}")
    by_id[1].cancel()
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.cancelled():
                print(f"Task {keys[task]} was aborted by its key")
            else:
                print(f"Task {keys[task]} completed: {task.result()}")


asyncio.run(main())
