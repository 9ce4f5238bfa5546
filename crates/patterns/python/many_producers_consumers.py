"""Several producers and several consumers on one bounded queue; each
consumer stops once the producers are done and the queue is empty.

The asyncio twin of crates/patterns/src/many_producers_consumers.rs. The
delays are the ones the Rust draws from its seeded ChaCha8 generator,
which Python's random can't reproduce, listed in full.
"""

import asyncio

# differs from the golden file: at 1.74s consumer 2's sleep and producer 1's end together, and asyncio's Queue.put wakes the consumer waiting longest but leaves the item in the queue until it runs, so consumer 2, if its timer fires after the producer's, takes Item-1-4 first; which of the two fires first is not fixed. Tokio's fair Mutex in front of the Receiver hands it to consumer 1 either way

CAPACITY = 5
PRODUCER_DELAYS_MS = {0: [200, 180, 180, 480, 420], 1: [500, 320, 440, 480, 260]}
CONSUMER_DELAYS_MS = {
    0: [300, 600, 540, 580, 220, 260, 360, 460, 200, 300],
    1: [460, 400, 580, 600, 440, 580, 600, 440, 540, 580],
    2: [500, 580, 460, 360, 380, 360, 380, 440, 480, 360],
}


async def producer(queue, producer_id):
    produced = []
    for i, delay in enumerate(PRODUCER_DELAYS_MS[producer_id]):
        item = f"Item-{producer_id}-{i}"
        await queue.put(item)
        print(f"Producer {producer_id} produced: {item}")
        produced.append(item)
        await asyncio.sleep(delay / 1000)
    return produced


async def consumer(queue, consumer_id):
    delays = iter(CONSUMER_DELAYS_MS[consumer_id])
    consumed = []
    while (item := await queue.get()) is not None:
        print(f"Consumer {consumer_id} consuming: {item}")
        await asyncio.sleep(next(delays) / 1000)
        consumed.append(item)
    print(f"Consumer {consumer_id} done: the channel is closed and empty")
    return consumed


async def main():
    queue = asyncio.Queue(CAPACITY)
    consumers = [asyncio.create_task(consumer(queue, i)) for i in range(3)]
    produced = sum(await asyncio.gather(*(producer(queue, i) for i in range(2))), [])
    for _ in consumers:
        await queue.put(None)  # Python 3.11's queues can't be closed
    consumed_by_each = await asyncio.gather(*consumers)
    for consumer_id, items in enumerate(consumed_by_each):
        print(f"Consumer {consumer_id} handled {len(items)} items")
    consumed = sum(consumed_by_each, [])
    assert sorted(produced) == sorted(consumed)
    print(f"All {len(consumed)} items consumed exactly once")


asyncio.run(main())
