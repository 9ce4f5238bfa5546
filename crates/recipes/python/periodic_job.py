"""A job that runs once a second until it is told to stop: each run with a
time limit, a failed run reported without ending the loop, and a late run
followed by a full period rather than a burst of catching up.

The asyncio twin of crates/recipes/src/periodic_job.rs.
"""

import asyncio

PERIOD = 1.0
RUN_LIMIT = 2.5
RUN_FOR = 6.5


async def job(run):
    if run == 2:
        await asyncio.Future()  # never finishes
    await asyncio.sleep(1.5 if run == 5 else 0.2)
    if run == 4:
        raise RuntimeError("the backend said no")


async def run_periodically(stop, start):
    loop = asyncio.get_running_loop()
    runs = 0
    due = loop.time()
    while True:
        # Wait for the next run, unless a stop comes first.
        try:
            async with asyncio.timeout_at(due):
                await stop.wait()
            break
        except TimeoutError:
            pass
        if stop.is_set():
            break
        began = loop.time()
        # Tokio's MissedTickBehavior::Delay: a late run is followed by a
        # full period; one on time keeps to the schedule.
        due = began + PERIOD if began > due + 0.005 else due + PERIOD
        runs += 1
        at = began - start
        try:
            async with asyncio.timeout(RUN_LIMIT):
                await job(runs)
            print(f"run {runs} at {at:.1f}s: done in {loop.time() - began:.1f}s")
        except TimeoutError:
            print(f"run {runs} at {at:.1f}s: no result within {RUN_LIMIT}s")
        except Exception as error:
            print(f"run {runs} at {at:.1f}s: failed: {error}")
    return runs


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    stop = asyncio.Event()
    task = asyncio.create_task(run_periodically(stop, start))
    try:
        await asyncio.sleep(RUN_FOR)
        print(f"stop requested at {loop.time() - start:.1f}s")
        stop.set()
        runs = await task
    finally:
        task.cancel()
    print(f"stopped at {loop.time() - start:.1f}s after {runs} runs")


asyncio.run(main())
