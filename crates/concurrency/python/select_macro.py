"""What `select!` does, written with asyncio.wait(FIRST_COMPLETED): it hands
back every task that is done and leaves the rest running, so the rest is the
caller's code. A value that "doesn't match" is a result the caller skips,
waiting again on the others; a "disabled" branch is a task left out of the
set; `else` is the set running empty; `biased;` is the order in which the
caller looks at the done tasks; a restarted search is a task cancelled and
made again.

The asyncio twin of crates/concurrency/src/select_macro.rs.
"""

import asyncio

PATIENCE = 1
SEARCH_TIME = 0.8
TYPING_INTERVAL = 0.5


def stamp(clock):
    return f"[{asyncio.get_running_loop().time() - clock:.1f}s]"


def queued(items):
    """A queue holding `items`, then None: the Rust's closed channel."""
    queue = asyncio.Queue()
    for item in [*items, None]:
        queue.put_nowait(item)
    return queue


async def word_or_timeout(words):
    get = asyncio.create_task(words.get())
    timer = asyncio.create_task(asyncio.sleep(PATIENCE))
    pending = {get, timer}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if get in done and get.result() is not None:
            timer.cancel()
            return get.result()
        if timer in done:
            get.cancel()
            return None
    return None


async def drain(letters, digits, quota):
    """The gets run on as tasks across turns; a done one is handled on a
    later turn if another came first, so nothing is lost."""
    taken = []
    digits_taken = 0
    letter = asyncio.create_task(letters.get())
    digit = asyncio.create_task(digits.get())
    while letter or digit:
        await asyncio.wait({task for task in (letter, digit) if task},
                           return_when=asyncio.FIRST_COMPLETED)
        if letter and letter.done():
            if (value := letter.result()) is None:
                letter = None
            else:
                taken.append(value)
                letter = asyncio.create_task(letters.get())
            continue
        value = digit.result()
        digit = None
        if value is not None:
            taken.append(str(value))
            digits_taken += 1
            if digits_taken < quota:
                digit = asyncio.create_task(digits.get())
    # Less the None that closes the queue.
    return taken, digits.qsize() - 1


async def search(query):
    await asyncio.sleep(SEARCH_TIME)
    return f'results for "{query}"'


async def search_as_you_type(queries, clock):
    first = await queries.get()
    print(f'{stamp(clock)} query "{first}": search started')
    searching = asyncio.create_task(search(first))
    get = asyncio.create_task(queries.get())
    pending = {searching, get}
    answer = None
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if searching in done:
            answer = searching.result()
            print(f"{stamp(clock)} {answer}")
        if get in done and (query := get.result()) is not None:
            print(f'{stamp(clock)} query "{query}": search restarted')
            searching.cancel()
            pending.discard(searching)
            searching = asyncio.create_task(search(query))
            get = asyncio.create_task(queries.get())
            pending |= {searching, get}
    return answer


async def type_queries(queries):
    for turn, query in enumerate(["to", "tok", "tokio"]):
        if turn > 0:
            await asyncio.sleep(TYPING_INTERVAL)
        await queries.put(query)
    await queries.put(None)


class Refused(Exception):
    def __init__(self, mirror):
        super().__init__(f"{mirror}: connection refused")


MIRRORS = {"mirror-a": (0.5, False), "mirror-b": (1, True)}


async def connect(mirror):
    delay, up = MIRRORS[mirror]
    await asyncio.sleep(delay)
    if not up:
        raise Refused(mirror)
    return mirror


async def first_answer(path, log):
    """A task that raised is skipped, and the others waited for again."""
    pending = {asyncio.create_task(connect(mirror)) for mirror in MIRRORS}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is None:
                for loser in pending:
                    loser.cancel()
                log.append(f"{task.result()} answered")
                return f"{path} from {task.result()}"
    return None


async def first_outcome(path):
    """The first task done decides: its exception is raised here."""
    tasks = {asyncio.create_task(connect(mirror)) for mirror in MIRRORS}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for loser in pending:
        loser.cancel()
    return f"{path} from {done.pop().result()}"


async def main():
    loop = asyncio.get_running_loop()

    print("A closed channel's None against `Some(word)`:")
    clock = loop.time()
    got = await word_or_timeout(queued([]))
    print(f"{stamp(clock)} select! returned {got}")

    print("\nTwo letters and three digits queued, a quota of two digits:")
    taken, digits_left = await drain(queued("ab"), queued([1, 2, 3]), 2)
    print(f"taken in this order: {' '.join(taken)}")
    print(f"`else`: no letters left, digits over quota, {digits_left} still queued")

    print("\nA search restarted by each query:")
    clock = loop.time()
    queries = asyncio.Queue(1)
    answer, _ = await asyncio.gather(search_as_you_type(queries, clock), type_queries(queries))
    print(f"{stamp(clock)} `else`: the typist stopped, the answer is {answer or 'none'}")

    print("\n`Ok(body)` patterns, `?` inside each async block:")
    clock = loop.time()
    log = []
    body = await first_answer("/index", log)
    print(f"{stamp(clock)} {body or 'no answer'}; log: {', '.join(log)}")

    print("\n`outcome?` in the handlers:")
    clock = loop.time()
    try:
        body = await first_outcome("/index")
        print(f"{stamp(clock)} {body}")
    except Refused as error:
        print(f"{stamp(clock)} returned early: {error}")


asyncio.run(main())
