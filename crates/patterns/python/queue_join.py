"""queue.join() and task_done(): wait until every item a producer added has
been processed, while the consumers keep running.

The asyncio twin of crates/patterns/src/queue_join.rs, with its fixed
delays: an item every 0.6 s, 1.1 s of work on each.
"""

import asyncio

ITEM_EVERY = 0.6
WORK = 1.1


async def producer(queue, name, count):
    produced = []
    for i in range(count):
        item = f"{name}-item-{i}"
        await queue.put(item)
        print(f"Producer {name} added {item}")
        produced.append(item)
        await asyncio.sleep(ITEM_EVERY)
    return produced


async def consumer(queue, name):
    consumed = []
    while (item := await queue.get()) is not None:
        print(f"Consumer {name} processing {item}")
        await asyncio.sleep(WORK)
        consumed.append(item)
        queue.task_done()
    print(f"Consumer {name} stopped: the channel is closed")
    return consumed


async def producer_consumer_pattern():
    queue = asyncio.Queue(5)
    consumers = [asyncio.create_task(consumer(queue, f"C{i}")) for i in range(3)]
    produced = []
    for name, count in [("P1", 10), ("P2", 5)]:
        produced += await producer(queue, name, count)
        await queue.join()
        print(f"queue.join(): every item from {name} processed")
    for _ in consumers:
        await queue.put(None)  # Python 3.11's queues can't be closed
    consumed = sum(await asyncio.gather(*consumers), [])
    assert sorted(produced) == sorted(consumed)
    print(f"{len(consumed)} items, each consumed exactly once")


asyncio.run(producer_consumer_pattern())
