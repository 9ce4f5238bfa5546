"""Unix signals with loop.add_signal_handler: SIGHUP to reload, SIGTERM to
finish up and exit.

The asyncio twin of crates/io/src/signals.rs.
"""

import asyncio
import os
import signal


async def main():
    loop = asyncio.get_running_loop()
    events = asyncio.Queue()
    loop.add_signal_handler(signal.SIGHUP, events.put_nowait, "HUP")
    loop.add_signal_handler(signal.SIGTERM, events.put_nowait, "TERM")

    for name in ["HUP", "TERM"]:
        kill = await asyncio.create_subprocess_exec("kill", f"-{name}", str(os.getpid()))
        await kill.wait()

    while True:
        event = await events.get()
        if event == "HUP":
            print("SIGHUP: reloading the configuration")
        else:
            print("SIGTERM: finishing up and exiting")
            break


asyncio.run(main())
