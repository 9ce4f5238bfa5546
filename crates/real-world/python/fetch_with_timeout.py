"""A deadline around a whole request: /delay/10 against a 3 s limit gives
up at 3 s, while /delay/1 finishes.

The asyncio twin of crates/real-world/src/fetch_with_timeout.rs.
"""

import asyncio
import sys

import aiohttp


async def fetch_with_timeout(session, url, limit):
    try:
        async with asyncio.timeout(limit):
            async with session.get(url) as response:
                response.raise_for_status()
                await response.text()
                return f"{response.status} {response.reason}", None
    except TimeoutError:
        return None, f"Timeout after {limit} seconds"


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with aiohttp.ClientSession() as session:

        async def timed(path, limit):
            result = await fetch_with_timeout(session, f"{base_url}{path}", limit)
            return result, loop.time() - start

        results = await asyncio.gather(timed("/delay/1", 5), timed("/delay/10", 3))
    for i, ((status, error), elapsed) in enumerate(results):
        if error is None:
            print(f"Task {i} success: {status} (at {elapsed:.1f}s)")
        else:
            print(f"Task {i} failed: {error} (at {elapsed:.1f}s)")
    print(f"Both done in {loop.time() - start:.1f}s")


asyncio.run(main())
