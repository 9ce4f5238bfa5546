"""queue.join() and task_done(): wait until every item a producer added has
been processed, while the consumers keep running.

The asyncio twin of crates/patterns/src/queue_join.rs. The delays are the
ones the Rust draws from its seeded ChaCha8 generator, listed in full.
"""

import asyncio

PRODUCER_DELAYS_MS = {
    "P1": [160, 100, 180, 220, 140, 280, 140, 180, 300, 120],
    "P2": [100, 260, 240, 140, 220],
}
CONSUMER_DELAYS_MS = {
    "C0": [340, 380, 220, 240, 320, 460, 380, 480, 500, 340],
    "C1": [420, 240, 420, 200, 200, 480, 340, 240, 300, 380],
    "C2": [360, 260, 280, 460, 420, 220, 200, 380, 240, 480],
}


async def producer(queue, name):
    produced = []
    for i, delay in enumerate(PRODUCER_DELAYS_MS[name]):
        item = f"{name}-item-{i}"
        await queue.put(item)
        print(f"Producer {name} added {item}")
        produced.append(item)
        await asyncio.sleep(delay / 1000)
    return produced


async def consumer(queue, name):
    delays = iter(CONSUMER_DELAYS_MS[name])
    consumed = []
    while (item := await queue.get()) is not None:
        print(f"Consumer {name} processing {item}")
        await asyncio.sleep(next(delays) / 1000)
        consumed.append(item)
        queue.task_done()
    print(f"Consumer {name} stopped: the channel is closed")
    return consumed


async def producer_consumer_pattern():
    queue = asyncio.Queue(5)
    consumers = [asyncio.create_task(consumer(queue, f"C{i}")) for i in range(3)]
    produced = []
    for name in ["P1", "P2"]:
        produced += await producer(queue, name)
        await queue.join()
        print(f"queue.join(): every item from {name} processed")
    for _ in consumers:
        await queue.put(None)  # Python 3.11's queues can't be closed
    consumed = sum(await asyncio.gather(*consumers), [])
    assert sorted(produced) == sorted(consumed)
    print(f"{len(consumed)} items, each consumed exactly once")


asyncio.run(producer_consumer_pattern())
