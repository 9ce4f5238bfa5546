"""Cancel safety made visible: a read that keeps a frame's first bytes in a
local of the coroutine loses them when a timeout cancels it; readexactly,
which leaves them in the reader's buffer, loses nothing.

The asyncio twin of crates/concurrency/src/cancel_safety.rs.
"""

import asyncio

FRAME_LEN = 8
PATIENCE = 2
MAX_WAITS = 3


class StreamEndedMidFrame(Exception):
    def __init__(self, partial):
        super().__init__(
            f"the stream ended {len(partial)} bytes into a frame: {partial.decode()!r}"
        )


def stamp(clock):
    return f"[{asyncio.get_running_loop().time() - clock:.1f}s]"


async def read_frame_in_coroutine(reader, clock):
    """NOT cancel safe: the bytes of the frame in progress live in `frame`,
    and a cancellation between two reads throws them away."""
    frame = b""
    try:
        while len(frame) < FRAME_LEN:
            chunk = await reader.read(FRAME_LEN - len(frame))
            if not chunk:
                if not frame:
                    return None
                raise StreamEndedMidFrame(frame)
            frame += chunk
        return frame
    except asyncio.CancelledError:
        print(f"{stamp(clock)} dropped with {frame.decode()!r} read: those bytes are lost")
        raise


async def read_frame_in_reader(reader):
    """Cancel safe: readexactly takes the bytes out of the reader's buffer
    only once all of them are there."""
    try:
        return await reader.readexactly(FRAME_LEN)
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            return None
        raise StreamEndedMidFrame(error.partial) from None


async def sender(reader, clock):
    """Feeds three frames, pausing for 2.5 s in the middle of the second,
    then ends the stream."""
    writes = [(0.2, b"frame-01"), (0.3, b"fram"), (2.5, b"e-02"), (0.2, b"frame-03")]
    for pause, data in writes:
        await asyncio.sleep(pause)
        print(f"{stamp(clock)} sent {data.decode()!r}")
        reader.feed_data(data)
    reader.feed_eof()


async def receive(read_frame, clock):
    waits = 0
    while True:
        try:
            frame = await asyncio.wait_for(read_frame(), PATIENCE)
        except TimeoutError:
            waits += 1
            if waits == MAX_WAITS:
                ending = f"error: no frame within {PATIENCE * MAX_WAITS}s; giving up"
                break
            print(f"{stamp(clock)} no frame within {PATIENCE}s; waiting again")
            continue
        except StreamEndedMidFrame as error:
            ending = f"error: {error}"
            break
        if frame is None:
            ending = "the stream ended"
            break
        waits = 0
        print(f"{stamp(clock)} frame {frame.decode()!r}")
    print(f"{stamp(clock)} {ending}")


async def main():
    print("The frame in progress kept in the future:")
    clock = asyncio.get_running_loop().time()
    reader = asyncio.StreamReader()
    sending = asyncio.create_task(sender(reader, clock))
    await receive(lambda: read_frame_in_coroutine(reader, clock), clock)
    await sending

    print("\nThe frame in progress kept in the reader:")
    clock = asyncio.get_running_loop().time()
    reader = asyncio.StreamReader()
    sending = asyncio.create_task(sender(reader, clock))
    await receive(lambda: read_frame_in_reader(reader), clock)
    await sending


asyncio.run(main())
