"""contextvars.ContextVar: a request id set once per request reaches every
call the request makes, down to the log lines.

The asyncio twin of crates/runtime/src/task_local_context.rs.
"""

import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id")


def log(message):
    current = request_id.get(None)
    if current is None:
        print(f"[no request] {message}")
    else:
        print(f"[request {current}] {message}")


async def load_user(name):
    await asyncio.sleep(0.1)
    log(f"loaded user {name}")
    return name.upper()


async def handle(name, id_, delay=0):
    request_id.set(id_)
    await asyncio.sleep(delay)
    log("handling")
    user = await load_user(name)
    log(f"replied to {user}")


async def spawned(message):
    log(message)


async def handle_with_background_work():
    request_id.set(3)
    log("handling")
    # create_task copies the current context; Tokio's spawn starts from an
    # empty one, which is what a fresh Context gives here.
    await asyncio.create_task(spawned("spawned task: the id did not follow"), context=contextvars.Context())
    await asyncio.create_task(spawned("spawned task: the id handed over"))
    await asyncio.to_thread(log, "spawn_blocking: the id handed over")
    token = request_id.set(300)
    log("an inner scope shadows the id")
    request_id.reset(token)
    log("and the id is back")


async def main():
    # Each request in a context of its own, as a task gives it.
    await asyncio.create_task(handle("alice", 7))
    log("between requests")
    await asyncio.gather(handle("alice", 1), handle("bob", 2, delay=0.05))
    print()
    await asyncio.create_task(handle_with_background_work())


asyncio.run(main())
