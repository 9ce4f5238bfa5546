"""Two slow requests made one after another with a blocking client take the
sum of their times; made concurrently with aiohttp, the longest.

The asyncio twin of crates/real-world/src/sync_vs_async_http.rs. The
blocking client is urllib, the standard library's, run in a thread so the
event loop stays free.
"""

import asyncio
import sys
import threading
import urllib.request

import aiohttp

PATHS = ["/delay/1", "/delay/2"]
REQUEST_TIMEOUT = 10


def fetch_all_blocking(base_url, stop):
    for path in PATHS:
        if stop.is_set():
            # Nobody is waiting for the pages any more.
            return
        with urllib.request.urlopen(f"{base_url}{path}", timeout=REQUEST_TIMEOUT) as response:
            response.read()
            print(f"Fetched {path}: {response.status} {response.reason}")


async def fetch(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        await response.text()
        return f"{response.status} {response.reason}"


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    print("Blocking, one after another:")
    start = loop.time()
    # Cancelling the await leaves the thread running: the finally asks it to
    # stop before its next request.
    stop = threading.Event()
    try:
        await asyncio.to_thread(fetch_all_blocking, base_url, stop)
    finally:
        stop.set()
    print(f"Total time: {loop.time() - start:.1f}s")

    print()
    print("Async, concurrently:")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT, connect=5)) as session:
        start = loop.time()
        statuses = await asyncio.gather(*(fetch(session, f"{base_url}{path}") for path in PATHS))
    for path, status in zip(PATHS, statuses):
        print(f"Fetched {path}: {status}")
    print(f"Total time: {loop.time() - start:.1f}s")


asyncio.run(main())
