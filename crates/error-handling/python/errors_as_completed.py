"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Exception Handling in Async Code", as the guide wrote it, but that the
coin flips are the ones the Rust draws from its generator (listed here,
since Python's random can't reproduce them), and the individual tasks take
0.5, 0.6 and 0.7 s, so they complete in a defined order.
"""

import asyncio

FLIPS = iter([True, False, True, False, True, False, True, False, False])  # True: it fails


async def risky_operation(name, duration, fails):
    await asyncio.sleep(duration)
    if fails:
        raise ValueError(f"Error in {name}")
    return f"Success: {name}"


async def error_handling_patterns():
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


asyncio.run(error_handling_patterns())
