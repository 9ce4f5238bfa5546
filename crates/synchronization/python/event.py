"""asyncio.Event, a flag that stays set, and a wake-up that leaves nothing
behind: Tokio's watch channel of a bool and its Notify.

The asyncio twin of crates/synchronization/src/event.rs.
"""

import asyncio


async def waiter(name, event, start):
    await event.wait()
    return f"{name} saw the event at {asyncio.get_running_loop().time() - start:.1f}s"


async def event_as_event():
    start = asyncio.get_running_loop().time()
    event = asyncio.Event()
    # An Event can't be closed: the task group cancels its waiters if this
    # coroutine is cancelled, where the Rust's watch receivers see the sender
    # dropped.
    async with asyncio.TaskGroup() as tasks:
        waiters = [tasks.create_task(waiter(name, event, start)) for name in ["waiter 1", "waiter 2", "waiter 3"]]
        await asyncio.sleep(1)
        event.set()
        for task in waiters:
            print(await task)

        await asyncio.sleep(0.5)
        print(f"{await waiter('late waiter', event, start)} (already set)")

        event.clear()
        following = tasks.create_task(waiter("next waiter", event, start))
        await asyncio.sleep(1)
        event.set()
        print(f"{await following} (after clear and set)")


async def wake_up_without_a_flag():
    loop = asyncio.get_running_loop()
    start = loop.time()
    # Notify's notify_waiters(): wake whoever waits now, remember nothing.
    # With an Event, that is set() and clear() at once.
    signal = asyncio.Event()

    async def early():
        await signal.wait()
        return f"early waiter woken at {loop.time() - start:.1f}s"

    # Cancels the waiter if this coroutine is cancelled first, as the Rust's
    # AbortOnDropHandle does.
    async with asyncio.TaskGroup() as tasks:
        task = tasks.create_task(early())
        await asyncio.sleep(0.5)
        signal.set()
        signal.clear()
        print(await task)

    try:
        await asyncio.wait_for(signal.wait(), 1)
    except TimeoutError:
        print(f"late waiter gave up at {loop.time() - start:.1f}s: notify_waiters() is not remembered")

    # notify_one() stores one permit when nobody waits: a semaphore at 0.
    permit = asyncio.Semaphore(0)
    permit.release()
    await permit.acquire()
    print(f"notify_one() with nobody waiting left a permit, taken at {loop.time() - start:.1f}s")


async def set_once():
    # The asyncio.Event that SetOnce is modelled on, with its value beside it;
    # nothing refuses a second set(), so the check is by hand.
    loop = asyncio.get_running_loop()
    start = loop.time()
    ready, value = asyncio.Event(), None

    async def waiter():
        await ready.wait()
        return f"waiter got {value!r} at {loop.time() - start:.1f}s"

    async with asyncio.TaskGroup() as tasks:
        task = tasks.create_task(waiter())
        await asyncio.sleep(0.5)
        value = "config v1"
        ready.set()
        print(await task)
    if ready.is_set():
        print(f"set({'config v2'!r}) refused: it holds {value!r} for good, and has no clear()")


async def main():
    await event_as_event()
    print()
    await wake_up_without_a_flag()
    print()
    await set_once()


asyncio.run(main())
