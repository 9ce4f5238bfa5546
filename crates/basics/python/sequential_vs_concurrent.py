"""Awaiting one coroutine after another adds their times; running them
concurrently takes as long as the slowest.

The asyncio twin of crates/basics/src/sequential_vs_concurrent.rs.
"""

import asyncio
import inspect


async def step1():
    print("Step 1: Starting")
    await asyncio.sleep(1)
    print("Step 1: Done")
    return "Result 1"


async def step2():
    print("Step 2: Starting")
    await asyncio.sleep(1)
    print("Step 2: Done")
    return "Result 2"


async def say_after(delay, message):
    await asyncio.sleep(delay)
    print(message)


async def example_coroutine(name, delay):
    print(f"Coroutine {name} started")
    await asyncio.sleep(delay)
    print(f"Coroutine {name} completed")
    return f"Result: {name}"


def seconds(since):
    return f"{asyncio.get_running_loop().time() - since:.1f}s"


async def main():
    start = asyncio.get_running_loop().time()
    result1 = await step1()
    result2 = await step2()
    print(f"Sequential: {result1}, {result2} ({seconds(start)})")

    start = asyncio.get_running_loop().time()
    result1, result2 = await asyncio.gather(step1(), step2())
    print(f"Concurrent: {result1}, {result2} ({seconds(start)})")

    print()

    start = asyncio.get_running_loop().time()
    await say_after(1, "Hello")
    await say_after(2, "World")
    print(f"Sequential with await: {seconds(start)}")

    start = asyncio.get_running_loop().time()
    task1 = asyncio.create_task(say_after(1, "Hello"))
    task2 = asyncio.create_task(say_after(2, "World"))
    await task1
    await task2
    print(f"Concurrent with tasks: {seconds(start)}")

    print()

    # Creating the coroutines runs none of their code: nothing prints yet.
    coro1 = example_coroutine("A", 1)
    coro2 = example_coroutine("B", 2)
    print(f"Is coroutine: {inspect.iscoroutine(coro1)}")

    result1 = await coro1
    result2 = await coro2
    print(f"Sequential results: {result1}, {result2}")

    coro3 = example_coroutine("C", 1)
    coro4 = example_coroutine("D", 2)
    results = await asyncio.gather(coro3, coro4)
    print(f"Concurrent results: {results}")


asyncio.run(main())
