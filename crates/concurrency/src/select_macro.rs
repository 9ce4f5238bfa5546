//! `tokio::select!` itself: its value, a pattern that doesn't match, `else`,
//! `biased;`, `if` preconditions, `?` in a branch, borrowing, and a pinned
//! operation restarted across a loop's turns.
//!
//! Beyond the guides: asyncio's nearest is `asyncio.wait(...,
//! return_when=FIRST_COMPLETED)`, which hands back every task that is done
//! and leaves the rest running; `select!` evaluates to one branch's handler
//! and drops the other futures first, so handlers may take `&mut` of what
//! the futures borrowed. A value that doesn't match its branch's pattern
//! (`Some(word)` against a closed channel's `None`) disables that branch
//! for the rest of the call, as a false `if` does; when every branch is
//! disabled, `else` runs, and without an `else` the macro panics. Which
//! branch is polled first is random unless `biased;` asks for top to
//! bottom. `?` inside an `async` block ends only that block, so the error is
//! the branch's value; in a handler it returns from the function. The
//! hazards (the losers, cancel safety, futurelock): the book's page "The
//! `select!` macro".
//!
//! Translates: none of the guides; the Tokio tutorial's chapter "Select".

use std::time::Duration;

use thiserror::Error;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

const PATIENCE: Duration = Duration::from_secs(1);

/// A pattern that doesn't match disables its branch: a closed channel's
/// `None` is not `Some(word)`, so this waits out `PATIENCE` instead of
/// returning at once.
async fn word_or_timeout(words: &mut mpsc::Receiver<&'static str>) -> Option<&'static str> {
    tokio::select! {
        Some(word) = words.recv() => Some(word),
        () = sleep(PATIENCE) => None,
    }
}

/// What `drain` took, in order, and how many digits it left queued.
#[derive(Debug, PartialEq)]
struct Drained {
    taken: Vec<String>,
    digits_left: usize,
}

/// Letters before digits (`biased;`), at most `quota` digits (the `if`),
/// and `else` once both branches are disabled: the letters by their closed
/// channel, the digits by their quota.
async fn drain(
    mut letters: mpsc::Receiver<char>,
    mut digits: mpsc::Receiver<u32>,
    quota: usize,
) -> Drained {
    let mut taken = Vec::new();
    let mut digits_taken = 0;
    loop {
        tokio::select! {
            biased;
            Some(letter) = letters.recv() => taken.push(letter.to_string()),
            Some(digit) = digits.recv(), if digits_taken < quota => {
                digits_taken += 1;
                taken.push(digit.to_string());
            }
            else => break,
        }
    }
    Drained {
        taken,
        digits_left: digits.len(),
    }
}

/// Each new query replaces the search under way, which keeps its progress
/// between turns because it is pinned outside the loop and polled through
/// `&mut`. `if !done` keeps a finished search from being polled again: an
/// `async fn`'s future panics if polled after it completed.
async fn search_as_you_type(
    mut queries: mpsc::Receiver<&'static str>,
    clock: Instant,
) -> Option<String> {
    let first = queries.recv().await?;
    println!("{} query {first:?}: search started", stamp(clock));
    let searching = search(first);
    tokio::pin!(searching);
    let mut done = false;
    let mut answer = None;
    loop {
        tokio::select! {
            found = &mut searching, if !done => {
                println!("{} {found}", stamp(clock));
                answer = Some(found);
                done = true;
            }
            Some(query) = queries.recv() => {
                println!("{} query {query:?}: search restarted", stamp(clock));
                searching.set(search(query));
                done = false;
            }
            // The typist has stopped (`None` disabled its branch) and the
            // last search is done.
            else => return answer,
        }
    }
}

#[derive(Debug, Error, PartialEq)]
#[error("{mirror}: connection refused")]
struct Refused {
    mirror: &'static str,
}

/// `?` inside each `async` block ends only that block: its `Err` is the
/// branch's value, which `Ok(body)` doesn't match, so that branch is
/// disabled and the other mirror still runs. Both blocks borrow `path`;
/// both handlers borrow `log` mutably, since only one of them runs.
async fn first_answer(path: &str, log: &mut Vec<String>) -> Option<String> {
    tokio::select! {
        // Not for the answer, which the mirrors' times decide: a fixed
        // polling order keeps the book's chart of this run the same each time.
        biased;
        Ok(body) = async {
            let connection = connect(MIRROR_A).await?;
            Ok::<_, Refused>(connection.get(path))
        } => {
            log.push(format!("{} answered", MIRROR_A.name));
            Some(body)
        }
        Ok(body) = async {
            let connection = connect(MIRROR_B).await?;
            Ok::<_, Refused>(connection.get(path))
        } => {
            log.push(format!("{} answered", MIRROR_B.name));
            Some(body)
        }
        else => None,
    }
}

/// `?` in a handler returns from this function: the first mirror to answer
/// decides, a refusal included.
async fn first_outcome(path: &str) -> Result<String, Refused> {
    let connection = tokio::select! {
        // Mirror A first if a busy machine makes both ready at once, as the
        // paused clock never does, so that its refusal still decides.
        biased;
        outcome = connect(MIRROR_A) => outcome?,
        outcome = connect(MIRROR_B) => outcome?,
    };
    Ok(connection.get(path))
}

pub async fn run() {
    println!("A closed channel's None against `Some(word)`:");
    let clock = Instant::now();
    let (sender, mut words) = mpsc::channel(1);
    drop(sender);
    let got = word_or_timeout(&mut words).await;
    println!("{} select! returned {got:?}", stamp(clock));

    println!("\nTwo letters and three digits queued, a quota of two digits:");
    let Drained { taken, digits_left } = drain(queued(['a', 'b']), queued([1, 2, 3]), 2).await;
    println!("taken in this order: {}", taken.join(" "));
    println!("`else`: no letters left, digits over quota, {digits_left} still queued");

    println!("\nA search restarted by each query:");
    let clock = Instant::now();
    let (sender, queries) = mpsc::channel(1);
    let (answer, ()) = tokio::join!(search_as_you_type(queries, clock), type_queries(sender));
    println!(
        "{} `else`: the typist stopped, the answer is {}",
        stamp(clock),
        answer.as_deref().unwrap_or("none")
    );

    println!("\n`Ok(body)` patterns, `?` inside each async block:");
    let clock = Instant::now();
    let mut log = Vec::new();
    let body = first_answer("/index", &mut log).await;
    println!(
        "{} {}; log: {}",
        stamp(clock),
        body.as_deref().unwrap_or("no answer"),
        log.join(", ")
    );

    println!("\n`outcome?` in the handlers:");
    let clock = Instant::now();
    match first_outcome("/index").await {
        Ok(body) => println!("{} {body}", stamp(clock)),
        Err(error) => println!("{} returned early: {error}", stamp(clock)),
    }
}

// The demonstration: mirrors, a search, a typist and timestamps.

struct Mirror {
    name: &'static str,
    delay: Duration,
    up: bool,
}

const MIRROR_A: Mirror = Mirror {
    name: "mirror-a",
    delay: Duration::from_millis(500),
    up: false,
};
const MIRROR_B: Mirror = Mirror {
    name: "mirror-b",
    delay: Duration::from_secs(1),
    up: true,
};

struct Connection {
    mirror: &'static str,
}

impl Connection {
    fn get(&self, path: &str) -> String {
        format!("{path} from {}", self.mirror)
    }
}

async fn connect(mirror: Mirror) -> Result<Connection, Refused> {
    sleep(mirror.delay).await;
    if mirror.up {
        Ok(Connection {
            mirror: mirror.name,
        })
    } else {
        Err(Refused {
            mirror: mirror.name,
        })
    }
}

const SEARCH_TIME: Duration = Duration::from_millis(800);
const TYPING_INTERVAL: Duration = Duration::from_millis(500);

async fn search(query: &'static str) -> String {
    sleep(SEARCH_TIME).await;
    format!("results for {query:?}")
}

/// Three queries half a second apart, quicker than a search; then stops,
/// dropping the sender.
async fn type_queries(sender: mpsc::Sender<&'static str>) {
    for (turn, query) in ["to", "tok", "tokio"].into_iter().enumerate() {
        if turn > 0 {
            sleep(TYPING_INTERVAL).await;
        }
        if sender.send(query).await.is_err() {
            return;
        }
    }
}

/// A closed channel holding `items`.
fn queued<T, const N: usize>(items: [T; N]) -> mpsc::Receiver<T> {
    let (sender, receiver) = mpsc::channel(N.max(1));
    for item in items {
        // Room for every item, and the receiver is right here.
        let _ = sender.try_send(item);
    }
    receiver
}

fn stamp(clock: Instant) -> String {
    format!("[{:.1}s]", clock.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_pattern_that_does_not_match_disables_its_branch() {
        let (sender, mut words) = mpsc::channel(1);
        drop(sender);
        let clock = Instant::now();
        assert_eq!(word_or_timeout(&mut words).await, None);
        assert_eq!(clock.elapsed(), PATIENCE);

        let (sender, mut words) = mpsc::channel(1);
        sender.send("hello").await.unwrap();
        let clock = Instant::now();
        assert_eq!(word_or_timeout(&mut words).await, Some("hello"));
        assert_eq!(clock.elapsed(), Duration::ZERO);
    }

    #[tokio::test]
    async fn biased_polls_the_branches_top_to_bottom() {
        let drained = drain(queued(['a', 'b', 'c']), queued([1, 2]), 2).await;
        assert_eq!(drained.taken, ["a", "b", "c", "1", "2"]);
    }

    #[tokio::test]
    async fn a_false_precondition_disables_its_branch() {
        let drained = drain(queued([]), queued([1, 2, 3]), 1).await;
        assert_eq!(
            drained,
            Drained {
                taken: vec!["1".to_owned()],
                digits_left: 2
            }
        );
    }

    #[tokio::test]
    async fn else_runs_once_every_branch_is_disabled() {
        let drained = drain(queued([]), queued([1]), 0).await;
        assert_eq!(drained.taken, Vec::<String>::new());
        assert_eq!(drained.digits_left, 1);
    }

    #[tokio::test]
    #[should_panic(expected = "all branches are disabled and there is no else branch")]
    async fn without_else_select_panics_once_every_branch_is_disabled() {
        let mut letters = queued::<char, 0>([]);
        tokio::select! {
            Some(_) = letters.recv() => {}
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_restarted_search_answers_the_last_query() {
        let clock = Instant::now();
        let (sender, queries) = mpsc::channel(1);
        let (answer, ()) = tokio::join!(search_as_you_type(queries, clock), type_queries(sender));
        assert_eq!(answer.as_deref(), Some("results for \"tokio\""));
        assert_eq!(clock.elapsed(), TYPING_INTERVAL * 2 + SEARCH_TIME);
    }

    #[tokio::test]
    #[should_panic(expected = "`async fn` resumed after completion")]
    async fn a_finished_search_polled_again_panics() {
        let searching = search("tokio");
        tokio::pin!(searching);
        (&mut searching).await;
        (&mut searching).await;
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_that_does_not_match_ok_lets_the_other_branch_win() {
        let mut log = Vec::new();
        let clock = Instant::now();
        let body = first_answer("/index", &mut log).await;
        assert_eq!(body.as_deref(), Some("/index from mirror-b"));
        assert_eq!(log, ["mirror-b answered"]);
        assert_eq!(clock.elapsed(), MIRROR_B.delay);
    }

    /// The futures are dropped before the handler runs, so it may take
    /// `&mut` of what they borrowed.
    #[tokio::test(start_paused = true)]
    async fn a_handler_may_change_what_the_futures_borrowed() {
        let mut path = String::from("/index");
        tokio::select! {
            Ok(body) = async { Ok::<_, Refused>(connect(MIRROR_A).await?.get(&path)) } => {
                path = body;
            }
            Ok(body) = async { Ok::<_, Refused>(connect(MIRROR_B).await?.get(&path)) } => {
                path = body;
            }
        }
        assert_eq!(path, "/index from mirror-b");
    }

    #[tokio::test(start_paused = true)]
    async fn question_mark_in_a_handler_returns_the_first_error() {
        let clock = Instant::now();
        let outcome = first_outcome("/index").await;
        assert_eq!(
            outcome,
            Err(Refused {
                mirror: MIRROR_A.name
            })
        );
        assert_eq!(clock.elapsed(), MIRROR_A.delay);
    }
}
