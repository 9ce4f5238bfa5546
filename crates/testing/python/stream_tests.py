"""Testing an async generator: collect it, and check its items and when
each one arrived.

The asyncio twin of crates/testing/src/stream_tests.rs.
"""

import asyncio
import sys
import unittest


async def async_range(start, end, delay):
    for number in range(start, end):
        await asyncio.sleep(delay)
        yield number


class StreamTests(unittest.IsolatedAsyncioTestCase):
    async def test_collects_every_number(self):
        self.assertEqual([n async for n in async_range(1, 5, 0.01)], [1, 2, 3, 4])


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    async for number in async_range(1, 5, 0.5):
        print(f"Number: {number} at {loop.time() - start:.1f}s")
    print(f"Stream ended after {loop.time() - start:.1f}s")


asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
