"""try/except/finally in async code, a helper that logs and returns None,
an error passed on to the caller, and cleanup that runs when a timeout
cancels the work.

The asyncio twin of crates/error-handling/src/try_except_finally.rs.
"""

import asyncio


async def might_fail():
    await asyncio.sleep(1)
    raise ValueError("Something went wrong")


async def risky_operation():
    await asyncio.sleep(1)
    raise ValueError("Something went wrong!")


async def handle_errors():
    try:
        await might_fail()
        print("No error")
    except ValueError as error:
        print(f"Caught error: {error}")
    finally:
        print("Cleanup")


async def safe_operation():
    try:
        return await risky_operation()
    except ValueError as error:
        print(f"Error occurred: {error}")
        return None


async def propagate():
    try:
        await might_fail()
        print("never printed: the exception propagated")
    finally:
        print("Cleanup: propagate")


async def main():
    await handle_errors()
    try:
        await risky_operation()
    except ValueError as error:
        print(f"Caught error: {error}")
    print(f"safe_operation() returned {await safe_operation()}")
    try:
        await propagate()
    except ValueError as error:
        # Err(...) is how the Rust prints the error propagate() returns.
        print(f"propagate() returned Err({error!r})")
    try:
        await asyncio.wait_for(propagate(), 0.5)
    except TimeoutError:
        print("propagate() was cancelled by a timeout")


asyncio.run(main())
