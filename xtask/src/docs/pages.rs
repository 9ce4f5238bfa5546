//! What a learner reads of each example: its page (code, output, schedule,
//! "See also"), its section's chapter, its topics' pages, and `SUMMARY.md`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use protocol::Kind;
use protocol::timeline;

use super::bridge::BridgeDoc;
use super::charts;
use super::concepts::{self, Concepts};
use super::guides::GuideDoc;
use super::sections::{ExampleDoc, PageTimeline, SectionDoc};
use super::topics::{self, Topic};
use super::{CONTRIBUTING, CONTRIBUTOR_DIR, HANDWRITTEN, MARKER, Page};
use crate::prose::{self, Prose};
use crate::twin_file;

/// The section whose examples are recipes, a part of their own.
const RECIPES: &str = "recipes";

pub(super) fn summary(
    guides: &[GuideDoc],
    topics: &[Topic],
    sections: &[SectionDoc],
    bridge: &BridgeDoc,
) -> Result<String, String> {
    let mut text = format!("{MARKER}\n# Summary\n\n");
    for (index, page) in HANDWRITTEN.into_iter().enumerate() {
        let _ = writeln!(text, "[{}]({})", page.title, page.path);
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
    text.push_str(&bridge.summary_part()?);
    text.push_str("\n# Exercises\n\n- [The exercise track](exercises.md)\n");
    let Page { title, path } = CONTRIBUTING;
    let _ = write!(
        text,
        "\n# For contributors\n\n- [{title}]({path})\n  \
         - [Guide blocks and their examples]({CONTRIBUTOR_DIR}/guide-blocks.md)\n"
    );
    Ok(text)
}

pub(super) fn chapter(section: &SectionDoc) -> Result<String, String> {
    let prose = Prose::of(prose::CHAPTER)?;
    let mut text = format!(
        "{MARKER}\n# The `{}` section\n\n{}\n\n",
        section.name, section.description
    );
    let run = prose.render("run", &[("section", &section.name)])?;
    let _ = write!(text, "{run}\n\n## Examples\n\n");
    for example in &section.examples {
        let _ = writeln!(
            text,
            "- [`{0}`]({0}.md): {1}",
            example.name, example.summary
        );
    }
    if let Some((example, _)) = traced(section) {
        let values = [
            ("example", example.name.as_str()),
            ("section", &section.name),
        ];
        let _ = write!(text, "\n{}\n", prose.render("trace", &values)?);
    }
    Ok(text)
}

/// The example a section offers as a trace, and its timeline: of those
/// charted on the paused clock and drawn whole, the first with the most
/// wakes, and a page's dump before that.
pub(super) fn traced(section: &SectionDoc) -> Option<(&ExampleDoc, &timeline::Timeline)> {
    let drawn = section.examples.iter().filter_map(|example| {
        let page = example.timeline.as_ref()?;
        let whole = page.timeline.rows.len() <= timeline::MAX_ROWS;
        let paused = page.timeline.clock == protocol::Clock::Virtual;
        if !(paused && whole && charted(page)) {
            return None;
        }
        Some((example, &page.timeline))
    });
    let wakes = |timeline: &timeline::Timeline| -> usize {
        timeline.rows.iter().map(|row| row.woken.len()).sum()
    };
    drawn
        .rev()
        .max_by_key(|(example, timeline)| (example.dump_at.is_some(), wakes(timeline)))
}

pub(super) fn topic_page(topic: &Topic, summaries: &BTreeMap<String, String>) -> String {
    let mut text = format!("{MARKER}\n# {}\n\n{}\n\n", topic.title, topic.summary);
    if let Some(introduction) = &topic.introduction {
        text.push_str(introduction.trim_end());
        text.push_str("\n\n## The examples\n\n");
    }
    for member in &topic.examples {
        let summary = summaries.get(member).map_or("", String::as_str);
        let _ = writeln!(text, "- [`{member}`](../{member}.md): {summary}");
    }
    text
}

/// Each `book's page "TITLE"` of a header linked to that page; a title the
/// book has no page for is an error.
pub(super) fn link_book_pages(text: &str, topics: &[Topic]) -> Result<String, String> {
    const NAMES: &str = "book's page \"";
    let topic_paths: Vec<String> = topics
        .iter()
        .map(|topic| format!("topics/{}.md", topic.id))
        .collect();
    let the_rust_you_need = Page {
        title: "The Rust you need",
        path: concepts::PAGE,
    };
    let topic_pages = topics.iter().zip(&topic_paths).map(|(topic, path)| Page {
        title: &topic.title,
        path,
    });
    let pages: Vec<Page<'_>> = HANDWRITTEN
        .into_iter()
        .chain([the_rust_you_need])
        .chain(topic_pages)
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
        let Some(page) = pages.iter().find(|page| page.title == words) else {
            let known: Vec<&str> = pages.iter().map(|page| page.title).collect();
            return Err(format!(
                "the book has no page \"{words}\"; its pages are \"{}\"",
                known.join("\", \"")
            ));
        };
        let _ = write!(out, "[\"{title}\"](../{})", page.path);
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
) -> Result<String, String> {
    let prose = Prose::of(prose::EXAMPLE)?;
    let name = format!("{}/{}", section.name, example.name);
    let mut text = format!("\n{}\n\n", prose.render("see-also", &[])?);
    // The exercises that practise it: the table of exercises links each to
    // its example, and this is the way back.
    for (index, exercise) in exercises.iter().enumerate() {
        if exercise.example != name {
            continue;
        }
        let number = (index + 1).to_string();
        let values = [("number", number.as_str()), ("name", &exercise.name)];
        let _ = writeln!(text, "{}", prose.render("exercise", &values)?);
    }
    for topics::SeeAlso { topic, others } in topics::see_also(topics, &name) {
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
    Ok(text)
}

pub(super) fn from_the_guides(example: &ExampleDoc) -> Result<String, String> {
    let Some(list) = &example.translates else {
        return Ok(String::new());
    };
    let prose = Prose::of(prose::EXAMPLE)?;
    Ok(format!(
        "\n{}\n",
        prose.render("from-the-guides", &[("list", list)])?
    ))
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

/// An example's asyncio twin, as its page tells of it.
pub(super) enum Twin {
    /// The example has none (or its file can't be read).
    Absent,
    /// It prints what the example prints.
    PrintsTheSame,
    /// Its file declares that it prints otherwise, and why.
    Differs { reason: String },
}

impl Twin {
    /// The twin of `example` in `section`, under `root`.
    pub(super) fn read(root: &Path, section: &str, example: &str) -> Twin {
        let path = twin_file::path(root, section, example);
        let Ok(source) = std::fs::read_to_string(path) else {
            return Twin::Absent;
        };
        match twin_file::declared_difference(&source) {
            Some(reason) => Twin::Differs {
                reason: reason.to_owned(),
            },
            None => Twin::PrintsTheSame,
        }
    }
}

/// An example's page: its header's text, how to run it and its twin, its
/// code, and what it prints; a recipe's code comes first.
pub(super) fn example_page(
    section: &SectionDoc,
    example: &ExampleDoc,
    twin: &Twin,
    concepts: &Concepts,
) -> Result<String, String> {
    let prose = Prose::of(prose::EXAMPLE)?;
    let title = format!(
        "{MARKER}\n# `{}`\n\n**{}**\n\n",
        example.name, example.summary
    );
    let explanation = explanation(example, concepts);
    let run = run_it(&prose, section, example)? + &in_asyncio(&prose, section, example, twin)?;
    let code = code(&prose, section, example)?;
    let output = output(&prose, section, example)?;
    if section.name != RECIPES {
        return Ok(title + &explanation + &run + &code + &output);
    }
    // A recipe is made to be copied: its code comes first, then how it works.
    let mut recipe = title + &code;
    let explanation = explanation.trim_end();
    if !explanation.is_empty() {
        let how = prose.render("how-it-works", &[("explanation", explanation)])?;
        let _ = write!(recipe, "{how}\n\n");
    }
    Ok(recipe + &run + &output)
}

/// The header's text under the title, then the links to what it uses of
/// "The Rust you need".
fn explanation(example: &ExampleDoc, concepts: &Concepts) -> String {
    let mut text = String::new();
    if !example.body.is_empty() {
        text.push_str(&example.body);
        text.push_str("\n\n");
    }
    text.push_str(&concepts.example_links(&example.code));
    text
}

/// "Run it": the command, and how to run it on the paused clock.
fn run_it(prose: &Prose, section: &SectionDoc, example: &ExampleDoc) -> Result<String, String> {
    let command = format!("cargo run -p {} -- {}", section.name, example.name);
    // A `sync` example builds its own runtime, which the runner's clock can't pause.
    let paused = match example.export.kind {
        Kind::Sync => String::new(),
        Kind::Plain | Kind::BaseUrl => {
            let paused = prose.render("run-paused", &[("command", &command)])?;
            format!("\n{paused}")
        }
    };
    Ok(format!("## Run it\n\n```sh\n{command}{paused}\n```\n\n"))
}

/// How to run the example's asyncio twin, and whether it prints the same:
/// nothing if it has none.
fn in_asyncio(
    prose: &Prose,
    section: &SectionDoc,
    example: &ExampleDoc,
    twin: &Twin,
) -> Result<String, String> {
    let python = format!("crates/{}/python/{}.py", section.name, example.name);
    let prints = match twin {
        Twin::Absent => return Ok(String::new()),
        Twin::PrintsTheSame => prose.render("twin-prints-the-same", &[])?,
        Twin::Differs { reason } => {
            let reason = markdown_text(reason.trim_end_matches('.'));
            prose.render("twin-differs", &[("reason", &reason)])?
        }
    };
    // An HTTP example's twin takes the httpbin's URL, as `run` does.
    let twin_run = match example.export.kind {
        Kind::BaseUrl => "twin-run-with-url",
        Kind::Plain | Kind::Sync => "twin-run",
    };
    let twin_run = prose.render(twin_run, &[("python", &python)])?;
    let values = [
        ("python", python.as_str()),
        ("run", &twin_run),
        ("prints", &prints),
    ];
    Ok(format!("{}\n\n", prose.render("in-asyncio", &values)?))
}

/// The code: where it is, and how to make it a project of one's own.
fn code(prose: &Prose, section: &SectionDoc, example: &ExampleDoc) -> Result<String, String> {
    let source = format!("crates/{}/src/{}.rs", section.name, example.name);
    let export = &example.export;
    let calling = calling(prose, export)?;
    let tests_only = if export.dev_dependencies.is_empty() {
        String::new()
    } else {
        prose.render("tests-only", &[])?
    };
    let config = if export.takes_task_dumps() {
        let config = [("config", crate::export::TASK_DUMP_CONFIG)];
        format!("{}\n\n", prose.render("task-dump-config", &config)?)
    } else {
        String::new()
    };
    let by_hand = if export.takes_task_dumps() {
        prose.render("written-by-hand", &[])?
    } else {
        String::new()
    };
    let export_command = export.command();
    let tables = export.dependency_tables();
    let add = export.cargo_add().join("\n");
    let start = example.code_starts_at.to_string();
    let values = [
        ("source", source.as_str()),
        ("command", &export_command),
        ("calling", &calling),
        ("tests_only", &tests_only),
        ("tables", &tables),
        ("by_hand", &by_hand),
        ("add", &add),
        ("config", &config),
        ("start", &start),
    ];
    Ok(format!("{}\n\n", prose.render("code", &values)?))
}

/// How a project of one's own calls the exported code.
fn calling(prose: &Prose, export: &crate::export::Export) -> Result<String, String> {
    let calling = match export.kind {
        _ if export.is_program() => "calling-main",
        Kind::Plain => "calling-run",
        Kind::BaseUrl => "calling-run-with-url",
        Kind::Sync => "calling-sync-run",
    };
    let calling = prose.render(calling, &[])?;
    // Plain `#[tokio::main]` starts the multi-thread runtime, which these
    // features may not include: a reader who writes it meets a compile error.
    let multi_thread = export
        .dependencies
        .iter()
        .any(|d| d.name == "tokio" && d.features.iter().any(|f| f == "rt-multi-thread"));
    if export.kind == Kind::Sync || export.is_program() || multi_thread {
        return Ok(calling);
    }
    prose.render("current-thread", &[("calling", &calling)])
}

/// What the example prints, where each task waits when it has a task
/// dump, and its schedule.
fn output(prose: &Prose, section: &SectionDoc, example: &ExampleDoc) -> Result<String, String> {
    let golden = format!("tests/golden/{}/{}.stdout", section.name, example.name);
    let prints = prose.render("what-it-prints", &[("golden", &golden)])?;
    let mut text = format!("{prints}\n");
    if let Some(at) = example.dump_at {
        let dump = format!("tests/golden/{}/{}.dump", section.name, example.name);
        let (at, arg) = (protocol::dump::seconds(at), protocol::seconds_arg(at));
        let values = [
            ("at", at.as_str()),
            ("section", &section.name),
            ("example", &example.name),
            ("arg", &arg),
            ("dump", &dump),
        ];
        let _ = writeln!(
            text,
            "\n{}",
            prose.render("where-each-task-waits", &values)?
        );
    }
    if let Some(page_timeline) = &example.timeline {
        text.push_str(&schedule(prose, section, example, page_timeline)?);
    }
    Ok(text)
}

/// A chart of a timeline, and its file's name after the example's.
pub(super) struct Chart {
    pub(super) suffix: &'static str,
    pub(super) svg: String,
}

/// The example's chart, then its asyncio twin's, to be drawn under it on the
/// same time axis.
pub(super) fn charts(example: &ExampleDoc) -> Vec<Chart> {
    let Some(page) = example.timeline.as_ref() else {
        return Vec::new();
    };
    if !charted(page) {
        return Vec::new();
    }
    let twin_span = page.twin.as_ref().map_or(0, timeline::Timeline::span);
    let span = page.timeline.span().max(twin_span);
    let mut charts = vec![Chart {
        suffix: ".svg",
        svg: timeline::svg(&page.timeline, span),
    }];
    if let Some(twin) = &page.twin {
        let example = format!("its asyncio version, {}.py,", example.name);
        let twin = timeline::Timeline {
            example,
            ..twin.clone()
        };
        charts.push(Chart {
            suffix: ".asyncio.svg",
            svg: timeline::svg(&twin, span),
        });
    }
    charts
}

/// Whether a timeline is charted: not one whose every mark is at the same
/// instant, which a chart would draw as nothing.
fn charted(page: &PageTimeline) -> bool {
    page.timeline.span() > 0
}

fn schedule(
    prose: &Prose,
    section: &SectionDoc,
    example: &ExampleDoc,
    page: &PageTimeline,
) -> Result<String, String> {
    let run = format!("cargo run -p {} -- {}", section.name, example.name);
    if !charted(page) {
        let no_chart = prose.render("no-chart", &[("run", &run)])?;
        return Ok(format!("\n{no_chart}\n"));
    }
    let rows = match page.timeline.spawned_rows() {
        0 => prose.render("one-row", &[])?,
        _ => prose.render("a-row-a-task", &[])?,
    };
    let source = match &page.recorded {
        Some(recorded) if page.timeline.clock == protocol::Clock::Virtual => {
            let values = [("recorded", recorded.as_str()), ("run", &run)];
            prose.render("kept-run-on-the-paused-clock", &values)?
        }
        None => prose.render("run-on-the-paused-clock", &[("run", &run)])?,
        Some(recorded) => {
            let values = [("recorded", recorded.as_str()), ("run", &run)];
            prose.render("kept-run-on-the-real-clock", &values)?
        }
    };
    let mut images = charts(example)
        .into_iter()
        .map(|chart| charts::image(&chart.svg, &format!("{}{}", example.name, chart.suffix)));
    let image = images.next().unwrap_or_default();
    let asyncio = match images.next() {
        Some(image) => format!(
            "\n{}\n",
            prose.render("asyncio-chart", &[("image", &image)])?
        ),
        None => String::new(),
    };
    let values = [
        ("rows", rows.as_str()),
        ("source", &source),
        ("image", &image),
    ];
    let schedule = prose.render("schedule", &values)?;
    Ok(format!("\n{schedule}\n{asyncio}"))
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
