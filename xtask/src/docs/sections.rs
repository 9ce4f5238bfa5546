//! The sections and their examples as their pages show them: each example's
//! header, code, export and timeline. A recorded timeline that names a line
//! its example no longer has is an error.

use std::path::Path;

use protocol::timeline::{Row, RowKind, Timeline};
use protocol::{Clock, Header, Invocation, Kind};

use super::read;
use crate::Error;
use crate::export::{self, ExampleFile, Export};
use crate::golden::{self, DUMP, TWIN_TIMELINE};
use crate::workspace::Workspace;

#[derive(Debug)]
pub(super) struct ExampleDoc {
    pub(super) name: String,
    pub(super) summary: String,
    /// The `//!` header after its summary, without "Translates:".
    pub(super) body: String,
    /// The list of the header's last paragraph, "Translates:".
    pub(super) translates: Option<String>,
    /// Its [`code`](super::concepts::code), for the concepts it uses.
    pub(super) code: String,
    /// The file's first line after its header (1-based), where the listing starts.
    pub(super) code_starts_at: usize,
    pub(super) export: Export,
    pub(super) timeline: Option<PageTimeline>,
    /// When its `.dump` golden file dumps its tasks.
    pub(super) dump_at: Option<std::time::Duration>,
}

/// The timeline an example page draws, and the file it was recorded in on
/// the real clock, if it was (else it is from a run on the virtual clock);
/// and its asyncio twin's, from its golden `.twin.timeline`, if it has one.
#[derive(Debug)]
pub(super) struct PageTimeline {
    pub(super) timeline: Timeline,
    pub(super) recorded: Option<String>,
    pub(super) twin: Option<Timeline>,
}

#[derive(Debug)]
pub(super) struct SectionDoc {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) examples: Vec<ExampleDoc>,
}

/// The sections in teaching order, their examples as their binaries list them.
pub(super) fn read_sections(workspace: &Workspace) -> Result<Vec<SectionDoc>, Error> {
    let metadata = workspace.metadata()?;
    let table = export::DependencyTable::read(workspace)?;
    let sections = workspace.build_all()?;
    let mut listed = Vec::new();
    let mut counts = Vec::new();
    for section in &sections {
        let examples = section.list()?;
        counts.push(examples.len());
        listed.extend(examples.into_iter().map(|example| (section, example)));
    }
    // Several runs per CPU: the few with blocking jobs wait in real time.
    let jobs = std::thread::available_parallelism().map_or(2, std::num::NonZero::get) * 4;
    let mut examples = crate::parallel::parallel(
        listed,
        jobs,
        |(section, listed)| example_doc(workspace, &table, section, listed),
        |_| {},
    )
    .into_iter();
    sections
        .iter()
        .zip(counts)
        .map(|(section, count)| {
            let examples = examples
                .by_ref()
                .take(count)
                .collect::<Result<_, Error>>()?;
            let description = metadata
                .workspace_packages()
                .into_iter()
                .find(|package| *package.name == section.name)
                .and_then(|package| package.description.clone())
                .unwrap_or_default();
            Ok(SectionDoc {
                name: section.name.clone(),
                description,
                examples,
            })
        })
        .collect()
}

fn example_doc(
    workspace: &Workspace,
    table: &export::DependencyTable,
    section: &crate::workspace::Section,
    listed: protocol::Listed,
) -> Result<ExampleDoc, Error> {
    let source = read(Path::new(&listed.source))?;
    let header = Header::parse(&source);
    let (body, translates) = split_translates(&header.body);
    let file = ExampleFile {
        section: section.name.clone(),
        name: listed.name.clone(),
        path: listed.source.clone().into(),
    };
    let export = Export::plan(&file, table)
        .map_err(|why| format!("{}/{} can't be exported: {why}", section.name, listed.name))?;
    let timeline = page_timeline(workspace, section, &listed, &source)?;
    let dump = golden::path(&workspace.golden_root(), &section.name, &listed.name, DUMP);
    let dump_at = if dump.is_file() {
        let at = protocol::dump::instant(&read(&dump)?);
        let when = || format!("{}: its first line does not say when", dump.display());
        Some(at.ok_or_else(when)?)
    } else {
        None
    };
    Ok(ExampleDoc {
        name: listed.name,
        summary: listed.summary,
        body,
        translates,
        code: super::concepts::code(&source),
        code_starts_at: code_starts_at(&source),
        export,
        timeline,
        dump_at,
    })
}

/// A header's body, and the list of its last paragraph if that is "Translates:".
fn split_translates(body: &str) -> (String, Option<String>) {
    const LABEL: &str = "Translates:";
    let (before, last) = match body.rfind("\n\n") {
        Some(at) => (&body[..at], &body[at + 2..]),
        None => ("", body),
    };
    match last.strip_prefix(LABEL) {
        Some(list) => (before.trim_end().to_owned(), Some(list.trim().to_owned())),
        None => (body.to_owned(), None),
    }
}

/// Calls that run several futures in one task: a timeline of one row.
const JOINS_IN_ONE_TASK: [&str; 6] = [
    "join!(",
    "join_all(",
    "select!",
    "FuturesUnordered",
    "buffer_unordered(",
    "try_join",
];

/// The timeline recorded in `docs/timelines/`, or else from a run on the
/// virtual clock if the example runs things at once (none for `sync` ones).
fn page_timeline(
    workspace: &Workspace,
    section: &crate::workspace::Section,
    listed: &protocol::Listed,
    source: &str,
) -> Result<Option<PageTimeline>, Error> {
    let id = format!("{}/{}", section.name, listed.name);
    let name = format!("docs/timelines/{id}.timeline");
    let recorded = workspace.root().join(&name);
    if recorded.is_file() {
        let timeline = Timeline::parse(&read(&recorded)?).map_err(|e| format!("{name}: {e}"))?;
        if let Some((row, line)) = stale_row(&timeline, source) {
            return Err(format!(
                "{name} names line {line} of {id} as `{}`, which is not what it says now; \
                 record it again: cargo run -p {} -- {} --timeline-file {name}",
                row.code, section.name, listed.name
            )
            .into());
        }
        return Ok(Some(PageTimeline {
            timeline,
            recorded: Some(name),
            twin: None,
        }));
    }
    if listed.kind == Kind::Sync {
        return Ok(None);
    }
    let timeline = record_timeline(section, listed, &id)?;
    if !runs_things_at_once(&timeline, source) {
        return Ok(None);
    }
    let twin = golden::path(
        &workspace.golden_root(),
        &section.name,
        &listed.name,
        TWIN_TIMELINE,
    );
    let twin = if twin.is_file() {
        let parsed = Timeline::parse(&read(&twin)?);
        Some(parsed.map_err(|error| format!("{id}'s twin: {error}"))?)
    } else {
        None
    };
    Ok(Some(PageTimeline {
        timeline,
        recorded: None,
        twin,
    }))
}

/// The first row of `timeline` whose spawning line says another thing in
/// `source` now, and that line's number as the row gives it.
fn stale_row<'a>(timeline: &'a Timeline, source: &str) -> Option<(&'a Row, &'a str)> {
    for row in &timeline.rows {
        let Some((_, line)) = row.spawned_at.as_deref().and_then(|at| at.rsplit_once(':')) else {
            continue;
        };
        let now = line
            .parse::<usize>()
            .ok()
            .and_then(|line| source.lines().nth(line.checked_sub(1)?))
            .map(str::trim);
        if !row.code.is_empty() && now != Some(row.code.as_str()) {
            return Some((row, line));
        }
    }
    None
}

/// The timeline of a run of the example on the virtual clock.
fn record_timeline(
    section: &crate::workspace::Section,
    listed: &protocol::Listed,
    id: &str,
) -> Result<Timeline, Error> {
    let file = tempfile::NamedTempFile::new()?;
    let invocation = Invocation {
        clock: Clock::Virtual,
        timeline_file: Some(file.path().display().to_string()),
        examples: vec![listed.name.clone()],
        ..Invocation::default()
    };
    let finished = proc::run_limited(
        section.command(&invocation),
        crate::limits::EXAMPLE,
        crate::limits::OUTPUT,
    )
    .map_err(|error| format!("cannot run {id} for its timeline: {error}"))?;
    if !finished.success() {
        return Err(format!(
            "{id} failed while recording its timeline ({}): {}",
            finished.exit,
            finished.stderr.trim_end()
        )
        .into());
    }
    let text = read(file.path())?;
    Ok(Timeline::parse(&text).map_err(|error| format!("{id}'s timeline: {error}"))?)
}

/// Whether `timeline` shows things run at once: a task spawned, or futures
/// joined in the main task (a call of [`JOINS_IN_ONE_TASK`] in `source`)
/// polled at two instants or more.
fn runs_things_at_once(timeline: &Timeline, source: &str) -> bool {
    let main_instants = timeline
        .rows
        .iter()
        .find(|row| row.kind == RowKind::Main)
        .map_or(0, |main| main.polls.len());
    let joins = JOINS_IN_ONE_TASK.iter().any(|call| source.contains(call));
    timeline.spawned_rows() >= 1 || (joins && main_instants >= 2)
}

/// The first line after the `//!` header and its blank lines, from 1.
pub(super) fn code_starts_at(source: &str) -> usize {
    let body = source.lines().skip_while(|line| line.starts_with("//!"));
    let code = body.skip_while(|line| line.trim().is_empty());
    source.lines().count() - code.count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_paragraph_says_what_the_example_translates() {
        let body = "How Rust differs.\n\nTranslates:\n- *A Guide*, \"Tasks\"";
        assert_eq!(
            split_translates(body),
            (
                "How Rust differs.".to_owned(),
                Some("- *A Guide*, \"Tasks\"".to_owned())
            )
        );
        assert_eq!(
            split_translates("Translates:\n- *A Guide*, \"Tasks\""),
            (String::new(), Some("- *A Guide*, \"Tasks\"".to_owned()))
        );
        // Only the last paragraph counts, and a header may have none.
        let middle = "Translates:\n- x\n\nHow Rust differs.";
        assert_eq!(split_translates(middle), (middle.to_owned(), None));
        assert_eq!(split_translates(""), (String::new(), None));
    }
}
