"""A cache where concurrent requests for one key share one load: the first
caller loads, the others wait for its result, a failed load is shared with
those waiting but not kept, and the cache holds a bounded number of keys.

The asyncio twin of crates/recipes/src/single_flight_cache.rs.
"""

import asyncio


class Cell:
    """Tokio's OnceCell: the first caller runs its init while the others
    wait; if that caller is cancelled, the next one runs its own."""

    def __init__(self):
        self.lock = asyncio.Lock()  # wakes its waiters in the order they came
        self.result = None

    def initialized(self):
        return self.result is not None

    async def get_or_init(self, init):
        if self.result is None:
            async with self.lock:
                if self.result is None:
                    self.result = await init()
        return self.result


class SingleFlight:
    def __init__(self, max_entries, load_timeout):
        self.entries = {}
        self.max_entries = max_entries
        self.load_timeout = load_timeout

    async def get(self, key, load):
        """(True, value) or (False, error): the cached result for key, or
        load's, which runs once for every caller asking while it runs, for
        load_timeout at most."""

        async def load_in_time():
            try:
                async with asyncio.timeout(self.load_timeout):
                    return await load()
            except TimeoutError:
                return False, f"TimedOut({self.load_timeout}s)"

        cell = self.entry(key)
        result = await cell.get_or_init(load_in_time)
        ok, _ = result
        if not ok and self.entries.get(key) is cell:
            del self.entries[key]
        return result

    def entry(self, key):
        if key in self.entries:
            return self.entries[key]
        if len(self.entries) >= self.max_entries:
            finished = next((k for k, cell in self.entries.items() if cell.initialized()), None)
            if finished is None:
                return Cell()
            del self.entries[finished]
        return self.entries.setdefault(key, Cell())


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    users = SingleFlight(100, 1)

    async def load_user(key):
        print(f"loading {key} at {loop.time() - start:.1f}s")
        if key == "user:3":
            await asyncio.Future()  # never answers
        await asyncio.sleep(0.5)
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
            async with asyncio.timeout(0.2):
                await get("user:2")
        except TimeoutError:
            print(f"user:2: the first caller gave up at {loop.time() - start:.1f}s")

    async def patient():
        await asyncio.sleep(0.1)
        await get("user:2")

    await asyncio.gather(impatient(), patient())
    await asyncio.gather(get("user:3"), get("user:3"))


asyncio.run(main())
