"""The proper patterns, with every coroutine awaited. (Forgetting an await
is a RuntimeWarning at run time in Python, a compile-time warning in Rust.)

The asyncio twin of crates/pitfalls/src/forgotten_await.rs.
"""

import asyncio


async def forgot_await_good():
    await asyncio.sleep(1)
    return "completed"


async def remove_expired(entries, now):
    await asyncio.sleep(0.1)
    before = len(entries)
    entries[:] = [expires for expires in entries if expires > now]
    return before - len(entries)


async def main():
    print("Testing proper patterns...")
    print(f"Await result: {await forgot_await_good()}")
    entries = [5, 12, 3, 30]
    removed = await remove_expired(entries, 10)
    print(f"Removed {removed} expired entries, kept {entries}")


asyncio.run(main())
