"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Memory Management", as the guide wrote it, with two lines added that print
how many resources the WeakSet still holds after each `del`.

The guide defines `start_periodic_cleanup` and `stop_cleanup` and never
calls them; they are kept, uncalled, as in the guide.
"""

import asyncio
import weakref
import gc

class AsyncResourceManager:
    """Manage async resources with proper cleanup"""
    
    def __init__(self):
        self.resources = weakref.WeakSet()
        self.cleanup_task = None
    
    async def create_resource(self, name):
        """Create a new async resource"""
        
        class AsyncResource:
            def __init__(self, name):
                self.name = name
                self.data = bytearray(1024 * 1024)  # 1MB of data
                self.closed = False
            
            async def close(self):
                if not self.closed:
                    print(f"Closing resource {self.name}")
                    await asyncio.sleep(0.01)  # Simulate cleanup
                    self.data = None
                    self.closed = True
            
            def __del__(self):
                if not self.closed:
                    print(f"Resource {self.name} was not properly closed!")
        
        resource = AsyncResource(name)
        self.resources.add(resource)
        return resource
    
    async def cleanup_resources(self):
        """Cleanup all managed resources"""
        for resource in list(self.resources):
            if hasattr(resource, 'close'):
                await resource.close()
    
    async def start_periodic_cleanup(self, interval=30):
        """Start periodic cleanup task"""
        async def cleanup_loop():
            while True:
                await asyncio.sleep(interval)
                gc.collect()  # Force garbage collection
                print(f"Cleanup: {len(self.resources)} resources active")
        
        self.cleanup_task = asyncio.create_task(cleanup_loop())
    
    async def stop_cleanup(self):
        """Stop periodic cleanup"""
        if self.cleanup_task:
            self.cleanup_task.cancel()
            try:
                await self.cleanup_task
            except asyncio.CancelledError:
                pass

async def memory_management_example():
    manager = AsyncResourceManager()
    
    # Create some resources
    resources = []
    for i in range(5):
        resource = await manager.create_resource(f"Resource-{i}")
        resources.append(resource)
    
    print(f"Created {len(resources)} resources")
    
    # Properly close some resources
    for resource in resources[:3]:
        await resource.close()
    del resource  # added: the loop variable still holds Resource-2
    
    # Let some resources go out of scope without closing
    del resources[3:]
    
    # Force garbage collection
    gc.collect()
    print(f"Active after dropping two: {len(manager.resources)}")  # added
    
    # Cleanup remaining resources
    await manager.cleanup_resources()
    del resources  # added
    print(f"Active after dropping the rest: {len(manager.resources)}")  # added

asyncio.run(memory_management_example())
