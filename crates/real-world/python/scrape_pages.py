"""A scraper that fetches five pages concurrently with one aiohttp session:
five two-second pages take two seconds, not ten.

The asyncio twin of crates/real-world/src/scrape_pages.rs.
"""

import asyncio
import sys

import aiohttp

PAGES = 5


async def fetch_page(session, base_url, number):
    path = f"/delay/2?page={number}"
    print(f"Session {number}: Fetching {path}")
    async with session.get(f"{base_url}{path}") as response:
        response.raise_for_status()
        echo = await response.json()
    assert echo["args"].get("page") == str(number), f"{path} answered for another page"
    return number, path


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10, connect=5)) as session:
        start = loop.time()
        tasks = [asyncio.create_task(fetch_page(session, base_url, n)) for n in range(1, PAGES + 1)]
        fetched = 0
        for task in tasks:  # in order, as the Rust's buffered stream yields them
            number, path = await task
            print(f"Session {number}: Completed {path}")
            fetched += 1
    print()
    print(f"Fetched {fetched} pages in {loop.time() - start:.1f} seconds")


asyncio.run(main())
