"""Processing a stream with bounded concurrency and in batches: asyncio has
no `buffered`, so the twin writes it, with a Semaphore taken before the
source is read, and a queue of tasks in input order.

The asyncio twin of crates/iterators/src/stream_batches.rs.
"""

import asyncio
from dataclasses import dataclass

CONCURRENCY = 5
PERIOD = 0.1
# The values the Rust example's ChaCha8 generator, seeded with 50, draws
# from 1 to 100; Python's random.Random(50) draws others.
SEEDED_VALUES = [
    46, 33, 28, 30, 62, 2, 58, 34, 55, 66, 14, 11, 15, 57, 5, 3, 31, 41, 35, 87, 35, 22, 81
]


@dataclass
class Reading:
    id: int
    value: int
    arrived: str


def seconds(start):
    return f"{asyncio.get_running_loop().time() - start:.1f}s"


async def data_stream(count, start):
    """`count` readings, one due every 0.1 s: a late one does not delay the
    ones after it, and the ticks it missed are skipped, as Tokio's
    MissedTickBehavior::Skip does."""
    due = start + PERIOD
    for id in range(count):
        await asyncio.sleep(due - asyncio.get_running_loop().time())
        taken = asyncio.get_running_loop().time()
        due += PERIOD
        # A tick due at the instant it was taken is missed too; 1e-9 absorbs
        # the float error of adding up tenths.
        while due <= taken + 1e-9:
            due += PERIOD
        yield Reading(id, SEEDED_VALUES[id], seconds(start))


async def buffered(coroutines, limit):
    """At most `limit` of the coroutines run at once, the source is read only
    when a result has left, and results come out in input order."""
    slots = asyncio.Semaphore(limit)
    in_order = asyncio.Queue()

    async def feed():
        source = aiter(coroutines)
        while True:
            await slots.acquire()
            try:
                coroutine = await anext(source)
            except StopAsyncIteration:
                break
            in_order.put_nowait(asyncio.create_task(coroutine))
        in_order.put_nowait(None)

    feeder = asyncio.create_task(feed())
    try:
        while (task := await in_order.get()) is not None:
            result = await task
            slots.release()
            yield result
    finally:
        feeder.cancel()


async def buffer_unordered(coroutines, limit):
    """The same, with results in the order they finish."""
    slots = asyncio.Semaphore(limit)
    finished = asyncio.Queue()

    async def run(coroutine):
        finished.put_nowait(await coroutine)

    async def feed():
        tasks = []
        source = aiter(coroutines)
        while True:
            await slots.acquire()
            try:
                coroutine = await anext(source)
            except StopAsyncIteration:
                break
            tasks.append(asyncio.create_task(run(coroutine)))
        await asyncio.gather(*tasks)
        finished.put_nowait(None)

    feeder = asyncio.create_task(feed())
    try:
        while (result := await finished.get()) is not None:
            slots.release()
            yield result
    finally:
        feeder.cancel()


class InFlight:
    def __init__(self):
        self.now = 0
        self.peak = 0


async def process_item(reading, in_flight):
    """Slower than the source (0.2 to 0.8 s per item, depending on its value)."""
    in_flight.now += 1
    in_flight.peak = max(in_flight.peak, in_flight.now)
    try:
        await asyncio.sleep(0.1 * (2 + reading.value % 7))
    finally:
        in_flight.now -= 1
    return {**vars(reading), "doubled_value": reading.value * 2}


def print_batch(start, batch):
    print(f"[{seconds(start)}] A batch of {len(batch)}:")
    for p in batch:
        print(
            f"Processed: id {p['id']}, value {p['value']}, "
            f"doubled {p['doubled_value']}, arrived at {p['arrived']}"
        )


async def main():
    start = asyncio.get_running_loop().time()
    in_flight = InFlight()
    items = (process_item(reading, in_flight) async for reading in data_stream(23, start))
    batch = []
    async for processed in buffered(items, CONCURRENCY):
        batch.append(processed)
        if len(batch) == 10:
            print_batch(start, batch)
            batch = []
    if batch:
        print_batch(start, batch)
    assert in_flight.peak <= CONCURRENCY

    print()

    async def job(id, secs):
        await asyncio.sleep(secs)
        return id  # not None: None ends buffer_unordered's queue

    async def jobs():
        for id, secs in enumerate([3, 1, 1]):
            yield job(id, secs)

    start = asyncio.get_running_loop().time()
    in_order = [id async for id in buffered(jobs(), 2)]
    in_order_took = seconds(start)
    start = asyncio.get_running_loop().time()
    unordered = [id async for id in buffer_unordered(jobs(), 2)]
    print(
        f"Jobs of 3, 1 and 1 s, two at a time: buffered(2) gave {in_order} in {in_order_took}, "
        f"buffer_unordered(2) gave {unordered} in {seconds(start)}"
    )


asyncio.run(main())
