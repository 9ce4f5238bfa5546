"""An async iterator written by hand: __aiter__ and __anext__, with
StopAsyncIteration at the end.

The asyncio twin of crates/iterators/src/async_counter.rs.
"""

import asyncio


class AsyncRange:
    """The numbers start..stop, each after a delay."""

    def __init__(self, start, stop, delay):
        self.next = start
        self.stop = stop
        self.delay = delay

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.next >= self.stop:
            raise StopAsyncIteration
        await asyncio.sleep(self.delay)
        current = self.next
        self.next += 1
        return current


async def main():
    print("AsyncCounter(3):")
    async for i in AsyncRange(1, 4, 0.1):
        print(i)

    print()
    print("AsyncCounter(1, 5):")
    start = asyncio.get_running_loop().time()
    async for num in AsyncRange(1, 5, 0.5):
        print(num)
    print(f"4 numbers 0.5s apart: {asyncio.get_running_loop().time() - start:.1f}s")

    print()
    print("Using async iterator:")
    async for num in AsyncRange(1, 5, 0.1):
        print(f"Number: {num}")

    squares = [n * n async for n in AsyncRange(1, 5, 0.1)]
    print(f"Squares via StreamExt::map: {squares}")


asyncio.run(main())
