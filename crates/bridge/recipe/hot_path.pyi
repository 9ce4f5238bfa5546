# What type checkers and editors know of the Rust module: maturin puts this
# file, and a py.typed marker, into the wheel.
import asyncio

def count_primes(limit: int) -> asyncio.Future[int]:
    """How many primes are below limit, counted in Rust off the event loop.

    The Future is already running: await it, or wrap it with
    asyncio.ensure_future; asyncio.create_task rejects it."""
