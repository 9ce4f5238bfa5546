"""Background services on interval loops, a health check and a metrics
collector, stopped gracefully after a fixed run time or on Ctrl-C,
whichever comes first.

The asyncio twin of crates/real-world/src/background_services.rs. The
metrics' increments are the ones the Rust draws from its seeded ChaCha8
generator, listed in full.
"""

import asyncio
import signal

RUN_TIME = 9.5
GRACE_PERIOD = 1
DRAWS = iter([(2, 0), (2, 0), (3, 2), (1, 2), (1, 1), (9, 1), (3, 0), (3, 2), (4, 1), (5, 2)])


class HealthCheck:
    NAME, INTERVAL = "HealthCheck", 5

    def __init__(self):
        self.check_count = 0

    async def work(self):
        self.check_count += 1
        await asyncio.sleep(0.1)
        print(f"Health check #{self.check_count} completed")


class Metrics:
    def __init__(self):
        self.requests = 0
        self.errors = 0

    def __repr__(self):
        return f"Metrics {{ requests: {self.requests}, errors: {self.errors} }}"  # the Rust's form


class MetricsService:
    NAME, INTERVAL = "Metrics", 2

    def __init__(self):
        self.metrics = Metrics()

    async def work(self):
        requests, errors = next(DRAWS)
        self.metrics.requests += requests
        self.metrics.errors += errors
        print(f"Metrics: {self.metrics!r}")


async def run_service(service, shutdown):
    loop = asyncio.get_running_loop()
    next_tick = loop.time()
    while not shutdown.is_set():
        await service.work()
        next_tick += service.INTERVAL
        # Ticks the work ran past are skipped, as MissedTickBehavior::Skip
        # does, not made up back to back.
        while next_tick < loop.time():
            next_tick += service.INTERVAL
        try:
            await asyncio.wait_for(shutdown.wait(), max(next_tick - loop.time(), 0))
        except TimeoutError:
            pass
    return service


async def main():
    # Ctrl-C sets an event here instead of cancelling the main task, so it
    # leads to the same graceful stop as the end of the run time.
    interrupted = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, interrupted.set)
    shutdown = asyncio.Event()
    health = asyncio.create_task(run_service(HealthCheck(), shutdown))
    print(f"Service {HealthCheck.NAME} started")
    metrics = asyncio.create_task(run_service(MetricsService(), shutdown))
    print(f"Service {MetricsService.NAME} started")
    print("Main application running...")
    run_time = asyncio.create_task(asyncio.sleep(RUN_TIME))
    signalled = asyncio.create_task(interrupted.wait())
    done, pending = await asyncio.wait(
        {run_time, signalled}, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    if signalled in done:
        print("Received shutdown signal")
    print("Stopping services...")
    shutdown.set()
    # After the grace period, wait_for cancels the services and waits until
    # they are gone, then raises TimeoutError.
    health, metrics = await asyncio.wait_for(asyncio.gather(health, metrics), GRACE_PERIOD)
    print(f"Service {HealthCheck.NAME} stopped, check count: {health.check_count}")
    print(f"Service {MetricsService.NAME} stopped at {metrics.metrics!r}")


asyncio.run(main())
