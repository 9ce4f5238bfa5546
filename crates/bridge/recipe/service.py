"""An asyncio service whose hot path, counting primes, runs in Rust: a line
server on 127.0.0.1 that answers a number with how many primes are below it,
and eight clients that ask at once. `--python` answers with the Python
function the Rust replaced, for a comparison."""

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable

from hot_path import count_primes

LIMIT = 50_000
CLIENTS = 8


def count_primes_py(limit: int) -> int:
    """The function the service had: trial division, as the Rust does."""
    count = 0
    for n in range(2, limit):
        d = 2
        while d * d <= n and n % d:
            d += 1
        if d * d > n:
            count += 1
    return count


async def count_primes_in_thread(limit: int) -> int:
    return await asyncio.to_thread(count_primes_py, limit)


async def serve(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    count: Callable[[int], Awaitable[int]],
    jobs: asyncio.Semaphore,
) -> None:
    try:
        line = await asyncio.wait_for(reader.readline(), timeout=5)
        try:
            # At most one job per core at once; the others wait their turn.
            async with jobs:
                answer = str(await asyncio.wait_for(count(int(line.strip())), timeout=30))
        except (ValueError, OverflowError) as error:
            answer = f"error: {error}"
        writer.write(f"{answer}\n".encode())
        await writer.drain()
    finally:
        writer.close()


async def ask(port: int, request: str) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"{request}\n".encode())
        return (await asyncio.wait_for(reader.readline(), timeout=60)).decode().strip()
    finally:
        writer.close()
        await writer.wait_closed()


async def main(count: Callable[[int], Awaitable[int]]) -> None:
    jobs = asyncio.Semaphore(os.cpu_count() or 1)
    server = await asyncio.start_server(
        lambda reader, writer: serve(reader, writer, count, jobs), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    async with server:
        started = time.perf_counter()
        answers = await asyncio.gather(*(ask(port, str(LIMIT)) for _ in range(CLIENTS)))
        took = time.perf_counter() - started
        print(f"{CLIENTS} requests at once: {set(answers)} primes below {LIMIT}, in {took:.2f}s")
        print(f"a bad request: {await ask(port, 'many')}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", action="store_true", help="count in Python")
    arguments = parser.parse_args()
    asyncio.run(main(count_primes_in_thread if arguments.python else count_primes))
