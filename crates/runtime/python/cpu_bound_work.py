"""CPU-bound work blocks the event loop just like a blocking call; moved to
another thread with run_in_executor, the loop keeps running.

The asyncio twin of crates/runtime/src/cpu_bound_work.rs. (The labels say
spawn_blocking, Tokio's name for run_in_executor. In CPython the thread
holds the GIL while it computes, so the heartbeat only gets turns when
the interpreter switches threads; the loop is free, the CPU is not.)
"""

import asyncio
import threading

LIMIT = 50_000
HEARTBEAT_TURNS = 100


def calculate_primes(n):
    primes = []
    for candidate in range(2, n):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            primes.append(candidate)
    return primes


async def main():
    turns = 0
    # Set at each turn: the job on the executor computes from the
    # heartbeat's next turn on (or its end), so that a busy machine, holding
    # the loop up until the job is done, can't leave the count at 0.
    turned = threading.Event()

    async def heartbeat():
        nonlocal turns
        try:
            for _ in range(HEARTBEAT_TURNS):
                turns += 1
                turned.set()
                await asyncio.sleep(0)
        finally:
            turned.set()  # ended or cancelled: nothing to wait for

    beating = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)

    before = turns
    primes = calculate_primes(LIMIT)
    during = turns - before
    print(f"Inline: {len(primes)} primes below {LIMIT}")
    print(f"Heartbeat turns while computing inline: {during}")
    assert during == 0

    def after_a_turn():
        turned.wait()
        return calculate_primes(LIMIT)

    before = turns
    turned.clear()
    primes = await asyncio.get_running_loop().run_in_executor(None, after_a_turn)
    during = turns - before
    print(f"spawn_blocking: {len(primes)} primes below {LIMIT}")
    print(f"Heartbeat got turns while computing on spawn_blocking: {during > 0}")
    assert during > 0
    await beating


asyncio.run(main())
