"""An async stream to Python: an object with __aiter__ and __anext__ that
async for reads, each item received from a bounded Tokio channel that a Rust
task fills; when Python stops early, the producer stops too."""

import asyncio
from contextlib import aclosing

from bridge import count_up


async def main() -> None:
    numbers = count_up(3)
    async for number in numbers:
        print(f"all of count_up(3): {number}")
    print(f"its producer: {await numbers.producer()}")

    numbers = count_up(1_000_000)
    async with aclosing(numbers):
        async for number in numbers:
            if number == 2:
                break
            print(f"the start of count_up(1_000_000): {number}")
    print(f"its producer: {await numbers.producer()}")


if __name__ == "__main__":
    asyncio.run(main())
