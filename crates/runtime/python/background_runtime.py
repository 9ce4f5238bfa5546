"""An event loop owned by a background thread, driven from synchronous
code with run_coroutine_threadsafe.

The asyncio twin of crates/runtime/src/background_runtime.rs.
"""

import asyncio
import threading


class BackgroundLoop:
    def __init__(self, loop, thread):
        self.loop = loop
        self.thread = thread

    @classmethod
    def start(cls):
        # The loop exists before the thread starts, so there is nothing to
        # busy-wait for, unlike the guide's start().
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="background-loop")
        thread.start()
        return cls(loop, thread)

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def async_task(name):
    print(f"Task {name} starting")
    await asyncio.sleep(0.1)
    print(f"Task {name} completed")
    return f"Result from {name}"


async def add():
    return 2 + 3


def main():
    background = BackgroundLoop.start()
    print(background.run(async_task("test")))
    print(f"Another future, another result: {background.run(add())}")
    background.stop()
    print("Background runtime stopped")


main()
