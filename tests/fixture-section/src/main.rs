//! A section binary built on the runner, whose examples pass, print
//! something else, fail, panic, hang, hang while a process they started
//! holds their output, deadlock on two locks (their `let`s as rustfmt
//! splits them, too), on a lock and a oneshot or on two RwLocks, futurelock,
//! keep guards in a struct or another task (an owned read guard, a guard of a
//! `static` lock), take locks in one order, yield all the time, block their thread for
//! ever, or when asked for a dump (a worker's too), leave a task running (by mistake
//! and on purpose), stop a task whose poll holds its thread,
//! leave things behind when they are cancelled (a task among them, by
//! mistake and on purpose), wait for a server that never answers (with and
//! without a time limit), run for ever on the paused clock, wait for a
//! plain thread (one that answers soon, one that answers late) or leave one running when cancelled, print over time, and
//! print in another order on the real clock.
//! The tests drive it through `tests/integration/support.rs` to exercise
//! the runner's and xtask's real failure paths.

mod awaits_a_task;
mod blocks_a_worker;
mod blocks_after_cancel;
mod blocks_forever;
mod blocks_when_asked;
mod deadlocks;
mod detaches_on_purpose;
mod detaches_when_cancelled;
mod fails;
mod futurelocks;
mod gives_up_on_a_stall;
mod hands_on_a_read_guard;
mod hangs;
mod hangs_with_a_child;
mod inverts_lock_order;
mod keeps_guards;
mod leaves_a_task;
mod leaves_a_thread;
mod moves_a_static_guard;
mod not_cancel_safe;
mod ok;
mod oneshot_cycle;
mod panics;
mod prints_base_url;
mod prints_other;
mod prints_over_time;
mod runs_for_ever;
mod rwlock_cycle;
mod stops_a_busy_task;
mod swaps_on_the_real_clock;
mod takes_locks_in_order;
mod waits_for_a_silent_thread;
mod waits_for_a_thread;
mod waits_for_an_answer;
mod yields_all_the_time;

use runner::example;

fn main() -> std::process::ExitCode {
    runner::section![
        example!(ok),
        example!(prints_other),
        example!(fails),
        example!(panics),
        example!(hangs),
        example!(hangs_with_a_child),
        example!(prints_base_url, base_url),
        example!(leaves_a_task),
        example!(detaches_on_purpose).detaches(1),
        example!(stops_a_busy_task),
        example!(not_cancel_safe),
        example!(blocks_after_cancel),
        example!(waits_for_an_answer, base_url),
        example!(gives_up_on_a_stall, base_url),
        example!(deadlocks),
        example!(oneshot_cycle),
        example!(inverts_lock_order),
        example!(futurelocks),
        example!(keeps_guards),
        example!(takes_locks_in_order),
        example!(blocks_forever),
        example!(blocks_when_asked),
        example!(blocks_a_worker),
        example!(runs_for_ever),
        example!(waits_for_a_thread),
        example!(waits_for_a_silent_thread),
        example!(leaves_a_thread),
        example!(awaits_a_task),
        example!(detaches_when_cancelled).detaches_when_cancelled(),
        example!(hands_on_a_read_guard),
        example!(moves_a_static_guard),
        example!(rwlock_cycle),
        example!(yields_all_the_time),
        example!(prints_over_time),
        example!(swaps_on_the_real_clock),
    ]
    .run()
}
