"""Fan-out where the first error cancels the rest: every job runs as a task
of its own, the results come back in the jobs' order, and one failure stops
the jobs still running before the error is raised.

The asyncio twin of crates/recipes/src/first_error_cancels.rs.
"""

import asyncio


class JobFailed(Exception):
    pass


async def all_or_first_error(jobs):
    """The jobs' results in their order, or the first error once the other
    tasks have been cancelled and have ended (TaskGroup waits for them)."""
    jobs = list(jobs)

    async def tagged(index, job):
        try:
            return await job
        except Exception as error:
            raise JobFailed(f"job {index} failed: {error}") from error

    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(tagged(index, job)) for index, job in enumerate(jobs)]
    except* JobFailed as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]


SHARDS = [("a", 2.5), ("b", 2.0), ("c", 1.5), ("d", 1.0), ("e", 0.5)]


async def fetch(name, seconds, failing, start, cancelled):
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        cancelled.append(name)
        raise
    if name == failing:
        raise RuntimeError(f"shard {name}: checksum mismatch")
    print(f"shard {name} done at {loop.time() - start:.1f}s")
    return name


async def main():
    loop = asyncio.get_running_loop()
    cancelled = []

    start = loop.time()
    shards = await all_or_first_error(
        fetch(name, seconds, None, start, cancelled) for name, seconds in SHARDS
    )
    print(f"all done at {loop.time() - start:.1f}s: {shards}")

    start = loop.time()
    try:
        shards = await all_or_first_error(
            fetch(name, seconds, "c", start, cancelled) for name, seconds in SHARDS
        )
        raise SystemExit(f"shard c was meant to fail, but all succeeded: {shards}")
    except JobFailed as error:
        print(f"failed at {loop.time() - start:.1f}s: {error}")
    print(f"cancelled while running: {', '.join(sorted(cancelled))}")


asyncio.run(main())
