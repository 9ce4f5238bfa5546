"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Custom Exception Handling", as the guide wrote it, with these changes: the
results are collected in the order the tasks were made (they all take
0.1 s, and asyncio orders timers due together in no documented way), and a
last line finds the operations that timed out through the original error
each AsyncOperationError carries.
"""

import asyncio

class AsyncOperationError(Exception):
    def __init__(self, operation_name, original_error):
        self.operation_name = operation_name
        self.original_error = original_error
        super().__init__(f"Operation '{operation_name}' failed: {original_error}")

async def safe_async_operation(operation_name, should_fail=False):
    try:
        await asyncio.sleep(0.1)
        if should_fail:
            raise TimeoutError("Network timeout")
        return f"Success: {operation_name}"
    except Exception as e:
        raise AsyncOperationError(operation_name, e)

async def batch_with_error_recovery():
    operations = [
        ("op1", False),
        ("op2", True),   # This will fail
        ("op3", False),
        ("op4", True),   # This will fail
        ("op5", False)
    ]
    
    tasks = [
        asyncio.create_task(
            safe_async_operation(name, should_fail), 
            name=name
        )
        for name, should_fail in operations
    ]
    
    results = []
    timed_out = []
    for task in tasks:
        try:
            result = await task
            results.append(("success", result))
        except AsyncOperationError as e:
            results.append(("error", str(e)))
            if isinstance(e.original_error, TimeoutError):
                timed_out.append(e.operation_name)
    
    # Print results
    for status, result in results:
        print(f"{status.upper()}: {result}")
    print(f"Timed out, found through the source: {timed_out}")

asyncio.run(batch_with_error_recovery())
