"""asyncio.run() inside a coroutine raises RuntimeError; the bridge is a
thread that runs the coroutine on the running loop with
run_coroutine_threadsafe and waits for it.

The asyncio twin of crates/pitfalls/src/nested_runtime.rs.
"""
# differs from the golden file: asyncio raises one RuntimeError where Tokio panics four ways with its own messages, and has no multi-thread runtime for block_in_place

import asyncio


async def lookup(key):
    await asyncio.sleep(0.1)
    return f"{key}=on"


async def main():
    print("asyncio.run() inside a coroutine:")
    coroutine = lookup("color")
    try:
        asyncio.run(coroutine)
    except RuntimeError as error:
        coroutine.close()
        print(f"- asyncio.run(...): RuntimeError: {error}")

    loop = asyncio.get_running_loop()

    def blocking_code():
        return asyncio.run_coroutine_threadsafe(lookup("color"), loop).result()

    print()
    print("The bridge:")
    print(f"- asyncio.to_thread, then run_coroutine_threadsafe there: returned {await asyncio.to_thread(blocking_code)}")


asyncio.run(main())
