"""__anext__ on a class: an async iterator over rows of
(row number, await fetch_row_data()).

The asyncio twin of crates/iterators/src/next_method.rs.
"""

import asyncio


async def fetch_row_data(row):
    await asyncio.sleep(0.1)
    return f"data-{row}"


class RowReader:
    def __init__(self, max_rows):
        self.current_row = 0
        self.max_rows = max_rows

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self.current_row >= self.max_rows:
            raise StopAsyncIteration
        row = (self.current_row, await fetch_row_data(self.current_row))
        self.current_row += 1
        return row


async def main():
    async for row in RowReader(3):
        print(row)

    even_rows = [data async for number, data in RowReader(6) if number % 2 == 0]
    print(f"Even rows via a Stream: {even_rows}")


asyncio.run(main())
