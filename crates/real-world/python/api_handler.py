"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Async API Server Pattern", as the guide wrote it, with these changes: the
cache holds the task computing a response, so req4, which arrives while
req3 computes, waits for it and hits the cache as the guide's comment says
it should (in the guide both miss); req1 arrives 1 ms before the others; and
the data argument, never used, is left out.
"""

import asyncio

class AsyncAPIHandler:
    """Simulate async API request handling"""
    
    def __init__(self):
        self.request_count = 0
        self.cache = {}  # endpoint -> the task computing its response
    
    async def handle_request(self, request_id: str, endpoint: str):
        """Handle API request asynchronously"""
        self.request_count += 1
        
        print(f"[{request_id}] Handling {endpoint} (Request #{self.request_count})")
        
        # Simulate different endpoint behaviors
        if endpoint == "/fast":
            await asyncio.sleep(0.1)
            return {"status": "success", "data": "Fast response"}
        
        elif endpoint == "/slow":
            await asyncio.sleep(2)
            return {"status": "success", "data": "Slow response"}
        
        elif endpoint == "/cached":
            if endpoint in self.cache:
                computing = not self.cache[endpoint].done()
                # shield: a caller cancelled while it waits takes neither the
                # work nor the other waiters down with it.
                result = await asyncio.shield(self.cache[endpoint])
                print(f"[{request_id}] Cache hit" + (" (waited for the request already computing it)" if computing else ""))
                return result
            
            self.cache[endpoint] = asyncio.create_task(self.compute_cached())
            return await asyncio.shield(self.cache[endpoint])
        
        elif endpoint == "/error":
            await asyncio.sleep(0.5)
            raise ValueError("Simulated API error")
        
        else:
            return {"status": "error", "message": "Endpoint not found"}

    async def compute_cached(self):
        await asyncio.sleep(1)
        return {"status": "success", "data": "Cached response"}

async def simulate_api_server():
    """Simulate concurrent API requests"""
    handler = AsyncAPIHandler()
    
    # Simulate multiple concurrent requests
    requests = [
        ("req1", "/fast"),
        ("req2", "/slow"),
        ("req3", "/cached"),
        ("req4", "/cached"),  # Should hit cache
        ("req5", "/error"),
        ("req6", "/fast"),
    ]
    
    async def process_request(request_id, endpoint):
        try:
            result = await handler.handle_request(request_id, endpoint)
            print(f"[{request_id}] Success: {result}")
            return request_id, "success", result
        except Exception as e:
            print(f"[{request_id}] Error: {e}")
            return request_id, "error", str(e)
    
    # Process all requests concurrently, req1 arriving 1 ms before the rest
    tasks = []
    for index, (req_id, endpoint) in enumerate(requests):
        if index == 1:
            await asyncio.sleep(0.001)
        tasks.append(asyncio.create_task(process_request(req_id, endpoint)))
    
    results = await asyncio.gather(*tasks, return_exceptions=True)
    
    # Summary
    success_count = sum(1 for _, status, _ in results if status == "success")
    print(f"\nProcessed {len(requests)} requests: {success_count} successful")

asyncio.run(simulate_api_server())
