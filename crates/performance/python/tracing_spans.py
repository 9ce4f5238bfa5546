"""Debugging with logging: a context variable holds the current task's
"span", a formatter prints it on every line, and a filter shows debug
output only inside the span of Task-1.

The asyncio twin of crates/performance/src/tracing_spans.rs.
"""

import asyncio
import contextvars
import logging
import sys

span = contextvars.ContextVar("span", default=None)
log = logging.getLogger("tracing_spans")


class SpanFormatter(logging.Formatter):
    def format(self, record):
        prefix = f'task{{name="{record.span}"}}: ' if record.span else ""
        fields = "".join(f" {key}={value}" for key, value in getattr(record, "fields", {}).items())
        level = "WARN" if record.levelno == logging.WARNING else record.levelname
        return f"{level:>5} {prefix}{record.getMessage()}{fields}"


class SpanFilter(logging.Filter):
    """RUST_LOG=info, plus debug inside the span named `debug_span`."""

    def __init__(self, debug_span=None):
        super().__init__()
        self.debug_span = debug_span

    def filter(self, record):
        record.span = span.get()
        if record.levelno >= logging.INFO:
            return True
        return self.debug_span is not None and record.span == self.debug_span


async def named_task(name, delay):
    span.set(name)  # each task runs in a copy of the context
    log.info("starting")
    await asyncio.sleep(delay)
    log.debug("woke up", extra={"fields": {"slept_ms": int(delay * 1000)}})
    log.info("completed")
    return name


async def debug_async_operations():
    tasks = []
    for i in range(3):
        name = f"Task-{i}"
        log.info(f"created {name}")
        tasks.append(asyncio.create_task(named_task(name, 0.5 + 0.1 * i), name=name))
    results = await asyncio.gather(*tasks)
    log.info("all tasks done", extra={"fields": {"results": results}})
    try:
        await asyncio.wait_for(asyncio.sleep(2), 1)
    except TimeoutError:
        log.warning("operation timed out (expected)")


async def main():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(SpanFormatter())
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    for index, (directive, debug_span) in enumerate([("info", None), ("info,[task{name=Task-1}]=debug", "Task-1")]):
        if index:
            print()
        print(f"With RUST_LOG={directive}:")
        handler.filters = [SpanFilter(debug_span)]
        await debug_async_operations()


asyncio.run(main())
