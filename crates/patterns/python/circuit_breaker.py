"""The guide's circuit breaker, changed only to print what the Rust prints:
twenty calls and a 2 s timeout, each change of state printed, and a count
of the calls at the end. The Rust's fixes (a deadline inside `call`, one
trial at a time, a dropped or overdue trial counted as a failure) are not
here.

The asyncio twin of crates/patterns/src/circuit_breaker.rs.
"""

import asyncio
from enum import Enum

# Whether each call that reaches the service fails: the Rust draws it from a
# seeded ChaCha8 generator, which Python's random can't reproduce.
FAILS = iter([True, True, True, True, True, False, True, True, True, True])
service_calls = 0


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class AsyncCircuitBreaker:
    """Circuit breaker for async operations"""

    def __init__(self, failure_threshold=5, timeout=60, expected_exception=Exception):
        self.failure_threshold = failure_threshold
        self.timeout = timeout
        self.expected_exception = expected_exception

        self.failure_count = 0
        self.last_failure_time = None
        self.state = CircuitState.CLOSED

    async def call(self, func, *args, **kwargs):
        """Execute function with circuit breaker protection"""

        if self.state == CircuitState.OPEN:
            if self._should_attempt_reset():
                self._set_state(CircuitState.HALF_OPEN)
            else:
                raise Exception("Circuit breaker is OPEN")

        try:
            result = await func(*args, **kwargs)
            self._on_success()
            return result

        except self.expected_exception as e:
            self._on_failure()
            raise e

    def _should_attempt_reset(self):
        # Rounded to the microsecond: the loop's time is a float, and
        # 3.3 - 1.3 is 1.9999999999999998, where Rust's Durations are exact.
        return (
            self.last_failure_time is not None and
            round(asyncio.get_running_loop().time() - self.last_failure_time, 6) >= self.timeout
        )

    def _on_success(self):
        self.failure_count = 0
        if self.state != CircuitState.CLOSED:
            self._set_state(CircuitState.CLOSED)

    def _on_failure(self):
        self.failure_count += 1
        self.last_failure_time = asyncio.get_running_loop().time()

        if self.failure_count >= self.failure_threshold:
            self._set_state(CircuitState.OPEN)

    def _set_state(self, state):
        print(f"  ({self.state.value} -> {state.value})")
        self.state = state


async def unreliable_service():
    """Simulate unreliable external service"""
    global service_calls
    service_calls += 1
    await asyncio.sleep(0.1)
    if next(FAILS):  # 70% failure rate
        raise ConnectionError("Service unavailable")
    return "Service response"


async def circuit_breaker_example():
    breaker = AsyncCircuitBreaker(failure_threshold=3, timeout=2)

    for i in range(20):
        try:
            result = await breaker.call(unreliable_service)
            print(f"Call {i}: Success - {result}")
        except Exception as e:
            print(f"Call {i}: Failed - {e} (State: {breaker.state.value})")

        await asyncio.sleep(0.5)

    print(f"The service was called {service_calls} times; "
          f"{20 - service_calls} calls were rejected without calling it")


asyncio.run(circuit_breaker_example())
