"""Jobs started as tasks keep running while the loop that collects their
results is busy with something else.

The asyncio twin of crates/iterators/src/stream_vs_spawn.rs.
"""

# differs from the golden file: asyncio runs coroutines concurrently only as tasks, which the loop advances on their own, so the Rust's first run, futures stalled inside a stream, has no asyncio form

import asyncio
from dataclasses import dataclass

JOBS = 3


@dataclass
class Timeline:
    id: int
    started: float
    connected: float
    finished: float


async def job(id, start):
    started = asyncio.get_running_loop().time() - start
    await asyncio.sleep(0.5)
    connected = asyncio.get_running_loop().time() - start
    await asyncio.sleep(0.5 + 0.6 * id)
    return Timeline(id, started, connected, asyncio.get_running_loop().time() - start)


async def save(timeline):
    await asyncio.sleep(1)


def report(label, start, timelines):
    print(f"{label}: {asyncio.get_running_loop().time() - start:.1f}s in all")
    for t in timelines:
        print(
            f"  job {t.id}: started {t.started:.1f}s, "
            f"connected {t.connected:.1f}s, finished {t.finished:.1f}s"
        )


async def main():
    start = asyncio.get_running_loop().time()
    tasks = [asyncio.create_task(job(id, start)) for id in range(JOBS)]
    timelines = []
    for task in tasks:
        timeline = await task
        await save(timeline)
        timelines.append(timeline)
    report("Tasks, awaited in order", start, timelines)


asyncio.run(main())
