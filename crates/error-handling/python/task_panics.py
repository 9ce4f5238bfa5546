"""An exception inside a task stays in that task: awaiting it raises, and
the other tasks finish.

The asyncio twin of crates/error-handling/src/task_panics.rs.
"""
# differs from the golden file: Python's ZeroDivisionError says "division by zero", and a task's exception is raised, not a panic; the Rust prints its own panic message

import asyncio


async def average(readings):
    await asyncio.sleep(0.1)
    for reading in readings:
        if reading > 1000:
            return None, f"reading {reading} out of range"
    return sum(readings) // len(readings), None  # ZeroDivisionError for []


async def main():
    sensors = [("kitchen", [20, 22, 21]), ("garage", [5, 5000]), ("attic", []), ("cellar", [12, 14])]
    tasks = [asyncio.create_task(average(readings)) for _, readings in sensors]
    # gather keeps input order, so each result meets its sensor's name.
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for (name, _), result in zip(sensors, results):
        if isinstance(result, BaseException):
            print(f"{name}: raised: {result}")
        elif result[1] is not None:
            print(f"{name}: error: {result[1]}")
        else:
            print(f"{name}: average {result[0]}")
    print("The exception stayed inside its task; the other three finished.")


asyncio.run(main())
