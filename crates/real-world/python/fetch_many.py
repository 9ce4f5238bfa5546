"""Three guides' fetches, as they wrote them, against the local httpbin (its
address is the first argument) instead of the internet, through one session
with a timeout: *Asynchronous Programming in Python*, "HTTP Requests
(aiohttp)", gathers three pages' text; *Async/Await in Python*, "HTTP
Requests with AsyncIO", reports each URL's outcome in its place, with two
URLs added that fail, and `raise_for_status()` so that a 404 fails whatever
its body (in the guide, only a body that is not JSON fails); the URLs print
as paths, since the address changes from run to run.
"""
# differs from the golden file: the two failures are worded by aiohttp and the json module, not by reqwest and serde_json

import asyncio
import sys

import aiohttp

BASE_URL = sys.argv[1]

async def fetch_page(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.text()

async def fetch_url(session, url):
    try:
        async with session.get(url) as response:
            response.raise_for_status()
            data = await response.json(content_type=None)
            return {"url": url, "status": response.status, "success": True}
    except Exception as e:
        return {"url": url, "error": str(e), "success": False}

async def fetch_multiple_urls(session):
    urls = [
        BASE_URL + "/anything/posts/1",
        BASE_URL + "/anything/posts/2",
        BASE_URL + "/anything/posts/3",
        BASE_URL + "/status/404",
        BASE_URL + "/html",
    ]
    
    tasks = [fetch_url(session, url) for url in urls]
    results = await asyncio.gather(*tasks)
    
    for result in results:
        path = result['url'].removeprefix(BASE_URL)
        if result["success"]:
            print(f"✓ {path}: {result['status']}")
        else:
            print(f"✗ {path}: {result['error']}")
    if not any(result["success"] for result in results):
        raise SystemExit(f"none of the {len(urls)} URLs could be fetched from {BASE_URL}")

async def main():
    timeout = aiohttp.ClientTimeout(total=10, connect=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        urls = [BASE_URL + "/anything/example.com", BASE_URL + "/anything/example.org", BASE_URL + "/anything/example.net"]
        pages = await asyncio.gather(*[fetch_page(session, url) for url in urls])
        print(f"Fetched {len(pages)} pages")
        print()
        await fetch_multiple_urls(session)

asyncio.run(main())
