"""The guide's retry and timing decorators as async functions, then a retry
with exponential backoff.

The asyncio twin of crates/error-handling/src/retry_and_timing.rs. Whether
each call fails comes from the Rust's seeded ChaCha8 generator, which
Python's random can't reproduce, so the outcomes are listed in full.
"""

import asyncio
import functools

SEED = 19
OUTCOMES = [True, True, False, True, True, True]  # True: the call fails


class ConnectionFailed(Exception):
    def __str__(self):
        return "Random failure"


def timed(function):
    @functools.wraps(function)
    async def wrapper(*args):
        loop = asyncio.get_running_loop()
        start = loop.time()
        try:
            return await function(*args)
        finally:
            print(f"{function.__name__} took {loop.time() - start:.2f}s")

    return wrapper


async def retry(operation, max_retries, delay):
    retries = 0
    while True:
        try:
            return await operation()
        except ConnectionFailed as error:
            if retries == max_retries:
                print(f"All {retries + 1} attempts failed")
                raise
            retries += 1
            print(f"Attempt {retries} failed: {error}. Retrying in {delay:.1f}s...")
            await asyncio.sleep(delay)


async def backoff(operation, times, min_delay, factor):
    delay = min_delay
    for attempt in range(times + 1):
        try:
            return await operation()
        except ConnectionFailed as error:
            if attempt == times:
                raise
            print(f"Failed: {error}. Retrying in {delay:.1f}s...")
            await asyncio.sleep(delay)
            delay *= factor


def print_outcome(outcome):
    if isinstance(outcome, ConnectionFailed):
        print(f"Operation ultimately failed: {outcome}")
    else:
        print(f"Final result: {outcome}")


async def main():
    print(f"Hand-rolled retry, seed {SEED}:")
    draws = iter(OUTCOMES)

    @timed
    async def unreliable_operation():
        if next(draws):
            raise ConnectionFailed()
        return "Success!"

    for _ in range(2):
        try:
            print_outcome(await retry(unreliable_operation, 2, 0.5))
        except ConnectionFailed as error:
            print_outcome(error)

    print(f"\nbackon, seed {SEED}:")
    draws = iter(OUTCOMES)

    async def unreliable():
        if next(draws):
            raise ConnectionFailed()
        return "Success!"

    for _ in range(2):
        try:
            print_outcome(await backoff(unreliable, 2, 0.5, 2))
        except ConnectionFailed as error:
            print_outcome(error)


asyncio.run(main())
