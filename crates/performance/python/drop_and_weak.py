"""A weakref.WeakSet registry of resources: a resource is freed when its
last reference goes, and one never closed says so from __del__.

The asyncio twin of crates/performance/src/drop_and_weak.rs.
"""

import asyncio
import weakref


class Resource:
    def __init__(self, name):
        self.name = name
        self.data = bytearray(1024 * 1024)
        self.closed = False

    async def close(self):
        if self.closed:
            return
        self.closed = True
        print(f"Closing resource {self.name}")
        await asyncio.sleep(0.01)
        self.data = bytearray()

    def __del__(self):
        if not self.closed:
            print(f"Resource {self.name} was not properly closed!")


class ResourceManager:
    def __init__(self):
        self.resources = weakref.WeakSet()

    def create_resource(self, name):
        resource = Resource(name)
        self.resources.add(resource)
        return resource

    async def cleanup_resources(self):
        for resource in list(self.resources):
            await resource.close()


async def main():
    manager = ResourceManager()
    resources = [manager.create_resource(f"Resource-{i}") for i in range(5)]
    print(f"Created {len(resources)} resources")
    for resource in resources[:3]:
        await resource.close()
    del resource
    # CPython frees a deleted slice from its end: Resource-4, then 3.
    del resources[3:]
    print(f"Active after dropping two: {len(manager.resources)}")
    await manager.cleanup_resources()
    del resources
    print(f"Active after dropping the rest: {len(manager.resources)}")


asyncio.run(main())
