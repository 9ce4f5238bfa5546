"""await suspends the caller until the awaited coroutine finishes.

The asyncio twin of crates/basics/src/awaiting_coroutines.rs.
"""

import asyncio


async def simple_coroutine():
    print("Coroutine started")
    await asyncio.sleep(1)
    print("Coroutine resumed")
    return "Done"


async def main():
    print("Before calling coroutine")
    result = await simple_coroutine()
    print(f"Result: {result}")
    print("After coroutine")


asyncio.run(main())
