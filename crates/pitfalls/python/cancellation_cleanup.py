"""Cancellation in asyncio is an exception at the await: a finally block
runs cleanup; a cooperative job watches an Event and finishes up.

The asyncio twin of crates/pitfalls/src/cancellation_cleanup.rs.
"""

import asyncio


async def long_job(name):
    try:
        await asyncio.sleep(10)
        print(f"{name}: finished (never printed: the job is cancelled first)")
        return "done"
    finally:
        print(f"{name}: cleanup ran")


async def cooperative_job(cancel):
    sleeping = asyncio.create_task(asyncio.sleep(10))
    cancelled = asyncio.create_task(cancel.wait())
    done, pending = await asyncio.wait({sleeping, cancelled}, return_when=asyncio.FIRST_COMPLETED)
    for loser in pending:
        loser.cancel()
    if sleeping in done:
        return "finished"
    print("cooperative: was cancelled, saying goodbye")
    await asyncio.sleep(0.1)
    return "stopped cleanly"


async def main():
    task = asyncio.create_task(long_job("aborted task"))
    await asyncio.sleep(1)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("aborted task: cancelled")

    try:
        print(f"timed-out future: {await asyncio.wait_for(long_job('timed-out future'), 1)}")
    except TimeoutError:
        print("timed-out future: timed out")

    cancel = asyncio.Event()
    task = asyncio.create_task(cooperative_job(cancel))
    await asyncio.sleep(1)
    cancel.set()
    print(f"cooperative: {await task}")


asyncio.run(main())
