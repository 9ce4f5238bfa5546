//! A section binary built on the runner, whose examples pass, print
//! something else, fail, panic, hang, hang while a process they started
//! holds their output, deadlock on two locks (their `let`s as rustfmt
//! splits them, too) or on a lock and a oneshot, futurelock, keep guards in
//! a struct or another task, take locks in one order, block their thread for
//! a while or for ever, leave a task running (by mistake and on purpose),
//! leave things behind when they are cancelled (a task among them, by
//! mistake and on purpose), wait for a server that never answers (with and
//! without a time limit), run for ever on the paused clock, and wait for a
//! plain thread or leave one running when cancelled. The tests drive it
//! through `tests/integration/support.rs` to exercise the runner's and
//! xtask's real failure paths.

mod awaits_a_task;
mod blocks_a_while;
mod blocks_after_cancel;
mod blocks_forever;
mod deadlocks;
mod detaches_on_purpose;
mod detaches_when_cancelled;
mod fails;
mod futurelocks;
mod gives_up_on_a_stall;
mod hangs;
mod hangs_with_a_child;
mod inverts_lock_order;
mod keeps_guards;
mod leaves_a_task;
mod leaves_a_thread;
mod not_cancel_safe;
mod ok;
mod oneshot_cycle;
mod panics;
mod prints_base_url;
mod prints_other;
mod runs_for_ever;
mod takes_locks_in_order;
mod waits_for_a_thread;
mod waits_for_an_answer;

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
        example!(blocks_a_while),
        example!(runs_for_ever),
        example!(waits_for_a_thread),
        example!(leaves_a_thread),
        example!(awaits_a_task),
        example!(detaches_when_cancelled).detaches_when_cancelled(),
    ]
    .run()
}
