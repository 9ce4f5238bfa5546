//! A task dump's text form, as far as the tools read it: its first line
//! says when it was taken; and how an entry's label names its tasks.

use std::time::Duration;

/// The first words of a dump's text form.
pub const MAGIC: &str = "dump of";

/// `1.0s`, `0.25s`: seconds with at least one decimal, as many as needed.
pub fn seconds(duration: Duration) -> String {
    let millis = duration.as_millis();
    let fraction = format!("{:03}", millis % 1000);
    let fraction = fraction.trim_end_matches('0');
    // `0<1` pads an empty fraction to `0`.
    format!("{}.{:0<1}s", millis / 1000, fraction)
}

/// The first line: `dump of <example> at <time>: where each task waits`.
pub fn header(example: &str, at: Duration) -> String {
    format!(
        "{MAGIC} {example} at {}: where each task waits",
        seconds(at)
    )
}

/// The instant a dump was taken at, from its first line; a golden dump file
/// says when to take the dump it pins.
pub fn instant(text: &str) -> Option<Duration> {
    let rest = text.lines().next()?.strip_prefix(MAGIC)?;
    let (_, at) = rest.rsplit_once(" at ")?;
    let (time, _) = at.split_once("s:")?;
    Duration::try_from_secs_f64(time.parse().ok()?).ok()
}

/// `#3, #4 and #5 (3 tasks)`, or `#3 to #100 (98 tasks)` when they run on:
/// the label of an entry that stands for several tasks.
pub fn numbers_label(numbers: &[usize]) -> String {
    let count = numbers.len();
    let consecutive = numbers.windows(2).all(|pair| pair[1] == pair[0] + 1);
    let listed: Vec<String> = numbers.iter().map(|n| format!("#{n}")).collect();
    match listed.split_last() {
        Some((last, _)) if consecutive && count > 3 => {
            format!("{} to {last} ({count} tasks)", listed[0])
        }
        _ if count > 4 => format!("{}, ... ({count} tasks)", listed[..3].join(", ")),
        Some((last, rest)) => format!("{} and {last} ({count} tasks)", rest.join(", ")),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_says_when_and_round_trips() {
        let header = header("pitfalls/deadlock", Duration::from_millis(1500));
        assert_eq!(
            header,
            "dump of pitfalls/deadlock at 1.5s: where each task waits"
        );
        assert_eq!(instant(&header), Some(Duration::from_millis(1500)));
        assert_eq!(seconds(Duration::from_secs(2)), "2.0s");
        assert_eq!(instant("timeline 1"), None);
    }

    #[test]
    fn labels_name_their_tasks() {
        assert_eq!(numbers_label(&[3, 5]), "#3 and #5 (2 tasks)");
        assert_eq!(numbers_label(&[1, 3, 5, 7, 9]), "#1, #3, #5, ... (5 tasks)");
        assert_eq!(numbers_label(&[4, 5, 6, 7]), "#4 to #7 (4 tasks)");
    }
}
