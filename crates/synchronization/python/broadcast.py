"""A broadcast channel: every subscriber receives every message, and one
that falls more than the channel's capacity behind learns how many it
missed. asyncio has none, so this twin builds the small one it needs.

The asyncio twin of crates/synchronization/src/broadcast.rs.
"""

import asyncio
from collections import deque

CAPACITY = 4


class Subscription:
    def __init__(self):
        self.kept = deque()
        self.missed = 0
        self.closed = False
        self.changed = asyncio.Event()

    async def recv(self):
        """The next message, ("missed", n) after a lag, or None once closed."""
        while True:
            if self.missed:
                missed, self.missed = self.missed, 0
                return ("missed", missed)
            if self.kept:
                return self.kept.popleft()
            if self.closed:
                return None
            self.changed.clear()
            await self.changed.wait()


class Broadcast:
    def __init__(self):
        self.subscriptions = []

    def subscribe(self):
        subscription = Subscription()
        self.subscriptions.append(subscription)
        return subscription

    def send(self, message):
        for subscription in self.subscriptions:
            if len(subscription.kept) == CAPACITY:
                subscription.kept.popleft()  # the oldest is overwritten
                subscription.missed += 1
            subscription.kept.append(message)
            subscription.changed.set()
        return len(self.subscriptions)

    def close(self):
        for subscription in self.subscriptions:
            subscription.closed = True
            subscription.changed.set()


async def subscriber(messages, start=None):
    if start is not None:
        await start.wait()
    log = []
    while (message := await messages.recv()) is not None:
        if isinstance(message, tuple):
            log.append(f"(missed {message[1]})")
        else:
            log.append(message)
    return log


async def main():
    channel = Broadcast()
    names = ["fast-a", "fast-b", "slow"]
    # The slow subscriber starts reading when told, once the last tick is sent.
    start_slow = asyncio.Event()
    tasks = [
        asyncio.create_task(subscriber(channel.subscribe(), start))
        for start in [None, None, start_slow]
    ]
    for i in range(1, 9):
        assert channel.send(f"tick {i}") == len(names)
        await asyncio.sleep(0.1)
    start_slow.set()
    channel.close()
    logs = await asyncio.gather(*tasks)
    for name, log in zip(names, logs):
        print(f"{name}: {', '.join(log)}")


asyncio.run(main())
