"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"FastAPI Integration": the guide's `SimpleAsyncServer`, as it wrote it,
with these changes: a middleware runs around the handler (the guide's runs
before it, on the data) and times it; a handler's failure is a 500 with its
message; a `/stats` route that fails is added; and each request prints its
method, path, status and body as the Rust's real HTTP server answers it.
"""

import asyncio
import json

REASONS = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}

class SimpleAsyncServer:
    """Simple async HTTP-like server simulation"""
    
    def __init__(self):
        self.routes = {}
        self.middleware = []
    
    def route(self, path):
        def decorator(func):
            self.routes[path] = func
            return func
        return decorator
    
    async def handle_request(self, path, data=None):
        """Simulate handling HTTP request"""
        if path not in self.routes:
            return {"error": "Route not found", "status": 404}
        
        handler = self.routes[path]
        
        # Apply middleware, each around the next
        for middleware in reversed(self.middleware):
            handler = (lambda middleware, inner: lambda data: middleware(inner, data))(middleware, handler)
        
        return await handler(data)

# Usage example
server = SimpleAsyncServer()

async def process_time(handler, data):
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        response = {"result": await handler(data), "status": 200}
    except Exception as e:
        response = {"error": str(e), "status": 500}
    response["x-process-time"] = f"{loop.time() - start:.1f}s"
    return response

server.middleware.append(process_time)

@server.route("/users")
async def get_users(data):
    await asyncio.sleep(0.1)  # Simulate database query
    return [{"id": 1, "name": "Alice"}, {"id": 2, "name": "Bob"}]

@server.route("/process")
async def process_data(data):
    await asyncio.sleep(0.5)  # Simulate processing
    return {"processed": True, "input": data}

@server.route("/stats")
async def get_stats(data):
    await asyncio.sleep(0.1)  # a query that fails
    raise RuntimeError("Simulated database error")

def show(label, response):
    status = response["status"]
    body = response["result"] if status == 200 else {"error": response["error"]}
    took = f" (x-process-time: {response['x-process-time']})" if "x-process-time" in response else ""
    return f"{label} -> {status} {REASONS[status]} {json.dumps(body, separators=(',', ':'))}{took}"

async def test_server():
    # Simulate concurrent requests
    requests = [
        server.handle_request("/users"),
        server.handle_request("/process", {"data": "test"}),
        server.handle_request("/nonexistent"),
        server.handle_request("/stats"),
    ]
    
    responses = await asyncio.gather(*requests)
    labels = ["GET /users", "POST /process", "GET /nonexistent", "GET /stats"]
    for label, response in zip(labels, responses):
        print(show(label, response))

asyncio.run(test_server())
