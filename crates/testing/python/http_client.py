"""Testing your own HTTP client, in asyncio: aiohttp's own test server
(aiohttp.test_utils.TestServer) answers, fails, answers late and never
answers, and the tests check what an aiohttp client with a deadline,
retries and status handling makes of each. aioresponses, which patches the
client instead of serving, is the other common way. The tests run on the
real clock, as the Rust ones do; main() runs the same client against the
httpbin named on the command line.

The asyncio twin of crates/testing/src/http_client.rs.
"""

import asyncio
import json
import sys
import time
import unittest

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

ATTEMPTS = 3
FIRST_PAUSE = 0.1


class FetchError(Exception):
    pass


async def attempt(session, url, deadline):
    """The body; or (True, error) to try again; or (False, error)."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=deadline)) as response:
            status = f"{response.status} {response.reason}"
            if response.status >= 500 or response.status in (408, 429):
                return True, FetchError(f"the server answered {status}, {ATTEMPTS} times")
            if response.status >= 400:
                return False, FetchError(f"the server answered {status}")
            return await response.text()
    except TimeoutError:
        return True, FetchError(f"no answer within {deadline:g}s, {ATTEMPTS} times")


async def fetch(session, url, deadline):
    """GET url's body, each attempt within deadline, trying again on a
    missed deadline, a server error, a 408 or a 429 after a pause that
    doubles."""
    pause = FIRST_PAUSE
    for tried in range(1, ATTEMPTS + 1):
        outcome = await attempt(session, url, deadline)
        if isinstance(outcome, str):
            return outcome
        again, error = outcome
        if not again or tried == ATTEMPTS:
            raise error
        await asyncio.sleep(pause)
        pause *= 2


DEADLINE = 1


async def main():
    base_url = sys.argv[1]
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession() as session:
        started = loop.time()
        document = json.loads(await fetch(session, f"{base_url}/json", DEADLINE))
        title = json.dumps(document["slideshow"]["title"])
        print(f"/json: the slideshow {title} [{loop.time() - started:.1f}s]")
        for path in ["/status/503", "/status/404", "/delay/3"]:
            started = loop.time()
            try:
                outcome = f"{len(await fetch(session, f'{base_url}{path}', DEADLINE))} bytes"
            except FetchError as error:
                outcome = str(error)
            print(f"{path}: {outcome} [{loop.time() - started:.1f}s]")


class FetchTests(unittest.IsolatedAsyncioTestCase):
    """Each test serves GET /price with aiohttp's test server, and counts
    the requests that came."""

    # Far longer than an answer on loopback takes on the busiest machine:
    # no test that expects one waits for this deadline.
    DEADLINE = 10

    async def serve(self, *answers):
        """A server that answers the n-th request with answers[n] (the last
        one for the rest): a status, or (status, delay in seconds)."""
        self.asked = 0

        async def price(request):
            answer = answers[min(self.asked, len(answers) - 1)]
            self.asked += 1
            status, delay = answer if isinstance(answer, tuple) else (answer, 0)
            await asyncio.sleep(delay)
            return web.Response(status=status, text="42")

        app = web.Application()
        app.router.add_get("/price", price)
        server = TestServer(app)
        await server.start_server()
        self.addAsyncCleanup(server.close)
        session = aiohttp.ClientSession()
        self.addAsyncCleanup(session.close)
        return session, str(server.make_url("/price"))

    async def test_an_answer_is_returned_after_one_request(self):
        session, url = await self.serve(200)
        self.assertEqual(await fetch(session, url, self.DEADLINE), "42")
        self.assertEqual(self.asked, 1)

    async def test_a_server_error_is_tried_again_until_it_answers(self):
        session, url = await self.serve(503, 503, 200)
        self.assertEqual(await fetch(session, url, self.DEADLINE), "42")
        self.assertEqual(self.asked, 3)

    async def test_a_request_timeout_or_too_many_requests_is_tried_again(self):
        session, url = await self.serve(408, 429, 200)
        self.assertEqual(await fetch(session, url, self.DEADLINE), "42")
        self.assertEqual(self.asked, 3)

    async def test_a_server_that_keeps_failing_is_given_up_after_every_attempt(self):
        session, url = await self.serve(500)
        with self.assertRaisesRegex(FetchError, "500 Internal Server Error, 3 times"):
            await fetch(session, url, self.DEADLINE)
        self.assertEqual(self.asked, ATTEMPTS)

    async def test_a_client_error_is_not_tried_again(self):
        session, url = await self.serve(404)
        with self.assertRaisesRegex(FetchError, "404 Not Found$"):
            await fetch(session, url, self.DEADLINE)
        self.assertEqual(self.asked, 1)

    async def test_an_answer_too_late_or_never_is_given_up_at_each_deadline(self):
        deadline = 0.5
        for delay in [deadline * 20, 3600]:
            session, url = await self.serve((200, delay))
            started = time.monotonic()
            with self.assertRaisesRegex(FetchError, "no answer within"):
                await fetch(session, url, deadline)
            self.assertEqual(self.asked, ATTEMPTS)
            self.assertGreaterEqual(time.monotonic() - started, deadline * ATTEMPTS + 0.3)


asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
