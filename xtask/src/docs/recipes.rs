//! The book's "Recipes" part: the examples of the `recipes` section, each a
//! whole answer to a common task, made to be copied.
//!
//! A recipe's page is an example page (see [`super::pages`]) in another
//! order: the code comes straight after the summary, and the header's
//! explanation follows it under "How it works". The part comes before the
//! guides in `SUMMARY.md`, and the section is not listed again under
//! "Sections". Recipes translate no guide block, so, like any example the
//! seed map does not name, their pages have no table of blocks.

use std::fmt::Write as _;

/// The section whose examples are recipes.
pub const SECTION: &str = "recipes";

/// The heading the header's explanation goes under on a recipe's page.
const EXPLANATION: &str = "## How it works";

/// The part's lines in `SUMMARY.md`: its chapter page and each recipe, in
/// the section's order.
pub fn summary_part<'a>(examples: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = format!("\n# Recipes\n\n- [Recipes]({SECTION}/index.md)\n");
    for example in examples {
        let _ = writeln!(text, "  - [{example}]({SECTION}/{example}.md)");
    }
    text
}

/// An example's page, reordered for a recipe: title and summary, "The
/// code", then the header's explanation under "How it works", then the
/// page's other parts in their order. An error if the page does not have
/// the shape this expects, so a change to the example pages can't quietly
/// garble the recipes.
pub fn code_first(page: &str) -> Result<String, String> {
    // The summary is the page's first bold line; the header's explanation
    // runs from there to the first `## ` heading, which is "Run it".
    let summary_end = page
        .find("**\n\n")
        .map(|at| at + "**\n\n".len())
        .ok_or("no summary line")?;
    let after_summary = &page[summary_end..];
    let first_heading = summary_end
        + if after_summary.starts_with("## ") {
            0
        } else {
            after_summary
                .find("\n## ")
                .map(|at| at + 1)
                .ok_or("no heading after the summary")?
        };
    let explanation = page[summary_end..first_heading].trim_end();

    let mut parts: Vec<&str> = Vec::new();
    let rest = &page[first_heading..];
    let mut start = 0;
    for (at, _) in rest.match_indices("\n## ") {
        parts.push(&rest[start..=at]);
        start = at + 1;
    }
    parts.push(&rest[start..]);
    let code = parts
        .iter()
        .position(|part| part.starts_with("## The code\n"))
        .ok_or("no \"## The code\" part")?;
    let code = parts.remove(code);

    let mut text = String::from(&page[..summary_end]);
    text.push_str(code);
    if !explanation.is_empty() {
        text.push_str(EXPLANATION);
        text.push_str("\n\n");
        text.push_str(explanation);
        text.push_str("\n\n");
    }
    for part in parts {
        text.push_str(part);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "<!-- marker -->\n# `demo`\n\n**What it does.**\n\nWhy, at length.\n\nAnd more.\n\n## Run it\n\nrun\n\n## The code\n\ncode\n\n## What it prints\n\nout\n";

    #[test]
    fn the_code_comes_first_then_the_explanation_then_the_rest() {
        assert_eq!(
            code_first(PAGE).unwrap(),
            "<!-- marker -->\n# `demo`\n\n**What it does.**\n\n## The code\n\ncode\n\n## How it works\n\nWhy, at length.\n\nAnd more.\n\n## Run it\n\nrun\n\n## What it prints\n\nout\n"
        );
    }

    #[test]
    fn a_page_without_its_code_is_an_error() {
        let page = PAGE.replace("## The code", "## Something else");
        assert!(code_first(&page).is_err());
        assert!(code_first("no summary here").is_err());
    }

    #[test]
    fn the_part_lists_the_chapter_then_each_recipe() {
        assert_eq!(
            summary_part(["a", "b"]),
            "\n# Recipes\n\n- [Recipes](recipes/index.md)\n  - [a](recipes/a.md)\n  - [b](recipes/b.md)\n"
        );
    }
}
