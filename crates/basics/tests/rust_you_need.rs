//! The snippets of the book's page "The Rust you need" and of its topic
//! pages that no example holds, each compiled and run here as the page
//! prints it (its comments aside). `cargo xtask docs --check` fails on a
//! snippet that stands in no compiled file, so a snippet changed on the
//! page must be changed here too.

use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::stream::{self, Stream};
use tokio::task::{JoinError, JoinHandle, JoinSet};
use tokio::time::{Instant, timeout};
use tokio_util::sync::CancellationToken;

async fn download(name: &str) -> usize {
    name.len()
}

async fn download_owned(name: String) -> usize {
    name.len()
}

#[tokio::test]
async fn ownership() {
    let name = String::from("file1.txt");
    download(&name).await; // borrowed: `name` is still ours
    let task = tokio::spawn(download_owned(name)); // moved: `name` is gone here
    assert_eq!(task.await.expect("the task ends"), 9);
}

fn download_all_blocking(stop: &CancellationToken) -> bool {
    stop.is_cancelled()
}

#[tokio::test]
async fn a_clone_moves_into_the_closure() {
    let stop = CancellationToken::new();
    let job = tokio::task::spawn_blocking({
        let stop = stop.clone(); // this clone moves into the closure
        move || download_all_blocking(&stop)
    });
    stop.cancel(); // the original is still ours
    job.await.expect("the job ends");
}

async fn get_with_retry(client: &str, url: &str) -> String {
    format!("{client} {url}")
}

#[tokio::test]
async fn a_reference_copied_into_each_future() {
    use futures::StreamExt as _;
    let client = String::from("client");
    let urls = ["a", "b"];
    let pages: Vec<_> = stream::iter(urls.iter().enumerate())
        .map(|(index, url)| {
            let client = &client; // `async move` copies this reference into each future
            async move { (index, get_with_retry(client, url).await) }
        })
        .buffered(2)
        .collect()
        .await;
    assert_eq!(pages, [(0, "client a".into()), (1, "client b".into())]);
}

#[tokio::test]
async fn a_handle_for_each_task() {
    let mut tasks = JoinSet::new();
    let total = Arc::new(Mutex::new(0));
    for visits in [3, 4] {
        let total = Arc::clone(&total); // each task gets its own handle
        tasks.spawn(async move { *total.lock().unwrap() += visits });
    }
    tasks.join_all().await;
    assert_eq!(*total.lock().unwrap(), 7);
}

#[tokio::test]
async fn a_clone_of_the_arc_for_each_task() {
    let counter = Arc::new(Mutex::new(0));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let counter = Arc::clone(&counter); // this task's handle; the one above stays
        tasks.push(tokio::spawn(async move {
            *counter.lock().unwrap() += 1;
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), 3);
}

async fn fetch(url: &str) -> Result<String, std::io::Error> {
    match url {
        "" => Err(std::io::Error::other("no URL")),
        url => Ok(format!("<html>{url}</html>")),
    }
}

#[tokio::test]
async fn match_is_try_except() {
    for url in ["", "http://127.0.0.1"] {
        match fetch(url).await {
            Ok(page) => println!("{} bytes", page.len()),
            Err(error) => println!("failed: {error}"),
        }
    }
}

/// Readings made by async code, so not `Unpin`.
fn sensor() -> impl Stream<Item = i32> {
    stream::unfold(18, |degrees| async move { Some((degrees, degrees + 1)) })
}

#[tokio::test]
async fn a_pinned_pipeline() {
    use tokio_stream::StreamExt; // its `filter` takes a plain `bool` closure
    let mut alerts = pin!(sensor().filter(|&degrees| degrees > 20).take(3));
    while let Some(alert) = alerts.next().await {
        println!("{alert} degrees");
    }
}

async fn hello() {
    println!("Hello");
}

#[test]
fn what_tokio_main_expands_to() {
    // #[tokio::main] async fn main() { hello().await } expands to, roughly:
    fn main() {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all() // the I/O and timer drivers: without them, `sleep` panics
            .build()
            .expect("Failed building the Runtime")
            .block_on(async { hello().await })
    }
    main();
}

// The page "Timeouts and retries": a deadline that still lets the work
// clean up, where `timeout` around the work itself would drop it.

async fn do_the_work() -> &'static str {
    tokio::time::sleep(Duration::from_secs(10)).await;
    "done"
}

async fn send_goodbye() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn work(stop: CancellationToken) -> &'static str {
    tokio::select! {
        output = do_the_work() => output,
        () = stop.cancelled() => {
            send_goodbye().await; // cleanup that awaits: the task was not dropped
            "stopped, goodbye sent"
        }
    }
}

/// Waits up to `limit` for `task`, then asks it to stop through `stop` and
/// gives it up to `grace` to clean up, then aborts it.
async fn with_grace<T>(
    limit: Duration,
    grace: Duration,
    stop: CancellationToken,
    mut task: JoinHandle<T>,
) -> Result<T, JoinError> {
    if let Ok(output) = timeout(limit, &mut task).await {
        return output;
    }
    stop.cancel(); // asks the task to stop; its cleanup may .await
    if let Ok(output) = timeout(grace, &mut task).await {
        return output;
    }
    task.abort(); // past the grace period: it ends at its next .await
    task.await
}

#[tokio::test(start_paused = true)]
async fn a_deadline_that_lets_the_cleanup_finish() {
    let started = Instant::now();
    let stop = CancellationToken::new();
    let task = tokio::spawn(work(stop.clone()));
    let output = with_grace(Duration::from_secs(1), Duration::from_secs(1), stop, task).await;
    assert_eq!(output.expect("not aborted"), "stopped, goodbye sent");
    assert_eq!(started.elapsed(), Duration::from_millis(1_300));
}

#[tokio::test(start_paused = true)]
async fn a_task_that_ignores_the_token_is_aborted_after_the_grace() {
    let started = Instant::now();
    let stop = CancellationToken::new();
    let task = tokio::spawn(do_the_work());
    let grace = Duration::from_millis(500);
    let output = with_grace(Duration::from_secs(1), grace, stop, task).await;
    assert!(output.is_err_and(|error| error.is_cancelled()));
    assert_eq!(started.elapsed(), Duration::from_millis(1_500));
}
