"""An exception inside a task stays in that task: awaiting it raises, and
the other tasks finish.

The asyncio twin of crates/error-handling/src/task_panics.rs.
"""
# differs from the golden file: a task's exception is raised, not a panic, and Python's ZeroDivisionError says "integer division or modulo by zero" where the Rust prints its own panic message

import asyncio


async def average(readings):
    await asyncio.sleep(0.1)
    for reading in readings:
        if reading > 1000:
            raise ValueError(f"reading {reading} out of range")
    return sum(readings) // len(readings)  # ZeroDivisionError for []: the bug


async def main():
    sensors = [("kitchen", [20, 22, 21]), ("garage", [5, 5000]), ("attic", []), ("cellar", [12, 14])]
    tasks = [asyncio.create_task(average(readings)) for _, readings in sensors]
    # gather keeps input order, so each result meets its sensor's name.
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for (name, _), result in zip(sensors, results):
        # The expected failure and the bug are told apart by type.
        if isinstance(result, ValueError):
            print(f"{name}: error: {result}")
        elif isinstance(result, BaseException):
            print(f"{name}: raised: {result}")
        else:
            print(f"{name}: average {result}")
    print("The exception stayed inside its task; the other three finished.")


asyncio.run(main())
