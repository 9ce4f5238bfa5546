"""Many HTTP requests at once, at most four in flight, each attempt with a
deadline of its own, and a failed attempt tried again after a pause.

The asyncio twin of crates/recipes/src/concurrent_requests.rs.
"""

import asyncio
import sys
from http import HTTPStatus

import aiohttp

CONCURRENCY = 4
ATTEMPT_TIMEOUT = 1.5
BACKOFF = [0.5, 1.0]
MAX_BODY = 1024 * 1024


class FetchError(Exception):
    def __init__(self, message, transient):
        super().__init__(message)
        self.transient = transient


class GaveUp(Exception):
    """Raised from the last attempt's error, which stays its cause."""

    def __init__(self, attempts):
        word = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"gave up after {attempts} {word}")


async def attempt(session, url):
    try:
        async with asyncio.timeout(ATTEMPT_TIMEOUT):
            async with session.get(url) as response:
                if response.status >= 400:
                    transient = response.status >= 500 or response.status == 429
                    raise FetchError(f"{response.status} {HTTPStatus(response.status).phrase}", transient)
                body = bytearray()
                async for chunk in response.content.iter_any():
                    if len(body) + len(chunk) > MAX_BODY:
                        raise FetchError(f"the body is longer than {MAX_BODY} bytes", False)
                    body += chunk
                return f"{response.status} {HTTPStatus(response.status).phrase}", bytes(body)
    except TimeoutError:
        raise FetchError(f"no answer within {ATTEMPT_TIMEOUT}s", True) from None
    except aiohttp.ClientError as error:
        raise FetchError(str(error), True) from error


async def get_with_retry(session, url):
    attempts = 0
    pauses = iter(BACKOFF)
    while True:
        attempts += 1
        try:
            return await attempt(session, url)
        except FetchError as error:
            pause = next(pauses, None)
            if pause is None or not error.transient:
                raise GaveUp(attempts) from error
            await asyncio.sleep(pause)


PATHS = [
    ("/get", True),
    ("/delay/1", True),
    ("/status/503", False),
    ("/delay/3", False),
    ("/status/404", False),
    ("/delay/1", True),
    ("/get", True),
    ("/delay/1", True),
]


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    start = loop.time()
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one(path):
        async with semaphore:
            try:
                result = await get_with_retry(session, f"{base_url}{path}")
            except GaveUp as gave_up:
                result = gave_up
            return result, loop.time() - start

    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(*(one(path) for path, _ in PATHS))

    unexpected = 0
    for (path, expected_ok), (result, done_at) in zip(PATHS, results):
        if isinstance(result, GaveUp):
            print(f"{path}: {result}: {result.__cause__} (at {done_at:.1f}s)")
            unexpected += expected_ok
        else:
            status, body = result
            print(f"{path}: {status} (at {done_at:.1f}s)")
            unexpected += not expected_ok or not body
    print(f"{len(PATHS)} requests in {loop.time() - start:.1f}s, at most {CONCURRENCY} at a time")
    if unexpected:
        raise SystemExit(f"{unexpected} requests to {base_url} did not end as httpbin's would")


asyncio.run(main())
