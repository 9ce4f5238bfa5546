"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Event Loop Lifecycle": the callbacks half of the guide's
`demonstrate_event_loop`, with these changes: a callback prints the time
since the start, not the wall clock; a fourth callback is scheduled and
cancelled; and the program waits until the callbacks have run, not for a
fixed three seconds.
"""

import asyncio

async def demonstrate_event_loop():
    loop = asyncio.get_running_loop()
    start = loop.time()
    done = asyncio.Event()
    pending = 3

    # Schedule callbacks
    def callback(name):
        nonlocal pending
        print(f"Callback {name} executed at {loop.time() - start:.1f}s")
        pending -= 1
        if pending == 0:
            done.set()
    
    # Schedule callbacks at different times
    loop.call_soon(callback, "soon")
    loop.call_later(1, callback, "later")
    loop.call_at(loop.time() + 2, callback, "at_time")
    cancelled = loop.call_later(1.5, callback, "cancelled")
    cancelled.cancel()
    
    # Wait for callbacks to execute
    await done.wait()
    if cancelled.cancelled():
        print("Callback cancelled never ran")
    print(f"All callbacks done at {loop.time() - start:.1f}s")

asyncio.run(demonstrate_event_loop())
