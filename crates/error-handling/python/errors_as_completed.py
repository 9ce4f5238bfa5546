"""Handling each task's error on its own: every result with
gather(return_exceptions=True), or each as it completes with as_completed.

The asyncio twin of crates/error-handling/src/errors_as_completed.rs. The
coin flips are the ones the Rust draws from its seeded ChaCha8 generator,
listed in full.
"""

import asyncio

FLIPS = iter([True, False, True, False, True, False, True, False, False])  # True: it fails


async def risky_operation(name, duration, fails):
    await asyncio.sleep(duration)
    if fails:
        raise ValueError(f"Error in {name}")
    return f"Success: {name}"


async def main():
    try:
        print(await risky_operation("basic", 0.5, next(FLIPS)))
    except ValueError as error:
        print(f"Caught error: {error}")

    tasks = [asyncio.create_task(risky_operation(f"task_{i}", 0.5, next(FLIPS))) for i in range(5)]
    for i, result in enumerate(await asyncio.gather(*tasks, return_exceptions=True)):
        if isinstance(result, ValueError):
            print(f"Task {i} failed: {result}")
        else:
            print(f"Task {i} succeeded: {result}")

    individual = [risky_operation(f"individual_{i}", 0.5 + 0.1 * i, next(FLIPS)) for i in range(3)]
    for next_done in asyncio.as_completed(individual):
        try:
            print(f"Success: {await next_done}")
        except ValueError as error:
            print(f"Failed: {error}")


asyncio.run(main())
