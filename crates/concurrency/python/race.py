"""*Python Async/Await*, "Race Conditions", as the guide wrote it, with these
changes: `fetch_data` takes a delay (in the guide both fetches take one
second, so there is no race to win) and says when it is cancelled;
`race_tasks` waits until the loser has really stopped, then prints the
winner and when it won.
"""

import asyncio

async def fetch_data(url, delay):
    print(f"Fetching {url}")
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        print(f"{url}: dropped while waiting, so it was cancelled")
        raise
    return f"Data from {url}"

async def race_tasks():
    start = asyncio.get_running_loop().time()
    task1 = asyncio.create_task(
        fetch_data("http://fast.com", 1))
    task2 = asyncio.create_task(
        fetch_data("http://slow.com", 3))
    
    # Return result of first completed task
    done, pending = await asyncio.wait(
        [task1, task2],
        return_when=asyncio.FIRST_COMPLETED
    )
    
    # Cancel pending tasks
    for task in pending:
        task.cancel()
    # cancel() only asks: wait until the losers have really stopped.
    await asyncio.gather(*pending, return_exceptions=True)
    print(f"Winner: {done.pop().result()} (after {asyncio.get_running_loop().time() - start:.1f}s)")

asyncio.run(race_tasks())
