//! The `.dump` golden files: where each task of an example waits at the
//! instant the file's first line names, compared like its output.

use std::path::Path;
use std::time::Duration;

use protocol::Invocation;

use super::{Case, Target, TimelineRun, Verdict};
use crate::golden::{self, Golden};

/// How long after its timeout the runner gets to print its dump and exit
/// before it is killed: the dump itself is bounded, this bounds the rest.
pub const DUMP_GRACE: Duration = Duration::from_secs(10);

/// The example's `.dump` golden file, if it has one and the target compares
/// golden files: asks the run for a dump at the instant the file names, in
/// a temporary file. `Err` if that can't be set up; the comparison then
/// says why.
pub(super) type DumpRun = (TimelineRun, Result<tempfile::NamedTempFile, ()>);

pub(super) fn dump_run(
    case: &Case,
    target: &Target,
    golden_root: &Path,
    invocation: &mut Invocation,
) -> Option<DumpRun> {
    let path = golden::dump_path(golden_root, &case.section.name, &case.example.name);
    if !target.is_golden() || !path.is_file() {
        return None;
    }
    let run = TimelineRun {
        golden_name: golden::display_name(&path, golden_root),
        golden: path,
        recorded: None,
    };
    let Golden::Text(expected) = golden::read(&run.golden) else {
        return Some((run, Err(())));
    };
    let (Some(at), Ok(file)) = (
        protocol::dump::instant(&expected),
        tempfile::NamedTempFile::new(),
    ) else {
        return Some((run, Err(())));
    };
    invocation.dump_at = Some(at);
    invocation.dump_file = Some(file.path().display().to_string());
    Some((run, Ok(file)))
}

pub(super) fn compare_dump(dump: &TimelineRun) -> Verdict {
    let expected = match golden::read(&dump.golden) {
        Golden::Text(expected) => expected,
        Golden::Missing => {
            return Verdict::DumpUnreadable {
                why: format!("{} went away during the run", dump.golden_name),
            };
        }
        Golden::Unreadable(why) => return Verdict::DumpUnreadable { why },
    };
    if protocol::dump::instant(&expected).is_none() {
        return Verdict::DumpUnreadable {
            why: format!(
                "the first line of {} does not say when to take the dump: it must read \
                 `{}`",
                dump.golden_name,
                protocol::dump::header("<section>/<example>", Duration::from_millis(1500))
            ),
        };
    }
    match &dump.recorded {
        Some(recorded) if *recorded == expected => Verdict::Pass,
        Some(recorded) => Verdict::DumpMismatch {
            diff: golden::diff(&dump.golden_name, &expected, recorded),
        },
        None => Verdict::DumpUnreadable {
            why: "the run wrote no dump (did run() finish before the instant?)".to_owned(),
        },
    }
}
