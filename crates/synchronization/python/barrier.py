"""asyncio.Barrier: a fixed number of tasks wait for one another, then all
go on together, at the moment the last one arrives.

The asyncio twin of crates/synchronization/src/barrier.rs.
"""

import asyncio


async def worker(name, load_time, barrier, start):
    loop = asyncio.get_running_loop()
    await asyncio.sleep(load_time)
    arrived = loop.time() - start
    print(f"[{arrived:.1f}s] {name} loaded, waiting at the barrier")
    # wait() returns each task's index; asyncio doesn't say which gets 0
    # either, but exactly one does: the "leader" here.
    index = await barrier.wait()
    left = loop.time() - start
    if index == 0:
        print(f"[{left:.1f}s] one worker, the leader, runs the once-only step")
    return name, arrived, left, index == 0


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    workers = [("worker 1", 0.5), ("worker 2", 1.5), ("worker 3", 1.0)]
    barrier = asyncio.Barrier(len(workers))
    released = await asyncio.gather(
        *(worker(name, load_time, barrier, start) for name, load_time in workers)
    )
    for name, _, left, _ in released:
        print(f"[{left:.1f}s] {name} starts phase two")
    last_arrival = max(arrived for _, arrived, _, _ in released)
    assert all(left >= last_arrival for _, _, left, _ in released)
    assert sum(leader for *_, leader in released) == 1


asyncio.run(main())
