"""A custom exception that wraps its cause, raised from the cause with
`raise ... from`, and reported with its whole chain.

The asyncio twin of crates/error-handling/src/custom_errors.rs.
"""

import asyncio


class AsyncOperationError(Exception):
    def __init__(self, operation):
        super().__init__(f"Operation '{operation}' failed")
        self.operation = operation


async def connect(should_fail):
    await asyncio.sleep(0.1)
    if should_fail:
        raise TimeoutError("Network timeout")


async def safe_async_operation(operation, should_fail):
    try:
        await connect(should_fail)
    except OSError as error:
        raise AsyncOperationError(operation) from error
    return f"Success: {operation}"


def report(error):
    text = str(error)
    cause = error.__cause__
    while cause is not None:
        text = f"{text}: {cause}"
        cause = cause.__cause__
    return text


async def main():
    operations = [("op1", False), ("op2", True), ("op3", False), ("op4", True), ("op5", False)]
    tasks = [asyncio.create_task(safe_async_operation(name, fails)) for name, fails in operations]
    results, timed_out = [], []
    for task in tasks:
        try:
            results.append(("success", await task))
        except AsyncOperationError as error:
            results.append(("error", report(error)))
            if isinstance(error.__cause__, TimeoutError):
                timed_out.append(error.operation)
    for status, result in results:
        print(f"{status.upper()}: {result}")
    print(f"Timed out, found through the source: {timed_out}")


asyncio.run(main())
