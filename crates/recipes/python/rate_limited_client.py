"""An API client that sends at most five requests a second, however many
tasks share it, and retries: every attempt waits for a turn, a
Retry-After holds every caller's turn, four attempts and a deadline a call.

The asyncio twin of crates/recipes/src/rate_limited_client.rs.
"""

import asyncio
import sys
from http import HTTPStatus

import aiohttp

ATTEMPT_TIMEOUT = 2
CALL_DEADLINE = 6
ATTEMPTS = 4
FIRST_PAUSE = 0.5
LONGEST_RETRY_AFTER = 5
MAX_BODY = 1024 * 1024
NOT_NOW = (429, 503)


class ApiError(Exception):
    def __init__(self, message, transient=False, pause=None):
        super().__init__(message)
        self.transient = transient
        # What a Retry-After asked for, in seconds.
        self.pause = pause


def status_text(status):
    return f"{status} {HTTPStatus(status).phrase}"


class RateLimitedClient:
    def __init__(self, session, base_url, per_second):
        self.session = session
        self.base_url = base_url
        self.period = 1 / per_second
        self.loop = asyncio.get_running_loop()
        # The earliest the next request may go: the first may go at once.
        self.next_slot = self.loop.time()
        # No turn before this: the latest Retry-After, for every caller.
        self.paused_until = self.loop.time()
        # asyncio.Lock wakes its waiters in the order they came. Holding it
        # across the sleep is safe here, where every coroutine that has
        # started runs in a task the loop drives; the Rust client hands the
        # slots out from a task of its own instead.
        self.lock = asyncio.Lock()

    async def wait_for_slot(self):
        async with self.lock:
            # Looked at again after each sleep: a pause asked meanwhile
            # only ever moves the instant later.
            while (due := max(self.next_slot, self.paused_until)) > self.loop.time():
                await asyncio.sleep(due - self.loop.time())
            # From now, not from the slot: a request that comes late leaves
            # the one after it no slot to catch up on.
            self.next_slot = self.loop.time() + self.period

    async def get(self, path):
        async with asyncio.timeout(CALL_DEADLINE):
            deadline = self.loop.time() + CALL_DEADLINE
            pause = FIRST_PAUSE
            for attempts in range(1, ATTEMPTS + 1):
                await self.wait_for_slot()
                try:
                    return await self.attempt(path)
                except (aiohttp.ClientConnectionError, TimeoutError) as error:
                    last = error
                    wait = pause
                except ApiError as error:
                    if not error.transient:
                        raise
                    last, wait = error, pause
                    if error.pause is not None:
                        # The server says this client's budget is spent.
                        self.paused_until = max(self.paused_until, self.loop.time() + error.pause)
                        wait = max(pause, error.pause)
                if attempts == ATTEMPTS or self.loop.time() + wait >= deadline:
                    raise ApiError(f"{last}, after {attempts} attempts") from last
                await asyncio.sleep(wait)
                pause *= 2

    async def attempt(self, path):
        async with asyncio.timeout(ATTEMPT_TIMEOUT):
            async with self.session.get(f"{self.base_url}{path}") as response:
                if response.status >= 400:
                    asked = response.headers.get("Retry-After", "").strip()
                    transient = response.status in NOT_NOW
                    if transient and asked.isdigit():
                        if int(asked) > LONGEST_RETRY_AFTER:
                            transient = False
                        raise ApiError(
                            f"{status_text(response.status)}, asking for a pause of {asked}s",
                            transient,
                            int(asked),
                        )
                    raise ApiError(status_text(response.status), transient)
                body = bytearray()
                async for chunk in response.content.iter_any():
                    if len(body) + len(chunk) > MAX_BODY:
                        raise ApiError(f"the answer is longer than {MAX_BODY} bytes")
                    body += chunk
                return status_text(response.status), bytes(body)


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
        for path in ["/status/503", "/status/404"]:
            try:
                status, _ = await client.get(path)
                raise SystemExit(f"{path}: {status}")
            except ApiError as error:
                print(f"{path}: {error} [{loop.time() - start:.1f}s]")


asyncio.run(main())
