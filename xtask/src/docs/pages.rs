//! What a learner reads of each example: its page (code, output, schedule,
//! "See also"), its section's chapter, its topics' pages, and `SUMMARY.md`.

use std::fmt::Write as _;

use protocol::Kind;
use protocol::timeline;

use super::bridge::BridgeDoc;
use super::charts;
use super::concepts;
use super::guides::GuideDoc;
use super::sections::{ExampleDoc, PageTimeline, SectionDoc};
use super::topics::{self, Topic};
use super::{CONTRIBUTING, CONTRIBUTOR_DIR, HANDWRITTEN, MARKER};

/// The section whose examples are recipes, a part of their own.
const RECIPES: &str = "recipes";

pub(super) fn summary(
    guides: &[GuideDoc],
    topics: &[Topic],
    sections: &[SectionDoc],
    bridge: &BridgeDoc,
) -> String {
    let mut text = format!("{MARKER}\n# Summary\n\n");
    for (index, (title, page)) in HANDWRITTEN.into_iter().enumerate() {
        let _ = writeln!(text, "[{title}]({page})");
        if index == 0 {
            let _ = writeln!(text, "[The Rust you need]({})", concepts::PAGE);
        }
    }
    if let Some(recipes) = sections.iter().find(|s| s.name == RECIPES) {
        let _ = writeln!(text, "\n# Recipes\n\n- [Recipes]({RECIPES}/index.md)");
        for example in &recipes.examples {
            let _ = writeln!(text, "  - [{0}]({RECIPES}/{0}.md)", example.name);
        }
    }
    text.push_str("\n# The guides, in their own order\n\n- [The five guides](guides/index.md)\n");
    for guide in guides {
        let _ = writeln!(text, "  - [{}](guides/{}.md)", guide.title, guide.id);
    }
    text.push_str("\n# Topics\n\n");
    for topic in topics {
        let _ = writeln!(text, "- [{}](topics/{}.md)", topic.title, topic.id);
    }
    text.push_str("\n# Sections\n\n");
    for section in sections.iter().filter(|s| s.name != RECIPES) {
        let _ = writeln!(text, "- [{0}]({0}/index.md)", section.name);
        for example in &section.examples {
            let _ = writeln!(text, "  - [{1}]({0}/{1}.md)", section.name, example.name);
        }
    }
    text.push_str(&bridge.summary_part());
    text.push_str("\n# Exercises\n\n- [The exercise track](exercises.md)\n");
    let (title, page) = CONTRIBUTING;
    let _ = write!(
        text,
        "\n# For contributors\n\n- [{title}]({page})\n  \
         - [Guide blocks and their examples]({CONTRIBUTOR_DIR}/guide-blocks.md)\n"
    );
    text
}

pub(super) fn chapter(section: &SectionDoc) -> String {
    let mut text = format!(
        "{MARKER}\n# The `{}` section\n\n{}\n\n",
        section.name, section.description
    );
    let _ = writeln!(
        text,
        "Run every example in order with `cargo run -p {0}`, or one with `cargo run -p {0} -- <example>`.\n",
        section.name
    );
    text.push_str("## Examples\n\n");
    for example in &section.examples {
        let _ = writeln!(
            text,
            "- [`{0}`]({0}.md): {1}",
            example.name, example.summary
        );
    }
    if let Some((example, _)) = traced(section) {
        let _ = write!(
            text,
            "\n## A trace to explore\n\n[`{0}.trace.json`]({0}.trace.json) is a run of \
             [`{0}`]({0}.md) on Tokio's paused clock, in the trace format of Chrome and \
             Perfetto: open it in [Perfetto](https://ui.perfetto.dev) or in \
             `chrome://tracing`. Each task is a track: its polls, and each stretch it waited, \
             named by what it waited in. An arrow runs from each poll that woke a task to \
             that task, and at the end of each instant, a task dump says where each task \
             waited. `cargo run -p {1} -- <example> --clock virtual --trace run.json` writes \
             one for any example.\n",
            example.name, section.name
        );
    }
    text
}

/// The example a section offers as a trace, and its timeline: of those
/// charted on the paused clock and drawn whole, the first with the most
/// wakes, and a page's dump before that.
pub(super) fn traced(section: &SectionDoc) -> Option<(&ExampleDoc, &timeline::Timeline)> {
    let charted = section.examples.iter().filter_map(|example| {
        let page = example.timeline.as_ref()?;
        let whole = page.timeline.rows.len() <= timeline::MAX_ROWS;
        let paused = page.timeline.clock == protocol::Clock::Virtual;
        if !(paused && whole) {
            return None;
        }
        Some((example, &page.timeline))
    });
    let wakes = |timeline: &timeline::Timeline| -> usize {
        timeline.rows.iter().map(|row| row.woken.len()).sum()
    };
    charted
        .rev()
        .max_by_key(|(example, timeline)| (example.dump_at.is_some(), wakes(timeline)))
}

pub(super) fn topic_page(topic: &Topic, sections: &[SectionDoc]) -> String {
    let mut text = format!("{MARKER}\n# {}\n\n{}\n\n", topic.title, topic.summary);
    if let Some(introduction) = &topic.introduction {
        text.push_str(introduction.trim_end());
        text.push_str("\n\n## The examples\n\n");
    }
    for member in &topic.examples {
        let summary = member
            .split_once('/')
            .and_then(|(section, example)| {
                sections
                    .iter()
                    .find(|known| known.name == section)?
                    .examples
                    .iter()
                    .find(|known| known.name == example)
            })
            .map_or("", |example| example.summary.as_str());
        let _ = writeln!(text, "- [`{member}`](../{member}.md): {summary}");
    }
    text
}

/// Each `book's page "TITLE"` of a header linked to that page; a title the
/// book has no page for is an error.
pub(super) fn link_book_pages(text: &str, topics: &[Topic]) -> Result<String, String> {
    const NAMES: &str = "book's page \"";
    let pages: Vec<(String, String)> = HANDWRITTEN
        .iter()
        .map(|(title, page)| ((*title).to_owned(), (*page).to_owned()))
        .chain([("The Rust you need".to_owned(), concepts::PAGE.to_owned())])
        .chain(
            topics
                .iter()
                .map(|topic| (topic.title.clone(), format!("topics/{}.md", topic.id))),
        )
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(NAMES) {
        let (before, after) = rest.split_at(at + NAMES.len() - 1);
        out.push_str(before);
        let Some(end) = after[1..].find('"') else {
            return Err(format!("`{NAMES}` is not followed by a title in quotes"));
        };
        let title = &after[1..=end];
        // A title may be broken across the header's lines.
        let words = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let Some((_, page)) = pages.iter().find(|(known, _)| *known == words) else {
            let known: Vec<&str> = pages.iter().map(|(title, _)| title.as_str()).collect();
            return Err(format!(
                "the book has no page \"{words}\"; its pages are \"{}\"",
                known.join("\", \"")
            ));
        };
        let _ = write!(out, "[\"{title}\"](../{page})");
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The end of an example's page: the other examples of each of its topics.
pub(super) fn see_also(
    section: &SectionDoc,
    example: &ExampleDoc,
    topics: &[Topic],
    exercises: &[super::exercises_page::Exercise],
) -> String {
    let name = format!("{}/{}", section.name, example.name);
    let mut text = String::from("\n## See also\n\n");
    // The exercises that practise it: the table of exercises links each to
    // its example, and this is the way back.
    let practising = exercises.iter().enumerate();
    for (index, exercise) in practising.filter(|(_, exercise)| exercise.example == name) {
        let _ = writeln!(
            text,
            "- [Exercise {}](../exercises.md), `{}`, practises it: `cargo run --bin exercises` \
             checks it, `cargo run --bin exercises -- hint {}` gives a hint.",
            index + 1,
            exercise.name,
            exercise.name
        );
    }
    for (topic, others) in topics::see_also(topics, &name) {
        let links: Vec<String> = others
            .iter()
            .map(|other| format!("[`{other}`](../{other}.md)"))
            .collect();
        let _ = writeln!(
            text,
            "- [{}](../topics/{}.md): {}",
            topic.title,
            topic.id,
            links.join(", ")
        );
    }
    text
}

pub(super) fn from_the_guides(example: &ExampleDoc) -> String {
    example.translates.as_ref().map_or_else(String::new, |list| {
        format!(
            "\n## From the guides\n\nThis example comes from these parts of the guides:\n\n{list}\n"
        )
    })
}

/// Plain text set in Markdown as it is (`__del__`, `Box<dyn Trait>`).
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_<>[]|#".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub(super) fn example_page(
    section: &SectionDoc,
    example: &ExampleDoc,
    // The twin, if any, and its reason for not printing what the Rust prints.
    twin: Option<Option<String>>,
) -> String {
    let source = format!("crates/{}/src/{}.rs", section.name, example.name);
    let golden = format!("tests/golden/{}/{}.stdout", section.name, example.name);
    let mut text = format!(
        "{MARKER}\n# `{}`\n\n**{}**\n\n",
        example.name, example.summary
    );
    let intro = text.len();
    if !example.body.is_empty() {
        text.push_str(&example.body);
        text.push_str("\n\n");
    }
    text.push_str(&concepts::example_links(&example.code));
    let run = text.len();
    let command = format!("cargo run -p {} -- {}", section.name, example.name);
    // A `sync` example builds its own runtime, which the runner's clock can't pause.
    let paused = match example.export.kind {
        Kind::Sync => String::new(),
        _ => format!("\n{command} --clock virtual   # Tokio's paused clock: sleeps end at once"),
    };
    let _ = write!(text, "## Run it\n\n```sh\n{command}{paused}\n```\n\n");
    if let Some(difference) = twin {
        let python = format!("crates/{}/python/{}.py", section.name, example.name);
        let prints = match difference {
            None => "It prints what the Rust prints, but for how Python writes quotes, brackets \
                     and `True`; the project's tests check that it does."
                .to_owned(),
            Some(reason) => format!(
                "It cannot print what the Rust prints: {}.",
                markdown_text(reason.trim_end_matches('.'))
            ),
        };
        let _ = write!(
            text,
            "## In asyncio\n\n`{python}` is the same program in asyncio, written for this book; \
             run it with `python3 -P {python}`. {prints}\n\n\
             ```python\n{{{{#include ../../../{python}}}}}\n```\n\n"
        );
    }
    let export = &example.export;
    let calling = match export.kind {
        _ if export.is_program() => {
            "calls the example's `main`: `cargo run -- --help` says what it does, and \
             `--demo` runs what this page shows"
        }
        Kind::Plain => "calls `run` from a current-thread `#[tokio::main]`",
        Kind::BaseUrl => {
            "calls `run` from a current-thread `#[tokio::main]` with the base URL of an \
             httpbin, its one argument"
        }
        Kind::Sync => {
            "calls `run` from a plain `fn main`, since the example builds its own runtime"
        }
    };
    // Plain `#[tokio::main]` starts the multi-thread runtime, which these
    // features may not include: a reader who writes it meets a compile error.
    let multi_thread = export
        .dependencies
        .iter()
        .any(|d| d.name == "tokio" && d.features.iter().any(|f| f == "rt-multi-thread"));
    let calling = if export.kind != Kind::Sync && !export.is_program() && !multi_thread {
        format!(
            "{calling} (`flavor = \"current_thread\"`: plain `#[tokio::main]` starts the \
             multi-thread runtime, which needs Tokio's `rt-multi-thread` feature too)"
        )
    } else {
        calling.to_owned()
    };
    let code = text.len();
    let _ = write!(
        text,
        "## The code\n\n`{source}` is the whole program, shown below after its header. \
         `{command}` writes it out as a Cargo project of its own, whose `main.rs` {calling}. \
         To use it in a project of yours instead, these are the dependencies it needs{tests_only}:\n\n\
         ```toml\n{tables}```\n\n\
         which these commands add{by_hand}:\n\n```sh\n{add}\n```\n\n{config}\
         ```rust,ignore\n{{{{#include ../../../{source}:{start}:}}}}\n```\n\n",
        command = export.command(),
        tests_only = if export.dev_dependencies.is_empty() {
            ""
        } else {
            " (the `[dev-dependencies]` only for its tests)"
        },
        tables = export.dependency_tables(),
        config = if export.takes_task_dumps() {
            format!(
                "Beside `Cargo.toml`, it needs this `.cargo/config.toml`. A `RUSTFLAGS` \
                 environment variable, when set, replaces its `rustflags`: add the cfg there \
                 too, or the program builds without task dumps.\n\n\
                 ```toml\n{}```\n\n",
                crate::export::TASK_DUMP_CONFIG
            )
        } else {
            String::new()
        },
        by_hand = if export.takes_task_dumps() {
            " (`[lints.rust]` and `.cargo/config.toml` are written by hand)"
        } else {
            ""
        },
        add = export.cargo_add().join("\n"),
        start = example.code_starts_at,
    );
    let code = code..text.len();
    let _ = write!(
        text,
        "## What it prints\n\n\
         The same on Tokio's paused clock and on the real one; the project's tests check \
         that it still prints exactly this on the paused clock, and this but for its times on \
         the real one.\n\n\
         ```text\n{{{{#include ../../../{golden}}}}}\n```\n"
    );
    if let Some(at) = example.dump_at {
        let dump = format!("tests/golden/{}/{}.dump", section.name, example.name);
        let _ = write!(
            text,
            "\n## Where each task waits\n\n\
             At {at} of its run, `cargo run -p {section} -- {example} --clock virtual --dump-at {arg}` \
             prints where each of its tasks waits: each task under the one that spawned it, labelled \
             by the line that spawned it, this file's frames down to the `.await` it is stopped at, and the Tokio future it waits \
             in. The project's tests check, on Tokio's paused clock, that it still prints exactly this. \
             [Why is my program stuck?](../topics/stuck.md) reads it line by line.\n\n\
             ```text\n{{{{#include ../../../{dump}}}}}\n```\n",
            at = protocol::dump::seconds(at),
            section = section.name,
            example = example.name,
            arg = protocol::seconds_arg(at),
        );
    }
    if let Some(page_timeline) = &example.timeline {
        text.push_str(&schedule(section, example, page_timeline));
    }
    if section.name != RECIPES {
        return text;
    }
    // A recipe is made to be copied: its code comes first, then how it works.
    let mut recipe = format!("{}{}", &text[..intro], &text[code.clone()]);
    let explanation = text[intro..run].trim_end();
    if !explanation.is_empty() {
        let _ = write!(recipe, "## How it works\n\n{explanation}\n\n");
    }
    recipe + &text[run..code.start] + &text[code.end..]
}

/// The example's chart, then its asyncio twin's, to be drawn under it on the
/// same time axis: each with its file's name after the example's.
pub(super) fn charts(example: &ExampleDoc) -> Vec<(&'static str, String)> {
    let Some(page) = example.timeline.as_ref() else {
        return Vec::new();
    };
    let twin_span = page.twin.as_ref().map_or(0, timeline::Timeline::span);
    let span = page.timeline.span().max(twin_span);
    let mut charts = vec![(".svg", timeline::svg(&page.timeline, span))];
    if let Some(twin) = &page.twin {
        let example = format!("its asyncio version, {}.py,", example.name);
        let twin = timeline::Timeline {
            example,
            ..twin.clone()
        };
        charts.push((".asyncio.svg", timeline::svg(&twin, span)));
    }
    charts
}

fn schedule(section: &SectionDoc, example: &ExampleDoc, page: &PageTimeline) -> String {
    let run = format!("cargo run -p {} -- {}", section.name, example.name);
    let tasks = page.timeline.spawned_rows();
    let rows = if tasks == 0 {
        "This example spawns no task: everything it runs at once, it runs inside its main task, \
         so the chart has one row, polled at each instant one of its futures could move on."
    } else {
        "Each row is a task: the main one running `run()`, then each task it spawned, labelled by \
         the line that spawned it, and where one line spawned several, by which of them it is \
         (`2 of 3`)."
    };
    let source = match &page.recorded {
        Some(recorded) if page.timeline.clock == protocol::Clock::Virtual => format!(
            "Drawn from a run on Tokio's paused clock, kept in `{recorded}`: its tasks wake \
             on sockets, in the order the system hands their bytes over, which a busy machine \
             can change within an instant, so the chart shows one run, kept, rather than a new one \
             each time the book is built. `{run} --clock virtual --timeline` draws it again. An arrow runs from each \
             poll that woke a task to that task."
        ),
        None => format!(
            "Drawn from a run on Tokio's paused clock, where the times are exact and the same on \
             every run; `{run} --clock virtual --timeline` draws it in a terminal. An arrow runs \
             from each poll that woke a task to that task, ⊘ ends a task that was aborted, and \
             between its polls, a row says what its task waited in, as a task dump at the end of \
             each instant showed."
        ),
        Some(recorded) => format!(
            "Drawn from a run on the real clock, kept in `{recorded}`: on the paused clock a \
             blocking call takes no time, so the chart could not show what it holds up. \
             `{run} --timeline` draws it again, with this machine's times."
        ),
    };
    let mut images = charts(example)
        .into_iter()
        .map(|(suffix, svg)| charts::image(&svg, &format!("{}{suffix}", example.name)));
    let image = images.next().unwrap_or_default();
    let asyncio = images.next().map_or_else(String::new, |image| {
        format!(
            "\nUnder it, on the same time axis, the asyncio program above, run by Python 3.11 on an event loop \
             whose clock, like Tokio's paused one, jumps to the next timer: a row is a task \
             (`asyncio.run`'s main one, `create_task`'s, and those `gather`, `wait_for` or a \
             `TaskGroup` wrap a coroutine in), labelled by the line that made it, and █ is one \
             step of it, from one `await` to the next. ⊘ ends a task that was cancelled, and × one \
             that `asyncio.run` cancelled as its main task returned.\n\n{image}\n"
        )
    });
    format!("\n## The schedule\n\n{rows} {source}\n\n{image}\n{asyncio}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_naming_a_book_page_links_to_it() {
        let topics = [Topic {
            id: "stuck".to_owned(),
            title: "Why is my program stuck?".to_owned(),
            summary: String::new(),
            examples: Vec::new(),
            introduction: None,
        }];
        assert_eq!(
            link_book_pages(
                "The book's page \"Why is my program stuck?\" reads it; see the book's page \"The Rust you need\".",
                &topics
            ),
            Ok(format!(
                "The book's page [\"Why is my program stuck?\"](../topics/stuck.md) reads it; \
                 see the book's page [\"The Rust you need\"](../{}).",
                concepts::PAGE
            ))
        );
        assert_eq!(
            link_book_pages("no page named", &topics),
            Ok("no page named".to_owned())
        );
        let unknown = link_book_pages("the book's page \"Stuck\" says", &topics).unwrap_err();
        assert!(
            unknown.starts_with("the book has no page \"Stuck\""),
            "{unknown}"
        );
        assert!(link_book_pages("the book's page \"Stuck", &topics).is_err());
        assert_eq!(
            link_book_pages("the book's page \"Why is my\nprogram stuck?\"", &topics),
            Ok("the book's page [\"Why is my\nprogram stuck?\"](../topics/stuck.md)".to_owned())
        );
    }

    #[test]
    fn a_twins_reason_keeps_its_markup_characters_as_text() {
        assert_eq!(
            markdown_text("__del__ names Box<dyn Source> [sic] and `x`"),
            "\\_\\_del\\_\\_ names Box\\<dyn Source\\> \\[sic\\] and \\`x\\`"
        );
    }
}
