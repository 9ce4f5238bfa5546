//! The sections and their examples as the book shows them: each example's
//! summary and header, where its listing starts, the dependencies its export
//! needs, and the timeline its page draws.

use std::path::{Path, PathBuf};

use protocol::timeline::{RowKind, Timeline};
use protocol::{Clock, Header, Invocation, Kind};

use super::read;
use crate::Error;
use crate::export::{self, Export};
use crate::workspace::Workspace;

/// One example, as the book shows it.
#[derive(Debug)]
pub(super) struct ExampleDoc {
    pub(super) name: String,
    pub(super) summary: String,
    /// The `//!` header after its first paragraph, as Markdown, without its
    /// last paragraph if that is "Translates:".
    pub(super) body: String,
    /// The guides and headings the example translates: the list of the
    /// header's last paragraph, "Translates:", which the page shows last.
    pub(super) translates: Option<String>,
    /// The file's code, without comments and literals
    /// ([`concepts::code`](super::concepts::code)): what the page's list of
    /// Rust concepts is read from.
    pub(super) code: String,
    /// The first line of the file after its header and the blank lines
    /// that follow it (1-based): where the page's listing starts, since the
    /// page already shows the header as prose.
    pub(super) code_starts_at: usize,
    /// The project `cargo xtask export` writes for it, whose dependencies
    /// the page shows.
    pub(super) export: Export,
    /// Its timeline, if the page draws one.
    pub(super) timeline: Option<PageTimeline>,
    /// When its `.dump` golden file dumps its tasks, if it has one.
    pub(super) dump_at: Option<std::time::Duration>,
    /// Where each task waited then, by its row on the timeline.
    pub(super) dump_waits: Option<protocol::timeline::Waits>,
}

/// The timeline an example page draws, and where it came from.
#[derive(Debug)]
pub(super) struct PageTimeline {
    pub(super) timeline: Timeline,
    /// `docs/timelines/<section>/<example>.timeline`, recorded on the real
    /// clock, if the example has one; otherwise the chart is from a fresh
    /// run on the virtual clock.
    pub(super) recorded: Option<String>,
}

#[derive(Debug)]
pub(super) struct SectionDoc {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) examples: Vec<ExampleDoc>,
}

/// The sections in teaching order, each with its examples as its binary
/// lists them (so a commented-out `example!` has no page), and each
/// example's header parsed by the runner's own parser.
pub(super) fn read_sections(workspace: &Workspace) -> Result<Vec<SectionDoc>, Error> {
    let metadata = workspace.metadata()?;
    let table = export::dependency_table(workspace)?;
    let sections = workspace.build_all()?;
    let mut listed = Vec::new();
    let mut counts = Vec::new();
    for section in &sections {
        let examples = section.list()?;
        counts.push(examples.len());
        listed.extend(examples.into_iter().map(|example| (section, example)));
    }
    // Each example without a recorded timeline runs once, on the paused
    // clock; the few with blocking jobs wait for them in real time, so the
    // runs go several per CPU.
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

/// One example as its page shows it: its header, its export's
/// dependencies, and its timeline.
fn example_doc(
    workspace: &Workspace,
    table: &export::needs::DependencyTable,
    section: &crate::workspace::Section,
    listed: protocol::Listed,
) -> Result<ExampleDoc, Error> {
    let source = read(Path::new(&listed.source))?;
    let header = Header::parse(&source);
    let (body, translates) = split_translates(&header.body);
    let export = Export::plan(&section.name, &listed, table)
        .map_err(|why| format!("{}/{} can't be exported: {why}", section.name, listed.name))?;
    let timeline = page_timeline(workspace, section, &listed, &source)?;
    let dump = crate::golden::dump_path(&workspace.golden_root(), &section.name, &listed.name);
    let (dump_at, dump_waits) = match dump.is_file() {
        false => (None, None),
        true => {
            let text = read(&dump)?;
            let at = protocol::dump::instant(&text)
                .ok_or_else(|| format!("{}: its first line does not say when", dump.display()))?;
            let waits = protocol::timeline::Waits {
                at: u64::try_from(at.as_micros()).unwrap_or(u64::MAX),
                rows: protocol::dump::entries(&text),
            };
            (Some(at), Some(waits))
        }
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
        dump_waits,
    })
}

/// A header's body, and the list of its last paragraph if that paragraph
/// is "Translates:" (the header ends with where the example comes from, so
/// that it opens with what it shows).
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

/// Where an example's real-clock timeline is kept, for the pages of
/// examples whose lesson a paused clock can't show: a blocking call takes
/// no virtual time.
fn recorded_timeline_path(root: &Path, section: &str, example: &str) -> PathBuf {
    root.join("docs/timelines")
        .join(section)
        .join(format!("{example}.timeline"))
}

/// What future-combining code runs several things inside one task: its
/// timeline is one row, which the page shows as the lesson it is.
const JOINS_IN_ONE_TASK: [&str; 6] = [
    "join!(",
    "join_all(",
    "select!",
    "FuturesUnordered",
    "buffer_unordered(",
    "try_join",
];

/// The timeline the example's page draws: from `docs/timelines/` if one
/// was recorded there, or else from a run on the virtual clock. A page
/// draws one if the example runs two or more things at once: tasks it
/// spawns, or futures it joins in one task, polled at two or more instants.
/// An example that builds its own runtime has none.
fn page_timeline(
    workspace: &Workspace,
    section: &crate::workspace::Section,
    listed: &protocol::Listed,
    source: &str,
) -> Result<Option<PageTimeline>, Error> {
    let id = format!("{}/{}", section.name, listed.name);
    let recorded = recorded_timeline_path(workspace.root(), &section.name, &listed.name);
    if recorded.is_file() {
        let text = read(&recorded)?;
        let timeline =
            Timeline::parse(&text).map_err(|error| format!("{}: {error}", recorded.display()))?;
        let name = recorded
            .strip_prefix(workspace.root())
            .unwrap_or(&recorded)
            .display()
            .to_string();
        // A recording names the lines that spawned; once the file changes,
        // it may name the wrong ones.
        for row in &timeline.rows {
            let Some((_, line)) = row.spawned_at.as_deref().and_then(|at| at.rsplit_once(':'))
            else {
                continue;
            };
            let now = line
                .parse::<usize>()
                .ok()
                .and_then(|line| source.lines().nth(line.checked_sub(1)?))
                .map(str::trim);
            if !row.code.is_empty() && now != Some(row.code.as_str()) {
                return Err(format!(
                    "{name} names line {line} of {id} as `{}`, which is not what it says now; \
                     record it again: cargo run -p {} -- {} --timeline-file {name}",
                    row.code, section.name, listed.name
                )
                .into());
            }
        }
        return Ok(Some(PageTimeline {
            timeline,
            recorded: Some(name),
        }));
    }
    if listed.kind == Kind::Sync {
        return Ok(None);
    }
    let file = tempfile::NamedTempFile::new()?;
    let invocation = Invocation {
        clock: Clock::Virtual,
        timeline_file: Some(file.path().display().to_string()),
        examples: vec![listed.name.clone()],
        ..Invocation::default()
    };
    let finished = proc::run(section.command(&invocation), crate::limits::EXAMPLE)
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
    let timeline = Timeline::parse(&text).map_err(|error| format!("{id}'s timeline: {error}"))?;
    let main_instants = timeline
        .rows
        .iter()
        .find(|row| row.kind == RowKind::Main)
        .map_or(0, |main| main.polls.len());
    let joins = JOINS_IN_ONE_TASK.iter().any(|call| source.contains(call));
    let concurrent = timeline.spawned_rows() >= 1 || (joins && main_instants >= 2);
    Ok(concurrent.then_some(PageTimeline {
        timeline,
        recorded: None,
    }))
}

/// The first line after the `//!` header and the blank lines after it,
/// counted from 1 as mdBook's `{{#include file:start:}}` counts.
pub(super) fn code_starts_at(source: &str) -> usize {
    let mut lines = source.lines().peekable();
    let mut skipped = 0;
    while lines.next_if(|line| line.starts_with("//!")).is_some() {
        skipped += 1;
    }
    while lines.next_if(|line| line.trim().is_empty()).is_some() {
        skipped += 1;
    }
    skipped + 1
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
