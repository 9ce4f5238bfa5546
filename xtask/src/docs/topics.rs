//! `docs/topics.tsv`: the examples that answer one question, best first; each
//! topic gets a page, each example a "See also". Strict: an unknown example,
//! or one in no topic (a page with no "See also"), is an error.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use crate::Error;
use crate::tsv;

pub const FILE: &str = "docs/topics.tsv";

pub const COLUMNS: [&str; 4] = ["topic", "title", "summary", "examples"];

#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    /// Its page is `topics/<id>.md`.
    pub id: String,
    pub title: String,
    pub summary: String,
    pub examples: Vec<String>,
    pub introduction: Option<String>,
}

/// The topics, with their introductions (`docs/topics/<id>.md`) if any;
/// `examples` is every `section/example`.
pub fn load(root: &Path, examples: &BTreeSet<String>) -> Result<Vec<Topic>, Error> {
    let path = root.join(FILE);
    let text = fs::read_to_string(&path).map_err(|error| format!("{FILE}: {error}"))?;
    let mut topics = parse(&text, examples)?;
    for topic in &mut topics {
        let introduction = root.join("docs/topics").join(format!("{}.md", topic.id));
        match fs::read_to_string(&introduction) {
            Ok(text) => topic.introduction = Some(text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(format!("{}: {error}", introduction.display()).into()),
        }
    }
    Ok(topics)
}

pub fn parse(text: &str, examples: &BTreeSet<String>) -> Result<Vec<Topic>, Error> {
    let mut topics: Vec<Topic> = Vec::new();
    for row in tsv::rows(text, &COLUMNS) {
        let row = row.map_err(|problem| format!("{FILE}: {problem}"))?;
        let at = format!("{FILE}:{}", row.line);
        let [id, title, summary, listed] = row.fields[..] else {
            continue;
        };
        let id_is_a_file_name = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_is_a_file_name {
            return Err(
                format!("{at}: topic `{id}` must be lowercase letters, digits and `-`").into(),
            );
        }
        if topics.iter().any(|topic| topic.id == id) {
            return Err(format!("{at}: topic `{id}` is listed twice").into());
        }
        if title.is_empty() || summary.is_empty() {
            return Err(format!("{at}: topic `{id}` needs a title and a summary").into());
        }
        let mut members: Vec<String> = Vec::new();
        for example in listed.split_whitespace() {
            if !examples.contains(example) {
                return Err(
                    format!("{at}: `{example}` is not an example (section/example)").into(),
                );
            }
            if members.iter().any(|member| member == example) {
                return Err(format!("{at}: `{example}` is listed twice in `{id}`").into());
            }
            members.push(example.to_owned());
        }
        if members.len() < 2 {
            return Err(format!("{at}: topic `{id}` needs at least two examples").into());
        }
        topics.push(Topic {
            id: id.to_owned(),
            title: title.to_owned(),
            summary: summary.to_owned(),
            examples: members,
            introduction: None,
        });
    }
    let alone: Vec<&str> = examples
        .iter()
        .filter(|example| !topics.iter().any(|topic| topic.examples.contains(example)))
        .map(String::as_str)
        .collect();
    if !alone.is_empty() {
        return Err(format!(
            "{FILE}: in no topic, so their pages would have no \"See also\": {}",
            alone.join(", ")
        )
        .into());
    }
    Ok(topics)
}

/// A topic an example belongs to, and the topic's other examples.
pub struct SeeAlso<'a> {
    pub topic: &'a Topic,
    pub others: Vec<&'a str>,
}

pub fn see_also<'a>(topics: &'a [Topic], example: &str) -> Vec<SeeAlso<'a>> {
    topics
        .iter()
        .filter(|topic| topic.examples.iter().any(|member| member == example))
        .map(|topic| {
            let others = topic
                .examples
                .iter()
                .map(String::as_str)
                .filter(|member| *member != example)
                .collect();
            SeeAlso { topic, others }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    const HEADER: &str = "topic\ttitle\tsummary\texamples\n";

    #[test]
    fn a_row_lists_its_examples_best_first() {
        let known = examples(&["a/one", "b/two", "c/three"]);
        let text = format!("{HEADER}limits\tLimits\tHow many at once.\tb/two a/one c/three\n");
        let topics = parse(&text, &known).expect("a valid file");
        assert_eq!(topics[0].examples, ["b/two", "a/one", "c/three"]);
        let also = see_also(&topics, "a/one");
        assert_eq!(also.len(), 1);
        assert_eq!(also[0].others, ["b/two", "c/three"]);
    }

    #[test]
    fn every_mistake_is_an_error_with_its_line() {
        let known = examples(&["a/one", "b/two", "c/three"]);
        for (rows, expected) in [
            (
                "limits\tLimits\ta/one b/two c/three",
                "expected 4 tab-separated fields",
            ),
            ("Limits!\tA\tB.\ta/one b/two c/three", "must be lowercase"),
            (
                "limits\tA\tB.\ta/one\nx\tA\tB.\tb/two c/three",
                "at least two examples",
            ),
            (
                "limits\tA\tB.\ta/one a/one b/two c/three",
                "listed twice in",
            ),
            ("limits\t\tB.\ta/one b/two c/three", "needs a title"),
            (
                "limits\tA\tB.\ta/one b/too",
                "docs/topics.tsv:2: `b/too` is not an example",
            ),
            (
                "limits\tA\tB.\ta/one b/two",
                "would have no \"See also\": c/three",
            ),
            (
                "x\tA\tB.\ta/one c/three\nx\tC\tD.\ta/one b/two",
                ":3: topic `x` is listed twice",
            ),
        ] {
            let error = parse(&format!("{HEADER}{rows}\n"), &known).expect_err(rows);
            assert!(error.to_string().contains(expected), "{rows}: {error}");
        }
    }
}
