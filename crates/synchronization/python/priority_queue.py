"""asyncio.PriorityQueue: the most urgent job first, equal priorities in
the order they were queued, and a consumer that waits for the next one.

The asyncio twin of crates/synchronization/src/priority_queue.rs.
"""

import asyncio
import itertools


class PriorityQueue:
    """Entries are (priority, sequence, item): the sequence keeps equal
    priorities first in, first out, and items are never compared."""

    def __init__(self):
        self._queue = asyncio.PriorityQueue()
        self._sequence = itertools.count()

    def push(self, priority, item):
        self._queue.put_nowait((priority, next(self._sequence), item))

    async def pop(self):
        priority, _, item = await self._queue.get()
        return priority, item

    def try_pop(self):
        try:
            priority, _, item = self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None
        return priority, item


async def worker(queue, start):
    loop = asyncio.get_running_loop()
    done = 0
    while True:
        priority, name = await queue.pop()
        if name == "stop":  # Python 3.11's queues can't be closed.
            break
        print(f"[{loop.time() - start:.1f}s] worker: {name} (priority {priority})")
        done += 1
    return done


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue = PriorityQueue()
    for priority, name in [
        (3, "write report"),
        (1, "fix outage"),
        (2, "review PR"),
        (1, "page on-call"),
    ]:
        queue.push(priority, name)
    priority, name = queue.try_pop()
    print(f"Queued 4 jobs; try_pop takes the most urgent: {name} (priority {priority})")

    # The task group cancels the worker if main is cancelled before it
    # queues "stop", as the Rust's AbortOnDropHandle aborts it.
    async with asyncio.TaskGroup() as tasks:
        consumer = tasks.create_task(worker(queue, start))
        await asyncio.sleep(1)
        print(f"[{loop.time() - start:.1f}s] main: queue is empty, try_pop gives {queue.try_pop()}")
        queue.push(2, "deploy")
        await asyncio.sleep(1)
        queue.push(9, "stop")
        print(f"[{loop.time() - start:.1f}s] main: worker finished {await consumer} jobs")


asyncio.run(main())
