"""CPU-heavy work on a ProcessPoolExecutor, one process per CPU, awaited
with run_in_executor: the event loop stays free, and an exception in the
job is raised again at the await.

The asyncio twin of crates/runtime/src/cpu_pool.rs. (CPython computes in
parallel only in other processes, so the job and its input are pickled
to a child and its result pickled back; Rust's pool is threads, and
`on_pool` calls a Rust panic what is an exception here.)
"""

# runs on the real clock: it waits for worker processes, which a fast-forwarded loop would not

import asyncio
from concurrent.futures import ProcessPoolExecutor

MAX_LIMIT = 10_000_000


def primes_below(limit):
    count = 0
    for candidate in range(2, limit):
        divisor = 2
        while divisor * divisor <= candidate:
            if candidate % divisor == 0:
                break
            divisor += 1
        else:
            count += 1
    return count


def faulty_job():
    raise RuntimeError("a bug in the job")


async def count_primes(pool, limit):
    if limit > MAX_LIMIT:
        raise ValueError(f"{limit} is above the {MAX_LIMIT} this counts up to")
    return await asyncio.get_running_loop().run_in_executor(pool, primes_below, limit)


async def main():
    with ProcessPoolExecutor() as pool:
        limits = [0, 10_000, 50_000, 100_000]
        counts = await asyncio.gather(*(count_primes(pool, limit) for limit in limits))
        for limit, count in zip(limits, counts):
            print(f"Primes below {limit}: {count}")
        try:
            count = await count_primes(pool, 2**32 - 1)
            print(f"Primes below {2**32 - 1}: {count}")
        except ValueError as error:
            print(f"Refused: {error}")
        try:
            count = await asyncio.get_running_loop().run_in_executor(pool, faulty_job)
            print(f"The faulty job returned {count}")
        except RuntimeError as error:
            print(f"A faulty job came back as an error: the job panicked: {error}")
        print(f"Primes below 100, after it: {await count_primes(pool, 100)}")


if __name__ == "__main__":
    asyncio.run(main())
