"""Writing and reading files in a temporary directory, off the event loop
(what aiofiles does, with asyncio.to_thread), and the errors a bad path
gives.

The asyncio twin of crates/real-world/src/file_io.rs.
"""

import asyncio
import os
import tempfile
from pathlib import Path


class FileError(Exception):
    """An OSError with the operation and the file name, as anyhow's context
    gives the Rust."""

    def __init__(self, error, action, name):
        # Rust's io::Error prints the system's message and its number this way.
        super().__init__(f"cannot {action} {name}: {error.strerror} (os error {error.errno})")


async def write_file(directory, name, content):
    try:
        await asyncio.to_thread((directory / name).write_text, content)
    except OSError as error:
        raise FileError(error, "write", name) from error


async def read_file(directory, name):
    try:
        return await asyncio.to_thread((directory / name).read_text)
    except OSError as error:
        raise FileError(error, "read", name) from error


async def write_lines(directory, name, lines):
    """Many small writes through a buffer, flushed when the file closes."""

    def write():
        try:
            file = open(directory / name, "w")
        except OSError as error:
            raise FileError(error, "create", name) from error
        try:
            with file:
                for line in lines:
                    file.write(line)
                    file.write("\n")
        except OSError as error:
            raise FileError(error, "write", name) from error

    await asyncio.to_thread(write)


async def save_report(directory, folder, name, text):
    """os.makedirs(folder, exist_ok=True), then a file in it."""
    try:
        await asyncio.to_thread(os.makedirs, directory / folder, exist_ok=True)
    except OSError as error:
        raise FileError(error, "create", folder) from error
    await write_file(directory / folder, name, text)


async def list_names(directory, folder):
    """The names in folder, sorted: listdir gives them in no set order."""
    try:
        return sorted(await asyncio.to_thread(os.listdir, directory / folder))
    except OSError as error:
        raise FileError(error, "list", folder) from error


async def count_lines(directory, name):
    """Reads a file line by line, without holding all of it in memory."""

    def count():
        try:
            file = open(directory / name)
        except OSError as error:
            raise FileError(error, "open", name) from error
        with file:
            return sum(1 for _ in file)

    return await asyncio.to_thread(count)


async def main():
    # A thread can't be cancelled: the demo is a task that owns its
    # directory, shielded, so a cancelled main leaves it to finish.
    await asyncio.shield(asyncio.create_task(demo()))


async def demo():
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        await write_file(directory, "example.txt", "Hello, async world!")
        content = await read_file(directory, "example.txt")
        print(f"File content: {content}")

        await write_lines(directory, "lines.txt", ["first", "second", "third"])
        print(f"lines.txt has {await count_lines(directory, 'lines.txt')} lines")

        for name, text in [("march.txt", "31 days"), ("april.txt", "30 days")]:
            await save_report(directory, "reports/2024", name, text)
        names = await list_names(directory, "reports/2024")
        print(f"reports/2024 holds {', '.join(names)}")

        print()
        print("Bad paths:")
        for attempt in [
            read_file(directory, "missing.txt"),
            write_file(directory, "no-such-dir/out.txt", "data"),
            read_file(directory, "reports"),
        ]:
            try:
                await attempt
                raise AssertionError("a bad path was accepted")
            except FileError as error:
                print(f"  {error}")


asyncio.run(main())
