"""An interface of coroutines: a typing.Protocol whose methods are async def,
with a class per backend, called generically, from a task, and through a
backend chosen at run time.

The asyncio twin of crates/basics/src/async_traits.rs.
"""

import asyncio
from typing import Protocol


class Store(Protocol):
    async def get(self, key: str) -> str | None: ...


class MemoryStore:
    def __init__(self, data):
        self.data = data

    async def get(self, key):
        return self.data.get(key)


class RemoteStore:
    def __init__(self, latency):
        self.latency = latency

    async def get(self, key):
        await asyncio.sleep(self.latency)
        return "Ferris, from far away" if key == "name" else None


async def greet(store: Store) -> str:
    name = await store.get("name")
    return f"Hello, {name}" if name is not None else "Hello, stranger"


def open_store(kind: str) -> Store:
    if kind == "memory":
        return memory()
    if kind == "remote":
        return RemoteStore(latency=0.1)
    raise ValueError(f"unknown store {kind!r}")


def memory():
    return MemoryStore({"name": "Ferris"})


async def main():
    print(f"Generic, MemoryStore: {await greet(memory())}")
    print(f"Generic, RemoteStore: {await greet(RemoteStore(latency=0.1))}")

    spawned = await asyncio.create_task(greet(memory()))
    print(f"Spawned, generic over the store: {spawned}")

    for kind in ["memory", "remote"]:
        store = open_store(kind)
        print(f"Box<dyn DynStore> ({kind}): {await greet(store)}")
    try:
        open_store("cloud")
        print('A store called "cloud" opened (unexpected)')
    except ValueError as error:
        print(f'open("cloud"): {error}')


asyncio.run(main())
