"""The Python half of `cargo xtask bench`: the same workloads as bench/src/main.rs.

    python3 workloads.py <spawn|queue|semaphore|sleep|http|shared-map> <asyncio|uvloop> [URL]

runs one workload once and prints `elapsed_ns=.. ops=.. max_rss_kb=..`. The time
covers the workload only, measured inside the running event loop. A workload
whose result fails its check exits non-zero, so a broken one cannot look fast.

Written the way a Python developer would write it, not tuned to win or to lose.
"""

import asyncio
import resource
import sys
import time

SPAWN_TASKS = 100_000
QUEUE_ITEMS = 1_000_000
QUEUE_CAPACITY = 1_024
SEMAPHORE_OPERATIONS = 100_000
SEMAPHORE_PERMITS = 100
SLEEPING_TASKS = 10_000
SLEEP = 0.010
HTTP_REQUESTS = 10_000
HTTP_IN_FLIGHT = 64
MAP_TASKS = 8
MAP_OPERATIONS = 1_000_000
MAP_KEYS = 1_024
MAP_YIELD_EVERY = 64


def check(ok, message):
    if not ok:
        raise SystemExit(f"error: {message}")


async def spawn():
    async def task(i):
        return i

    tasks = [asyncio.create_task(task(i)) for i in range(SPAWN_TASKS)]
    total = sum(await asyncio.gather(*tasks))
    check(total == SPAWN_TASKS * (SPAWN_TASKS - 1) // 2, "spawn: wrong sum")
    return SPAWN_TASKS


async def queue():
    items = asyncio.Queue(maxsize=QUEUE_CAPACITY)
    done = object()

    async def producer():
        for i in range(QUEUE_ITEMS):
            await items.put(i)
        await items.put(done)

    async def consumer():
        total = 0
        while (item := await items.get()) is not done:
            total += item
        return total

    _, total = await asyncio.gather(producer(), consumer())
    check(total == QUEUE_ITEMS * (QUEUE_ITEMS - 1) // 2, "queue: wrong sum")
    return QUEUE_ITEMS


async def semaphore():
    permits = asyncio.Semaphore(SEMAPHORE_PERMITS)
    inside = peak = 0

    async def operation():
        nonlocal inside, peak
        async with permits:
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0)
            inside -= 1

    tasks = [asyncio.create_task(operation()) for _ in range(SEMAPHORE_OPERATIONS)]
    await asyncio.gather(*tasks)
    check(peak <= SEMAPHORE_PERMITS, "semaphore: limit exceeded")
    return len(tasks)


async def sleep():
    tasks = [asyncio.create_task(asyncio.sleep(SLEEP)) for _ in range(SLEEPING_TASKS)]
    await asyncio.gather(*tasks)
    return len(tasks)


async def http(url):
    import aiohttp

    connector = aiohttp.TCPConnector(limit=HTTP_IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as session:

        requests = iter(range(HTTP_REQUESTS))
        lengths = []

        # 64 workers share one iterator, so 64 requests exist at a time, as
        # the Rust side's `buffer_unordered(64)` keeps 64 futures. A gather of
        # 10,000 `fetch()` tasks would be as fast but hold 10,000 tasks, each
        # waiting for a connection, which is what its memory would measure.
        async def worker():
            for _ in requests:
                async with session.get(f"{url}/json") as response:
                    response.raise_for_status()
                    lengths.append(len(await response.read()))

        await asyncio.gather(*(worker() for _ in range(HTTP_IN_FLIGHT)))
    check(lengths[0] > 0 and all(n == lengths[0] for n in lengths), "http: bodies differ")
    check(len(lengths) == HTTP_REQUESTS, "http: responses missing")
    return HTTP_REQUESTS


async def shared_map():
    # A plain dict and no lock: one coroutine runs at a time, and nothing
    # runs between two of its awaits but itself.
    counts = {}
    per_task = MAP_OPERATIONS // MAP_TASKS

    async def task(t):
        for i in range(per_task):
            key = (t * 7_919 + i) % MAP_KEYS
            counts[key] = counts.get(key, 0) + 1
            if i % MAP_YIELD_EVERY == MAP_YIELD_EVERY - 1:
                await asyncio.sleep(0)

    await asyncio.gather(*(task(t) for t in range(MAP_TASKS)))
    check(sum(counts.values()) == MAP_OPERATIONS, "shared-map: counts lost")
    return MAP_OPERATIONS


WORKLOADS = {
    "spawn": spawn,
    "queue": queue,
    "semaphore": semaphore,
    "sleep": sleep,
    "http": http,
    "shared-map": shared_map,
}


async def timed(workload, args):
    start = time.perf_counter_ns()
    ops = await WORKLOADS[workload](*args)
    return time.perf_counter_ns() - start, ops


def main(argv):
    if len(argv) < 2 or argv[0] not in WORKLOADS or argv[1] not in ("asyncio", "uvloop"):
        raise SystemExit(__doc__)
    workload, loop, args = argv[0], argv[1], argv[2:]
    if workload == "http":
        # Imported before the clock starts, like every other module: importing
        # aiohttp takes 100-200 ms, which is start-up, not the workload.
        import aiohttp  # noqa: F401
    if loop == "uvloop":
        import uvloop

        elapsed, ops = uvloop.run(timed(workload, args))
    else:
        elapsed, ops = asyncio.run(timed(workload, args))
    # ru_maxrss is in kilobytes on Linux.
    max_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"elapsed_ns={elapsed} ops={ops} max_rss_kb={max_rss_kb}")


if __name__ == "__main__":
    main(sys.argv[1:])
