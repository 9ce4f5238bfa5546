"""Subprocesses with asyncio.create_subprocess_exec: output read line by
line while the child runs, communicate(), and a timeout that kills a child
that takes too long.

The asyncio twin of crates/io/src/subprocess.rs.
"""

# runs on the real clock: it waits for child processes, which a fast-forwarded loop would not

import asyncio
import signal
from asyncio.subprocess import PIPE


def describe(returncode):
    if returncode >= 0:
        return f"exit code {returncode}"
    return f"killed by signal {-returncode}"


async def main():
    proc = await asyncio.create_subprocess_exec("printf", "one\\ntwo\\nthree\\n", stdout=PIPE)
    while line := await proc.stdout.readline():
        print(f"printf wrote {line.decode().rstrip()!r}")
    print(f"printf ended with {describe(await proc.wait())}")

    proc = await asyncio.create_subprocess_exec(
        "sh", "-c", "echo to stdout; echo to stderr >&2; exit 3", stdout=PIPE, stderr=PIPE
    )
    stdout, stderr = await proc.communicate()
    print(f"sh: stdout {stdout.decode()!r}, stderr {stderr.decode()!r}, {describe(proc.returncode)}")

    proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE, stdout=PIPE)
    stdout, _ = await proc.communicate(b"a line for cat\n")
    print(f"cat gave back {stdout.decode()!r}")

    loop = asyncio.get_running_loop()
    start = loop.time()
    # A cat waiting on a pipe this process holds and never writes to.
    proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE)
    try:
        status = await asyncio.wait_for(proc.wait(), 1)
        print(f"cat ended first, with {describe(status)}")
    except TimeoutError:
        # wait_for cancelled the wait, not the process.
        proc.kill()
        status = await proc.wait()
        print(
            f"cat, waiting for input, timed out after {loop.time() - start:.1f}s; "
            f"kill() left it {describe(status)}"
        )

    # asyncio has no kill_on_drop: the child is killed where the timeout is caught.
    proc = await asyncio.create_subprocess_exec("cat", stdin=PIPE)
    try:
        await asyncio.wait_for(proc.wait(), 1)
        fired = False
    except TimeoutError:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        fired = True
    print(
        "with kill_on_drop, the timeout "
        + ("dropped the child, which killed it" if fired else "did not fire")
    )


asyncio.run(main())
