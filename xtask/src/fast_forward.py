# What `cargo xtask twins` runs a twin under, as `python -P
# xtask/src/fast_forward.py twin.py args...`: an event loop whose clock jumps
# to the next timer whenever nothing is ready (looptime), so the twin's times
# are as exact as the example's on Tokio's paused clock. With
# TWIN_TIMELINE_FILE set, it also writes there the twin's tasks on that clock,
# in the text form of crates/infra/protocol/src/timeline.rs, so that the book draws
# them under the example's own.
import asyncio, linecache, os, runpy, sys, looptime

sys.argv = sys.argv[1:]
TWIN = os.path.abspath(sys.argv[0])
OUT = os.environ.get("TWIN_TIMELINE_FILE")
# One dict a task: its row, in the order the tasks were created.
rows = []
start = None


def micros(loop):
    return round((loop.time() - start) * 1_000_000)


def seconds(us):
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def creator(name):
    """The twin's line that led to the task (gather's or TaskGroup's caller,
    not asyncio's own line), and the coroutine's name where the line lacks it."""
    frame = sys._getframe(2)
    while frame and os.path.abspath(frame.f_code.co_filename) != TWIN:
        frame = frame.f_back
    if frame is None:
        return "-", f"{name}()"
    line = linecache.getline(TWIN, frame.f_lineno).strip()
    code = line if name in line else f"{line}  # {name}()"
    return f"{os.path.basename(TWIN)}:{frame.f_lineno}", code


if OUT:
    # The pure-Python Task, whose step a subclass can time; the C one hides it.
    if not hasattr(getattr(asyncio.tasks, "_PyTask", None), "_Task__step"):
        sys.exit(f"TWIN_TIMELINE_FILE needs asyncio.tasks._PyTask._Task__step, as in Python "
                 f"3.11; Python {sys.version.split()[0]} has none")

    class Recorded(asyncio.tasks._PyTask):
        def __init__(self, coro, *, loop, **kwargs):
            global start
            start = loop.time() if start is None else start
            parent = getattr(asyncio.current_task(loop), "row", None)
            at, code = creator(getattr(coro, "__name__", type(coro).__name__))
            kind = "task" if rows else "main"
            self.row = {"kind": kind, "parent": parent, "at": at, "code": code,
                        "spawned": micros(loop), "polls": [], "ended": None, "index": len(rows)}
            rows.append(self.row)
            super().__init__(coro, loop=loop, **kwargs)

        def _Task__step(self, exc=None):
            began = micros(self._loop)
            try:
                super()._Task__step(exc)
            finally:
                poll, row = (began, micros(self._loop)), self.row
                if not row["polls"] or row["polls"][-1] != poll:
                    row["polls"].append(poll)
                if self.done():
                    # As Tokio's timeline says it: a task still alive when the
                    # main one ended was dropped (asyncio.run cancels it).
                    main = rows[0]["ended"] is not None and row["kind"] == "task"
                    how = "aborted" if self.cancelled() else "ended"
                    row["ended"] = (poll[1], "dropped" if main else how, self._exception)

    def factory(loop, coro, **kwargs):
        # Once the main task has ended, asyncio.run's own clean-up is no task of the twin's.
        if rows and rows[0]["ended"] is not None:
            return asyncio.Task(coro, loop=loop, **kwargs)
        return Recorded(coro, loop=loop, **kwargs)


def write():
    section, example = TWIN.split(os.sep)[-3], os.path.basename(TWIN).removesuffix(".py")
    text = f"timeline\t1\t{section}/{example}\tvirtual\n"
    for row in rows:
        i, parent = row["index"], "-" if row["parent"] is None else row["parent"]["index"]
        text += f"row\t{i}\t{row['kind']}\t{parent}\t{row['at']}\t{row['code']}\n"
        text += f"spawned\t{i}\t{seconds(row['spawned'])}\n"
        text += "".join(f"poll\t{i}\t{seconds(a)}\t{seconds(b)}\n" for a, b in row["polls"])
        if row["ended"]:
            text += f"ended\t{i}\t{seconds(row['ended'][0])}\t{row['ended'][1]}\n"
    if rows and rows[0]["ended"] and rows[0]["ended"][1:] == ("ended", None):
        text += f"returned\t{seconds(rows[0]['ended'][0])}\n"
    with open(OUT, "w") as file:
        file.write(text)


class Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        loop = looptime.patch_event_loop(super().new_event_loop())
        if OUT and rows:
            sys.exit("TWIN_TIMELINE_FILE records one asyncio.run, and this twin has several")
        if OUT:
            loop.set_task_factory(factory)
        return loop


asyncio.set_event_loop_policy(Policy())
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    if OUT:
        write()
