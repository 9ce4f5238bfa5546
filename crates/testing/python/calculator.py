"""An async calculator and its tests with unittest.IsolatedAsyncioTestCase,
which runs each test on an event loop of its own; asyncio has no paused
clock, so these tests take the real time they sleep.

The asyncio twin of crates/testing/src/calculator.rs.
"""

import asyncio
import sys
import unittest


class AsyncCalculator:
    async def add(self, a, b):
        await asyncio.sleep(0.1)
        return a + b

    async def fetch_and_calculate(self, url):
        await asyncio.sleep(0.2)
        data = 42
        return await self.add(data, 10)


class CalculatorTests(unittest.IsolatedAsyncioTestCase):
    def setUp(self):
        self.calculator = AsyncCalculator()

    async def test_add(self):
        self.assertEqual(await self.calculator.add(2, 3), 5)

    async def test_fetch_and_calculate(self):
        self.assertEqual(await self.calculator.fetch_and_calculate("http://example.com"), 52)


async def main():
    calculator = AsyncCalculator()
    loop = asyncio.get_running_loop()
    start = loop.time()
    print(f"add(2, 3) = {await calculator.add(2, 3)}")
    result = await calculator.fetch_and_calculate("http://example.com")
    print(f'fetch_and_calculate("http://example.com") = {result}')
    print(f"Both took {loop.time() - start:.1f}s")


asyncio.run(main())
# The tests report on stderr, so stdout stays the example's output.
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
