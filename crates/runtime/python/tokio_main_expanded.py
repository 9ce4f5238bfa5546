"""What asyncio.run does, written out: a new event loop, run_until_complete,
then the left-over tasks cancelled and the executor's jobs awaited before
the loop closes.

The asyncio twin of crates/runtime/src/tokio_main_expanded.rs.
"""
# differs from the golden file: asyncio.run has one flavour, and it cancels a left-over task and waits for the executor before it returns, where Tokio's block_on returns first and the runtime's drop does both

import asyncio
import threading


async def hello():
    print("Hello")
    await asyncio.sleep(0.1)
    print("World")


async def main():
    task_gone = threading.Event()

    async def left_over():
        try:
            await asyncio.sleep(60)
            print("Left-over task finished (never printed)")
        finally:
            print("Left-over task cancelled where it waited")
            task_gone.set()

    def blocking_job():
        task_gone.wait()
        print("Blocking job finished")

    asyncio.create_task(left_over())
    asyncio.get_running_loop().run_in_executor(None, blocking_job)
    await hello()


def asyncio_run_written_out(coroutine):
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(coroutine)
        print("run_until_complete returned")
        left = asyncio.all_tasks(loop)
        for task in left:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()
    print("Loop closed, after its executor's job")


print("asyncio.run(main()), written out:")
asyncio_run_written_out(main())
