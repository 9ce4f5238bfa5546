"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Custom Event Loop Integration", as the guide wrote it, with these changes:
`start` makes the loop before the thread starts, instead of busy-waiting for
the thread to make it (and spinning for ever if that fails); `stop` closes
the loop; the task sleeps 0.1 s; and the usage the guide comments out runs,
with one more coroutine.
"""

import asyncio
import threading

class CustomEventLoop:
    def __init__(self):
        self.loop = None
        self.thread = None
    
    def start(self):
        # The loop exists before the thread starts: nothing to wait for.
        self.loop = asyncio.new_event_loop()
        
        def run_loop():
            asyncio.set_event_loop(self.loop)
            self.loop.run_forever()
        
        self.thread = threading.Thread(target=run_loop)
        self.thread.start()
    
    def stop(self):
        if self.loop:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.close()
    
    def run_coroutine(self, coro):
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result()

# Usage
async def async_task(name):
    print(f"Task {name} starting")
    await asyncio.sleep(0.1)
    print(f"Task {name} completed")
    return f"Result from {name}"

async def add():
    return 2 + 3

custom_loop = CustomEventLoop()
custom_loop.start()
result = custom_loop.run_coroutine(async_task("test"))
print(result)
print(f"Another future, another result: {custom_loop.run_coroutine(add())}")
custom_loop.stop()
print("Background runtime stopped")
