"""Writing and reading files in a temporary directory, off the event loop
(what aiofiles does, with asyncio.to_thread), and the errors a bad path
gives.

The asyncio twin of crates/real-world/src/file_io.rs.
"""

import asyncio
import os
import tempfile
from pathlib import Path


def describe(error, action, name):
    # Rust's io::Error prints the system's message and its number this way.
    return f"cannot {action} {name}: {error.strerror} (os error {error.errno})"


async def main():
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        await asyncio.to_thread((directory / "example.txt").write_text, "Hello, async world!")
        content = await asyncio.to_thread((directory / "example.txt").read_text)
        print(f"File content: {content}")

        await asyncio.to_thread((directory / "lines.txt").write_text, "first\nsecond\nthird\n")
        lines = await asyncio.to_thread(lambda: len((directory / "lines.txt").read_text().splitlines()))
        print(f"lines.txt has {lines} lines")

        print()
        print("Bad paths:")
        os.mkdir(directory / "reports")
        for action, name, attempt in [
            ("read", "missing.txt", lambda: (directory / "missing.txt").read_text()),
            ("write", "no-such-dir/out.txt", lambda: (directory / "no-such-dir/out.txt").write_text("data")),
            ("read", "reports", lambda: (directory / "reports").read_text()),
        ]:
            try:
                await asyncio.to_thread(attempt)
                raise AssertionError("a bad path was accepted")
            except OSError as error:
                print(f"  {describe(error, action, name)}")


asyncio.run(main())
