"""Testing your own HTTP client, in asyncio: aiohttp's own test server
(aiohttp.test_utils.TestServer) answers, fails, answers late and never
answers, and the tests check what an aiohttp client with a deadline,
retries and status handling makes of each. aioresponses, which patches the
client instead of serving, is the other common way. The tests run on the
real clock, as the Rust ones do, but for the last, which shows why on
looptime's (pip install looptime); main() runs the same client against the
httpbin named on the command line.

The asyncio twin of crates/testing/src/http_client.rs.
"""

import asyncio
import json
import sys
import threading
import time
import unittest

import aiohttp
import looptime
from aiohttp import web
from aiohttp.test_utils import TestServer

ATTEMPTS = 3
FIRST_PAUSE = 0.1
# The longest Retry-After waited for: a server that asks for longer gets its
# error back to the caller at once.
LONGEST_PAUSE = 10
# The longest body kept; a longer one is an error, not a bigger buffer.
MAX_BODY = 1024 * 1024
TOO_LONG = f"the body is longer than {MAX_BODY} bytes"


class FetchError(Exception):
    def __init__(self, message, status=None):
        super().__init__(message)
        # The answer's status, for a pause it asks for that is too long.
        self.status = status


async def attempt(session, url, deadline):
    """The body; or (True, error, the pause the answer asks for, or None) to
    try again; or (False, error, None)."""
    # A GET asks again safely: whatever failed on the way (a refused, reset
    # or closed connection, a missed deadline) may not next time. What
    # can't change is the caller's (a bad URL, a redirect loop): aiohttp's
    # own error, at once. The deadline covers the whole exchange, the body
    # too; asyncio's, as aiohttp's ClientTimeout rounds one of more than
    # 5 s up to a whole second of the loop's clock.
    try:
        async with asyncio.timeout(deadline), session.get(url) as response:
            status = f"{response.status} {response.reason}"
            if response.status >= 500 or response.status in (408, 429):
                error = FetchError(f"the server answered {status}, {ATTEMPTS} times", status)
                return True, error, retry_after(response)
            if not 200 <= response.status < 300:
                return False, FetchError(f"the server answered {status}"), None
            # Read up to MAX_BODY: text() holds the whole body, however long,
            # for as long as the server sends it. A body too long would be as
            # long next time.
            if response.content_length is not None and response.content_length > MAX_BODY:
                return False, FetchError(TOO_LONG), None
            body = bytearray()
            async for chunk in response.content.iter_any():
                if len(body) + len(chunk) > MAX_BODY:
                    return False, FetchError(TOO_LONG), None
                body += chunk
            return body.decode(errors="replace")
    # Before the connection's errors: aiohttp's timeouts on the way to a
    # server are ClientConnectionErrors too.
    except TimeoutError:
        return True, FetchError(f"no answer within {deadline:g}s, {ATTEMPTS} times"), None
    # ClientPayloadError: a body cut short, which is a connection's failure
    # too, one that came after the status.
    except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError):
        error = FetchError(f"the connection failed before the whole answer came, {ATTEMPTS} times")
        return True, error, None


def retry_after(response):
    """The pause an answer's Retry-After asks for, in its seconds form; its
    date form (rare, and a clock apart) is left to the doubling pause."""
    value = response.headers.get("Retry-After", "").strip()
    # isascii: isdigit alone takes "²", which int() refuses.
    return int(value) if value.isascii() and value.isdigit() else None


async def fetch(session, url, deadline):
    """GET url's body, each attempt within deadline, trying again on a
    missed deadline, a failed connection, a server error, a 408 or a 429
    after a pause that doubles, or the one the answer asks for. Another 4xx
    (the caller's mistake), a Retry-After past LONGEST_PAUSE or a body past
    MAX_BODY is raised at once."""
    pause = FIRST_PAUSE
    for tried in range(1, ATTEMPTS + 1):
        outcome = await attempt(session, url, deadline)
        if isinstance(outcome, str):
            return outcome
        again, error, asked = outcome
        if not again or tried == ATTEMPTS:
            raise error
        if asked is not None and asked > LONGEST_PAUSE:
            raise FetchError(f"the server answered {error.status}, and asks for a pause of {asked}s")
        await asyncio.sleep(max(pause, asked or 0))
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


# The pauses between ATTEMPTS tries, each twice the one before.
ALL_PAUSES = sum(FIRST_PAUSE * 2**n for n in range(ATTEMPTS - 1))


class FetchTests(unittest.IsolatedAsyncioTestCase):
    """Each test serves GET /price (with aiohttp's test server, but for the
    one whose server closes every connection), and counts the requests that
    came."""

    # Far longer than an answer on loopback takes on the busiest machine:
    # no test that expects one waits for this deadline.
    DEADLINE = 10

    async def serve(self, *answers):
        """A server that answers the n-th request with answers[n] (the last
        one for the rest): a status, or a dict of a status and any of a
        delay in seconds, headers and a body."""
        self.asked = 0

        async def price(request):
            answer = answers[min(self.asked, len(answers) - 1)]
            self.asked += 1
            answer = answer if isinstance(answer, dict) else {"status": answer}
            await asyncio.sleep(answer.get("delay", 0))
            return web.Response(
                status=answer["status"], headers=answer.get("headers"), body=answer.get("body", b"42")
            )

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
        """408 and 429 are client errors, but ones that say "not now" rather
        than "never"."""
        session, url = await self.serve(408, 429, 200)
        self.assertEqual(await fetch(session, url, self.DEADLINE), "42")
        self.assertEqual(self.asked, 3)

    async def test_a_server_that_keeps_failing_is_given_up_after_every_attempt(self):
        session, url = await self.serve(500)
        with self.assertRaisesRegex(FetchError, "500 Internal Server Error, 3 times$"):
            await fetch(session, url, self.DEADLINE)
        self.assertEqual(self.asked, ATTEMPTS)

    async def test_a_connection_closed_before_the_answer_is_tried_again(self):
        """A server that takes each connection and closes it unanswered, as a
        crashing or restarting one does: asked twice per attempt, where the
        Rust's is asked once. aiohttp asks again itself, once, when a GET's
        connection closes before the answer (RFC 9112 lets a client repeat a
        request that is safe to), and nothing public turns that off. The
        server reads the request before it closes: with the request unread,
        the close is a reset (ClientOSError), another failure. (Refused
        connections are sorted the same way: no server can count those.)"""
        accepted = 0

        async def hang_up(reader, writer):
            nonlocal accepted
            accepted += 1
            await reader.readuntil(b"\r\n\r\n")
            writer.close()

        async with await asyncio.start_server(hang_up, "127.0.0.1", 0) as server:
            url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/price"
            async with aiohttp.ClientSession() as session:
                with self.assertRaisesRegex(FetchError, "before the whole answer came, 3 times$"):
                    await fetch(session, url, self.DEADLINE)
        self.assertEqual(accepted, 2 * ATTEMPTS)

    async def test_retry_after_is_waited_for_up_to_the_longest_pause(self):
        """A 429 that asks for a pause gets it (the time, a lower bound that
        load can only raise, is at least the pause); one that asks for more
        than LONGEST_PAUSE comes back at once, asked once."""
        session, url = await self.serve(dict(status=429, headers={"Retry-After": "1"}), 200)
        started = time.monotonic()
        self.assertEqual(await fetch(session, url, self.DEADLINE), "42")
        self.assertGreaterEqual(time.monotonic() - started, 1)
        self.assertEqual(self.asked, 2)

        session, url = await self.serve(dict(status=429, headers={"Retry-After": "3600"}))
        with self.assertRaisesRegex(FetchError, "429 Too Many Requests, and asks for a pause of 3600s$"):
            # Bounded: a client that waited for the hour fails here.
            async with asyncio.timeout(LONGEST_PAUSE * 2):
                await fetch(session, url, self.DEADLINE)
        self.assertEqual(self.asked, 1)

    async def test_a_client_error_is_not_tried_again(self):
        session, url = await self.serve(404)
        with self.assertRaisesRegex(FetchError, "404 Not Found$"):
            await fetch(session, url, self.DEADLINE)
        self.assertEqual(self.asked, 1)

    async def test_a_body_too_long_is_an_error_asked_once(self):
        """A body past MAX_BODY is an error, not a body held whole, and it is
        not asked for again."""
        session, url = await self.serve(dict(status=200, body=b"x" * (MAX_BODY + 1)))
        with self.assertRaisesRegex(FetchError, f"^{TOO_LONG}$"):
            await fetch(session, url, self.DEADLINE)
        self.assertEqual(self.asked, 1)

    async def test_an_answer_too_late_or_never_is_given_up_at_each_deadline(self):
        """An answer far later than the deadline, every time, and one that
        never comes (an hour is never, here): each attempt gives up at its
        deadline, so the whole takes at least every deadline and pause (real
        time: a lower bound, never an exact figure), and the server is asked
        once per attempt at most. Not always once: on a busy machine a
        request can take longer to reach the server than the deadline, which
        is short so that the test is quick."""
        deadline = 0.5
        for delay in [deadline * 20, 3600]:
            session, url = await self.serve(dict(status=200, delay=delay))
            started = time.monotonic()
            with self.assertRaisesRegex(FetchError, f"no answer within {deadline}s, {ATTEMPTS} times$"):
                await fetch(session, url, deadline)
            self.assertLessEqual(self.asked, ATTEMPTS)
            self.assertGreaterEqual(time.monotonic() - started, deadline * ATTEMPTS + ALL_PAUSES)


class PausedClockTests(unittest.TestCase):
    def test_on_the_paused_clock_the_deadline_fires_before_the_answer(self):
        """Why the tests above run on the real clock: on looptime's loop,
        whose clock jumps to the next timer when nothing is ready, a socket
        it waits for included, an answer half a minute of real time away
        misses a deadline of a minute, three times over, and the clock moves
        exactly as far as the client's own timers: its deadlines and pauses.
        The server runs on a loop of its own, as wiremock's runs on a
        runtime of its own: on the test's loop, its delay would be a timer
        that the clock jumps to as well."""
        url = self.serve_elsewhere(delay=30)

        async def fetch_within_a_minute():
            async with aiohttp.ClientSession() as session:
                return await fetch(session, url, 60)

        loop = looptime.new_event_loop()
        self.addCleanup(loop.close)
        started = loop.time()
        with self.assertRaisesRegex(FetchError, "no answer within"):
            loop.run_until_complete(fetch_within_a_minute())
        self.assertEqual(loop.time() - started, 60 * ATTEMPTS + ALL_PAUSES)

    def serve_elsewhere(self, delay):
        """The URL of a GET /price answered after delay seconds of the real
        clock, by a server on a thread and an event loop of its own."""

        async def late(request):
            await asyncio.sleep(delay)
            return web.Response(text="42")

        app = web.Application()
        app.router.add_get("/price", late)
        server = TestServer(app)
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever)
        thread.start()

        def stop():
            asyncio.run_coroutine_threadsafe(server.close(), loop).result()
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()

        self.addCleanup(stop)
        asyncio.run_coroutine_threadsafe(server.start_server(), loop).result()
        return str(server.make_url("/price"))

asyncio.run(main())
outcome = unittest.main(argv=[sys.argv[0]], exit=False, verbosity=0).result
sys.exit(0 if outcome.wasSuccessful() else 1)
