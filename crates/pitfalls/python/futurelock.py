"""The Rust's futurelock written in asyncio, which can't hit it: the
coroutine `asyncio.wait` races is wrapped in a task, which the loop polls on
its own, so when the lock is let go, `first` takes it, finishes, and
`second` gets it after. What asyncio has instead is the Rust's second fix.
"""
# differs from the golden file: asyncio runs the raced coroutine as a task, so the first part's second gets the lock at 1.1s instead of giving up

import asyncio


async def use_lock(name, lock, start):
    loop = asyncio.get_running_loop()
    async with lock:
        message = f"{name} got the lock at {loop.time() - start:.1f}s"
        await asyncio.sleep(0.1)
        return message


async def busy_for_a_second(lock):
    async with lock:
        await asyncio.sleep(1)


async def main():
    loop = asyncio.get_running_loop()
    print("A task holds the lock for 1.0s; first queues for it at once.")
    start = loop.time()
    lock = asyncio.Lock()
    busy = asyncio.create_task(busy_for_a_second(lock))
    await asyncio.sleep(0.01)
    first = asyncio.create_task(use_lock("first", lock, start))
    done, _ = await asyncio.wait([first], timeout=0.5)
    if not done:
        print(f"{loop.time() - start:.1f}s: first is still waiting; second asks for the lock")
        try:
            print(await asyncio.wait_for(use_lock("second", lock, start), 2))
        except TimeoutError:
            print(f"{loop.time() - start:.1f}s: second gave up")
        print(await first)
    await busy


asyncio.run(main())
