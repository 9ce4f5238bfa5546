"""*Asynchronous Programming in Python*, "Async Iterators", as the guide
wrote it, with `fetch_row_data(row)` in place of the `coroutine()` it never
defines, and a program that uses the iterator twice.
"""

import asyncio

async def fetch_row_data(row):
    await asyncio.sleep(0.1)
    return f"data-{row}"

class AsyncIterator:
    def __init__(self, max_rows=100):
        self._current_row = 0
        self._max_rows = max_rows

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._current_row < self._max_rows:
            row = (self._current_row, await fetch_row_data(self._current_row))
            self._current_row += 1
            return row
        raise StopAsyncIteration

async def main():
    async for row in AsyncIterator(3):
        print(row)

    even_rows = [data async for number, data in AsyncIterator(6) if number % 2 == 0]
    print(f"Even rows via a Stream: {even_rows}")

asyncio.run(main())
