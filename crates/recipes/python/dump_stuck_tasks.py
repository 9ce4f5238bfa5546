"""Where is each task of my program waiting? The stacks of every task on
SIGUSR1 (or from a watchdog), printed on stderr.

Python 3.11 has asyncio.all_tasks() and task.print_stack(); 3.14 adds
asyncio.print_call_graph() and `python -m asyncio pstree PID`.

The asyncio twin of crates/recipes/src/dump_stuck_tasks.rs.
"""

import asyncio
import signal
import sys


def dump_tasks(why):
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    print(f"{why}: {len(tasks)} tasks", file=sys.stderr)
    for task in tasks:
        task.print_stack(file=sys.stderr)


def dump_on_sigusr1():
    # Registered now: until then, SIGUSR1 ends the process.
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump_tasks, "SIGUSR1")


async def book(ledger, approval):
    async with ledger:
        await approval


async def approve_next(ledger, approve):
    async with ledger:
        approve.set_result(None)


async def main():
    dump_on_sigusr1()
    # A task that holds the ledger while it waits for an approval, and the
    # approver, which needs the ledger first: neither can go on.
    ledger = asyncio.Lock()
    approval = asyncio.get_running_loop().create_future()
    booking = asyncio.create_task(book(ledger, approval))
    approver = asyncio.create_task(approve_next(ledger, approval))
    print("booking and approving")

    print("sending SIGUSR1 to this process: a task dump goes to stderr")
    signal.raise_signal(signal.SIGUSR1)

    done, pending = await asyncio.wait({booking, approver}, timeout=1)
    if pending:
        # A watchdog can send SIGUSR1 here.
        print("no progress within 1s: giving up")
    else:
        print("booked and approved")
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    asyncio.get_running_loop().remove_signal_handler(signal.SIGUSR1)


asyncio.run(main())
