"""A file processor that handles many files concurrently, at most four open
at a time, and reports a bad file without stopping the rest.

The asyncio twin of crates/real-world/src/file_processor.rs. The Rust
writes its sample files from a seeded ChaCha8 generator, which Python's
random can't reproduce; this twin writes files with the same numbers of
lines and words.
"""

import asyncio
import tempfile
from pathlib import Path

SEED = 2024
MAX_OPEN = 4
# (lines, words) of each notes file the Rust's generator writes.
SHAPES = [(5, 24), (5, 21), (3, 18), (4, 18), (6, 26), (5, 26), (5, 30), (4, 19)]
WORDS = ["async", "await", "future", "task", "runtime", "poll", "waker", "stream"]


def sample_text(lines, words):
    per_line = [words // lines + (1 if i < words % lines else 0) for i in range(lines)]
    return "".join(" ".join(WORDS[(i + j) % len(WORDS)] for j in range(n)) + "\n" for i, n in enumerate(per_line))


async def keeping_dir(call, *args):
    """Runs call on a thread. A thread can't be cancelled, so a cancelled
    caller waits for it to end before it leaves the with block that removes
    the directory."""
    job = asyncio.ensure_future(asyncio.to_thread(call, *args))
    try:
        return await asyncio.shield(job)
    except asyncio.CancelledError:
        await asyncio.gather(job, return_exceptions=True)
        raise


async def make_files(directory):
    paths = []
    for n, (lines, words) in enumerate(SHAPES):
        path = directory / f"notes-{n}.txt"
        await keeping_dir(path.write_text, sample_text(lines, words))
        paths.append(path)
    corrupt = directory / "corrupt.txt"
    await keeping_dir(corrupt.write_bytes, b"\xff\xfe not text\n")
    paths.append(corrupt)
    return paths


async def process(path, limit, counts):
    async with limit:
        counts["open"] += 1
        counts["most"] = max(counts["most"], counts["open"])
        try:
            text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        finally:
            counts["open"] -= 1
    return len(text.splitlines()), len(text.split())


async def main():
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        paths = await make_files(directory)
        print(f"Processing {len(paths)} files, at most {MAX_OPEN} at a time (seed {SEED})")
        limit = asyncio.Semaphore(MAX_OPEN)
        counts = {"open": 0, "most": 0}
        results = await asyncio.gather(*(process(path, limit, counts) for path in paths), return_exceptions=True)
        lines = words = failed = 0
        for path, result in sorted(zip(paths, results), key=lambda pair: pair[0].name):
            if isinstance(result, UnicodeDecodeError):
                print(f"  {path.name}: failed: stream did not contain valid UTF-8")  # the Rust's message
                failed += 1
            else:
                print(f"  {path.name}: {result[0]} lines, {result[1]} words")
                lines += result[0]
                words += result[1]
        assert counts["most"] <= MAX_OPEN
        summary = f"files: {len(results)}\nfailed: {failed}\nlines: {lines}\nwords: {words}\n"
        summary_path = directory / "summary.txt"
        await keeping_dir(summary_path.write_text, summary)
        read_back = await asyncio.to_thread(summary_path.read_text)
        assert read_back == summary
        print("summary.txt:")
        print(read_back, end="")


asyncio.run(main())
