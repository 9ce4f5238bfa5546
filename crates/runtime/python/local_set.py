"""Tasks that share plain objects without a lock, because they all run on
one thread: every asyncio program works this way.

The asyncio twin of crates/runtime/src/local_set.rs.
"""

import asyncio
import sys
import threading


async def handle(views, path, io_time):
    await asyncio.sleep(io_time)
    views[path] = views.get(path, 0) + 1
    print(f"GET {path}: view {views[path]} of this page")
    return threading.get_ident()


async def main():
    views = {}
    requests = [("/", 0.3), ("/about", 0.1), ("/", 0.2), ("/", 0.4), ("/about", 0.5)]
    handlers = [asyncio.create_task(handle(views, path, io_time)) for path, io_time in requests]
    here = threading.get_ident()
    on_this_thread = all([await handler == here for handler in handlers])
    print(f"Every handler ran on the thread that drives the LocalSet: {on_this_thread}")
    print(f"Views: {dict(sorted(views.items()))}")
    # Rc::strong_count: the references to the dict, less getrefcount's own.
    del handlers
    print(f"Owners of the shared views now: {sys.getrefcount(views) - 1}")


asyncio.run(main())
