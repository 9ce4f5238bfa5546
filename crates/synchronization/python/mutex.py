"""asyncio.Lock held across an await, and a counter that needs no lock
held across one.

The asyncio twin of crates/synchronization/src/mutex.rs.
"""

import asyncio


# Lock for mutual exclusion
async def lock_example():
    lock = asyncio.Lock()
    shared_resource = 0
    
    async def increment_worker(name):
        nonlocal shared_resource
        for _ in range(5):
            async with lock:
                # Critical section
                current = shared_resource
                await asyncio.sleep(0.1)  # Simulate work
                shared_resource = current + 1
                print(f"{name}: {shared_resource}")
    
    tasks = [
        asyncio.create_task(increment_worker("Worker1")),
        asyncio.create_task(increment_worker("Worker2"))
    ]
    
    await asyncio.gather(*tasks)
    print(f"Final value: {shared_resource}")


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
