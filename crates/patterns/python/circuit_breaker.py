"""A circuit breaker: after three failures in a row it opens and rejects
calls without making them, then lets a trial call through after a pause.

The asyncio twin of crates/patterns/src/circuit_breaker.rs. Whether each
service call fails comes from the Rust's seeded ChaCha8 generator, which
Python's random can't reproduce, so the outcomes are listed in full.
"""

import asyncio
from enum import Enum

# One entry per call that reaches the service: True means it fails.
FAILS = iter([True, True, True, True, True, False, True, True, True, True])


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitOpen(Exception):
    def __str__(self):
        return "Circuit breaker is OPEN"


class ServiceUnavailable(Exception):
    def __str__(self):
        return "Service unavailable"


class CircuitBreaker:
    def __init__(self, failure_threshold, reset_timeout):
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.state = CircuitState.CLOSED
        self.failure_count = 0
        self.last_failure = None

    async def call(self, operation):
        loop = asyncio.get_running_loop()
        if self.state == CircuitState.OPEN:
            if self.last_failure is None or loop.time() - self.last_failure < self.reset_timeout:
                operation.close()  # never awaited, so never started
                raise CircuitOpen()
            self.state = CircuitState.HALF_OPEN
            print("  (open -> half_open: trying one call)")
        try:
            result = await operation
        except Exception:
            self.failure_count += 1
            self.last_failure = loop.time()
            if self.state == CircuitState.HALF_OPEN or self.failure_count >= self.failure_threshold:
                if self.state != CircuitState.OPEN:
                    print(f"  ({self.state.value} -> open)")
                self.state = CircuitState.OPEN
            raise
        if self.state != CircuitState.CLOSED:
            print(f"  ({self.state.value} -> closed)")
        self.failure_count = 0
        self.state = CircuitState.CLOSED
        return result


async def main():
    breaker = CircuitBreaker(3, 2)
    service_calls = 0
    rejected = 0

    async def unreliable_service():
        nonlocal service_calls
        service_calls += 1
        await asyncio.sleep(0.1)
        if next(FAILS):
            raise ServiceUnavailable()
        return "Service response"

    for i in range(20):
        try:
            result = await breaker.call(unreliable_service())
            print(f"Call {i}: Success - {result}")
        except (CircuitOpen, ServiceUnavailable) as error:
            rejected += isinstance(error, CircuitOpen)
            print(f"Call {i}: Failed - {error} (State: {breaker.state.value})")
        await asyncio.sleep(0.5)
    print(f"The service was called {service_calls} times; {rejected} calls were rejected without calling it")


asyncio.run(main())
