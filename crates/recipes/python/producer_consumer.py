"""A producer and a consumer joined by a bounded queue, and a graceful stop:
the producer stops making work, the consumer finishes what is queued, and
both end.

The asyncio twin of crates/recipes/src/producer_consumer.rs.
"""

import asyncio

CAPACITY = 2
GRACE = 5
RUN_FOR = 3


async def next_job(job_id):
    await asyncio.sleep(0.1)
    return job_id


async def handle(job_id):
    await asyncio.sleep(1)


async def produce(queue, stop):
    made = 0
    try:
        while True:
            # The next job, unless a stop comes first.
            making = asyncio.ensure_future(next_job(made + 1))
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({making, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stopping in done:
                making.cancel()
                break
            stopping.cancel()
            await queue.put(making.result())
            made += 1
    finally:
        # Python 3.11's Queue can't be closed: a sentinel tells the consumer.
        await queue.put(None)
    return made


async def consume(queue, start):
    loop = asyncio.get_running_loop()
    handled = 0
    while (job_id := await queue.get()) is not None:
        await handle(job_id)
        handled += 1
        print(f"job {job_id} done at {loop.time() - start:.1f}s")
    return handled


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue = asyncio.Queue(maxsize=CAPACITY)
    stop = asyncio.Event()
    producer = asyncio.create_task(produce(queue, stop))
    consumer = asyncio.create_task(consume(queue, start))

    await asyncio.sleep(RUN_FOR)
    print(f"stopping at {loop.time() - start:.1f}s")
    stop.set()

    try:
        async with asyncio.timeout(GRACE):
            made, handled = await asyncio.gather(producer, consumer)
    except TimeoutError:
        producer.cancel()
        consumer.cancel()
        raise SystemExit(f"the tasks did not stop within {GRACE}s")
    print(f"stopped at {loop.time() - start:.1f}s: {made} jobs made, {handled} handled")


asyncio.run(main())
