"""Blocking code off the event loop with asyncio.to_thread: a checksum read
through a file-like object, with its progress for the async side, and a stop
that reaches the thread when the caller gives up.

The asyncio twin of crates/recipes/src/blocking_work.rs.
"""

import asyncio
import concurrent.futures
import threading
import time

CHUNK = 64 * 1024
SIZE = 4 * 1024 * 1024


class Progress:
    """The latest byte count, set from the thread, awaited on the loop."""

    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self.read = 0
        self.ended = False
        self.changed = asyncio.Event()

    def _update(self, read, ended):
        self.read, self.ended = read, self.ended or ended
        self.changed.set()

    def send(self, read):
        self.loop.call_soon_threadsafe(self._update, read, False)

    def close(self):
        self.loop.call_soon_threadsafe(self._update, self.read, True)

    async def wait_for(self, condition):
        while not condition(self.read):
            if self.ended:
                raise RuntimeError("the thread ended first")
            self.changed.clear()
            await self.changed.wait()

    async def wait_until_ended(self):
        while not self.ended:
            self.changed.clear()
            await self.changed.wait()


def checksum_blocking(source, stop, progress):
    try:
        hash_ = 0xCBF29CE484222325
        read = 0
        while True:
            if stop.is_set():
                raise RuntimeError(f"stopped after {read} bytes")
            chunk = source.read(CHUNK)
            if not chunk:
                return hash_
            for byte in chunk:
                hash_ = ((hash_ ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
            read += len(chunk)
            progress.send(read)
    finally:
        progress.close()


async def checksum(source, progress):
    stop = threading.Event()
    try:
        return await asyncio.to_thread(checksum_blocking, source, stop, progress)
    finally:
        # Cancelling this coroutine does not stop the thread: tell it to.
        stop.set()


class SlowSource:
    def __init__(self, hold_after=None, until=None):
        """Once hold_after bytes are read, the next read waits until `until`
        is set: on a busy machine, the loop could be held up while the
        thread reads to the end."""
        self.left = SIZE
        self.hold_after = hold_after
        self.until = until

    def read(self, size):
        if self.hold_after is not None and SIZE - self.left >= self.hold_after:
            self.hold_after = None
            self.until.wait()
        n = min(size, CHUNK, self.left)
        if n:
            time.sleep(0.01)
        start = SIZE - self.left
        self.left -= n
        return bytes((start + i) % 251 for i in range(n))


async def main():
    total = await checksum(SlowSource(), Progress())
    print(f"checksum of {SIZE // 1024} KiB: {total:016x}")

    progress = Progress()
    gave_up = threading.Event()
    job = asyncio.create_task(checksum(SlowSource(SIZE // 8, gave_up), progress))
    await progress.wait_for(lambda read: read >= SIZE // 8)
    print("an eighth done: the caller gives up")
    job.cancel()
    await asyncio.wait({job})
    gave_up.set()
    await progress.wait_until_ended()
    if progress.read == SIZE:
        raise SystemExit("the thread read everything: it never saw the stop")
    print("the thread saw the stop and returned before the end")

    progress = Progress()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(checksum_blocking, SlowSource(), threading.Event(), progress)
        await progress.wait_for(lambda read: read > 0)
        future.cancel()  # False: a call that has started can't be cancelled
        after = await asyncio.wrap_future(future)
    print(f"after abort(), the job still ran to the end: {after:016x}")


asyncio.run(main())
