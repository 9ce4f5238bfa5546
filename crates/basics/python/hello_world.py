"""Hello, world: run a coroutine to completion with asyncio.run.

The asyncio twin of crates/basics/src/hello_world.rs.
"""

import asyncio


async def hello_async():
    print("Hello")
    await asyncio.sleep(1)
    print("World")


async def my_coroutine():
    print("Start")
    await asyncio.sleep(1)
    print("End")


async def main():
    await hello_async()
    await my_coroutine()


asyncio.run(main())
