"""Load shedding with a bounded queue: put_nowait turns work away when the
queue is full; a producer that claims a slot first, then measures, and
gives up when the consumer is gone.

The asyncio twin of crates/patterns/src/load_shedding.rs.
"""

import asyncio


def stamp(start):
    return f"[{asyncio.get_running_loop().time() - start:.1f}s]"


async def worker(queue, work):
    handled = []
    while (request := await queue.get()) is not None:
        await asyncio.sleep(work)
        handled.append(request)
    return handled


async def accept_or_shed():
    waiting, work = 2, 1.0
    bursts = [(0.0, 1), (0.5, 4), (1.5, 3)]  # at each instant, how many requests
    print(
        "try_send: requests "
        + ", ".join(f"{count} at {at:.1f}s" for at, count in bursts)
        + f"; a worker taking {work:.1f}s each, room for {waiting} waiting"
    )
    loop = asyncio.get_running_loop()
    start = loop.time()
    queue = asyncio.Queue(waiting)
    handling = asyncio.create_task(worker(queue, work))
    request = 0
    for at, count in bursts:
        await asyncio.sleep(start + at - loop.time())
        for _ in range(count):
            request += 1
            try:
                queue.put_nowait(request)
            except asyncio.QueueFull:
                print(f"{stamp(start)} request {request}: queue full, answered busy at once")
    await queue.put(None)  # Python 3.11's queues can't be closed
    handled = await handling
    print(f"the worker handled {', '.join(map(str, handled))}")


async def measure(n):
    await asyncio.sleep(1)
    return f"reading {n}"


async def main():
    await accept_or_shed()
    print()
    print("reserve, then measure; closed() raced against the measuring:")
    start = asyncio.get_running_loop().time()
    # asyncio has no reserve(): a semaphore of free slots plays the permit,
    # and an event says the consumer is gone (Sender::closed()).
    queue, slots, consumer_gone = asyncio.Queue(), asyncio.Semaphore(1), asyncio.Event()

    async def consume(wanted):
        taken = []
        while len(taken) < wanted:
            reading = await queue.get()
            slots.release()
            await asyncio.sleep(0.5)
            taken.append(reading)
        consumer_gone.set()
        return taken

    async def produce():
        for n in range(1, 11):
            await slots.acquire()
            measuring = asyncio.create_task(measure(n))
            gone = asyncio.create_task(consumer_gone.wait())
            done, _ = await asyncio.wait({measuring, gone}, return_when=asyncio.FIRST_COMPLETED)
            if gone in done:
                measuring.cancel()
                print(f"{stamp(start)} the consumer is gone: reading {n} abandoned halfway")
                return
            gone.cancel()
            print(f"{stamp(start)} {measuring.result()} sent")
            queue.put_nowait(measuring.result())

    consumer = asyncio.create_task(consume(2))
    await produce()
    print(f"the consumer took {', '.join(await consumer)}")


asyncio.run(main())
