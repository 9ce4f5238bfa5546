"""An async generator that can fail: the exception comes out of the
consumer's `async for`, and the generator is finished.

The asyncio twin of crates/iterators/src/fallible_generator.rs.
"""

# differs from the golden file: Rust collects the error as the stream's last item, Err(CorruptRow(2)); an async generator raises it instead

import asyncio


class CorruptRow(Exception):
    def __init__(self, row):
        super().__init__(f"row {row} is corrupt")


async def fetch_row_data(row, corrupt_row):
    await asyncio.sleep(0.1)
    if row == corrupt_row:
        raise CorruptRow(row)
    return f"data-{row}"


async def record_streamer(max_rows, corrupt_row):
    for current_row in range(max_rows):
        yield (current_row, await fetch_row_data(current_row, corrupt_row))


async def print_rows(max_rows, corrupt_row):
    count = 0
    async for row in record_streamer(max_rows, corrupt_row):
        print(row)
        count += 1
    return count


async def main():
    try:
        print(f"Read {await print_rows(3, None)} rows")
    except CorruptRow as error:
        print(f"Error: {error}")

    print()
    try:
        print(f"Read {await print_rows(6, 2)} rows")
    except CorruptRow as error:
        print(f"Error: {error}")

    print()
    items = []
    try:
        async for item in record_streamer(6, 2):
            items.append(item)
    except CorruptRow as error:
        print(f"Items before the error: {items}; then: {error}")


asyncio.run(main())
