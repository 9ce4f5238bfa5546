"""Testing through a fake: the calculator takes its data source as a
parameter (a typing.Protocol), and the test hands it a hand-written fake
that records what it was asked.

The asyncio twin of crates/testing/src/fake_dependency.rs.
"""
# differs from the golden file: its last two lines name Rust's Box<dyn DynDataSource>; in Python every source is already used through a protocol

import asyncio
import sys
import unittest
from typing import Protocol


class Unreachable(Exception):
    def __str__(self):
        return f"{self.args[0]} is unreachable"


class DataSource(Protocol):
    async def fetch(self, url: str) -> int: ...


class SlowSource:
    async def fetch(self, url):
        await asyncio.sleep(0.2)
        return 42


class FakeSource:
    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    async def fetch(self, url):
        self.calls.append(url)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


class AsyncCalculator:
    def __init__(self, source: DataSource):
        self.source = source

    async def add(self, a, b):
        await asyncio.sleep(0.1)
        return a + b

    async def fetch_and_calculate(self, url):
        return await self.add(await self.source.fetch(url), 10)


class FakeTests(unittest.IsolatedAsyncioTestCase):
    async def test_uses_the_fake(self):
        fake = FakeSource(90)
        self.assertEqual(await AsyncCalculator(fake).fetch_and_calculate("u"), 100)
        self.assertEqual(fake.calls, ["u"])


async def main():
    url = "http://example.com"
    print(f"With the real source: {await AsyncCalculator(SlowSource()).fetch_and_calculate(url)}")
    fake = FakeSource(90)
    print(f"With a fake answering 90: {await AsyncCalculator(fake).fetch_and_calculate(url)}")
    print(f"The fake was asked for: {fake.calls}")
    try:
        await AsyncCalculator(FakeSource(Unreachable(url))).fetch_and_calculate(url)
    except Unreachable as error:
        print(f"With a failing fake: error: {error}")
    task = asyncio.create_task(AsyncCalculator(FakeSource(1)).fetch_and_calculate(url))
    print(f"Spawned, generic over the source: {await task}")
    for source in [SlowSource(), FakeSource(90)]:
        print(f"Through a DataSource protocol: {await AsyncCalculator(source).fetch_and_calculate(url)}")


asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
