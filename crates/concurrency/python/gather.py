"""asyncio.gather for a few coroutines and for a list of them, and a
TaskGroup whose results are read in the order the tasks were created.

The asyncio twin of crates/concurrency/src/gather.rs.
"""

import asyncio


async def fetch_data(id, delay):
    print(f"Fetching data {id}")
    await asyncio.sleep(delay)
    return f"Data {id}"


# Python Async/Await's fetch_data(url), renamed because the other guide's
# fetch_data above takes an id and a delay.
async def fetch_url(url):
    await asyncio.sleep(1)
    return f"Data from {url}"


URLS = ["http://example.com", "http://example.org", "http://example.net"]


async def main():
    start = asyncio.get_running_loop().time()
    results = await asyncio.gather(
        fetch_data(1, 2),
        fetch_data(2, 1),
        fetch_data(3, 3),
    )
    print(f"Results: {results}")
    print(f"Time taken: {asyncio.get_running_loop().time() - start:.1f}s")

    results = await asyncio.gather(*(fetch_url(url) for url in URLS))
    print(f"join_all: {results}")

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch_url(url)) for url in URLS]
    results = [task.result() for task in tasks]
    print(f"JoinSet:  {results}")


asyncio.run(main())
