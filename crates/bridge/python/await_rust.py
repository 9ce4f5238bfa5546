"""Python awaits a Rust future: ten HTTP requests made by reqwest inside
Tokio, awaited together with asyncio.gather."""

import asyncio
import sys
import time

from bridge import HttpClient


async def main(base_url: str) -> None:
    client = HttpClient(base_url)

    started = time.perf_counter()
    # Each call returns at once, with an awaitable whose request is already
    # running in Tokio; gather waits for all ten.
    statuses = await asyncio.gather(
        *(client.get_status(f"/delay/1?request={n}") for n in range(10))
    )
    for n, status in enumerate(statuses):
        print(f"request {n}: status {status}")
    took = time.perf_counter() - started
    # Counted, not timed: a busy machine stretches the second they take.
    print(f"ten requests of 1s each took {took:.1f}s: {client.most_at_once()} of them ran at once")

    # Unlike a coroutine, the awaitable runs before it is awaited: nothing
    # awaits this one, and it finishes, which its done-callback tells.
    started = time.perf_counter()
    pending = client.get_status("/delay/1")
    print(f"the awaitable is a {type(pending).__name__}, not a coroutine")
    finished = asyncio.Event()
    pending.add_done_callback(lambda _: finished.set())
    await finished.wait()
    print(f"done before anyone awaited it: {pending.done()}")
    print(f"status {await pending} at {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
