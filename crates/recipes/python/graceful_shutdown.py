"""A TCP server that stops on Ctrl-C or SIGTERM: it stops accepting, closes
idle connections, gives the requests in flight a grace period to finish, and
stops at once on a second signal or when the grace period runs out.

asyncio.run already turns a first Ctrl-C into the main task's cancellation
and a second into KeyboardInterrupt; a server that wants a grace period, and
SIGTERM, registers its own handlers with loop.add_signal_handler, which
replace that behaviour for as long as they are registered.

The asyncio twin of crates/recipes/src/graceful_shutdown.rs.
"""

import asyncio
import signal

IDLE_TIMEOUT = 30
WRITE_TIMEOUT = 1
MAX_LINE = 100
MAX_WORK_MS = 60_000
DRAIN_LIMIT = 64 * 1024
DRAIN_TIME = 1


class ShutdownSignals:
    """Ctrl-C (SIGINT) and SIGTERM, as a queue of names."""

    def __init__(self):
        self.queue = asyncio.Queue()
        loop = asyncio.get_running_loop()
        for number, name in [(signal.SIGINT, "Ctrl-C"), (signal.SIGTERM, "SIGTERM")]:
            loop.add_signal_handler(number, self.queue.put_nowait, name)

    async def recv(self):
        return await self.queue.get()

    def close(self):
        loop = asyncio.get_running_loop()
        for number in [signal.SIGINT, signal.SIGTERM]:
            loop.remove_signal_handler(number)


def describe(stopped, grace):
    kind, signal_name, cut_off = stopped
    plural = "" if cut_off == 1 else "s"
    if kind == "gracefully":
        return "stopped gracefully: every connection finished"
    if kind == "grace over":
        return f"stopped after the grace period of {grace}s, cutting off {cut_off} connection{plural}"
    return f"stopped at once by a second {signal_name}, cutting off {cut_off} connection{plural}"


def exit_status(stopped):
    return 0 if stopped[0] == "gracefully" else 1


async def send(writer, line):
    writer.write(f"{line}\n".encode())
    async with asyncio.timeout(WRITE_TIMEOUT):
        await writer.drain()


async def drain(reader, writer):
    """Ends the stream, then reads and discards what the client still sends,
    for a bounded time and amount: closing with its input unread would reset
    the connection, which can destroy the last reply."""
    writer.write_eof()
    left = DRAIN_LIMIT
    try:
        async with asyncio.timeout(DRAIN_TIME):
            while left > 0 and (data := await reader.read(min(left, 65536))):
                left -= len(data)
    except TimeoutError:
        pass


async def serve_connection(reader, writer, shutdown):
    try:
        while True:
            stopping = asyncio.ensure_future(shutdown.wait())
            reading = asyncio.ensure_future(asyncio.wait_for(reader.readline(), IDLE_TIMEOUT))
            await asyncio.wait({stopping, reading}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                reading.cancel()
                # cancel() only asks: until the read has stopped, drain() can't read.
                await asyncio.gather(reading, return_exceptions=True)
                break
            stopping.cancel()
            try:
                line = reading.result()
            except TimeoutError:
                break
            except ValueError:
                await send(writer, f"error: a request is {MAX_LINE} bytes at most")
                continue
            if not line:
                return
            try:
                ms = int(line.strip())
            except ValueError:
                ms = -1
            if not 0 <= ms <= MAX_WORK_MS:
                await send(writer, f"error: expected milliseconds of work, at most {MAX_WORK_MS // 1000}s")
                continue
            work = f"{ms}ms" if ms < 1000 else f"{ms / 1000:g}s"
            await send(writer, f"started: {work} of work")
            await asyncio.sleep(ms / 1000)  # the request's real work goes here
            await send(writer, f"done: {work} of work")
        await drain(reader, writer)
    finally:
        writer.close()


async def serve(server, connections, shutdown, signals, grace):
    first = await signals.recv()
    server.close()  # refuses new clients
    shutdown.set()
    open_now = [task for task in connections if not task.done()]
    print(f"server: {first}: no new connections; {len(open_now)} still open, given up to {grace}s to finish")
    second = asyncio.ensure_future(signals.recv())
    finishing = asyncio.ensure_future(asyncio.wait(open_now, timeout=grace))
    await asyncio.wait({second, finishing}, return_when=asyncio.FIRST_COMPLETED)
    left = [task for task in open_now if not task.done()]
    for task in left:
        task.cancel()
    await asyncio.gather(*left, return_exceptions=True)
    if second.done():
        finishing.cancel()
        return ("forced", second.result(), len(left))
    second.cancel()
    return ("gracefully" if not left else "grace over", None, len(left))


async def answer(reader):
    async with asyncio.timeout(20):
        try:
            line = await reader.readline()
        except ValueError:
            raise ValueError(f"the server sent a line longer than {MAX_LINE} bytes") from None
    return line.decode().rstrip("\n") if line else "(closed)"


async def demo(name, work_ms, grace, to_send, signals):
    shutdown = asyncio.Event()
    connections = set()

    async def handle(reader, writer):
        connections.add(asyncio.current_task())
        try:
            await serve_connection(reader, writer, shutdown)
        except asyncio.CancelledError:
            # Cut off by serve. The handler's task ends here: 3.11's
            # start_server reports a cancelled handler as an error.
            pass

    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_LINE)
    port = server.sockets[0].getsockname()[1]

    async def clients():
        # Lines of MAX_LINE bytes at most, as the server's requests are.
        idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_LINE)
        busy_reader, busy_writer = await asyncio.open_connection("127.0.0.1", port, limit=MAX_LINE)
        busy_writer.write(f"{work_ms}\n".encode())
        await answer(busy_reader)
        print(f"{name}: one client is idle, another's {work_ms} ms of work has started")
        for index, number in enumerate(to_send):
            if index > 0:
                await asyncio.sleep(0.1)
            signal.raise_signal(number)
            again = " again" if index > 0 else ""
            print(f"{name}: sending {signal.Signals(number).name}{again}")
            # The handler runs on the loop's next turn.
            await asyncio.sleep(0)
            if index == 0:
                print(f"{name}: the idle client got {await answer(idle_reader)}")
                # And closes its side, which ends the server's drain.
                idle_writer.write_eof()
        first = await answer(busy_reader)
        if first == "(closed)":
            print(f"{name}: the busy client got (closed)")
        else:
            print(f'{name}: the busy client got "{first}", then {await answer(busy_reader)}')
        idle_writer.close()
        busy_writer.close()

    stopped, _ = await asyncio.gather(serve(server, connections, shutdown, signals, grace), clients())
    print(f"{name}: {describe(stopped, grace)} (exit status {exit_status(stopped)})")


async def main():
    signals = ShutdownSignals()
    try:
        await demo("graceful", 300, 5, [signal.SIGINT], signals)
        await demo("grace over", 10_000, 1, [signal.SIGTERM], signals)
        await demo("twice", 10_000, 5, [signal.SIGINT, signal.SIGINT], signals)
    finally:
        signals.close()


asyncio.run(main())
