"""asyncio.get_running_loop(): the loop you are running on, which other
threads can use to schedule work with run_coroutine_threadsafe.

The asyncio twin of crates/runtime/src/running_loop_handle.rs.
"""
# differs from the golden file: Python names its loop class and words its "no running event loop" error differently from Tokio's flavor and Handle::try_current() error

import asyncio
import threading


async def spawned():
    return "Task spawned from a plain thread ran on the runtime"


async def demonstrate_event_loop():
    print("Event loop demonstration")
    loop = asyncio.get_running_loop()
    print(f"Running loop: {type(loop).__name__}")
    answer = asyncio.get_running_loop().create_future()

    def on_a_plain_thread():
        try:
            asyncio.get_running_loop()
            outside = None
        except RuntimeError as error:
            outside = error
        future = asyncio.run_coroutine_threadsafe(spawned(), loop)
        loop.call_soon_threadsafe(answer.set_result, (outside, future))

    threading.Thread(target=on_a_plain_thread).start()
    outside, future = await answer
    if outside is None:
        print("A plain thread found a running loop (unexpected)")
    else:
        print(f"On a plain thread, asyncio.get_running_loop() fails: {outside}")
    print(await asyncio.wrap_future(future))


asyncio.run(demonstrate_event_loop())
