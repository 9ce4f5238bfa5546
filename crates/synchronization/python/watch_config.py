"""A configuration reload two ways: a "watch" that keeps only the latest
value, so a busy worker skips the ones in between, against a queue that
keeps every value.

The asyncio twin of crates/synchronization/src/watch_config.rs.
"""

import asyncio
from dataclasses import dataclass

APPLY = 0.8


@dataclass(frozen=True)
class Config:
    version: int
    max_connections: int


class Watch:
    """Tokio's watch channel: the latest value, and a way to wait for a
    newer one. asyncio's version is an attribute plus an Event."""

    def __init__(self, value):
        self.value = value
        self.changed = asyncio.Event()
        self.closed = False

    def send(self, value):
        self.value = value
        self.changed.set()

    def close(self):
        self.closed = True
        self.changed.set()


async def apply_latest(watch, start):
    loop = asyncio.get_running_loop()
    applied = []
    while True:
        current = watch.value
        watch.changed.clear()  # seen: only a later send counts as new
        applied.append(f"v{current.version} at {loop.time() - start:.1f}s")
        await asyncio.sleep(APPLY)
        if watch.closed and not watch.changed.is_set():
            return applied
        await watch.changed.wait()
        if watch.value is current:
            return applied


async def apply_every(queue, start):
    loop = asyncio.get_running_loop()
    applied = []
    while (config := await queue.get()) is not None:
        applied.append(f"v{config.version} at {loop.time() - start:.1f}s")
        await asyncio.sleep(APPLY)
    return applied


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()

    def config(version):
        return Config(version, 10 * version)

    watch = Watch(config(1))
    queue = asyncio.Queue()
    latest = asyncio.create_task(apply_latest(watch, start))
    every = asyncio.create_task(apply_every(queue, start))

    reloads = [(2, 0.1), (3, 0.2), (4, 0.3)]
    print(
        "Reloads: "
        + ", ".join(f"v{version} at {at:.1f}s" for version, at in reloads)
        + f"; applying one takes {APPLY:.1f}s"
    )
    for version, at in reloads:
        await asyncio.sleep(start + at - loop.time())
        watch.send(config(version))
        queue.put_nowait(config(version))

    await asyncio.sleep(start + 0.4 - loop.time())
    late = watch.value
    late_queue = asyncio.Queue()  # a new subscriber sees nothing sent before it
    try:
        late_queue.get_nowait()
        late_event = "a value"
    except asyncio.QueueEmpty:
        late_event = "Err(Empty)"  # Rust's spelling of QueueEmpty
    print(
        f"[{loop.time() - start:.1f}s] subscribed now: watch's borrow() gives v{late.version} "
        f"(max_connections {late.max_connections}), broadcast's try_recv() gives {late_event}"
    )
    watch.close()
    queue.put_nowait(None)

    print(f"watch:     applied {', '.join(await latest)}")
    print(f"broadcast: applied {', '.join(await every)}")


asyncio.run(main())
