"""loop.run_in_executor with the default pool, and with a
ThreadPoolExecutor of three workers.

The asyncio twin of crates/runtime/src/blocking_executor.rs.
"""

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor


def blocking_operation(name, seconds):
    time.sleep(seconds)
    return f"Blocking operation {name} completed"


class Occupancy:
    def __init__(self):
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0

    def around(self, job):
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            return job()
        finally:
            with self.lock:
                self.running -= 1


async def main():
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(None, blocking_operation, "A", 1))

    max_workers = 3
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        results = await asyncio.gather(
            *(loop.run_in_executor(pool, blocking_operation, f"Worker-{i}", 0.5) for i in range(3))
        )
        for result in results:
            print(result)

        occupancy = Occupancy()
        finished = await asyncio.gather(
            *(
                loop.run_in_executor(pool, occupancy.around, lambda: time.sleep(0.1))
                for _ in range(2 * max_workers)
            )
        )
        assert occupancy.peak <= max_workers
        print(f"{len(finished)} jobs finished, never more than {max_workers} at once")


asyncio.run(main())
