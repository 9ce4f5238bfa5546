"""The service, run 30 times: each run answers and exits cleanly. A crash at
exit comes in some runs, not all (without the module's exit hook, one in ten
or twenty here), so a test of a service that calls Rust runs it many times.
Then Ctrl-C, 10 times, while Rust counts: the process ends as asyncio ends
it, with KeyboardInterrupt after the main task's cleanup, and nothing else.
Then a result that comes as Python finalizes, 3 times: it is dropped. Then a
count asked for after the module's exit hook: refused. Then a child forked
while results wait to be handed over: it waits for none."""

import signal
import subprocess
import sys
from pathlib import Path

RUNS = 30
INTERRUPTS = 10
LATE_RESULTS = 3

# A service in the middle of two counts of a few seconds each.
COUNTING = """
import asyncio
from hot_path import count_primes

async def main() -> None:
    jobs = [count_primes(10_000_000), count_primes(10_000_000)]
    print("counting", flush=True)
    try:
        await asyncio.gather(*jobs)
    finally:
        print("cleaned up", flush=True)

asyncio.run(main())
"""


def test_the_service_exits_cleanly() -> None:
    service = Path(__file__).with_name("service.py")
    failures = []
    for _ in range(RUNS):
        run = subprocess.run(
            [sys.executable, "-P", service], capture_output=True, text=True, timeout=60
        )
        if run.returncode < 0:
            failures.append(f"killed by {signal.Signals(-run.returncode).name}")
        elif run.returncode != 0 or run.stderr or "{'5133'}" not in run.stdout:
            failures.append(f"exit status {run.returncode}: {run.stdout}{run.stderr}")
    assert not failures, f"{len(failures)} of {RUNS} runs failed: {failures}"


def test_ctrl_c_while_rust_counts() -> None:
    failures = []
    for _ in range(INTERRUPTS):
        with subprocess.Popen(
            [sys.executable, "-P", "-c", COUNTING],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as service:
            assert service.stdout is not None
            assert service.stdout.readline() == "counting\n"
            service.send_signal(signal.SIGINT)
            stdout, stderr = service.communicate(timeout=60)
        # Python ends an uncaught KeyboardInterrupt by SIGINT, as a shell
        # expects of a program stopped by Ctrl-C.
        last = stderr.splitlines()[-1:]
        crashed = "panicked" in stderr or "Fatal Python error" in stderr
        if service.returncode != -signal.SIGINT or last != ["KeyboardInterrupt"] or crashed:
            failures.append(f"exit status {service.returncode}: {stderr}")
        elif stdout != "cleaned up\n":
            failures.append(f"printed {stdout!r}")
    assert not failures, f"{len(failures)} of {INTERRUPTS} runs failed: {failures}"


# A count of about 0.4 s, never awaited, that ends after the exit hook,
# while an object collected as the interpreter finalizes holds the process
# up with the GIL released.
FINALIZING = """
import asyncio
import time
from hot_path import count_primes

class ReleasesTheGilAsPythonFinalizes:
    def __del__(self, sleep=time.sleep) -> None:
        sleep(2)

async def start() -> None:
    asyncio.ensure_future(count_primes(2_000_000))

asyncio.run(start())
held = ReleasesTheGilAsPythonFinalizes()
"""


def test_a_result_as_python_finalizes() -> None:
    failures = []
    for _ in range(LATE_RESULTS):
        run = subprocess.run(
            [sys.executable, "-P", "-c", FINALIZING], capture_output=True, text=True, timeout=60
        )
        # On a machine too busy to exit within the count, the result comes
        # before the exit hook, to a closed loop, and Python says so.
        too_early = run.stderr.endswith("RuntimeError: Event loop is closed\n")
        if run.returncode != 0 or (run.stderr and not too_early):
            failures.append(f"exit status {run.returncode}: {run.stderr}")
    assert not failures, f"{len(failures)} of {LATE_RESULTS} runs failed: {failures}"


# An `atexit` hook registered before the import, so run after the module's:
# a count it asks for could never be handed over.
AFTER_THE_HOOK = """
import asyncio
import atexit

def at_exit() -> None:
    async def count() -> None:
        try:
            await count_primes(100)
        except RuntimeError as error:
            print(error)
    asyncio.run(count())

atexit.register(at_exit)
from hot_path import count_primes
"""


def after_the_exit_hook() -> str:
    run = subprocess.run(
        [sys.executable, "-P", "-c", AFTER_THE_HOOK], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0 and not run.stderr, run.stderr
    return run.stdout.strip()


def test_a_count_after_the_exit_hook_is_refused() -> None:
    assert "Python is exiting" in after_the_exit_hook()


# A worker forked while results wait to be handed over, which runs its exit
# hooks, as `sys.exit` would, and must not wait in them: the parent holds the
# GIL, which the handovers wait for, for a second after the counts began (and
# lets no thread take it meanwhile). Not `sys.exit` itself: asyncio's cleanup
# in the child closes its event loop, which takes the self-pipe out of the
# epoll instance it shares with the parent, and a result handed over after
# that would never wake the parent's loop.
FORKING = """
import asyncio
import atexit
import os
import sys
import time
from hot_path import count_primes

async def main() -> None:
    counts = [count_primes(100_000) for _ in range(8)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    held_until = time.monotonic() + 1
    while time.monotonic() < held_until:
        pass
    if os.fork() == 0:
        atexit._run_exitfuncs()
        os._exit(0)
    sys.setswitchinterval(interval)
    os.wait()
    await asyncio.gather(*counts)

asyncio.run(main())
"""


def test_a_forked_child_exits_at_once() -> None:
    run = subprocess.run(
        [sys.executable, "-P", "-c", FORKING], capture_output=True, text=True, timeout=60
    )
    # The child has none of the parent's Tokio threads, whatever handovers
    # the parent had under way: its exit hook waits for none.
    assert run.returncode == 0 and "hot_path:" not in run.stderr, run.stderr


if __name__ == "__main__":
    test_the_service_exits_cleanly()
    print(f"{RUNS} runs of the service: each answered and exited cleanly")
    test_ctrl_c_while_rust_counts()
    print(f"Ctrl-C while Rust counts, {INTERRUPTS} times: cleaned up, then KeyboardInterrupt")
    test_a_result_as_python_finalizes()
    print(f"a result as Python finalizes, {LATE_RESULTS} times: dropped, and a clean exit")
    print(f"a count asked for after the exit hook: RuntimeError: {after_the_exit_hook()}")
    test_a_forked_child_exits_at_once()
    print("a child forked as results wait to be handed over: it waits for none")
