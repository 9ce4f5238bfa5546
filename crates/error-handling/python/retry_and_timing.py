"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Async Decorators", as the guide wrote it, with these changes: `random`,
never imported in the guide, is replaced by the outcomes the Rust draws
from its generator seeded with 19 (listed here, since Python's random can't
reproduce them); time is the loop's clock; the usage the guide comments out
runs twice; and a retry with exponential backoff follows, as the Rust shows
the `backon` crate.
"""

import asyncio
import functools

OUTCOMES = [True, True, False, True, True, True]  # True: the call fails
draws = iter(OUTCOMES)

def async_retry(max_retries=3, delay=1):
    """Decorator for retrying async functions"""
    def decorator(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            last_exception = None
            
            for attempt in range(max_retries + 1):
                try:
                    return await func(*args, **kwargs)
                except Exception as e:
                    last_exception = e
                    if attempt < max_retries:
                        print(f"Attempt {attempt + 1} failed: {e}. Retrying in {delay}s...")
                        await asyncio.sleep(delay)
                    else:
                        print(f"All {max_retries + 1} attempts failed")
            
            raise last_exception
        return wrapper
    return decorator

def async_timing(func):
    """Decorator to measure async function execution time"""
    @functools.wraps(func)
    async def wrapper(*args, **kwargs):
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            result = await func(*args, **kwargs)
            return result
        finally:
            duration = loop.time() - start
            print(f"{func.__name__} took {duration:.2f}s")
    return wrapper

# Usage examples
@async_retry(max_retries=2, delay=0.5)
@async_timing
async def unreliable_operation():
    if next(draws):
        raise ConnectionError("Random failure")
    return "Success!"

async def test_decorators():
    try:
        result = await unreliable_operation()
        print(f"Final result: {result}")
    except Exception as e:
        print(f"Operation ultimately failed: {e}")

async def backoff(operation, times, min_delay, factor):
    delay = min_delay
    for attempt in range(times + 1):
        try:
            return await operation()
        except ConnectionError as error:
            if attempt == times:
                raise
            print(f"Failed: {error}. Retrying in {delay:.1f}s...")
            await asyncio.sleep(delay)
            delay *= factor

async def unreliable():
    if next(draws):
        raise ConnectionError("Random failure")
    return "Success!"

async def main():
    global draws
    print("Hand-rolled retry, seed 19:")
    for _ in range(2):
        await test_decorators()

    print("\nbackon, seed 19:")
    draws = iter(OUTCOMES)
    for _ in range(2):
        try:
            print(f"Final result: {await backoff(unreliable, 2, 0.5, 2)}")
        except ConnectionError as e:
            print(f"Operation ultimately failed: {e}")

asyncio.run(main())
