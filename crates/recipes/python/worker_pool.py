"""A pool of workers whose results come out in the order of the inputs: at
most three jobs run at once, each as a task of its own, and each result is
handed on as soon as it and every result before it are ready.

The asyncio twin of crates/recipes/src/worker_pool.rs.
"""

import asyncio
from collections import deque


async def ordered_pool(inputs, workers, window, job):
    """Runs job on each input, at most `workers` at a time, and yields the
    results in the inputs' order, holding at most `window` of them back."""
    permits = asyncio.Semaphore(workers)

    async def with_permit(item):
        try:
            return await job(item)
        finally:
            permits.release()

    inputs = iter(inputs)
    started = deque()
    acquiring = None
    exhausted = False
    try:
        while True:
            # Start jobs in order while the window has room and a worker is free.
            while len(started) < window and not exhausted:
                if acquiring is None:
                    acquiring = asyncio.ensure_future(permits.acquire())
                    await asyncio.sleep(0)
                if not acquiring.done():
                    break
                acquiring = None
                item = next(inputs, None)
                if item is None:
                    exhausted = True
                    permits.release()
                    break
                started.append(asyncio.create_task(with_permit(item)))
            if not started:
                return
            head = started[0]
            if head.done():
                started.popleft()
                yield head.result()
                continue
            waiting = {head}
            if acquiring is not None:
                waiting.add(acquiring)
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in started:
            task.cancel()
        if acquiring is not None:
            acquiring.cancel()


DURATIONS = [1.2, 0.3, 0.2, 0.8, 0.4, 0.2, 0.5, 0.3]


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def work(entry):
        item, seconds = entry
        await asyncio.sleep(seconds)
        return item, loop.time() - start

    async for item, done_at in ordered_pool(enumerate(DURATIONS), 3, 6, work):
        print(f"item {item}: done at {done_at:.1f}s, handed on at {loop.time() - start:.1f}s")
    print(f"{len(DURATIONS)} items in {loop.time() - start:.1f}s with 3 workers")


asyncio.run(main())
