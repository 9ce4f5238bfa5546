"""Fetch many URLs concurrently through one shared aiohttp session: first
pages as text, all or nothing, then JSON with each failure reported on its
own.

The asyncio twin of crates/real-world/src/fetch_many.rs.
"""
# differs from the golden file: the two failures are worded by aiohttp and the json module, not by reqwest and serde_json

import asyncio
import sys

import aiohttp


async def fetch_url(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.text()


async def fetch_json(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        await response.json(content_type=None)
        return f"{response.status} {response.reason}"


async def main():
    base_url = sys.argv[1]
    # A ClientTimeout built with only `connect` has no total: set both, as
    # the Rust sets connect_timeout and timeout.
    timeout = aiohttp.ClientTimeout(total=10, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        pages = ["/anything/example.com", "/anything/example.org", "/anything/example.net"]
        texts = await asyncio.gather(*(fetch_url(session, f"{base_url}{path}") for path in pages))
        print(f"Fetched {len(texts)} pages")
        print()
        paths = ["/anything/posts/1", "/anything/posts/2", "/anything/posts/3", "/status/404", "/html"]
        results = await asyncio.gather(
            *(fetch_json(session, f"{base_url}{path}") for path in paths), return_exceptions=True
        )
    for path, result in zip(paths, results):
        if isinstance(result, BaseException):
            print(f"✗ {path}: {result}")
        else:
            print(f"✓ {path}: {result}")
    if all(isinstance(result, BaseException) for result in results):
        raise SystemExit(f"none of the {len(paths)} URLs could be fetched from {base_url}")


asyncio.run(main())
