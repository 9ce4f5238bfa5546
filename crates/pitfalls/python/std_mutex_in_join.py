"""A threading.Lock held across an await, in two coroutines gathered on one
event loop: the second acquire() blocks the loop's thread, and the first,
which holds the lock, can only go on on that thread.

The asyncio twin of crates/pitfalls/src/std_mutex_in_join.rs: the stuck loop
runs on a daemon thread, which the process leaves blocked when it exits.
"""
# runs on the real clock: the main thread waits a second of real time for the stuck one

import asyncio
import queue
import threading


async def add_one_holding_the_lock(name, count, lock, said):
    said.put(f"{name} asks for the lock")
    with lock:
        said.put(f"{name} has the lock, and awaits with it")
        await asyncio.sleep(0.1)
        count[0] += 1


async def add_one(name, count, lock):
    await asyncio.sleep(0.1)
    with lock:
        count[0] += 1
    print(f"{name} added one")


def stuck(said):
    count, lock = [0], threading.Lock()

    async def both():
        await asyncio.gather(
            add_one_holding_the_lock("a", count, lock, said),
            add_one_holding_the_lock("b", count, lock, said),
        )

    asyncio.run(both())
    said.put("both added one")


def main():
    print("As written: a and b in one join!, each holding a std guard across .await")
    said = queue.Queue()
    threading.Thread(target=stuck, args=(said,), daemon=True).start()
    while True:
        try:
            print(said.get(timeout=1))
        except queue.Empty:
            break
    print("silent for 1.0s: b's lock() blocks the one thread, which a needs to go on")

    print()
    print("Fixed: the guard dropped before .await")
    count, lock = [0], threading.Lock()

    async def both():
        await asyncio.gather(add_one("a", count, lock), add_one("b", count, lock))

    asyncio.run(both())
    print(f"count: {count[0]}")


main()
