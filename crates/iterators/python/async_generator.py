"""Async generators: a loop with `await` and `yield`, consumed with
`async for`.

The asyncio twin of crates/iterators/src/async_generator.rs.
"""

import asyncio


async def async_range(start, stop, delay):
    for i in range(start, stop):
        await asyncio.sleep(delay)
        yield i


# The first five numbers the Rust example's ChaCha8 generator, seeded with
# 42, draws from 1 to 100; Python's random.Random(42) draws others.
SEEDED_DRAWS = [23, 69, 15, 96, 78]


async def async_number_generator(count):
    for number in SEEDED_DRAWS[:count]:
        await asyncio.sleep(0.1)
        yield number


async def fetch_data_generator(urls):
    for url in urls:
        print(f"Fetching {url}")
        await asyncio.sleep(0.5)
        yield f"Data from {url}"


async def fetch_row_data(row):
    await asyncio.sleep(0.1)
    return f"data-{row}"


async def record_streamer(max_rows):
    for current_row in range(max_rows):
        yield (current_row, await fetch_row_data(current_row))


async def main():
    async for i in async_range(0, 3, 0.1):
        print(i)

    print()
    async for num in async_range(1, 5, 0.5):
        print(num)

    print()
    print("Async number generator:")
    async for num in async_number_generator(5):
        print(f"Generated: {num}")

    print()
    print("Async data fetcher:")
    async for data in fetch_data_generator(["api1.com", "api2.com", "api3.com"]):
        print(data)

    print()
    print("Record streamer:")
    async for record in record_streamer(3):
        print(record)


asyncio.run(main())
