"""gather fails fast by default, and collects exceptions with
return_exceptions=True.

The asyncio twin of crates/error-handling/src/gather_errors.rs.
"""

import asyncio


async def task_that_fails():
    await asyncio.sleep(1)
    raise RuntimeError("Task failed!")


async def task_that_succeeds():
    await asyncio.sleep(1)
    return "Success"


def three_tasks():
    return [task_that_succeeds(), task_that_fails(), task_that_succeeds()]


async def main():
    try:
        results = await asyncio.gather(*three_tasks())
        print(f"Results: {results}")
    except RuntimeError as error:
        print(f"Error: {error}")
    results = await asyncio.gather(*three_tasks(), return_exceptions=True)
    for i, result in enumerate(results):
        if isinstance(result, Exception):
            print(f"Task {i} failed: {result}")
        else:
            print(f"Task {i} succeeded: {result}")


asyncio.run(main())
