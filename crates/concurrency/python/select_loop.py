"""A loop around asyncio.wait(FIRST_COMPLETED): a report task made anew on
every turn and cancelled when a job wins starts over each time, one made
before the loop and carried over in `pending` keeps its progress, and the
order of the checks decides whether shutdown goes first.

The asyncio twin of crates/concurrency/src/select_loop.rs.
"""

import asyncio

REPORT_TIME = 1.2
JOB_INTERVAL = 0.5
JOB_WORK = 1


def stamp(clock):
    return f"[{asyncio.get_running_loop().time() - clock:.1f}s]"


async def build_report(clock):
    print(f"{stamp(clock)} report: started")
    started = asyncio.get_running_loop().time()
    try:
        await asyncio.sleep(REPORT_TIME)
    except asyncio.CancelledError:
        print(
            f"{stamp(clock)} report: dropped after "
            f"{asyncio.get_running_loop().time() - started:.1f}s of its {REPORT_TIME:.1f}s"
        )
        raise
    return "report"


async def worker(jobs, clock):
    """The pattern: the report task is made once and stays in `pending`
    across turns, while jobs are handled as they come."""
    report = asyncio.create_task(build_report(clock))
    get = asyncio.create_task(jobs.get())
    pending = {report, get}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if report in done:
            print(f"{stamp(clock)} {report.result()}: done")
        if get in done and (job := get.result()) is not None:
            print(f"{stamp(clock)} job {job}")
            get = asyncio.create_task(jobs.get())
            pending.add(get)
    print(f"{stamp(clock)} no jobs left and the report is done: `else` ends the loop")


async def worker_restarting(jobs, clock):
    """The mistake: a new report task on every turn, cancelled whenever a
    job arrives first."""
    while True:
        report = asyncio.create_task(build_report(clock))
        get = asyncio.create_task(jobs.get())
        done, _ = await asyncio.wait({report, get}, return_when=asyncio.FIRST_COMPLETED)
        if get in done and (job := get.result()) is not None:
            report.cancel()
            await asyncio.wait({report})
            print(f"{stamp(clock)} job {job}")
            continue
        get.cancel()
        done = await report
        print(f"{stamp(clock)} {done}: done")
        break


async def worker_until_shutdown(jobs, shutdown, clock):
    """Handles queued jobs, a second each, until told to stop: it waits
    on the shutdown and the queue at once, and looks at the shutdown first,
    as `biased;` polls it first."""
    stop = asyncio.create_task(shutdown.wait())
    taken = 0
    while not shutdown.is_set():
        get = asyncio.create_task(jobs.get())
        done, _ = await asyncio.wait({stop, get}, return_when=asyncio.FIRST_COMPLETED)
        if stop in done:
            # The get task runs on its own, so it may have taken a job in the
            # same turn; `select!` never polls `recv` once shutdown is ready.
            taken = 0 if get.cancel() else 1
            break
        print(f"{stamp(clock)} job {get.result()}: working")
        await asyncio.sleep(JOB_WORK)
    stop.cancel()
    print(f"{stamp(clock)} shutdown: stopping, jobs still queued: {jobs.qsize() + taken}")


async def produce(jobs):
    for job in range(1, 5):
        await asyncio.sleep(JOB_INTERVAL)
        await jobs.put(job)
    await jobs.put(None)  # No more jobs: the Rust drops its only sender.


async def main():
    print("The report made inside the loop:")
    jobs = asyncio.Queue(4)
    producer = asyncio.create_task(produce(jobs))
    await worker_restarting(jobs, asyncio.get_running_loop().time())
    await producer

    print("\nThe report pinned before the loop:")
    jobs = asyncio.Queue(4)
    producer = asyncio.create_task(produce(jobs))
    await worker(jobs, asyncio.get_running_loop().time())
    await producer

    print("\nFive jobs queued, and shutdown first under `biased;`:")
    clock = asyncio.get_running_loop().time()
    jobs = asyncio.Queue(5)
    for job in range(1, 6):
        await jobs.put(job)
    shutdown = asyncio.Event()

    async def trigger():
        await asyncio.sleep(1.5)
        print(f"{stamp(clock)} shutdown requested")
        shutdown.set()

    triggering = asyncio.create_task(trigger())
    await worker_until_shutdown(jobs, shutdown, clock)
    await triggering


asyncio.run(main())
