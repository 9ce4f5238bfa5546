"""A read-write lock: any number of readers at once, or one writer alone,
and a waiting writer holds back readers who come after it. asyncio has no
read-write lock, so this twin writes the small fair one it needs.

The asyncio twin of crates/synchronization/src/rwlock.rs.
"""

import asyncio
from collections import deque


class RwLock:
    """Fair: requests are served in arrival order; consecutive readers
    share the lock."""

    def __init__(self):
        self.readers = 0
        self.writing = False
        self.queue = deque()  # (is_writer, future)

    def _grant(self):
        while self.queue and not self.writing:
            is_writer, future = self.queue[0]
            if is_writer and self.readers:
                return
            self.queue.popleft()
            if is_writer:
                self.writing = True
            else:
                self.readers += 1
            future.set_result(None)
            if is_writer:
                return

    async def acquire(self, is_writer):
        future = asyncio.get_running_loop().create_future()
        self.queue.append((is_writer, future))
        self._grant()
        await future

    def release(self, is_writer):
        if is_writer:
            self.writing = False
        else:
            self.readers -= 1
        self._grant()


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    lock = RwLock()
    config = {"version": 1}

    def log(message):
        print(f"[{loop.time() - start:.1f}s] {message}")

    async def reader(name, arrive_after):
        await asyncio.sleep(arrive_after)
        log(f"{name} asks to read")
        await lock.acquire(False)
        log(f"{name} reads version {config['version']}")
        await asyncio.sleep(1)
        log(f"{name} done")
        lock.release(False)

    async def writer(arrive_after):
        await asyncio.sleep(arrive_after)
        log("writer asks to write")
        await lock.acquire(True)
        assert lock.readers == 0
        config["version"] += 1
        log(f"writer updates to version {config['version']}")
        await asyncio.sleep(0.5)
        log("writer done")
        lock.release(True)

    await asyncio.gather(reader("R1", 0), reader("R2", 0.1), writer(0.5), reader("R3", 0.6))


asyncio.run(main())
