//! `cargo xtask bench cpu-bound`: where a Tokio program puts CPU work, by
//! what it does to a task that only sleeps; asked only by name. The
//! workload is `bench/src/cpu_bound.rs`; `--save` writes bench/cpu-bound.md,
//! whose table docs/topics/blocking-work.md quotes, so `cargo xtask docs
//! --check` fails until the book is written again from a new one.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use super::{RUN_TIMEOUT, format_duration, machine, median};
use crate::Error;
use crate::flags::Bench as Options;
use crate::workspace::{Profile, Workspace};

/// Where the table is saved, from the workspace's root.
pub const SAVED: &str = "bench/cpu-bound.md";

/// Each way, as the bench binary calls it (after `cpu-bound-`), and its
/// label.
const WAYS: [(&str, &str); 5] = [
    ("inline", "inline, in the task"),
    (
        "spawn-blocking",
        "`spawn_blocking`, as many at once as asked",
    ),
    ("block-in-place", "`block_in_place`"),
    (
        "semaphore",
        "`spawn_blocking` behind a `Semaphore` of one permit per CPU",
    ),
    ("rayon", "`rayon::spawn`, its result sent on a `oneshot`"),
];

/// One run's line: `elapsed_ns=.. worst_lag_ns=.. threads=.. job_ns=..`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sample {
    elapsed: Duration,
    worst_lag: Duration,
    threads: u64,
    job: Duration,
}

fn parse(line: &str) -> Option<Sample> {
    let mut fields = line.split_whitespace().map(|field| field.split_once('='));
    let mut value = |key: &str| match fields.next()? {
        Some((found, value)) if found == key => value.parse::<u64>().ok(),
        _ => None,
    };
    let sample = Sample {
        elapsed: Duration::from_nanos(value("elapsed_ns")?),
        worst_lag: Duration::from_nanos(value("worst_lag_ns")?),
        threads: value("threads")?,
        job: Duration::from_nanos(value("job_ns")?),
    };
    fields.next().is_none().then_some(sample)
}

pub fn bench(options: &Options) -> Result<(), Error> {
    let workspace = Workspace::locate();
    eprintln!("building the Rust workloads in release mode");
    let mut binaries = workspace.build_binaries(&["bench".to_owned()], Profile::Release)?;
    let binary = binaries
        .remove("bench")
        .ok_or("the release build reported no `bench` binary")?;
    let load_before = load_average();
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); WAYS.len()];
    for run in 1..=options.runs {
        for ((way, label), samples) in WAYS.iter().zip(&mut samples) {
            eprintln!("cpu-bound: run {run} of {}: {label}", options.runs);
            samples.push(run_once(&binary, way).map_err(|e| format!("cpu-bound {way}: {e}"))?);
        }
    }
    let load = format!(
        "The load average over a minute was {load_before} as the runs began and {} as \
         they ended.\n\n",
        load_average()
    );
    let text = results(&samples, options.runs) + &load;
    let machine = machine();
    println!("{text}Machine:\n{machine}");
    if options.save {
        let page = workspace.root().join(SAVED);
        let header = "# CPU work beside a heartbeat\n\n\
                      Written by `cargo xtask bench cpu-bound --save`: one machine's numbers, \
                      from one run of the command. `docs/topics/blocking-work.md` quotes \
                      them.\n\n## The machine\n\n";
        crate::files::write(&page, format!("{header}{machine}\n## Results\n\n{text}"))?;
        println!("wrote {}", page.display());
    }
    Ok(())
}

fn run_once(binary: &PathBuf, way: &str) -> Result<Sample, String> {
    let mut command = Command::new(binary);
    command.args([&format!("cpu-bound-{way}"), "multi-thread"]);
    // The workspace's `.cargo/config.toml` gives everything cargo runs, and
    // so this, 8 rayon threads; a reader's program gets rayon's one per CPU.
    command.env_remove("RAYON_NUM_THREADS");
    let finished =
        proc::run(command, RUN_TIMEOUT).map_err(|error| format!("cannot run: {error}"))?;
    if !finished.success() {
        return Err(format!("{}: {}", finished.exit, finished.stderr.trim()));
    }
    let sample = finished.stdout.lines().find_map(parse);
    sample.ok_or_else(|| format!("printed no result line: {:?}", finished.stdout))
}

/// The first field of `/proc/loadavg`: how many threads wanted a CPU, on
/// average over the last minute.
fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace()
        .next()
        .unwrap_or("unknown")
        .to_owned()
}

/// What the workload is, then its table: each way's median (and range) of
/// the heartbeat's worst lateness, of the time all jobs took and of the
/// most threads the process had.
fn results(samples: &[Vec<Sample>], runs: u16) -> String {
    let jobs = samples.iter().flatten().map(|sample| sample.job).collect();
    let job = median(jobs).map_or("n/a".to_owned(), format_duration);
    let mut text = format!(
        "100 jobs, each the same count of primes by trial division ({job} \
         for one alone, the median of every run), all started at once \
         as tasks of a multi-thread runtime of 2 workers, beside a task that \
         sleeps 10 ms at a time and notes how late each wake-up is; {runs} \
         runs of each way, taking turns.\n\n\
         | Way | Heartbeat's worst lateness, median (min–max) | All 100 jobs, median (min–max) | Threads at most, median (min–max) |\n\
         | --- | ---: | ---: | ---: |\n"
    );
    for ((_, label), samples) in WAYS.iter().zip(samples) {
        let lags: Vec<Duration> = samples.iter().map(|s| s.worst_lag).collect();
        let totals: Vec<Duration> = samples.iter().map(|s| s.elapsed).collect();
        let threads: Vec<u64> = samples.iter().map(|s| s.threads).collect();
        let _ = writeln!(
            text,
            "| {label} | {} | {} | {} |",
            spread(lags, format_duration),
            spread(totals, format_duration),
            spread(threads, |count| count.to_string())
        );
    }
    text + "\n"
}

/// `median (min–max)`, each written by `format`; the median of an even
/// count is the lower of the middle two.
fn spread<T: Ord + Copy>(mut values: Vec<T>, format: impl Fn(T) -> String) -> String {
    values.sort();
    match (
        values.first(),
        values.get((values.len().max(1) - 1) / 2),
        values.last(),
    ) {
        (Some(&min), Some(&middle), Some(&max)) => {
            format!("{} ({}–{})", format(middle), format(min), format(max))
        }
        _ => "n/a".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_line_parses_and_anything_else_does_not() {
        let sample = parse("elapsed_ns=2000000 worst_lag_ns=1000 threads=5 job_ns=3").unwrap();
        assert_eq!(sample.elapsed, Duration::from_millis(2));
        assert_eq!(sample.worst_lag, Duration::from_micros(1));
        assert_eq!((sample.threads, sample.job), (5, Duration::from_nanos(3)));
        assert!(parse("elapsed_ns=1 worst_lag_ns=1 threads=1").is_none());
        assert!(parse("elapsed_ns=1 worst_lag_ns=1 threads=1 job_ns=1 more=1").is_none());
        assert!(parse("elapsed_ns=1 ops=1 max_rss_kb=1").is_none());
    }

    #[test]
    fn a_table_has_a_row_per_way() {
        let ms = Duration::from_millis;
        let sample = |lag| Sample {
            elapsed: ms(1_000),
            worst_lag: ms(lag),
            threads: 4,
            job: ms(50),
        };
        let samples = vec![vec![sample(9), sample(3), sample(5)]; WAYS.len()];
        let text = results(&samples, 3);
        assert!(text.contains("(50.0 ms for one alone"), "{text}");
        assert!(text.contains("| `block_in_place` | 5.0 ms (3.0 ms–9.0 ms) | 1000 ms"));
        assert!(text.contains("| 4 (4–4) |"), "{text}");
        assert_eq!(spread(vec![4, 1, 3, 2], |n: u32| n.to_string()), "2 (1–4)");
        assert_eq!(spread(Vec::<u32>::new(), |n| n.to_string()), "n/a");
        assert_eq!(
            text.lines().filter(|line| line.starts_with("| ")).count(),
            2 + WAYS.len()
        );
    }
}
