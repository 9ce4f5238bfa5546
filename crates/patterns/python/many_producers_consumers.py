"""Several producers and several consumers on one bounded queue; each
consumer stops once the producers are done and the queue is empty.

The asyncio twin of crates/patterns/src/many_producers_consumers.rs. The
delays are the ones the Rust draws from its seeded ChaCha8 generator,
which Python's random can't reproduce, listed in full.
"""

import asyncio

CAPACITY = 5
PRODUCER_DELAYS_MS = {0: [140, 140, 260, 380, 440], 1: [480, 320, 460, 260, 400]}
CONSUMER_DELAYS_MS = {
    0: [420, 400, 520, 580, 520, 340, 500, 220, 540, 480],
    1: [200, 460, 500, 200, 220, 220, 400, 500, 240, 600],
    2: [480, 440, 600, 340, 460, 220, 340, 220, 220, 300],
}


async def producer(queue, producer_id):
    produced = []
    for i, delay in enumerate(PRODUCER_DELAYS_MS[producer_id]):
        item = f"Item-{producer_id}-{i}"
        await queue.put(item)
        produced.append(item)
        await asyncio.sleep(delay / 1000)
    return produced


async def consumer(queue, consumer_id):
    delays = iter(CONSUMER_DELAYS_MS[consumer_id])
    consumed = []
    while (item := await queue.get()) is not None:
        await asyncio.sleep(next(delays) / 1000)
        consumed.append(item)
    return consumed


async def main():
    queue = asyncio.Queue(CAPACITY)
    consumers = [asyncio.create_task(consumer(queue, i)) for i in range(3)]
    produced_by_each = await asyncio.gather(*(producer(queue, i) for i in range(2)))
    for _ in consumers:
        await queue.put(None)  # Python 3.11's queues can't be closed
    consumed_by_each = await asyncio.gather(*consumers)
    for producer_id, items in enumerate(produced_by_each):
        print(f"Producer {producer_id} sent {', '.join(items)}")
    # Each stopped on its None, which comes after every item: what a closed
    # and drained channel tells the Rust consumers.
    for consumer_id, _ in enumerate(consumed_by_each):
        print(f"Consumer {consumer_id} stopped: the channel is closed and empty")
    produced = sum(produced_by_each, [])
    consumed = sum(consumed_by_each, [])
    assert sorted(produced) == sorted(consumed)
    print(f"All {len(consumed)} items consumed exactly once")


asyncio.run(main())
