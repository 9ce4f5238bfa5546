"""A bounded queue applies backpressure: once it holds five items, the
producer's put waits until a consumer takes one.

The asyncio twin of crates/patterns/src/bounded_queue.rs.
"""

import asyncio

# differs from the golden file: asyncio's Queue hands each item to the get() that has waited longest, so the two consumers of the first run take turns; the Rust wakes every waiting consumer, and Consumer-1, which join! polls first, takes all ten

CAPACITY = 5


def stamp(start):
    return f"[{asyncio.get_running_loop().time() - start:.1f}s]"


async def producer(queue, name, count, pause=None, start=None):
    produced = []
    for i in range(count):
        item = f"{name}-Item-{i}"
        await queue.put(item)
        print(f"{stamp(start)} Produced: {item}" if start is not None else f"Produced: {item}")
        produced.append(item)
        if pause is not None:
            await asyncio.sleep(pause)
    return produced


async def consumer_until_idle(queue, name, idle):
    consumed = []
    while True:
        try:
            item = await asyncio.wait_for(queue.get(), idle)
        except TimeoutError:
            return consumed
        print(f"{name} consumed: {item}")
        consumed.append(item)
        queue.task_done()


async def consumer(queue, name, first, work, start):
    """Done with each item at the next instant of a fixed schedule, `first`,
    then every `work`, as the Rust's interval."""
    loop = asyncio.get_running_loop()
    done = first
    consumed = []
    # Python 3.11's queues can't be closed: a None per consumer says "done".
    while (item := await queue.get()) is not None:
        print(f"{stamp(start)} {name} consumed: {item}")
        consumed.append(item)
        await asyncio.sleep(done - loop.time())
        done += work
    return consumed


def check(produced, consumed):
    assert sorted(produced) == sorted(consumed[0] + consumed[1])


async def producer_consumer_example():
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue = asyncio.Queue(CAPACITY)
    produced, consumed_1, consumed_2 = await asyncio.gather(
        producer(queue, "Producer", 10, pause=0.1),
        consumer_until_idle(queue, "Consumer-1", 2),
        consumer_until_idle(queue, "Consumer-2", 2),
    )
    print(f"{stamp(start)} Both consumers gave up after 2s without an item")
    check(produced, [consumed_1, consumed_2])

    print()
    start = loop.time()
    queue = asyncio.Queue(CAPACITY)

    async def produce_then_close():
        produced = await producer(queue, "Producer", 10, start=start)
        for _ in range(2):
            await queue.put(None)
        return produced

    async def late_consumer():
        # Half a second behind Consumer-1: the two finish their items in turn.
        await asyncio.sleep(start + 0.5 - loop.time())
        return await consumer(queue, "Consumer-2", start + 1.5, 1, start)

    async def show_queue():
        # Runs after the producer, which has filled the queue and waits in put().
        free = queue.maxsize - queue.qsize()
        print(f"{stamp(start)} Queue holds {queue.qsize()} of {queue.maxsize}, {free} free: the producer waits")

    consumed_1, consumed_2, produced, _ = await asyncio.gather(
        consumer(queue, "Consumer-1", start + 1, 1, start),
        late_consumer(),
        produce_then_close(),
        show_queue(),
    )
    print(
        f"{stamp(start)} Produced {len(produced)}; Consumer-1 took {len(consumed_1)}, "
        f"Consumer-2 took {len(consumed_2)}; the channel closed"
    )
    check(produced, [consumed_1, consumed_2])


asyncio.run(producer_consumer_example())
