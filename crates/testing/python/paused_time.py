"""Testing a timeout and a retry. asyncio has no paused clock, so the tests
below take the real time they wait; Tokio's start_paused makes the same
tests instant.

The asyncio twin of crates/testing/src/paused_time.rs.
"""

import asyncio
import sys
import unittest


async def retry(operation, max_retries, delay):
    retries = 0
    while True:
        try:
            return await operation()
        except ConnectionError as error:
            if retries == max_retries:
                print(f"All {retries + 1} attempts failed")
                raise
            retries += 1
            print(f"Attempt {retries} failed: {error}. Retrying in {delay:.1f}s...")
            await asyncio.sleep(delay)


async def slow_fetch():
    await asyncio.sleep(5)
    return "Done"


class Flaky:
    def __init__(self):
        self.calls = 0

    async def call(self):
        self.calls += 1
        await asyncio.sleep(0.1)
        if self.calls < 3:
            raise ConnectionError(f"connection refused (call {self.calls})")
        return "Success!"


class PausedTimeTests(unittest.IsolatedAsyncioTestCase):
    async def test_timeout(self):
        with self.assertRaises(TimeoutError):
            await asyncio.wait_for(slow_fetch(), 0.2)


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await retry(Flaky().call, 2, 0.5)
    # Ok(...) is how the Rust prints the retry's successful result.
    print(f"Final result: Ok({result!r}) after {loop.time() - start:.1f}s")
    start = loop.time()
    try:
        print(await asyncio.wait_for(slow_fetch(), 2))
    except TimeoutError:
        print(f"Operation timed out after {loop.time() - start:.1f}s")


asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
