//! The exercise track: small async programs to finish, checked on Tokio's
//! paused clock, where what a program prints *and when* is exact.
//!
//! `cargo run --bin exercises` builds the exercises, runs the first one that
//! does not pass yet and shows the compiler's error, a diff whose lines are
//! labelled with virtual times ("expected at 2.0s, printed at 6.0s"), or
//! success, after which it moves on. See the README's "Exercises" section.
//!
//! # Design
//!
//! - **A binary per exercise.** `exercises` is the checker; each exercise
//!   is a binary of its own, `src/bin/<name>.rs`, made by [`exercise!`]
//!   from the learner's file and the shared [`harness`]. `cargo run -p
//!   exercises` builds only the checker (`default-run`), so a learner's
//!   compile error cannot stop it: the checker builds the exercises itself
//!   (`cargo build --keep-going`, read through cargo's JSON messages), and
//!   since each is a crate of its own, one that does not compile stops no
//!   other: its compiler errors are its report.
//! - **A child process per exercise.** The checker runs the exercise's
//!   binary in a process group of its own (through the
//!   workspace's `proc` crate) and kills the group after a wall-clock
//!   bound, and once the harness exits, so a learner's panic, hang, busy
//!   loop or forgotten child process is reported by name with the timeout
//!   and never crashes or blocks the checker.
//! - **Exact times without runtime hooks.** The harness points its own fd 1
//!   at a pipe (`rustix`'s safe `dup2_stdout`), so exercises use plain
//!   `println!`. It runs the exercise on a current-thread runtime whose clock
//!   is paused, and drains the pipe in `on_thread_park`, stamping each line
//!   with `tokio::time::Instant::now()`. The paused clock only moves when the
//!   runtime parks its driver with nothing to run (or when the program calls
//!   `tokio::time::advance`, which no exercise needs), and Tokio's current-thread
//!   scheduler calls the `on_thread_park` callback right before that
//!   (`tokio-1.54.1/src/runtime/scheduler/current_thread/mod.rs`, `park`), so
//!   every line is drained before time can move past the instant it was
//!   printed at. Time never moves during a poll, and a line is stamped with
//!   the instant its newline reached the pipe. While the runtime runs
//!   without parking (a loop that never reaches an `.await`), a thread of
//!   the harness passes the lines on every 100 ms, stamped with the instant
//!   the runtime woke up at (`on_thread_unpark`), which is when they were
//!   printed: a run killed at [`WALL_LIMIT`] still shows what it printed.
//! - **Two bounds.** The exercise runs under a `tokio::time::timeout` of
//!   [`VIRTUAL_LIMIT`] (on the paused clock a program stuck awaiting forever
//!   reaches it at once; before its future is dropped, the harness takes a
//!   task dump, the runner's, so the checker can say where each task waits
//!   in the exercise's own file), and the checker kills a child that takes longer
//!   than [`WALL_LIMIT`] of real time (a loop that never yields). A run that
//!   prints the right lines but took more than [`BLOCKING_LIMIT`] of real
//!   time fails too: on a paused clock that can only be a blocked thread.
//! - **Progress is recomputed, never stored.** The first exercise that fails
//!   now is the current one; there is no progress file to go stale. The one
//!   thing kept is which of an exercise's three hints was shown last, so
//!   that `hint NAME` gives the next: a digit per exercise beside the
//!   checker's executable, in the target directory (`src/hints.rs` says why
//!   it can only go stale harmlessly).
//! - **Solutions** live in `exercises/.solutions/`, a hidden directory
//!   outside `src/`, where a learner finds them when looking for them and
//!   not before. The `solutions` feature compiles them in place of the
//!   learner's files; only `cargo run --bin exercises -- verify` (the CI
//!   check) uses it, and it checks both directions: every exercise as
//!   shipped fails, every solution passes. "As shipped" is as the last
//!   commit has it, never the learner's copy ([`shipped`]): `verify` writes
//!   those files into `.shipped/` and builds them with the `shipped`
//!   feature, so a learner's work changes none of its results.
//!   The same build holds the binary `exercise-selftest` (`src/selftest.rs`):
//!   a few programs a learner might write (a panic, an endless await, a busy
//!   loop, a blocked thread, a late spawned task), and `verify` checks that
//!   each is reported with its reason and with what it printed; and two that
//!   leave a process running, which must pass at once.
//! - **Traps by name.** A failed run that shows a classic trap (a guard
//!   dropped by `let _ =`, a blocking call, a sender never dropped, a
//!   future made anew in a `select!` loop, a lock held across `.await`)
//!   gets a note naming it (the checker's `diagnose` module), from the
//!   run's timing, real time and task dump, and for the traps a run alone
//!   can't tell apart, the learner's file. `verify` runs a program for
//!   each trap (`src/selftest/`, in the binary `exercise-selftest`) and checks which notes each report, and
//!   each shipped exercise, gives.

use std::fmt;
use std::time::Duration;

/// How long an exercise may run on the paused clock.
pub const VIRTUAL_LIMIT: Duration = Duration::from_secs(60);
/// How long the checker waits, in real time, for one exercise.
pub const WALL_LIMIT: Duration = Duration::from_secs(10);
/// Real time after which a run on the paused clock counts as blocked.
pub const BLOCKING_LIMIT: Duration = Duration::from_secs(2);

/// One exercise: its name on the command line, its file, and where to learn
/// what it needs.
pub struct Exercise {
    pub name: &'static str,
    /// The file under `exercises/src/exercises/` (and `exercises/.solutions/`).
    pub file: &'static str,
    /// The example that shows how, as `section/example`.
    pub example: &'static str,
    /// Three hints, each giving more away: a nudge that names no API, the
    /// API to use (with its documentation or the example), the answer.
    pub hints: [&'static str; 3],
    /// The expected output: one line per printed line, `<time> <text>`.
    pub expected: &'static str,
}

/// The one list of exercises, in the order the learner does them: each
/// one's module name, its file (under `src/exercises/`, and under
/// `.solutions/` for its reference solution), the example that shows how,
/// and its three hints: `["a nudge that names no API", "the API to use,
/// with its documentation or the example", "the answer, in words"]` (the
/// checker shows the answer's code under the third: what the reference
/// solution changes in the exercise). Its expected output is `expected/<name>.txt`, and its
/// binary `src/bin/<name>.rs`. The checker's catalog ([`EXERCISES`]) is made
/// from this list, by the macro named `$callback`; the tidy tests
/// `every_exercise_has_its_files_and_no_file_lacks_an_exercise` and
/// `every_exercise_has_its_binary_and_no_binary_lacks_an_exercise` fail when
/// a file and the list disagree.
#[macro_export]
macro_rules! with_catalog {
    ($callback:ident) => {
        $callback! {
            hello_sleep = "01_hello_sleep.rs", "basics/hello_world", [
                "In Rust, calling an `async fn` only builds a future: nothing happens until something drives it. Which keyword drives a future to its end, letting other tasks run while it waits?",
                "`tokio::time::sleep` (https://docs.rs/tokio/latest/tokio/time/fn.sleep.html) returns a future that completes after the given time; `.await` it.",
                "Awaiting `tokio::time::sleep` pauses this task without blocking the thread. Without `.await` the sleep is only built, never run: a Rust future does nothing until it is awaited."
            ];
            spawn_join = "02_spawn_join.rs", "basics/spawn_tasks", [
                "Both drinks must be brewing before you wait for either: start each as a task of its own first, and only then wait for the two to finish.",
                "`tokio::spawn` (https://docs.rs/tokio/latest/tokio/task/fn.spawn.html) starts a task and gives a `JoinHandle`, which you `.await` for the task's result.",
                "Spawn both brews before awaiting either: `tokio::spawn` starts a task at once and gives a `JoinHandle`, and awaiting the handle gives a `Result` that is `Err` only if the task panicked or was aborted."
            ];
            three_downloads = "03_three_downloads.rs", "basics/sequential_vs_concurrent", [
                "Each `.await` in a row waits for the one before it to finish. The three downloads must all be under way at once, and this does not even need a second task.",
                "`tokio::join!` (https://docs.rs/tokio/latest/tokio/macro.join.html) takes several futures, runs them concurrently inside the current task and gives back all their outputs.",
                "`tokio::join!` polls the three futures in turn inside this one task, so their sleeps overlap. Each `.await` in a row waits for the one before it to finish."
            ];
            timeout = "04_timeout.rs", "error-handling/timeouts", [
                "Put a limit around each lookup: wait for whichever comes first, the lookup's answer or the end of one second, and give the lookup up in the second case.",
                "`tokio::time::timeout` (https://docs.rs/tokio/latest/tokio/time/fn.timeout.html) wraps a future with a time limit and tells you whether it finished in time.",
                "`tokio::time::timeout` gives `Ok(answer)` if the lookup finishes in time and `Err(Elapsed)` if not, in which case the lookup has been dropped (cancelled)."
            ];
            select_race = "05_select_race.rs", "concurrency/race", [
                "Wait on both requests at once and take the first answer; the slower request must then be given up, so its `finished` line is never printed.",
                "`tokio::select!` (https://docs.rs/tokio/latest/tokio/macro.select.html) waits on several futures and runs the branch of the first to complete, dropping the others.",
                "`tokio::select!` waits for whichever request answers first and drops the other future, which cancels it: the slower request never gets to print `finished`."
            ];
            as_completed = "06_as_completed.rs", "concurrency/as_completed", [
                "Start all four jobs, then take their results one at a time in the order they finish, not the order they started, until none is left.",
                "A `tokio::task::JoinSet` (https://docs.rs/tokio/latest/tokio/task/struct.JoinSet.html) holds spawned tasks: `spawn` adds one, `join_next` waits for the next to finish.",
                "Spawn every job into the set first. Then `join_next` gives each task's `Result` in the order the tasks finish, and `None` once the set is empty."
            ];
            bounded_channel = "07_bounded_channel.rs", "patterns/bounded_queue", [
                "The producer should have to wait when the queue in front of the kitchen is full: give the queue a fixed size, so that sending blocks the producer (without blocking the thread) until there is room.",
                "`tokio::sync::mpsc::channel(capacity)` (https://docs.rs/tokio/latest/tokio/sync/mpsc/fn.channel.html) makes a bounded channel whose `send` waits while it is full.",
                "A channel made with room for two messages holds at most two, and `send` waits while it is full, so the producer can never get more than two orders ahead of the kitchen."
            ];
            semaphore_limit = "08_semaphore_limit.rs", "synchronization/semaphore", [
                "Each upload must take one of two tickets before it starts and give it back when it ends; an upload that finds no ticket left waits for one.",
                "A `tokio::sync::Semaphore` (https://docs.rs/tokio/latest/tokio/sync/struct.Semaphore.html) with two permits: `acquire` waits for a permit, and the permit goes back when it is dropped.",
                "Each task takes a permit before it uploads and keeps it in a named variable, so that it goes back when the task ends. (`let _ = ..` would drop the permit at once.)"
            ];
            cancel_cleanup = "09_cancel_cleanup.rs", "context-managers/cleanup_on_cancel", [
                "When the caller gives up, the query future is dropped at its `.await`, and the lines after it never run. Cleanup has to happen in something that runs whenever a value is dropped, however its owner ends.",
                "Implement the `Drop` trait (https://doc.rust-lang.org/std/ops/trait.Drop.html) for `Connection`: its `drop` runs when the value goes out of scope, on return and on cancellation alike.",
                "Print in `Drop`, and remove `close`: `drop` runs when the connection goes out of scope, at the end of `query` or when the timeout drops the `query` future at its `.await`."
            ];
            stream_pipeline = "10_stream_pipeline.rs", "iterators/async_generator", [
                "Treat the sensor like an iterator that yields over time: keep the high readings, turn each into a message, stop after three, and print each message as it arrives.",
                "`tokio_stream::StreamExt` (https://docs.rs/tokio-stream/latest/tokio_stream/trait.StreamExt.html) gives a stream `filter`, `map`, `take` and `next`; `tokio::pin!` pins the stream so `next` can be called.",
                "A stream's adapters read like an iterator's: keep the high readings, turn each into a message, stop after three. `next` needs the stream pinned, which `tokio::pin!` does."
            ];
            retry_backoff = "11_retry_backoff.rs", "error-handling/retry_and_timing", [
                "After each failure, wait before the next attempt, and make each wait twice as long as the one before.",
                "`tokio::time::sleep` (https://docs.rs/tokio/latest/tokio/time/fn.sleep.html) waits without blocking; a `Duration` can be doubled with `*= 2`.",
                "After printing each failure, sleep, then double the delay: waiting 0.1s, 0.2s and 0.4s puts the fourth attempt at 0.7s."
            ];
            no_blocking = "12_no_blocking.rs", "pitfalls/blocking_the_runtime", [
                "The work waits in a way that holds the runtime's only thread, so the heartbeat cannot run meanwhile. Wait in a way that lets the runtime run other tasks.",
                "`tokio::time::sleep` (https://docs.rs/tokio/latest/tokio/time/fn.sleep.html) waits by giving the thread back to the runtime; `tokio::task::spawn_blocking` (https://docs.rs/tokio/latest/tokio/task/fn.spawn_blocking.html) is for blocking work that cannot be made async.",
                "Sleep with Tokio's `sleep` and `.await` it: it gives the thread back to the runtime, which runs the heartbeat meanwhile. Blocking work that cannot be made async belongs in `tokio::task::spawn_blocking`."
            ];
            graceful_shutdown = "13_graceful_shutdown.rs", "real-world/background_services", [
                "The workers need a shared signal they can check between jobs: `run` raises it, each worker finishes its current job, notices it, says goodbye and returns.",
                "A `tokio_util::sync::CancellationToken` (https://docs.rs/tokio-util/latest/tokio_util/sync/struct.CancellationToken.html): clone it into each worker, check `is_cancelled()`, call `cancel()` from `run`.",
                "Each worker checks the token at the top of its loop and leaves the loop once it is cancelled, then prints `stopped`; `run` cancels the token after its sleep. As shipped the workers never stop, so `run` waits for them forever; the checker stops it after a minute of virtual time."
            ];
            shared_counter = "14_shared_counter.rs", "synchronization/mutex", [
                "Five tasks must add to one total. A spawned task must own what it uses, so they need shared ownership of the total, and a lock so that only one adds at a time.",
                "`std::sync::Arc` (https://doc.rust-lang.org/std/sync/struct.Arc.html) shares ownership between tasks; a `std::sync::Mutex` (https://doc.rust-lang.org/std/sync/struct.Mutex.html) guards the total; `tokio::sync::Mutex` (https://docs.rs/tokio/latest/tokio/sync/struct.Mutex.html) is for a lock held across an `.await`.",
                "Put the total in an `Arc<Mutex<u32>>`, give each task its own clone of the `Arc`, made before the `async move` block takes it, and add to the total under the lock. A std `Mutex` is enough: no task holds it across an `.await`."
            ];
            actor = "15_actor.rs", "patterns/producer_consumer", [
                "The actor takes messages out of its inbox one at a time until the inbox is closed; for each, it updates the balance and sends the new balance back on the reply channel that came with the message.",
                "`tokio::sync::mpsc::Receiver::recv` (https://docs.rs/tokio/latest/tokio/sync/mpsc/struct.Receiver.html#method.recv) gives `None` once every sender is gone and the queue is empty; `tokio::sync::oneshot::Sender::send` (https://docs.rs/tokio/latest/tokio/sync/oneshot/struct.Sender.html#method.send) replies once. `runtime/running_loop_handle` shows a reply on a `oneshot`.",
                "The account takes messages until `recv` gives `None`, the sign that every sender is gone, and then returns the balance. Each reply goes back on the message's own `oneshot`; sending it fails only if the caller stopped waiting, so that error can be ignored."
            ];
            watch_config = "16_watch_config.rs", "synchronization/watch_config", [
                "The worker should look at the latest settings just before each request, and the reloader should replace them, each through its own end of the channel that is already there.",
                "`tokio::sync::watch` (https://docs.rs/tokio/latest/tokio/sync/watch/index.html): `Receiver::borrow` reads the current value, `Sender::send` replaces it.",
                "Copy the current value out of `borrow()` rather than holding the borrow across an `.await`, and `send` a new value to publish it; `send` fails only when every receiver is gone."
            ];
            chat_room = "17_chat_room.rs", "synchronization/broadcast", [
                "Each member receives messages in a loop until the room closes. Receiving can also tell a member it fell behind and missed some, which is not the end of the room.",
                "`tokio::sync::broadcast::Receiver::recv` (https://docs.rs/tokio/latest/tokio/sync/broadcast/struct.Receiver.html#method.recv) returns a message, or `RecvError::Lagged(n)` when `n` were missed, or `RecvError::Closed` when every sender is gone.",
                "Loop on `recv` and handle its three outcomes: a message (wait the reader's lag, then print it), `RecvError::Lagged` (say how many were missed, and go on) and `RecvError::Closed` (stop). The room closes when its last `Sender` is dropped."
            ];
            rate_limiter = "18_rate_limiter.rs", "patterns/semaphore_rate_limiter", [
                "Each call takes a ticket before it starts, and the ticket must come back one second after the call started, whatever the call does, while the loop goes on starting calls.",
                "`tokio::sync::Semaphore::acquire_owned` (https://docs.rs/tokio/latest/tokio/sync/struct.Semaphore.html#method.acquire_owned) gives a permit you can move into a spawned task that drops it after a `sleep`.",
                "Each request takes an owned permit and moves it into a small task that drops it one second later, while the loop goes on to the next request."
            ];
            ttl_cache = "19_ttl_cache.rs", "patterns/ttl_cache", [
                "Remember when each price was loaded. Answer from the cache only while that moment is less than a second ago; otherwise load the price again and remember the new moment.",
                "`tokio::time::Instant` (https://docs.rs/tokio/latest/tokio/time/struct.Instant.html): `Instant::now()` and `elapsed()` follow the paused clock; keep `(price, loaded_at)` in the `HashMap`.",
                "Return the cached price while its entry is younger than `TIME_TO_LIVE`; otherwise load it and store it with the instant it was loaded. `tokio::time::Instant` follows the paused clock."
            ];
            scraper = "20_scraper.rs", "real-world/scrape_pages", [
                "Make each page's fetch a future, and run them through something that keeps at most three in flight and hands you each result as soon as it is done.",
                "`futures::StreamExt::buffer_unordered` (https://docs.rs/futures/latest/futures/stream/trait.StreamExt.html#method.buffer_unordered) on a stream of futures made with `futures::stream::iter(..).map(..)`.",
                "Turn the pages into a stream of fetches, and let `buffer_unordered(3)` run three at a time and hand over each result as it finishes."
            ];
            ticker = "21_ticker.rs", "real-world/background_services", [
                "Sleeping after each report adds the report's own time to every period. The deadlines should be fixed in advance, every 300 ms from the start, whatever each report takes.",
                "`tokio::time::interval` (https://docs.rs/tokio/latest/tokio/time/fn.interval.html) ticks at a fixed rate; await its `tick()` once per turn (the first tick completes at once).",
                "Make the interval once, before the loop, and await its `tick` first thing in each turn, with no sleep after the report. An interval's deadlines are fixed in advance, so the 100 ms of work does not push them back."
            ];
            try_join = "22_try_join.rs", "error-handling/gather_errors", [
                "Run the three fetches at the same time, and stop as soon as one of them fails, without waiting for the others.",
                "`tokio::try_join!` (https://docs.rs/tokio/latest/tokio/macro.try_join.html) runs fallible futures concurrently and returns at the first `Err`, dropping the rest.",
                "`tokio::try_join!` gives the three results, or the first `Err`, and drops the futures still running."
            ];
            idle_timeout = "23_idle_timeout.rs", "concurrency/select_loop", [
                "In each turn of the loop, wait for whichever comes first: the next message, or one second of silence. A new second starts with every turn, so each message restarts the countdown.",
                "`tokio::select!` (https://docs.rs/tokio/latest/tokio/macro.select.html) with one branch on `inbox.recv()` and one on a fresh `tokio::time::sleep` each turn.",
                "Inside the loop, a `select!` between the next message and a one-second sleep. The sleep is made anew on every turn, so each message restarts the second."
            ];
            connection_pool = "24_connection_pool.rs", "context-managers/connection_pool", [
                "First wait until a connection is free (one ticket per connection), then take an idle connection out of the list, and hand back a guard that holds both until it is dropped.",
                "`tokio::sync::Semaphore::acquire_owned` (https://docs.rs/tokio/latest/tokio/sync/struct.Semaphore.html#method.acquire_owned) gives a permit the `PooledConnection` can own; the idle list is behind a `Mutex`.",
                "Take an owned permit first, then an idle connection, and give the `PooledConnection` both: dropping it puts the connection back and frees the permit. Semaphore waiters are served first come, first served, so query 3 gets the first connection to come back."
            ];
            abort_task = "25_abort_task.rs", "basics/task_inspection", [
                "Dropping the handle lets the task run on. Tell the task itself to stop, then wait on the handle: what it gives back says whether the task was cancelled.",
                "`JoinHandle::abort` (https://docs.rs/tokio/latest/tokio/task/struct.JoinHandle.html#method.abort) cancels the task; awaiting the handle then gives a `JoinError` whose `is_cancelled` (https://docs.rs/tokio/latest/tokio/task/struct.JoinError.html#method.is_cancelled) is true.",
                "Abort the poller, then await its handle: the task stops at its next `.await` (here, at once: it is sleeping), and the handle gives `Err(JoinError)` whose `is_cancelled()` is true."
            ];
            load_shedding = "26_load_shedding.rs", "patterns/load_shedding", [
                "Waiting for room is what makes the requests pile up. Is there a way to offer a message to a bounded channel that never waits?",
                "`Sender::try_send` returns at once: `Ok(())`, or `Err(TrySendError::Full(request))` when the queue has no room (and `Closed` when the worker is gone), giving the request back. `use tokio::sync::mpsc::error::TrySendError;`. Documentation: https://docs.rs/tokio/latest/tokio/sync/mpsc/struct.Sender.html#method.try_send.",
                "`try_send` never waits: it takes the request, or gives it back in `TrySendError::Full` when the queue has no room, and in `TrySendError::Closed` when the worker is gone.",
            ];
            worker_pool = "27_worker_pool.rs", "patterns/many_producers_consumers", [
                "How long does each worker hold the lock? Temporaries in a `while let` condition live until the end of the loop's body.",
                "Take the job in a statement of its own: `let job = queue.lock().await.recv().await;` lets the guard go at the `;`, before the job runs. Then `let Some((job, ms)) = job else { break };`. Documentation: https://docs.rs/tokio/latest/tokio/sync/struct.MutexGuard.html.",
                "Each worker takes the next job in a statement of its own, so that the lock is held while waiting for a job and let go before the job runs; a worker stops once the queue is closed and empty.",
            ];
            deadline_loop = "28_deadline_loop.rs", "concurrency/select_loop", [
                "Each turn of the loop runs `select!` again, and evaluates its futures again. How old is the deadline's sleep on each turn?",
                "Make the sleep once, before the loop: `let deadline = sleep(Duration::from_secs(2)); tokio::pin!(deadline);` (a `Sleep` must be pinned to be polled by reference), and select on `&mut deadline`. Documentation: https://docs.rs/tokio/latest/tokio/macro.pin.html.",
                "Make the deadline's sleep once, before the loop, pin it, and select on `&mut deadline` in each turn: a sleep made inside the loop would start again at every reading.",
            ];
            ordered_log = "29_ordered_log.rs", "synchronization/mutex", [
                "The lock is taken. How long is it held?",
                "`let _ = ..` binds nothing: the guard is dropped at the end of that statement. A guard bound to a name, even `_printing`, lives until the end of its block. Documentation: https://doc.rust-lang.org/reference/patterns.html#wildcard-pattern.",
                "Hold the printer's lock in a named guard from the top of `write_entry`: it lives until the function returns, after the third line.",
            ];
            retry_timeout = "30_retry_timeout.rs", "error-handling/retry_and_timing", [
                "Two lessons in one: how to give up on a call that takes too long, and how to wait longer after each failure. Loop over the attempts.",
                "`tokio::time::timeout(ATTEMPT_LIMIT, service(takes_ms)).await` is `Ok(answer)` or `Err(Elapsed)`, and drops the call in the second case. `for (attempt, takes_ms) in (1..).zip(takes_ms)` numbers the attempts; `sleep(backoff).await; backoff *= 2;` between them. Documentation: https://docs.rs/tokio/latest/tokio/time/fn.timeout.html.",
                "Limit each attempt with `timeout`, which drops the call when the limit passes. After a timed-out attempt, wait, doubling the wait each time, but not after the last attempt; when all of them timed out, say that it gave up and return `None`.",
            ];
            circuit_breaker = "31_circuit_breaker.rs", "patterns/circuit_breaker", [
                "Before calling, ask whether the circuit is open and its second is not over yet; after calling, count the failure (or reset on success) and decide whether to open.",
                "`if let Some(until) = self.open_until && Instant::now() < until { return Err(..) }` turns a call away without awaiting `request` (dropping a future that was never polled runs none of it). Open with `self.open_until = Some(Instant::now() + COOLDOWN)`. Documentation: https://docs.rs/tokio/latest/tokio/time/struct.Instant.html.",
                "Turn the call away while `open_until` is still ahead. Otherwise await it: a success closes the breaker; a failure counts, and opens the breaker for `COOLDOWN` once `THRESHOLD` failures come in a row, or at once after a failed trial, which finds `open_until` still set.",
            ];
            token_bucket = "32_token_bucket.rs", "patterns/token_bucket", [
                "Three parts: the semaphore starts full; taking a token must not give it back when the permit is dropped; a spawned task adds one on each tick of an interval, and `stop` aborts it.",
                "`Semaphore::new(capacity)`; `acquire().await?.forget()` uses a permit up; `tokio::spawn(refill(..))` with `interval_at(Instant::now() + every, every)` (an `interval`'s first tick is at once) and `tokens.add_permits(1)` when `available_permits() < capacity`; `handle.abort()` then `handle.await` is `Err(e)` with `e.is_cancelled()`. Documentation: https://docs.rs/tokio/latest/tokio/sync/struct.Semaphore.html#method.add_permits.",
                "The refill task adds a permit at each tick of an interval whose first tick is one period away, while the bucket is not full. Taking a token acquires a permit and forgets it, so that it does not come back. Stopping aborts the refill task and awaits its handle, which reports the cancellation.",
            ];
            batcher = "33_batcher.rs", "iterators/stream_batches", [
                "A loop that waits for whichever comes first: the next item, or the deadline of the batch being filled. The deadline belongs to the batch, not to the turn of the loop.",
                "`tokio::select!` over `items.recv()` and a pinned `sleep` made once before the loop (`tokio::pin!(deadline)`), moved with `deadline.as_mut().reset(Instant::now() + MAX_WAIT)` when a batch starts. A branch guard, `() = &mut deadline, if !batch.is_empty() => ..`, disables it while no batch waits. Documentation: https://docs.rs/tokio/latest/tokio/time/struct.Sleep.html#method.reset.",
                "One `select!` loop over the next item and a deadline made once, before the loop. The first item of a batch moves the deadline to `MAX_WAIT` from now, a full batch is flushed at once, the deadline flushes what waits (its branch is off while the batch is empty), and a closed channel flushes the rest and ends the loop.",
            ];
            hedged_request = "34_hedged_request.rs", "concurrency/first_completed", [
                "Two waits in a row: first the primary against a timer, then the same primary against the backup. The primary must survive the first wait to take part in the second.",
                "`let mut primary = std::pin::pin!(primary);` lets `select!` poll `&mut primary` without consuming it. `tokio::select!` drops the branches that lose, cancelling them; the backup, a future nothing has polled yet, has not started. Documentation: https://doc.rust-lang.org/std/pin/macro.pin.html.",
                "Pin the primary, so that it can be polled by reference. Wait for it, or for `HEDGE_AFTER`; if it is still running then, say so and race it against the backup, keeping the primary's progress.",
            ];
            supervisor = "35_supervisor.rs", "error-handling/task_panics", [
                "A panic inside a spawned task ends that task only; awaiting its `JoinHandle` tells you how it ended. Loop over the runs.",
                "`tokio::spawn(worker(name, run, fails)).await` is `Err(error)` with `error.is_panic()` after a panic; `error.into_panic()` gives the payload, a `Box<dyn Any + Send>`, which is a `String` for `panic!` with arguments (`downcast_ref::<String>()`). Documentation: https://docs.rs/tokio/latest/tokio/task/struct.JoinError.html#method.into_panic.",
                "Run each attempt as a task of its own and await its handle: a panic comes back as a `JoinError` whose payload, a `String` for `panic!` with arguments, says why. Wait `RESTART_AFTER` between runs; after the last failed run, say that it gave up and return `None`.",
            ];
            task_group = "36_task_group.rs", "concurrency/task_group", [
                "At the first error, stop the others, but aborting only asks: a task is gone once its result, a cancellation, has come out of the set. To name the cancelled jobs, remember which task runs which job.",
                "`set.spawn(..)` returns an `AbortHandle` whose `id()` names the task; `set.abort_all()` cancels every task in the set; `set.join_next_with_id().await` gives `Err(error)` for a cancelled one, with `error.is_cancelled()` and `error.id()`. Documentation: https://docs.rs/tokio/latest/tokio/task/struct.JoinSet.html#method.join_next_with_id.",
                "Remember which job each task's id belongs to. When a job fails, abort every task of the set, wait for them all, collect the jobs of those that ended cancelled, sort and print them, then return the error.",
            ];
            cancel_safe_reader = "37_cancel_safe_reader.rs", "concurrency/cancel_safety", [
                "Whatever a future holds is lost when `select!` drops it. Where could the bytes of a half-read frame live instead, so the next call finds them?",
                "A struct with the reader and a `Vec<u8>` buffer: `self.reader.read_buf(&mut self.buffer).await?` appends what came (0 means the end of the stream) and is cancel safe; return a frame once `buffer[0]` says it is all there, with `self.buffer.drain(..=len)`. Documentation: https://docs.rs/tokio/latest/tokio/io/trait.AsyncReadExt.html#method.read_buf.",
                "Keep the buffer in a struct beside the stream, so that bytes read before a cancellation are still there at the next call: return a frame once its length byte says it has all come, and otherwise read more with `read_buf`, which is cancel safe. In `run`, select on reading a frame of that one reader.",
            ];
            deadlock = "38_deadlock.rs", "pitfalls/deadlock", [
                "Each task holds one lock and waits for the next one round the ring, which is held by a task that waits in turn. The shape of the waits is the bug, not any one lock. What if every task asked for its two locks in the same order?",
                "Pick the order by something every task agrees on, the account's `number`: lock the lower-numbered account first, whichever way the money goes, then sort the two guards back into source and destination. `tokio::sync::Mutex` (https://docs.rs/tokio/latest/tokio/sync/struct.Mutex.html) is not reentrant and never times out a waiter, so nothing breaks the cycle for you.",
                "Both tasks lock the lower-numbered account first, whichever way the money goes, then sort the two guards back into source and destination. Whoever holds the lower lock can always get the higher one, so no ring of waits can form.",
            ];
            lost_update = "39_lost_update.rs", "pitfalls/lost_update", [
                "Between a buyer's read of the count and its write, other buyers read the same count. The read and the write must happen as one step that nobody can come between, and the slow part need not be inside it.",
                "Take the seat in one hold of the lock: read the count and write it back, one less, under a single guard, in a block that ends before the payment's `.await`. (An `AtomicU32` with `fetch_update` does the same: https://doc.rust-lang.org/std/sync/atomic/struct.AtomicU32.html#method.fetch_update.) Documentation: https://doc.rust-lang.org/std/sync/struct.Mutex.html.",
                "Read the count and write it back, one less, in one hold of the lock, in a block that ends before the payment's `.await`; a count of 0 means sold out. Holding a Tokio `Mutex` across the payment would be correct too, but one buyer would pay at a time, and the lines would come late.",
            ];
            futurelock = "40_futurelock.rs", "pitfalls/futurelock", [
                "No task holds the lock, yet the fresh call waits in `Mutex::lock`. Which future asked for the lock before it, and is anything still polling that future?",
                "`select!` over `&mut report` keeps the raced future alive after another branch wins, still queued for the fair mutex, which hands it the lock when it is let go. Let the `select!` own the future instead, so the losing branch drops it. Documentation: https://docs.rs/tokio/latest/tokio/macro.select.html.",
                "Let the `select!` own the report's future: write `build_report(&cache)` in the branch itself, with no `tokio::pin!` and no `&mut`, so the future is dropped when the timer's branch wins, and the slow path calls `build_report` afresh. The lock then goes to whoever asks next.",
            ];
            kv_protocol = "41_kv_protocol.rs", "io/line_codec", [
                "Two parts: `execute` is plain Rust on one line of text; `serve` turns the byte stream into lines and back, and ends when the lines end.",
                "Split with `line.split_whitespace()` and match on the words. `Framed::new(stream, LinesCodec::new_with_max_length(MAX_LINE))` is a `Stream` of `Result<String, LinesCodecError>` (`lines.next().await`, `None` when the client hangs up) and a `Sink` of lines (`lines.send(reply).await`). A too-long line is `Err(LinesCodecError::MaxLineLengthExceeded)`. Documentation: https://docs.rs/tokio-util/latest/tokio_util/codec/struct.LinesCodec.html#method.new_with_max_length.",
                "`execute` matches the words of a line: `GET key`, `SET key value`, and an error for anything else. `serve` answers each line of the `Framed` stream with it, answers a line over the limit with an error and hangs up, and returns the error of a broken connection.",
            ];
            kv_server = "42_kv_server.rs", "io/echo_server", [
                "The accept loop waits for each connection to end before taking the next. Give each connection a task of its own, and a slot that it gives back when it ends.",
                "`JoinSet::spawn` for the connections (and `join_next` until it is empty, after the loop); `Arc::clone(&slots).acquire_owned().await` before `listener.recv()`, with the permit moved into the task, so at most `MAX_CONNECTIONS` run and the next one waits. Documentation: https://docs.rs/tokio/latest/tokio/sync/struct.Semaphore.html#method.acquire_owned.",
                "Take a slot before waiting for the next connection, and move it into that connection's task, so that the slot is freed when the task ends; spawn each connection into the `JoinSet`. Once the listener is closed, wait for every connection to end before the last line.",
            ];
            kv_shutdown = "43_kv_shutdown.rs", "real-world/background_services", [
                "Two waits need a second way out: the server's wait for a slot and for a connection, and each connection's wait for its next line. One signal, seen by all of them, and a clock on the connection's wait.",
                "A `CancellationToken` (clone it into each connection): `tokio::select! { () = shutdown.cancelled() => break, stream = listener.recv() => .. }`; `tokio::time::timeout(IDLE_LIMIT, lines.next())` is `Err(Elapsed)` when the client stayed silent. `Framed`'s `next` is cancel safe, so losing a `select!` loses no half-read line. Documentation: https://docs.rs/tokio-util/latest/tokio_util/sync/struct.CancellationToken.html.",
                "In `serve`, select between the shutdown and the next line under `IDLE_LIMIT`, and hang up on a client that stayed silent. In `server`, select the shutdown against waiting for a slot and against waiting for a connection, and give each connection a clone of the token.",
            ];
            kv_client = "44_kv_client.rs", "real-world/fetch_with_timeout", [
                "Give the whole exchange, sending and waiting for the reply, a time limit. Then think about the reply that comes late: which request will it be taken for?",
                "`tokio::time::timeout(REPLY_LIMIT, async { self.lines.send(command).await..; self.lines.next().await.. })` is `Err(Elapsed)` if no reply came in time. A request/reply connection with a reply still owed is out of step: replace `self.lines` with a new connection (`Self::connection(&self.connect).await?`). Documentation: https://docs.rs/tokio/latest/tokio/time/fn.timeout.html.",
                "Put the whole exchange, the request and its reply, under one `timeout`. When it passes, the connection still owes a reply and is out of step: replace it with a new one, and report no answer.",
            ];
            kv_expiry = "45_kv_expiry.rs", "patterns/ttl_cache", [
                "Two parts: each entry remembers the instant it stops being valid, and every read compares it with now; a task of its own wakes up at a steady rate, takes out what has expired, and leaves when the shutdown signal comes.",
                "`tokio::time::Instant` follows the paused clock; `now.checked_add(Duration::from_millis(ms))` is `None` instead of a panic when the client's number is too large. For the sweeper, `interval_at(Instant::now() + SWEEP_EVERY, SWEEP_EVERY)` (https://docs.rs/tokio/latest/tokio/time/fn.interval_at.html), its `MissedTickBehavior` decided, in a `tokio::select!` with `shutdown.cancelled()`, and `HashMap::retain` to remove. Documentation: https://docs.rs/tokio/latest/tokio/time/struct.Instant.html#method.checked_add.",
                "A key whose expiry has passed reads as missing; `SET key value PX ms` stores an expiry `ms` from now, and refuses a number too large for `checked_add`. The sweeper ticks on an interval whose first tick is one period away, stops on shutdown, and removes expired keys with `retain`, naming them in order.",
            ];
            kv_ratelimit = "46_kv_ratelimit.rs", "patterns/sliding_window", [
                "Two questions: what the limit must remember (when its window opened, and how much of it is used), and where it lives. One client's limit is used by one task only, the one serving that client.",
                "Keep the window's opening as a `tokio::time::Instant` (https://docs.rs/tokio/latest/tokio/time/struct.Instant.html), which follows the paused clock; `now.saturating_duration_since(opened)` is how long it has been open, and `RATE_WINDOW - elapsed` how long until it closes. Make the `RateLimit` a local of `serve`: a value only its own task touches needs no `Arc` and no `Mutex`. Documentation: https://docs.rs/tokio/latest/tokio/time/struct.Instant.html#method.saturating_duration_since.",
                "`check` opens a new window when none is open or the last has passed, and counts requests in the open one; past the limit it returns how long until the window closes. `serve` keeps one `RateLimit` for its client and checks it before it executes each line.",
            ];
        }
    };
}

macro_rules! catalog {
    ($($name:ident = $file:literal, $example:literal, [$nudge:literal, $api:literal, $answer:literal $(,)?];)*) => {
        /// Every exercise, in the order the learner does them.
        pub static EXERCISES: &[Exercise] = &[$(
            Exercise {
                name: stringify!($name),
                file: $file,
                example: $example,
                hints: [$nudge, $api, $answer],
                expected: include_str!(concat!("../expected/", stringify!($name), ".txt")),
            },
        )*];
    };
}

with_catalog!(catalog);

pub mod harness;
pub mod shipped;

/// The crate's directory, where `Cargo.toml`, `src/exercises/`, [`SOLUTIONS`]
/// and `expected/` are.
pub fn crate_dir() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The reference solutions' directory, under the crate's: hidden (a dot
/// directory, which `ls` and `rg` leave out), so that a learner finds the
/// answers when looking for them and not before.
pub const SOLUTIONS: &str = ".solutions";

/// An exercise's binary, `src/bin/<name>.rs`: its module, compiled from
/// one of three files named `$file`, and a `main` that runs it in the
/// [`harness`]. With the `track` feature it is the learner's file, in
/// `src/exercises/`; with `solutions`, the reference solution, in
/// `.solutions/`; with `shipped`, the exercise as shipped, which `verify`
/// copies into `.shipped/` (see [`shipped`]). The binary needs one of them
/// (`required-features` in Cargo.toml), so no other build of the workspace
/// builds it. Each exercise is a crate of its own, so one that does not
/// compile stops no other from being checked. The tidy test
/// `every_exercise_has_its_binary_and_no_binary_lacks_an_exercise` gives
/// the exact text of each binary's file and of its entry in Cargo.toml.
#[macro_export]
macro_rules! exercise {
    ($name:ident = $file:literal) => {
        // A `path` on an inline module names the directory of the modules
        // inside it; `path` itself takes only a literal, so each directory
        // is written out here once, not in every binary. Only the checker
        // builds these binaries, so `cargo test --workspace` stays green
        // whatever state an exercise is in.
        #[cfg_attr(
            not(any(feature = "shipped", feature = "solutions")),
            path = "../exercises"
        )]
        #[cfg_attr(
            all(feature = "shipped", not(feature = "solutions")),
            path = "../../.shipped"
        )]
        #[cfg_attr(feature = "solutions", path = "../../.solutions")]
        mod exercise {
            // The shipped exercises are unfinished on purpose: `todo!()`s,
            // values computed for the learner to use, loops the learner will
            // rewrite.
            #[path = $file]
            #[allow(
                clippy::while_let_loop,
                dead_code,
                unused_imports,
                unused_variables,
                unused_mut,
                unreachable_code
            )]
            pub mod $name;
        }

        fn main() -> ::std::process::ExitCode {
            $crate::harness::main(stringify!($name), $file, || {
                ::std::boxed::Box::pin(exercise::$name::run())
            })
        }
    };
}

/// Finds an exercise by name.
pub fn find(name: &str) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|exercise| exercise.name == name)
}

/// One line the harness reports to the checker on its real stdout.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    /// A line the exercise printed, at a virtual time in milliseconds.
    Line { at_ms: u64, text: String },
    /// The exercise returned; it took `wall_ms` of real time.
    Finished { wall_ms: u64 },
    /// The exercise was still running at [`VIRTUAL_LIMIT`].
    VirtualTimeout,
    /// Where one task of an exercise still running at [`VIRTUAL_LIMIT`]
    /// waited, as a sentence ([`describe_wait`]); these come before
    /// [`Record::VirtualTimeout`].
    Waits { text: String },
    /// The exercise panicked (the message is on stderr).
    Panicked,
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Record::Line { at_ms, text } => write!(f, "line {at_ms} {text}"),
            Record::Finished { wall_ms } => write!(f, "finished {wall_ms}"),
            Record::VirtualTimeout => f.write_str("virtual-timeout"),
            Record::Waits { text } => write!(f, "waits {text}"),
            Record::Panicked => f.write_str("panicked"),
        }
    }
}

impl Record {
    pub fn parse(line: &str) -> Option<Record> {
        let (kind, rest) = line.split_once(' ').unwrap_or((line, ""));
        match kind {
            "line" => {
                let (at, text) = rest.split_once(' ')?;
                Some(Record::Line {
                    at_ms: at.parse().ok()?,
                    text: text.to_owned(),
                })
            }
            "finished" => Some(Record::Finished {
                wall_ms: rest.parse().ok()?,
            }),
            "virtual-timeout" => Some(Record::VirtualTimeout),
            "waits" => Some(Record::Waits {
                text: rest.to_owned(),
            }),
            "panicked" => Some(Record::Panicked),
            _ => None,
        }
    }
}

/// One sentence on where a task of a hung exercise waits: `who` is "the
/// main task" or "the task spawned at 07_bounded_channel.rs:35", `wait` one
/// of its folded backtraces (see the runner's `dump` module). The line is
/// the innermost one of the exercise's own file; what it waits in follows,
/// with why such a wait can last for ever when that is worth saying.
pub fn describe_wait(who: &str, wait: Option<&runner::dump::Wait>) -> String {
    let Some(wait) = wait else {
        return format!(
            "{who} waits where a task dump can't see: in a `JoinSet` none of whose tasks \
             has finished, in a future that is not Tokio's, or on nothing that will ever \
             wake it"
        );
    };
    let place = match wait.innermost() {
        Some(place) => format!(" at {}", place.at),
        None => " outside your file".to_owned(),
    };
    let why = match why_it_waits(&wait.leaf) {
        Some(why) => format!(": {why}"),
        None => String::new(),
    };
    format!("{who} waits{place} in `{}`{why}", wait.leaf)
}

/// Why a wait in `leaf` can last for ever, for the leaves a hung exercise
/// usually waits in.
fn why_it_waits(leaf: &str) -> Option<&'static str> {
    let leaf = leaf.rsplit(" › ").next().unwrap_or(leaf);
    Some(match leaf {
        "mpsc::Receiver::recv" | "mpsc::UnboundedReceiver::recv" => {
            "a channel ends when its last sender is dropped"
        }
        "mpsc::Sender::send" => "the channel is full, and nothing receives from it",
        "oneshot::Receiver" => "its sender is never used, nor dropped",
        "broadcast::Receiver::recv" | "watch::Receiver::changed" => {
            "nothing sends any more, and a sender is still alive"
        }
        "JoinHandle" => "it waits for that task to end",
        "JoinSet::join_next" => "it waits for a task of the set to end",
        "Mutex::lock" | "RwLock::read" | "RwLock::write" => {
            "the lock is held, by another task or by a future of this one that nothing polls \
             any more (a futurelock), and never let go"
        }
        "Semaphore::acquire" | "Semaphore::acquire_owned" => "every permit is held",
        "Notify::notified" => "nothing calls `notify_one` or `notify_waiters` any more",
        "CancellationToken::cancelled" => "nothing cancels the token",
        "Barrier::wait" => "fewer tasks than the barrier's count reached it",
        _ => return None,
    })
}

/// Formats a virtual time as seconds with as few decimals as it needs, at
/// least one: `2.0s`, `0.25s`, `1.125s`.
pub fn format_time(ms: u64) -> String {
    let (secs, frac) = (ms / 1000, ms % 1000);
    if frac % 100 == 0 {
        format!("{secs}.{}s", frac / 100)
    } else if frac % 10 == 0 {
        format!("{secs}.{:02}s", frac / 10)
    } else {
        format!("{secs}.{frac:03}s")
    }
}

/// Parses what [`format_time`] writes, exactly (no floating point).
pub fn parse_time(text: &str) -> Option<u64> {
    let number = text.strip_suffix('s')?;
    let (secs, frac) = number.split_once('.').unwrap_or((number, ""));
    if secs.is_empty() || frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: u64 = secs.parse().ok()?;
    let frac_ms: u64 = format!("{frac:0<3}").parse().ok()?;
    secs.checked_mul(1000)?.checked_add(frac_ms)
}

/// Parses an expected-output file: each line is `<time> <text>`.
pub fn parse_expected(text: &str) -> Result<Vec<(u64, String)>, String> {
    text.lines()
        .enumerate()
        .map(|(index, line)| {
            let (time, text) = line.split_once(' ').unwrap_or((line, ""));
            let at = parse_time(time)
                .ok_or_else(|| format!("line {}: `{time}` is not a time like 2.0s", index + 1))?;
            Ok((at, text.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        for ms in [0, 100, 250, 1125, 6000, 60_001] {
            assert_eq!(parse_time(&format_time(ms)), Some(ms), "{ms}");
        }
        assert_eq!(format_time(2000), "2.0s");
        assert_eq!(format_time(250), "0.25s");
        assert_eq!(parse_time("2s"), Some(2000));
        assert_eq!(parse_time("2.0"), None);
        assert_eq!(parse_time("1.2345s"), None);
        assert_eq!(parse_time(".5s"), None);
    }

    #[test]
    fn records_round_trip() {
        for record in [
            Record::Line {
                at_ms: 1500,
                text: "a b  c".to_owned(),
            },
            Record::Line {
                at_ms: 0,
                text: String::new(),
            },
            Record::Finished { wall_ms: 3 },
            Record::VirtualTimeout,
            Record::Panicked,
            Record::Waits {
                text: "the main task waits at 07_bounded_channel.rs:36".to_owned(),
            },
        ] {
            assert_eq!(Record::parse(&record.to_string()), Some(record));
        }
        assert_eq!(Record::parse("nonsense"), None);
    }

    #[test]
    fn a_wait_names_the_line_the_leaf_and_why() {
        use runner::dump::{Place, Wait};
        let wait = Wait {
            frames: vec![Place {
                function: "run".to_owned(),
                at: "07_bounded_channel.rs:36".to_owned(),
            }],
            leaf: "mpsc::Receiver::recv".to_owned(),
        };
        assert_eq!(
            describe_wait("the main task", Some(&wait)),
            "the main task waits at 07_bounded_channel.rs:36 in `mpsc::Receiver::recv`: a \
             channel ends when its last sender is dropped"
        );
        let outside = Wait {
            frames: vec![],
            leaf: "sleep".to_owned(),
        };
        assert_eq!(
            describe_wait("the task spawned at x.rs:3", Some(&outside)),
            "the task spawned at x.rs:3 waits outside your file in `sleep`"
        );
        assert!(describe_wait("the main task", None).contains("where a task dump can't see"));
    }

    #[test]
    fn every_exercise_names_a_real_example() {
        for exercise in EXERCISES {
            let (section, example) = exercise.example.split_once('/').expect("section/example");
            let source = crate_dir().join(format!("../crates/{section}/src/{example}.rs"));
            assert!(
                source.is_file(),
                "{}: no example {}",
                exercise.name,
                exercise.example
            );
        }
    }

    /// The tidy check of the one list: every exercise has its three files,
    /// numbered in the list's order, and every file in the directories of
    /// solutions and expected outputs belongs to an exercise of the list.
    /// `src/exercises/` is the learner's: it is read only as shipped (a
    /// backup file an editor leaves there, or an exercise deleted to start
    /// again, must not turn this test red), and an exercise file without
    /// an entry in the list shows as a solution without one.
    #[test]
    fn every_exercise_has_its_files_and_no_file_lacks_an_exercise() {
        let mut problems = Vec::new();
        for (index, exercise) in EXERCISES.iter().enumerate() {
            let numbered = format!("{:02}_{}.rs", index + 1, exercise.name);
            if exercise.file != numbered {
                problems.push(format!(
                    "{}: its file is {}, but its place in the list makes it {numbered}",
                    exercise.name, exercise.file
                ));
            }
            if let Err(error) = shipped::read(exercise.file) {
                problems.push(format!("{}: {error}", exercise.name));
            }
        }
        let files: Vec<String> = EXERCISES.iter().map(|e| e.file.to_owned()).collect();
        let outputs: Vec<String> = EXERCISES
            .iter()
            .map(|e| format!("{}.txt", e.name))
            .collect();
        for (dir, wanted) in [(SOLUTIONS, &files), ("expected", &outputs)] {
            let entries = std::fs::read_dir(crate_dir().join(dir)).expect("the directory");
            let found: Vec<String> = entries
                .map(|entry| {
                    entry
                        .expect("an entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            for name in wanted {
                if !found.contains(name) {
                    problems.push(format!("{dir}/{name} is missing"));
                }
            }
            for name in &found {
                if !wanted.contains(name) {
                    problems.push(format!(
                        "{dir}/{name} belongs to no exercise of `with_catalog!` in src/lib.rs"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// `exercise!` names the directories of the solutions and of the
    /// copies as shipped in literals (a `path` takes nothing else): they
    /// must be the ones the checker reads and `verify` writes.
    #[test]
    fn exercise_compiles_the_directories_the_checker_uses() {
        let source = include_str!("lib.rs");
        for dir in [SOLUTIONS, shipped::COPIES] {
            assert!(
                source.contains(&format!("path = \"../../{dir}\"")),
                "exercise! does not name {dir}"
            );
        }
    }

    /// What `src/bin/<name>.rs` holds for `exercise`: its binary.
    fn binary_source(exercise: &Exercise) -> String {
        format!(
            "//! The exercise `{name}`, built and run by the checker (`cargo run --bin exercises`).\n\
             \n\
             exercises::exercise! {{\n    \
             {name} = \"{file}\"\n\
             }}\n",
            name = exercise.name,
            file = exercise.file
        )
    }

    /// What Cargo.toml lists for `exercise`'s binary: only a build with
    /// `track` (the checker's) builds it.
    fn manifest_entry(exercise: &Exercise) -> String {
        format!(
            "[[bin]]\nname = \"{name}\"\npath = \"src/bin/{name}.rs\"\nrequired-features = \
             [\"track\"]\n",
            name = exercise.name
        )
    }

    /// The tidy check of the binaries: each exercise is a binary of its
    /// own, `src/bin/<name>.rs`, made by `exercise!` from the same list and
    /// listed in Cargo.toml so that only the checker builds it, and no
    /// binary there lacks an exercise.
    #[test]
    fn every_exercise_has_its_binary_and_no_binary_lacks_an_exercise() {
        let bin = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin");
        let mut problems = Vec::new();
        for exercise in EXERCISES {
            let path = bin.join(format!("{}.rs", exercise.name));
            let wanted = binary_source(exercise);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(wanted.as_str()) {
                problems.push(format!(
                    "exercises/src/bin/{}.rs must hold exactly:\n{wanted}",
                    exercise.name
                ));
            }
        }
        let manifest = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"),
        )
        .expect("Cargo.toml");
        for exercise in EXERCISES {
            let wanted = manifest_entry(exercise);
            if !manifest.contains(&wanted) {
                problems.push(format!(
                    "exercises/Cargo.toml must list the binary of {} as:\n{wanted}",
                    exercise.name
                ));
            }
        }
        for entry in std::fs::read_dir(&bin).expect("src/bin") {
            let name = entry.expect("an entry").file_name();
            let name = name.to_string_lossy();
            let belongs = name
                .strip_suffix(".rs")
                .is_some_and(|name| find(name).is_some());
            if !belongs {
                problems.push(format!(
                    "exercises/src/bin/{name} belongs to no exercise of `with_catalog!` in \
                     src/lib.rs"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The spans in backticks of `text`.
    fn code_spans(text: &str) -> Vec<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    /// Each exercise's three hints give away more and more: the nudge names
    /// no API (nothing the second hint puts in backticks, no link), the
    /// second links to the API's documentation.
    #[test]
    fn every_nudge_names_no_api_and_every_api_hint_links_its_docs() {
        let mut problems = Vec::new();
        for exercise in EXERCISES {
            let [nudge, api, answer] = exercise.hints;
            let name = exercise.name;
            if [nudge, api, answer]
                .iter()
                .any(|hint| hint.trim().is_empty())
            {
                problems.push(format!("{name}: a hint is empty"));
            }
            // A path, a call, a macro, a method or a type: what the second
            // hint is for. (A plain name such as `run` is the exercise's.)
            let is_api = |span: &str| {
                span.contains(['.', ':', '(', '!']) || span.starts_with(char::is_uppercase)
            };
            for named in code_spans(nudge) {
                if is_api(named) && code_spans(api).contains(&named) {
                    problems.push(format!("{name}: the nudge names `{named}`"));
                }
            }
            if nudge.contains("https://") || nudge.contains("tokio") {
                problems.push(format!("{name}: the nudge names the API"));
            }
            if !api.contains("https://") {
                problems.push(format!("{name}: the API hint links no documentation"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// The answer's code is the reference solution's, which `hint` shows as
    /// a change under the third hint: the hint itself is prose, naming code
    /// only in short spans, never a statement or a block.
    #[test]
    fn every_answer_hint_is_prose() {
        let mut problems = Vec::new();
        for exercise in EXERCISES {
            for span in code_spans(exercise.hints[2]) {
                if span.chars().count() > 40 || span.contains([';', '{']) || span.contains("=>") {
                    problems.push(format!("{}: `{span}` is code, not prose", exercise.name));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_expected_file_parses_and_names_are_unique() {
        for (index, exercise) in EXERCISES.iter().enumerate() {
            parse_expected(exercise.expected).unwrap_or_else(|e| panic!("{}: {e}", exercise.name));
            assert!(
                EXERCISES[..index].iter().all(|e| e.name != exercise.name),
                "{} twice",
                exercise.name
            );
        }
    }
}
