"""asyncio.Lock held across an await, and a counter that needs no lock
held across one.

The asyncio twin of crates/synchronization/src/mutex.rs.
"""

import asyncio


async def increment_worker(name, lock, shared):
    for _ in range(5):
        async with lock:
            current = shared["value"]
            await asyncio.sleep(0.1)
            shared["value"] = current + 1
            print(f"{name}: {shared['value']}")


async def lock_example():
    lock = asyncio.Lock()
    shared = {"value": 0}
    await asyncio.gather(
        increment_worker("Worker1", lock, shared),
        increment_worker("Worker2", lock, shared),
    )
    print(f"Final value: {shared['value']}")
    assert shared["value"] == 10


async def no_lock_across_await():
    # Rust's std::sync::Mutex locked and unlocked in one statement. In
    # asyncio, code between two awaits runs alone, so no lock is needed.
    hits = 0

    async def task():
        nonlocal hits
        for _ in range(100):
            hits += 1
            await asyncio.sleep(0)

    await asyncio.gather(*(task() for _ in range(10)))
    print(f"std::sync::Mutex, 10 tasks x 100 increments: {hits}")
    assert hits == 1000


async def main():
    await lock_example()
    print()
    await no_lock_across_await()


asyncio.run(main())
