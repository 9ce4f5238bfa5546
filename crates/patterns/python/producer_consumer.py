"""Producer and consumer over a queue; Python 3.11's queue can't be closed,
so the producer ends the stream with a None, where the Rust drops its
sender.

The asyncio twin of crates/patterns/src/producer_consumer.rs.
"""

import asyncio


async def producer(queue):
    produced = []
    for i in range(5):
        await queue.put(i)
        produced.append(i)
        await asyncio.sleep(1)
    print("Producer done; dropping its sender closes the channel")
    await queue.put(None)
    return produced


async def consumer(queue):
    consumed = []
    while (item := await queue.get()) is not None:
        print(f"Consumed {item}")
        consumed.append(item)
    print("Consumer saw the channel close")
    return consumed


async def main():
    queue = asyncio.Queue()
    produced, consumed = await asyncio.gather(producer(queue), consumer(queue))
    assert produced == consumed
    print(f"Produced {produced}, consumed {consumed}")


asyncio.run(main())
