"""An async cache whose entries expire after a time-to-live, whose loads
have a timeout, and where concurrent misses for one key share one load,
its failure included; a failed load is not kept, and a full cache makes
room by dropping the key it has held longest.

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
        self.slots = {}  # key -> a future of (value, loaded_at)

    def __len__(self):
        return len(self.slots)

    def _make_room(self):
        """A full cache drops the key it has held longest: a dict keeps its
        keys in the order they were added."""
        if len(self.slots) >= self.capacity:
            del self.slots[next(iter(self.slots))]

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
        while (slot := self.slots.get(key)) is not None:
            if slot.done():
                if slot.exception() is not None or loop.time() - slot.result()[1] >= self.ttl:
                    break
            try:
                value, _ = await asyncio.shield(slot)
                return value
            except asyncio.CancelledError:
                # Its loader was cancelled, not this caller: look again, and
                # load if nobody else has started, as the Rust's next waiter does.
                if slot.cancelled() and asyncio.current_task().cancelling() == 0:
                    continue
                raise
        # This caller loads; the others wait for its future. A key loaded
        # again goes to the end of the order, as a new key does.
        if self.slots.pop(key, None) is None:
            self._make_room()
        slot = self.slots[key] = loop.create_future()
        try:
            loaded = await self._load(load)
        except asyncio.CancelledError:
            # Cancelled mid-load: drop the slot and wake its waiters, so the
            # key is not stuck on a load that will never end.
            if self.slots.get(key) is slot:
                del self.slots[key]
            slot.cancel()
            raise
        except Exception as error:
            slot.set_exception(error)
            slot.exception()  # retrieved here, whether or not others wait
            # A failed load keeps no slot; its waiters still get the error.
            if self.slots.get(key) is slot:
                del self.slots[key]
            raise
        slot.set_result(loaded)
        return loaded[0]


class Database:
    def __init__(self):
        self.queries = 0

    async def fetch_user(self, user_id, delay):
        self.queries += 1
        print(f"  querying the database for user {user_id}")
        await asyncio.sleep(delay)
        names = {1: "Alice", 2: "Bob", 3: "Carol"}
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
    print(f"{stamp()} (the cache is full: users 1, 2 and 3)")
    await get(9)
    assert db.queries == 6
    print(
        f"{stamp()} keys cached: {len(cache)}; user 1, the oldest, made room, "
        "and user 9's failed load kept none"
    )
    assert len(cache) == 2


asyncio.run(main())
