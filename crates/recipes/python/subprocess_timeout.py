"""A child process with a time limit: its output read while it runs, up to
a limit, and a child that runs too long killed and reaped, not left running
after the wait for it has given up.

The asyncio twin of crates/recipes/src/subprocess_timeout.rs.
"""

# runs on the real clock: it waits for child processes, which a fast-forwarded loop would not

import asyncio
from asyncio.subprocess import DEVNULL, PIPE

MAX_OUTPUT = 64 * 1024


class StartError(Exception):
    pass


class TimedOut(Exception):
    pass


def describe(returncode):
    if returncode >= 0:
        return f"exit code {returncode}"
    if returncode == -9:
        return "signal 9 (SIGKILL)"
    return f"signal {-returncode}"


async def read_some(stream):
    kept = bytearray()
    while chunk := await stream.read(64 * 1024):
        room = MAX_OUTPUT - len(kept)
        kept += chunk[:room]  # the rest is read and thrown away
    return bytes(kept)


async def run_with_timeout(program, *args, limit):
    try:
        proc = await asyncio.create_subprocess_exec(
            program, *args, stdin=DEVNULL, stdout=PIPE, stderr=PIPE
        )
    except OSError as error:
        raise StartError(
            f"cannot start {program}: {error.strerror} (os error {error.errno})"
        ) from error
    try:
        async with asyncio.timeout(limit):
            stdout, stderr, status = await asyncio.gather(
                read_some(proc.stdout), read_some(proc.stderr), proc.wait()
            )
        return status, stdout, stderr
    except TimeoutError:
        proc.kill()
        status = await proc.wait()
        raise TimedOut(
            f"no result within {limit}s; killed, it ended with {describe(status)}"
        ) from None
    finally:
        # asyncio has no kill_on_drop: a cancelled caller must kill the child.
        if proc.returncode is None:
            proc.kill()


async def main():
    loop = asyncio.get_running_loop()
    start = loop.time()
    try:
        await run_with_timeout("sleep", "10", limit=1)
        raise SystemExit("sleep 10 was meant to time out")
    except TimedOut as error:
        print(f"sleep 10: {error} (at {loop.time() - start:.1f}s)")

    proc = await asyncio.create_subprocess_exec("sleep", "10")
    try:
        await asyncio.wait_for(proc.wait(), 1)
        raise SystemExit("sleep 10 ended within a second")
    except TimeoutError:
        pass
    after = "still running" if proc.returncode is None else describe(proc.returncode)
    print(f"a plain timeout on wait(): afterwards the child is {after}")
    proc.kill()
    print(f"then kill(): {describe(await proc.wait())}")

    try:
        await run_with_timeout("no-such-program", limit=1)
        raise SystemExit("no-such-program was meant not to start")
    except StartError as error:
        print(error)


asyncio.run(main())
