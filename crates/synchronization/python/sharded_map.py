"""Many tasks counting visits in one plain dict, with no lock and no shards:
one task runs at a time, and nothing runs between two of its awaits but
itself, so `visits[page] = visits.get(page, 0) + 1` can't be interrupted.
Put an await between the read and the write and updates are lost
(crates/pitfalls/src/lost_update.rs).

The asyncio twin of crates/synchronization/src/sharded_map.rs.
"""

import asyncio

TASKS = 8
PAGES = [("/", 40), ("/shop", 20), ("/blog", 20), ("/about", 10), ("/cart", 10)]


def pages_to_visit():
    """Each page as often as PAGES says, the pages taking turns."""
    left = dict(PAGES)
    order = []
    while any(left.values()):
        for page, visits in left.items():
            if visits > 0:
                order.append(page)
                left[page] -= 1
    return order


async def main():
    visits = {}

    async def task():
        for page in pages_to_visit():
            visits[page] = visits.get(page, 0) + 1
            await asyncio.sleep(0)

    await asyncio.gather(*(task() for _ in range(TASKS)))
    print(f"{TASKS} tasks counted visits:")
    total = 0
    for page, count in sorted(visits.items()):
        print(f"{page:<7} {count}")
        total += count
    expected = TASKS * sum(v for _, v in PAGES)
    print(f"total: {total} of {expected}, none lost")
    assert total == expected, "a visit was lost"


asyncio.run(main())
