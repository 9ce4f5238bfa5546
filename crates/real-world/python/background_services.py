"""*Complete Guide to Async IO and Asynchronous Programming in Python*,
"Background Tasks and Services", as the guide wrote it, with these changes:
the metrics' increments are listed (the Rust draws them from a seeded
generator; the guide forgets `import random`), the run time is 9.5 s,
`stop()` lets the work in progress finish (within a grace period) instead
of cancelling it, each service says where it stopped, and Ctrl-C is
connected to the shutdown event the guide's `main_with_signals` never sets.
"""

import asyncio
import signal

DRAWS = iter([(2, 0), (2, 0), (3, 2), (1, 2), (1, 1), (9, 1), (3, 0), (3, 2), (4, 1), (5, 2)])
GRACE_PERIOD = 1

class AsyncBackgroundService:
    """Background service that runs continuously"""
    
    def __init__(self, name, interval=1.0):
        self.name = name
        self.interval = interval
        self.running = False
        self.task = None
        self.stopping = asyncio.Event()
    
    async def start(self):
        """Start the background service"""
        if self.running:
            return
        
        self.running = True
        self.task = asyncio.create_task(self._run())
        print(f"Service {self.name} started")
    
    async def stop(self):
        """Stop the background service"""
        if not self.running:
            return
        
        self.running = False
        self.stopping.set()
        if self.task:
            # wait_for cancels the task only if it outlives the grace period.
            await asyncio.wait_for(self.task, GRACE_PERIOD)
        
        print(f"Service {self.name} stopped{self.final_state()}")
    
    async def _run(self):
        """Main service loop"""
        while self.running:
            await self._work()
            try:
                await asyncio.wait_for(self.stopping.wait(), self.interval)
            except TimeoutError:
                pass
    
    async def _work(self):
        """Override this method in subclasses"""
        print(f"{self.name} working...")

    def final_state(self):
        return ""

class HealthCheckService(AsyncBackgroundService):
    """Example health check service"""
    
    def __init__(self):
        super().__init__("HealthCheck", interval=5.0)
        self.check_count = 0
    
    async def _work(self):
        self.check_count += 1
        # Simulate health check
        await asyncio.sleep(0.1)
        print(f"Health check #{self.check_count} completed")

    def final_state(self):
        return f", check count: {self.check_count}"

class MetricsService(AsyncBackgroundService):
    """Example metrics collection service"""
    
    def __init__(self):
        super().__init__("Metrics", interval=2.0)
        self.metrics = {"requests": 0, "errors": 0}
    
    async def _work(self):
        # Simulate metrics collection
        requests, errors = next(DRAWS)
        self.metrics["requests"] += requests
        self.metrics["errors"] += errors
        print(f"Metrics: {self.metrics}")

    def final_state(self):
        return f" at {self.metrics}"

async def background_services_example(shutdown_event):
    """Run multiple background services"""
    
    # Create services
    health_service = HealthCheckService()
    metrics_service = MetricsService()
    
    # Start services
    await health_service.start()
    await metrics_service.start()
    
    try:
        # Main application logic
        print("Main application running...")
        await asyncio.wait_for(shutdown_event.wait(), 9.5)  # Run for 9.5 seconds
        print("Received shutdown signal")
    except TimeoutError:
        pass
    finally:
        # Cleanup services
        print("Stopping services...")
        await health_service.stop()
        await metrics_service.stop()

# Run with graceful shutdown
async def main_with_signals():
    """Main function with signal handling"""
    
    # Setup signal handlers for graceful shutdown
    shutdown_event = asyncio.Event()
    
    def signal_handler():
        shutdown_event.set()
    
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, signal_handler)
    await background_services_example(shutdown_event)

asyncio.run(main_with_signals())
