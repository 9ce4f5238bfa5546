"""Every way a request can fail (connection refused, timeout, an error
status, a body that is not the JSON expected) as a case of its own, each
reported, none stopping the others.

The asyncio twin of crates/real-world/src/http_errors.rs.
"""
# differs from the golden file: the JSON and connection errors are worded by Python's json module and aiohttp, not by serde_json and the chain of errors under reqwest's

import asyncio
import json
import socket
import sys

import aiohttp

TIMEOUT = 2


async def fetch_document(session, url):
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as response:
            if response.status >= 400:
                return f"server answered {response.status} {response.reason}"
            body = await response.text()
    except aiohttp.ClientConnectorError as error:
        return f"cannot connect: {error.os_error}"
    except TimeoutError:
        return f"no answer within {TIMEOUT}s"
    try:
        slideshow = json.loads(body)["slideshow"]
    except (ValueError, KeyError) as error:
        return f"not the JSON expected: {error!r}"
    return f"ok, {slideshow['title']!r} with {len(slideshow['slides'])} slides"


async def main():
    base_url = sys.argv[1]
    # A port that refuses connections: bound, so that nothing else can take
    # it while the requests run, and never listening.
    with socket.socket() as refusing:
        refusing.bind(("127.0.0.1", 0))
        closed = refusing.getsockname()
        targets = [
            ("/json", f"{base_url}/json"),
            ("/status/404", f"{base_url}/status/404"),
            ("/status/500", f"{base_url}/status/500"),
            ("/html", f"{base_url}/html"),
            ("/ip", f"{base_url}/ip"),
            ("/delay/3", f"{base_url}/delay/3"),
            ("a closed port", f"http://{closed[0]}:{closed[1]}/json"),
        ]
        loop = asyncio.get_running_loop()
        start = loop.time()
        async with aiohttp.ClientSession() as session:
            results = await asyncio.gather(*(fetch_document(session, url) for _, url in targets))
    for (name, _), result in zip(targets, results):
        print(f"{name}: {result}")
    print(f"All {len(results)} finished in {loop.time() - start:.1f}s")


asyncio.run(main())
