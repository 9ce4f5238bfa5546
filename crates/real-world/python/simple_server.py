"""A small aiohttp.web app: routes, a middleware that times every matched
handler, a JSON 404 for an unknown route, and a 500 from a failing handler;
requested by an aiohttp client on the same event loop.

The asyncio twin of crates/real-world/src/simple_server.rs.
"""

import asyncio
import json

import aiohttp
from aiohttp import web


def compact(value):
    return json.dumps(value, separators=(",", ":"))


def json_response(value, status=200):
    return web.Response(text=compact(value), status=status, content_type="application/json")


async def get_users(request):
    await asyncio.sleep(0.1)  # a database query, simulated
    return json_response([{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}])


async def process_data(request):
    payload = await request.json()
    await asyncio.sleep(0.5)  # processing, simulated
    return json_response({"processed": True, "input": payload})


class ApiError(Exception):
    """A handler's failure, which the middleware answers with a JSON 500."""


async def get_stats(request):
    await asyncio.sleep(0.1)  # a query that fails
    raise ApiError("Simulated database error")


@web.middleware
async def process_time(request, handler):
    if request.match_info.http_exception is not None:  # no route: not timed
        return json_response({"error": "Route not found"}, status=404)
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        response = await handler(request)
    except ApiError as error:
        response = json_response({"error": str(error)}, status=500)
    response.headers["x-process-time"] = f"{loop.time() - start:.1f}"
    return response


async def handle_request(session, label, method, url, **kwargs):
    async with session.request(method, url, **kwargs) as response:
        took = response.headers.get("x-process-time")
        took = f" (x-process-time: {took}s)" if took else ""
        return f"{label} -> {response.status} {response.reason} {await response.text()}{took}"


async def main():
    app = web.Application(middlewares=[process_time])
    app.add_routes([web.get("/users", get_users), web.post("/process", process_data), web.get("/stats", get_stats)])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base_url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        lines = await asyncio.gather(
            handle_request(session, "GET /users", "GET", f"{base_url}/users"),
            handle_request(session, "POST /process", "POST", f"{base_url}/process", json={"data": "test"}),
            handle_request(session, "GET /nonexistent", "GET", f"{base_url}/nonexistent"),
            handle_request(session, "GET /stats", "GET", f"{base_url}/stats"),
        )
    for line in lines:
        print(line)
    await runner.cleanup()


asyncio.run(main())
