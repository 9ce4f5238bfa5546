"""An API client that sends at most five requests a second, however many
tasks share it, each request with a time limit and a size limit on the
answer.

The asyncio twin of crates/recipes/src/rate_limited_client.rs.
"""

import asyncio
import sys
from http import HTTPStatus

import aiohttp

REQUEST_TIMEOUT = 2
MAX_BODY = 1024 * 1024


class ApiError(Exception):
    pass


class RateLimitedClient:
    def __init__(self, session, base_url, per_second):
        self.session = session
        self.base_url = base_url
        self.period = 1 / per_second
        self.loop = asyncio.get_running_loop()
        # The earliest the next request may go: the first may go at once.
        self.next_slot = self.loop.time()
        # asyncio.Lock wakes its waiters in the order they came. Holding it
        # across the sleep is safe here, where every coroutine that has
        # started runs in a task the loop drives; the Rust client hands the
        # slots out from a task of its own instead.
        self.lock = asyncio.Lock()

    async def wait_for_slot(self):
        async with self.lock:
            await asyncio.sleep(max(0, self.next_slot - self.loop.time()))
            # From now, not from the slot: a request that comes late leaves
            # the one after it no slot to catch up on.
            self.next_slot = self.loop.time() + self.period

    async def get(self, path):
        await self.wait_for_slot()
        async with asyncio.timeout(REQUEST_TIMEOUT):
            async with self.session.get(f"{self.base_url}{path}") as response:
                if response.status >= 400:
                    raise ApiError(f"{response.status} {HTTPStatus(response.status).phrase}")
                body = bytearray()
                async for chunk in response.content.iter_any():
                    if len(body) + len(chunk) > MAX_BODY:
                        raise ApiError(f"the answer is longer than {MAX_BODY} bytes")
                    body += chunk
                return f"{response.status} {HTTPStatus(response.status).phrase}", bytes(body)


async def get_pages(client, pages, start):
    loop = asyncio.get_running_loop()

    async def call(page):
        result = await client.get(f"/get?page={page}")
        return page, result, loop.time() - start

    answered_at = []
    for page, (status, body), at in await asyncio.gather(*(call(page) for page in pages)):
        if not body:
            raise SystemExit(f"page {page}: {status} with an empty body")
        print(f"page {page}: {status}")
        answered_at.append(at)
    return " ".join(f"{at:.1f}s" for at in sorted(answered_at))


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with aiohttp.ClientSession() as session:
        client = RateLimitedClient(session, base_url, 5)
        print(f"answered at {await get_pages(client, range(1, 9), start)}")
        await asyncio.sleep(2)
        print(f"after a quiet spell, answered at {await get_pages(client, range(9, 12), start)}")


asyncio.run(main())
