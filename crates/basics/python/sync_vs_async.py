"""Three two-second downloads: six seconds when each blocks, two seconds
when they wait concurrently.

The asyncio twin of crates/basics/src/sync_vs_async.rs.
"""

import asyncio
import threading
import time

DOWNLOAD = 2
FILES = ["file1.txt", "file2.txt", "file3.txt"]


def download_file_blocking(filename):
    print(f"Starting download: {filename}")
    time.sleep(DOWNLOAD)
    print(f"Completed download: {filename}")
    return f"Data from {filename}"


def download_all_blocking(stop):
    start = time.monotonic()
    results = []
    for filename in FILES:
        if stop.is_set():
            # Nobody is waiting for the results any more.
            return results
        results.append(download_file_blocking(filename))
    # One after another: at least the sum of the downloads, however late
    # the operating system wakes the thread.
    total = DOWNLOAD * len(FILES)
    assert time.monotonic() - start >= total, "a blocking sleep never ends early"
    print(f"Total time: at least {total:.1f} seconds")
    return results


async def download_file(filename):
    print(f"Starting download: {filename}")
    await asyncio.sleep(DOWNLOAD)
    print(f"Completed download: {filename}")
    return f"Data from {filename}"


async def download_all():
    start = asyncio.get_running_loop().time()
    results = await asyncio.gather(
        download_file("file1.txt"),
        download_file("file2.txt"),
        download_file("file3.txt"),
    )
    print(f"Total time: {asyncio.get_running_loop().time() - start:.1f} seconds")
    return results


async def main():
    print("Synchronous (blocking):")
    # Off the event loop, as the Rust runs it on spawn_blocking. Cancelling
    # the await leaves the thread running: the finally asks it to stop.
    stop = threading.Event()
    try:
        blocking = await asyncio.to_thread(download_all_blocking, stop)
    finally:
        stop.set()

    print()
    print("Asynchronous (non-blocking):")
    concurrent = await download_all()

    assert blocking == concurrent, "both versions download the same data"


asyncio.run(main())
