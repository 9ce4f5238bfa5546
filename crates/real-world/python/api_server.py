"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"FastAPI Integration": the guide's FastAPI app, with its names, served by
aiohttp.web (FastAPI is not in the standard library): POST /process starts
background work, GET /result/{data_id} polls it, GET /health answers. The
changes: an unknown id is a 404 (the guide answers "processing" for ever),
a second job with one id a 409, a body over MAX_BODY a 413, an id over
MAX_ID a 400, past MAX_JOBS the oldest result goes (a 503 while every job
runs), and shutting down stops taking requests, then waits for the
background work.
"""

import asyncio
import collections
import json

import aiohttp
from aiohttp import web

PROCESSING_TIME = 2
POLL_EVERY = 1.5
MAX_POLLS = 10
MAX_JOBS = 1000
MAX_BODY = 16 * 1024
MAX_ID = 64


def json_response(value, status=200):
    return web.Response(text=json.dumps(value, separators=(",", ":")), status=status, content_type="application/json")


class AsyncDataProcessor:
    def __init__(self):
        self.results = {}  # data_id -> None while processing, then the result
        self.finished = collections.deque()  # data_ids, oldest result first
        self.background = set()  # the guide's BackgroundTasks: kept, and awaited at shutdown
    
    async def process_data(self, data_id: str, data: dict):
        # Simulate processing
        await asyncio.sleep(PROCESSING_TIME)
        result = {"processed": True, "data_id": data_id, "result": data}
        self.results[data_id] = result
        self.finished.append(data_id)
        return result

processor = AsyncDataProcessor()

async def start_processing(request):
    data_id = request.query["data_id"]
    if len(data_id.encode()) > MAX_ID:
        return json_response({"error": f"a job id is at most {MAX_ID} bytes"}, status=400)
    data = await request.json()
    if data_id in processor.results:
        return json_response({"error": f"job {data_id} already exists"}, status=409)
    if len(processor.results) >= MAX_JOBS:
        if not processor.finished:
            return json_response({"error": f"the server is running {MAX_JOBS} jobs already"}, status=503)
        del processor.results[processor.finished.popleft()]
    processor.results[data_id] = None
    # Start background processing
    task = asyncio.create_task(processor.process_data(data_id, data))
    processor.background.add(task)
    task.add_done_callback(processor.background.discard)
    return json_response({"message": "Processing started", "data_id": data_id}, status=202)

async def get_result(request):
    data_id = request.match_info["data_id"]
    if data_id not in processor.results:
        return json_response({"error": f"no job with id {data_id}"}, status=404)
    result = processor.results[data_id]
    if result:
        return json_response(result)
    return json_response({"status": "processing"})

async def health_check(request):
    # Async health check
    await asyncio.sleep(0.1)
    return json_response({"status": "healthy"})


async def show(session, label, method, url, **kwargs):
    async with session.request(method, url, **kwargs) as response:
        body = await response.text()
        print(f"{label} -> {response.status} {response.reason} {body}")
        return json.loads(body)


async def main():
    loop = asyncio.get_running_loop()
    app = web.Application(client_max_size=MAX_BODY)
    app.add_routes(
        [
            web.post("/process", start_processing),
            web.get("/result/{data_id}", get_result),
            web.get("/health", health_check),
        ]
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        await show(session, "GET /health", "GET", f"{base_url}/health")
        await show(session, "POST /process?data_id=job-1", "POST", f"{base_url}/process?data_id=job-1", json={"value": 42})
        posted = loop.time()
        for poll in range(1, MAX_POLLS + 1):
            # On a fixed schedule, so a slow request doesn't push later polls back.
            await asyncio.sleep(max(posted + (poll - 1) * POLL_EVERY - loop.time(), 0))
            label = f"[{loop.time() - posted:.1f}s] GET /result/job-1"
            answer = await show(session, label, "GET", f"{base_url}/result/job-1")
            if answer.get("status") != "processing":
                break
        await show(session, "GET /result/job-9", "GET", f"{base_url}/result/job-9")
        await show(session, "POST /process?data_id=job-1", "POST", f"{base_url}/process?data_id=job-1", json={"value": 43})
        await show(session, "POST /process?data_id=job-2", "POST", f"{base_url}/process?data_id=job-2", json={"value": 7})

    print()
    print(f"Shutting down; background jobs running: {len(processor.background)}")
    stopping = loop.time()
    await site.stop()
    print("Server stopped accepting requests")
    await asyncio.gather(*processor.background)
    assert processor.results["job-2"] is not None, "graceful shutdown lost job-2"
    print(f"Background jobs finished after {loop.time() - stopping:.1f}s; job-2 has its result")
    await runner.cleanup()


asyncio.run(main())
