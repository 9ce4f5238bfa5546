"""*Async/Await in Python*, "Task Management", then *Python Async/Await*,
"Tasks" (`run_tasks`), as the guides wrote them. *Asynchronous Programming
in Python*, "Running Multiple Tasks", gathers three tasks of its own
`fetch_data` the same way.
"""

import asyncio

async def worker(name, work_time):
    print(f"{name} started")
    await asyncio.sleep(work_time)
    print(f"{name} completed")
    return f"Result from {name}"

async def task_management():
    # Method 1: gather - run concurrently
    results = await asyncio.gather(
        worker("Worker-A", 1),
        worker("Worker-B", 2),
        worker("Worker-C", 1.5)
    )
    print(f"Results: {results}")

async def long_operation():
    await asyncio.sleep(2)
    return "Done"

# Running multiple tasks
async def run_tasks():
    tasks = [
        asyncio.create_task(long_operation())
        for _ in range(3)
    ]
    results = await asyncio.gather(*tasks)
    print(results)  # ['Done', 'Done', 'Done']

async def main():
    await task_management()
    await run_tasks()

asyncio.run(main())
