"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Synchronous vs Asynchronous", as the guide wrote it, against the local
httpbin (its address is the first argument), with these changes:
`requests` becomes the standard library's `urllib`, each request has a
timeout, a page prints its status rather than its length (`/delay` echoes
the request, port included), times print to a tenth, and `main_sync`, which
the guide never calls, runs first.
"""

# Synchronous - blocking
import sys
import time
import urllib.request

BASE_URL = sys.argv[1]
PATHS = ['/delay/1', '/delay/2']

def fetch_sync(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return f"{response.status} {response.reason}"

def main_sync():
    print("Blocking, one after another:")
    start = time.monotonic()
    
    for path in PATHS:
        result = fetch_sync(BASE_URL + path)  # Blocks until complete
        print(f"Fetched {path}: {result}")
    
    print(f"Total time: {time.monotonic() - start:.1f}s")  # ~3 seconds

# Asynchronous - non-blocking
import asyncio
import aiohttp

async def fetch_async(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        await response.text()
        return f"{response.status} {response.reason}"

async def main_async():
    print()
    print("Async, concurrently:")
    timeout = aiohttp.ClientTimeout(total=10, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        start = time.monotonic()
        tasks = [fetch_async(session, BASE_URL + path) for path in PATHS]
        results = await asyncio.gather(*tasks)  # Runs concurrently
        
        for path, result in zip(PATHS, results):
            print(f"Fetched {path}: {result}")
    
    print(f"Total time: {time.monotonic() - start:.1f}s")  # ~2 seconds

main_sync()
# Run async function
asyncio.run(main_async())
