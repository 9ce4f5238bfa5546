"""An event emitter whose callbacks are coroutines: emit awaits them one
after another, emit_concurrently gathers them.

The asyncio twin of crates/patterns/src/event_emitter.rs.
"""

import asyncio
from collections import defaultdict


class AsyncEventEmitter:
    def __init__(self):
        self.events = defaultdict(list)

    def on(self, event, callback):
        self.events[event].append(callback)

    async def emit(self, event, *args):
        for callback in self.events.get(event, []):
            await callback(*args)

    async def emit_concurrently(self, event, *args):
        await asyncio.gather(*(callback(*args) for callback in self.events.get(event, [])))


async def handle_event(data):
    print(f"Received: {data}")


async def save(data):
    await asyncio.sleep(1)
    print(f"Saved {len(data)} bytes")


async def index(data):
    await asyncio.sleep(0.5)
    print(f"Indexed {len(data.split())} words")


async def main():
    loop = asyncio.get_running_loop()
    emitter = AsyncEventEmitter()
    emitter.on("data", handle_event)
    await emitter.emit("data", "Hello World")
    print()
    emitter.on("data", save)
    emitter.on("data", index)
    await emitter.emit("nobody-listens", "ignored")
    start = loop.time()
    await emitter.emit("data", "Hello async Rust")
    print(f"emit: {loop.time() - start:.1f}s")
    start = loop.time()
    await emitter.emit_concurrently("data", "Hello async Rust")
    print(f"emit_concurrently: {loop.time() - start:.1f}s")


asyncio.run(main())
