"""A race: the first of two tasks to finish wins, and the loser is cancelled.

The asyncio twin of crates/concurrency/src/race.rs.
"""

import asyncio
import time


async def fetch_data(url, delay):
    print(f"Fetching {url}")
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f"{url}: dropped while waiting, so it was cancelled")
        raise
    return f"Data from {url}"


async def main():
    start = time.monotonic()
    fast = asyncio.create_task(fetch_data("http://fast.com", 1))
    slow = asyncio.create_task(fetch_data("http://slow.com", 3))
    done, pending = await asyncio.wait({fast, slow}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    # cancel() only asks: wait until the losers have really stopped.
    await asyncio.gather(*pending, return_exceptions=True)
    winner = done.pop().result()
    print(f"Winner: {winner} (after {time.monotonic() - start:.1f}s)")


asyncio.run(main())
