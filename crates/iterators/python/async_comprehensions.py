"""Async comprehensions: `async for` and `await` inside the brackets, an
`if` to filter, and gather for concurrency.

The asyncio twin of crates/iterators/src/async_comprehensions.rs.
"""

import asyncio


# square_async of "Complete Guide to Async IO and Asynchronous Programming in
# Python"; "Python Async Programming: A Detailed Guide" calls it async_square.
async def square_async(x):
    await asyncio.sleep(0.1)
    return x**2


async def async_range(n):
    for i in range(n):
        await asyncio.sleep(0.1)
        yield i


async def async_gen():
    async for i in async_range(5):
        yield i * 2


def seconds(start):
    return f"{asyncio.get_running_loop().time() - start:.1f}s"


async def main():
    # "A Detailed Guide"'s comprehensions, with its async_square.
    squares = [await square_async(x) async for x in async_range(5)]
    print(squares)

    values = (await square_async(x) async for x in async_range(5))
    async for value in values:
        print(value)

    # "Complete Guide to Async IO"'s.
    print()
    numbers = [1, 2, 3, 4, 5]

    start = asyncio.get_running_loop().time()
    squared = [await square_async(x) for x in numbers]
    print(f"Squared (sequential): {squared} in {seconds(start)}")

    doubled = [x async for x in async_gen()]
    print(f"Doubled: {doubled}")

    filtered = [await square_async(x) for x in numbers if x % 2 == 0]
    print(f"Even squared: {filtered}")

    start = asyncio.get_running_loop().time()
    squared = await asyncio.gather(*(square_async(x) for x in numbers))
    print(f"Squared (concurrent): {squared} in {seconds(start)}")


asyncio.run(main())
