"""asyncio.Semaphore limits how many tasks do something at once.

The asyncio twin of crates/synchronization/src/semaphore.rs.
"""

import asyncio

WORKER_LIMIT = 2
OPERATION_LIMIT = 3


class InFlight:
    def __init__(self):
        self.now = 0
        self.peak = 0

    def enter(self, limit):
        self.now += 1
        self.peak = max(self.peak, self.now)
        assert self.now <= limit
        return self.now

    def leave(self):
        self.now -= 1


async def worker(name, arrival, semaphore, in_flight):
    await asyncio.sleep(arrival)
    async with semaphore:
        now = in_flight.enter(WORKER_LIMIT)
        try:
            print(f"Worker {name} acquired semaphore ({now} in flight)")
            await asyncio.sleep(2)
            print(f"Worker {name} releasing semaphore")
        finally:
            in_flight.leave()


async def semaphore_example():
    semaphore = asyncio.Semaphore(WORKER_LIMIT)
    in_flight = InFlight()
    await asyncio.gather(*(worker(f"W{i}", 0.6 * i, semaphore, in_flight) for i in range(5)))
    print(f"At most {in_flight.peak} in flight")


async def operation(i):
    await asyncio.sleep(1)
    return i * i


async def bounded_operation(i, semaphore, in_flight):
    async with semaphore:
        in_flight.enter(OPERATION_LIMIT)
        try:
            return await operation(i)
        finally:
            in_flight.leave()


async def bounded_operations():
    loop = asyncio.get_running_loop()
    start = loop.time()
    semaphore = asyncio.Semaphore(OPERATION_LIMIT)
    in_flight = InFlight()
    results = await asyncio.gather(*(bounded_operation(i, semaphore, in_flight) for i in range(10)))
    print(f"Results: {results}")
    print(f"10 one-second operations, at most {in_flight.peak} at a time: {loop.time() - start:.1f}s")


async def main():
    await semaphore_example()
    print()
    await bounded_operations()


asyncio.run(main())
