"""A cache where concurrent requests for one key share one load: the load
runs in a task of its own, every caller asking for the key meanwhile waits
for its result, a failed load is shared with those waiting but not kept, and
the cache holds a bounded number of keys.

The asyncio twin of crates/recipes/src/single_flight_cache.rs.
"""

import asyncio


class Load:
    """The load's task and the callers waiting for it. Each waits through
    shield, so that its cancellation is not the task's; the last one to
    give up cancels the task, as dropping the last Rust `Shared` aborts it."""

    def __init__(self, coro):
        self.task = asyncio.ensure_future(coro)
        self.waiting = 0

    def alive(self):
        return self.waiting > 0

    async def wait(self):
        self.waiting += 1
        try:
            return await asyncio.shield(self.task)
        finally:
            self.waiting -= 1
            if self.waiting == 0:
                self.task.cancel()


class Loaded:
    def __init__(self, value):
        self.value = value


class SingleFlight:
    def __init__(self, max_entries, load_timeout):
        self.entries = {}
        self.max_entries = max_entries
        self.load_timeout = load_timeout

    async def get(self, key, load):
        """(True, value) or (False, error): the cached value for key, or
        load's result, which runs once for every caller asking while it
        runs, for load_timeout at most."""
        found = self.find(key, load)
        if isinstance(found, Loaded):
            return True, found.value
        result = await found.wait()
        if self.entries.get(key) is found:
            ok, value = result
            if ok:
                self.entries[key] = Loaded(value)
            else:
                del self.entries[key]
        return result

    def find(self, key, load):
        entry = self.entries.get(key)
        if isinstance(entry, Loaded) or (entry is not None and entry.alive()):
            return entry
        new = Load(self.load_in_time(load))
        if len(self.entries) >= self.max_entries and key not in self.entries:
            done = next(
                (k for k, e in self.entries.items() if isinstance(e, Loaded) or not e.alive()),
                None,
            )
            if done is None:
                return new
            del self.entries[done]
        self.entries[key] = new
        return new

    async def load_in_time(self, load):
        try:
            async with asyncio.timeout(self.load_timeout):
                return await load()
        except TimeoutError:
            return False, f"TimedOut({self.load_timeout}s)"


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    users = SingleFlight(100, 1)

    async def load_user(key):
        print(f"loading {key} at {loop.time() - start:.1f}s")
        if key == "user:3":
            await asyncio.Future()  # never answers
        await asyncio.sleep(0.9 if key == "user:2" else 0.5)
        if key == "user:1":
            return True, "Ada"
        if key == "user:2":
            return True, "Grace"
        return False, f"Failed({f'no such user: {key}'!r})"

    async def get(key):
        ok, value = await users.get(key, lambda: load_user(key))
        result = f"Ok({value!r})" if ok else f"Err({value})"
        print(f"{key}: {result} at {loop.time() - start:.1f}s")

    await asyncio.gather(*(get("user:1") for _ in range(4)))
    await get("user:1")
    await asyncio.gather(get("user:9"), get("user:9"))
    await get("user:9")

    async def impatient():
        try:
            async with asyncio.timeout(0.6):
                await get("user:2")
        except TimeoutError:
            print(f"user:2: the first caller gave up at {loop.time() - start:.1f}s")

    async def patient():
        await asyncio.sleep(0.1)
        await get("user:2")

    await asyncio.gather(impatient(), patient())
    await asyncio.gather(get("user:3"), get("user:3"))


asyncio.run(main())
