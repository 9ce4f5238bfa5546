"""asyncio.timeout, wait_for and timeout_at: the work is cancelled where it
waits, and its finally block says so; a deadline shared by several steps;
and wait_for on a task, which cancels the task.

The asyncio twin of crates/error-handling/src/timeouts.rs.
"""

import asyncio


async def sleepy(name, duration):
    loop = asyncio.get_running_loop()
    start = loop.time()
    finished = False
    try:
        await asyncio.sleep(duration)
        finished = True
        return "Done"
    finally:
        if not finished:
            print(f"{name} was dropped after {loop.time() - start:.1f}s, before it finished")


async def long_task():
    return await sleepy("long_task", 5)


async def long_operation():
    return await sleepy("long_operation", 10)


async def slow_operation():
    return await sleepy("slow_operation", 5)


async def with_timeout():
    try:
        async with asyncio.timeout(2):
            print(await long_task())
    except TimeoutError:
        print("Task took too long!")


async def with_wait_for():
    try:
        return await asyncio.wait_for(long_operation(), 5)
    except TimeoutError:
        print("Operation timed out")
        return None


async def steps_with_one_deadline():
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline = start + 2
    for step in ["step 1", "step 2"]:
        try:
            async with asyncio.timeout_at(deadline):
                await sleepy(step, 1.5)
            print(f"{step} finished at {loop.time() - start:.1f}s")
        except TimeoutError:
            print(f"{step} ran past the shared deadline")


async def report(name, duration):
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.sleep(duration)
    print(f"{name} finished after {loop.time() - start:.1f}s")


async def timeout_on_a_task():
    # wait_for cancels a task it times out; Tokio's timeout on a JoinHandle
    # does not. shield() gives asyncio the Rust's behaviour, to show it.
    detached = asyncio.create_task(report("detached task", 3))
    try:
        await asyncio.wait_for(asyncio.shield(detached), 1)
    except TimeoutError:
        print("timeout(1s, handle) elapsed; the task was not cancelled")
    # What asyncio does by default, and the Rust must do by hand: cancel it.
    aborted = asyncio.create_task(sleepy("aborted task", 3))
    try:
        await asyncio.wait_for(aborted, 1)
    except TimeoutError:
        if aborted.cancelled():
            print("aborted task: cancelled")
    await asyncio.sleep(1.5)


async def main():
    await with_timeout()
    print(f"wait_for returned {await with_wait_for()}")
    try:
        print(await asyncio.wait_for(slow_operation(), 2))
    except TimeoutError:
        print("Operation timed out!")
    await steps_with_one_deadline()
    await timeout_on_a_task()


asyncio.run(main())
