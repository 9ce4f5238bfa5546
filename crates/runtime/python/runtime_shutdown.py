"""A job on the default executor that never finishes keeps asyncio.run
from returning, because it waits for the executor at shutdown: why Ctrl-C
sometimes seems to hang. A stop flag the job checks ends it.

The asyncio twin of crates/runtime/src/runtime_shutdown.rs.
"""
# differs from the golden file: Python 3.11's shutdown_default_executor takes no timeout (3.12 added one), so the shutdown_timeout part has no counterpart here

import asyncio
import queue
import threading

PATIENCE = 0.2


def prompt(terminal):
    line = terminal.get()
    print(f"  The blocking read returned {line!r}")


def run_with_blocking_job(job):
    """asyncio.run of a main that starts `job` on the executor and returns
    once it runs."""

    async def main():
        started = threading.Event()

        def wrapped():
            started.set()
            job()

        asyncio.get_running_loop().run_in_executor(None, wrapped)
        await asyncio.to_thread(started.wait)

    asyncio.run(main())


def drop_waits():
    terminal = queue.Queue()
    print("main's body returned; asyncio.run shuts down the default executor")
    done = threading.Event()
    runner = threading.Thread(target=lambda: (run_with_blocking_job(lambda: prompt(terminal)), done.set()))
    runner.start()
    if done.wait(PATIENCE):
        raise RuntimeError("asyncio.run returned while the read was still blocked")
    print(f"  After {PATIENCE}s asyncio.run is still waiting for the read: the process would not exit")
    print("The user presses Enter")
    terminal.put("\n")
    runner.join()
    print("  Only then did asyncio.run return")


def stop_flag():
    terminal = queue.Queue()
    stop = threading.Event()

    def job():
        while True:
            if stop.is_set():
                print("  The read saw the stop flag and returned")
                return
            try:
                print(f"  The read returned {terminal.get(timeout=0.05)!r}")
            except queue.Empty:
                pass

    async def main():
        asyncio.get_running_loop().run_in_executor(None, job)
        print("Stop flag set; asyncio.run shuts down")
        stop.set()

    asyncio.run(main())
    print("  asyncio.run returned, and nobody pressed Enter")


drop_waits()
print()
stop_flag()
