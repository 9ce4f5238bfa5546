"""An async cache whose entries expire after a time-to-live, whose loads
have a timeout, and where concurrent misses for one key share one load,
its failure included; only a load that succeeded is kept, and only then
does a full cache make room, by dropping the entry loaded longest ago.

The asyncio twin of crates/patterns/src/ttl_cache.rs.
"""

import asyncio

CAPACITY = 3


class LoadTimeout(Exception):
    def __init__(self, seconds):
        self.seconds = seconds

    def __str__(self):
        return f"loading took longer than {self.seconds:g}s"


class LoadFailed(Exception):
    def __str__(self):
        return f"loading failed: {self.__cause__}"


class NoSuchUser(Exception):
    def __str__(self):
        return f"no user {self.args[0]}"


class TtlCache:
    def __init__(self, ttl, load_timeout, capacity):
        self.ttl = ttl
        self.load_timeout = load_timeout
        self.capacity = capacity
        # key -> (value, loaded_at); a dict keeps its keys in the order they
        # were added, so the first was loaded longest ago.
        self.entries = {}
        self.loading = {}  # key -> a future of the value, for the waiters

    def __len__(self):
        return len(self.entries)

    def keys(self):
        return list(self.entries)

    def _insert(self, key, entry):
        """Stores a loaded value; in a full cache, in place of the entry
        loaded longest ago: with one ttl for all, an expired one if any."""
        if self.entries.pop(key, None) is None and len(self.entries) >= self.capacity:
            del self.entries[next(iter(self.entries))]
        self.entries[key] = entry

    async def _load(self, load):
        try:
            # asyncio.timeout runs the load in this task, at once; wait_for
            # would start it as a task of its own, later.
            async with asyncio.timeout(self.load_timeout):
                value = await load()
        except TimeoutError:
            raise LoadTimeout(self.load_timeout) from None
        except NoSuchUser as error:
            raise LoadFailed() from error
        return value, asyncio.get_running_loop().time()

    async def get_or_load(self, key, load):
        loop = asyncio.get_running_loop()
        while True:
            entry = self.entries.get(key)
            if entry is not None and loop.time() - entry[1] < self.ttl:
                return entry[0]
            slot = self.loading.get(key)
            if slot is None:
                break
            try:
                return await asyncio.shield(slot)
            except asyncio.CancelledError:
                # Its loader was cancelled, not this caller: look again, and
                # load if nobody else has started.
                if slot.cancelled() and asyncio.current_task().cancelling() == 0:
                    continue
                raise
        # This caller loads and the others wait for its future: asyncio runs
        # every task, so none can hold the others up as a Rust future its
        # owner stops polling could.
        slot = self.loading[key] = loop.create_future()
        try:
            value, loaded_at = await self._load(load)
        except asyncio.CancelledError:
            del self.loading[key]
            slot.cancel()
            raise
        except Exception as error:
            # Not kept, and it makes no room; its waiters still get the error.
            del self.loading[key]
            slot.set_exception(error)
            slot.exception()  # retrieved here, whether or not others wait
            raise
        del self.loading[key]
        self._insert(key, (value, loaded_at))
        slot.set_result(value)
        return value


class Database:
    def __init__(self):
        self.queries = 0

    async def fetch_user(self, user_id, delay):
        self.queries += 1
        print(f"  querying the database for user {user_id}")
        await asyncio.sleep(delay)
        names = {1: "Alice", 2: "Bob", 3: "Carol", 4: "Dave"}
        if user_id not in names:
            raise NoSuchUser(user_id)
        return names[user_id]


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()

    def stamp():
        return f"[{loop.time() - start:.1f}s]"

    cache = TtlCache(2, 1, CAPACITY)
    db = Database()

    async def get(user_id, delay=0.5):
        print(f"{stamp()} get user {user_id}")
        try:
            result = await cache.get_or_load(user_id, lambda: db.fetch_user(user_id, delay))
        except (LoadTimeout, LoadFailed) as error:
            result = f"error: {error}"
        print(f"{stamp()} user {user_id}: {result}")

    await get(1)
    await get(1)
    assert db.queries == 1
    await asyncio.sleep(2)
    print(f"{stamp()} (two seconds later, the entry has expired)")
    await get(1)
    assert db.queries == 2

    print()
    await asyncio.gather(*(get(2) for _ in range(3)))
    assert db.queries == 3

    print()
    print(f"{stamp()} (the database now takes 5s for user 3)")
    await asyncio.gather(*(get(3, 5) for _ in range(3)))
    assert db.queries == 4
    await get(3)
    assert db.queries == 5

    print()
    print(f"{stamp()} (the cache is full: users 1, 2 and 3; user 1's has just expired)")
    await get(9)
    assert db.queries == 6
    print(f"{stamp()} users cached, loaded longest ago first: {cache.keys()}; a failed load makes no room")
    assert len(cache) == 3
    await get(4)
    print(f"{stamp()} users cached: {cache.keys()}; user 1, loaded longest ago and expired, made room")
    assert cache.keys() == [2, 3, 4]


asyncio.run(main())
