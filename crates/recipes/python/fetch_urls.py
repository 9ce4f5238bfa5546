"""Fetch many URLs, each within a time limit, at most three at a time.

The asyncio twin of crates/recipes/src/fetch_urls.rs: a Semaphore(3) around
each request, the session's timeout, and the results as they finish. Its
error lines are written to read as reqwest's do.
"""

import asyncio
import sys
from http import HTTPStatus

import aiohttp

TIMEOUT = 5
AT_MOST = 3
MAX_BODY = 1024 * 1024


async def fetch(session, semaphore, url):
    async with semaphore:
        try:
            async with session.get(url) as response:
                if response.status >= 400:
                    kind = "client" if response.status < 500 else "server"
                    phrase = HTTPStatus(response.status).phrase
                    return url, f"HTTP status {kind} error ({response.status} {phrase})"
                body = bytearray()
                async for chunk in response.content.iter_any():
                    if len(body) + len(chunk) > MAX_BODY:
                        return url, f"longer than {MAX_BODY} bytes"
                    body += chunk
                return url, bytes(body)
        except TimeoutError:
            return url, "error sending request: operation timed out"
        except aiohttp.ClientError as error:
            return url, str(error)


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    start = loop.time()
    # httpbin's `/drip?delay=n` answers after n seconds.
    paths = [
        "/json",
        "/drip?delay=1&duration=0",
        "/drip?delay=10&duration=0",  # longer than TIMEOUT
        "/status/404",
        "/drip?delay=2&duration=0",
        "/html",
    ]
    semaphore = asyncio.Semaphore(AT_MOST)
    timeout = aiohttp.ClientTimeout(total=TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        # Tasks made in order, so that they queue for the semaphore in order.
        fetches = [asyncio.create_task(fetch(session, semaphore, f"{base_url}{path}")) for path in paths]
        failed = 0
        for done in asyncio.as_completed(fetches):
            url, body = await done
            path = url.removeprefix(base_url)
            if isinstance(body, bytes):
                print(f"{path}: {len(body)} bytes")
            else:
                print(f"{path}: {body}")
                failed += 1
    print(f"{len(paths)} URLs in {loop.time() - start:.1f}s, at most {AT_MOST} at a time")
    if failed != 2:
        raise SystemExit(f"{failed} requests to {base_url} failed, where httpbin's fail 2")


asyncio.run(main())
