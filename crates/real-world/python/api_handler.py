"""The guide's simulated API handler: six concurrent requests to fast, slow,
cached and failing endpoints, where the second request for the cached
endpoint waits for the first one's result instead of computing it again.

The asyncio twin of crates/real-world/src/api_handler.rs.
"""

import asyncio

ARRIVAL_GAP = 0.001


class ApiError(Exception):
    def __str__(self):
        return "Simulated API error"


def response(status, data):
    # Printed in the Rust's own form: {status: "success", data: "..."}.
    return f'{{status: "{status}", data: "{data}"}}'


class AsyncApiHandler:
    def __init__(self):
        self.request_count = 0
        self.cache = {}  # endpoint -> task computing its response

    async def handle_request(self, request_id, endpoint):
        self.request_count += 1
        print(f"[{request_id}] Handling {endpoint} (Request #{self.request_count})")
        if endpoint == "/fast":
            await asyncio.sleep(0.1)
            return response("success", "Fast response")
        if endpoint == "/slow":
            await asyncio.sleep(2)
            return response("success", "Slow response")
        if endpoint == "/cached":
            return await self.cached(request_id, endpoint)
        if endpoint == "/error":
            await asyncio.sleep(0.5)
            raise ApiError()
        return response("error", "Endpoint not found")

    async def cached(self, request_id, endpoint):
        entry = self.cache.get(endpoint)
        if entry is not None and entry.done():
            print(f"[{request_id}] Cache hit")
            return entry.result()
        if entry is not None:
            result = await asyncio.shield(entry)
            print(f"[{request_id}] Cache hit (waited for the request already computing it)")
            return result
        # The work is a task of its own, and every caller awaits it through
        # shield, so a caller that is cancelled takes neither the work nor
        # the other waiters down with it.
        entry = self.cache[endpoint] = asyncio.create_task(self.compute_cached())
        return await asyncio.shield(entry)

    async def compute_cached(self):
        await asyncio.sleep(1)
        return response("success", "Cached response")


async def process_request(handler, request_id, endpoint):
    try:
        result = await handler.handle_request(request_id, endpoint)
    except ApiError as error:
        print(f"[{request_id}] Error: {error}")
        return False
    print(f"[{request_id}] Success: {result}")
    return True


async def main():
    handler = AsyncApiHandler()
    requests = [
        ("req1", "/fast"),
        ("req2", "/slow"),
        ("req3", "/cached"),
        ("req4", "/cached"),
        ("req5", "/error"),
        ("req6", "/fast"),
    ]
    tasks = []
    for request_id, endpoint in requests:
        tasks.append(asyncio.create_task(process_request(handler, request_id, endpoint)))
        await asyncio.sleep(ARRIVAL_GAP)
    outcomes = await asyncio.gather(*tasks)
    print()
    print(f"Processed {len(outcomes)} requests: {sum(outcomes)} successful")


asyncio.run(main())
