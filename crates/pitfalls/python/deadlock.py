"""A stuck program, and how to see where it is stuck: two tasks that each
hold a lock and wait for the other's, and a task that waits on a queue
nothing will ever put to again; then the two fixes.

The asyncio twin of crates/pitfalls/src/deadlock.rs. At one second it
prints, on stderr, where each task waits: Python 3.11 offers
asyncio.all_tasks() and each task's get_stack() (or print_stack()); 3.14
adds asyncio.print_call_graph() and `python -m asyncio pstree PID`.
"""

import asyncio
import sys

PATIENCE = 2.0


class Account:
    def __init__(self, number, name):
        self.number = number
        self.name = name
        self.balance = 100
        self.lock = asyncio.Lock()


async def transfer(source, destination, amount):
    async with source.lock:
        print(f"{source.name} -> {destination.name}: locked {source.name}")
        await asyncio.sleep(0.1)
        async with destination.lock:
            source.balance -= amount
            destination.balance += amount


async def transfer_in_order(source, destination, amount):
    # A transfer to itself moves nothing, and taking the same asyncio.Lock
    # twice would wait for ever: it is not reentrant.
    if source is destination:
        return
    first, second = sorted((source, destination), key=lambda account: account.number)
    async with first.lock:
        await asyncio.sleep(0.1)
        async with second.lock:
            source.balance -= amount
            destination.balance += amount
    print(f"{source.name} -> {destination.name}: done")


async def collect(queue):
    for order in range(1, 4):
        await queue.put(order)
    print("collector: sent 3 orders to itself")
    total = 0
    # An asyncio.Queue has no end: nothing says no more orders will come.
    while True:
        total += await queue.get()


async def collect_closed(queue):
    for order in range(1, 4):
        await queue.put(order)
    # The end, said in-band; Python 3.13 has queue.shutdown() for it.
    await queue.put(None)
    total = 0
    while (order := await queue.get()) is not None:
        total += order
    return total


async def show_where_each_task_waits(at):
    await asyncio.sleep(at)
    me = asyncio.current_task()
    print(f"at {at:.1f}s, where each task waits:", file=sys.stderr)
    for task in sorted(asyncio.all_tasks(), key=lambda task: task.get_name()):
        if task is me:
            continue
        print(f"  {task.get_name()}", file=sys.stderr)
        for frame in task.get_stack():
            code = frame.f_code
            print(f"    {code.co_name} at line {frame.f_lineno}", file=sys.stderr)


def accounts():
    return Account(1, "checking"), Account(2, "savings")


async def main():
    monitor = asyncio.create_task(show_where_each_task_waits(1.0), name="monitor")
    checking, savings = accounts()
    stuck = [
        asyncio.create_task(transfer(checking, savings, 30), name="transfer 1"),
        asyncio.create_task(transfer(savings, checking, 20), name="transfer 2"),
        asyncio.create_task(collect(asyncio.Queue(8)), name="collector"),
    ]
    _, pending = await asyncio.wait(stuck, timeout=PATIENCE)
    if pending:
        print(
            f"after {PATIENCE:.1f}s: {len(pending)} tasks still waiting, "
            "none of them failed"
        )
    for task in pending:
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)
    await monitor

    checking, savings = accounts()
    await asyncio.gather(
        transfer_in_order(checking, savings, 30),
        transfer_in_order(savings, checking, 20),
    )
    print(f"locks in one order: checking {checking.balance}, savings {savings.balance}")

    total = await collect_closed(asyncio.Queue(8))
    print(f"sender dropped: the collector's total is {total}")


asyncio.run(main())
