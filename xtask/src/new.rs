//! `cargo xtask new <section> <example>`: a new example, ready to edit.
//!
//! It writes `crates/<section>/src/<example>.rs` from a template, adds its
//! `mod` line and its `example!` entry (last) to the section's `main.rs`,
//! builds and runs it, and blesses the golden file of what it printed. The
//! template prints one line, so every check passes from the start; the
//! contributor then edits the file and blesses again.

use std::fs;
use std::path::Path;

use crate::check::{self, Mode};
use crate::limits;
use crate::select::Selection;
use crate::workspace::Workspace;
use crate::{Error, Usage};

const TEMPLATE: &str = r#"//! One sentence: what this example shows. `--list` prints it.
//!
//! How Rust differs from asyncio here, and why: what a Python developer
//! would expect, and what Tokio does instead.
//!
//! Translates:
//! - *Guide title*, "Heading"

pub async fn run() {
    println!("{name}: replace me");
}
"#;

/// Rust's keywords, which can't name a module.
const KEYWORDS: [&str; 51] = [
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield",
];

pub fn new_example(section: &str, example: &str) -> Result<bool, Error> {
    let workspace = Workspace::locate();
    let sections = workspace.section_names()?;
    if !sections.iter().any(|name| name == section) {
        return Err(Usage(format!(
            "there is no section `{section}`; the sections are {}",
            sections.join(", ")
        ))
        .into());
    }
    check_name(example).map_err(Usage)?;
    let src = workspace.root().join("crates").join(section).join("src");
    let file = src.join(format!("{example}.rs"));
    if file.exists() {
        return Err(Usage(format!(
            "{} already exists; pick another name",
            relative(&workspace, &file)
        ))
        .into());
    }
    let main_rs = src.join("main.rs");
    let main =
        fs::read_to_string(&main_rs).map_err(|error| format!("{}: {error}", main_rs.display()))?;
    let main = add_to_main(&main, example)
        .map_err(|why| format!("{}: {why}", relative(&workspace, &main_rs)))?;

    crate::files::write(&file, TEMPLATE.replace("{name}", example))?;
    crate::files::write(&main_rs, main)?;
    println!("wrote {}", relative(&workspace, &file));
    println!("added `{example}` to {}", relative(&workspace, &main_rs));

    // Run it once, as `bless` would, and keep what it printed.
    let case = Selection::build(&workspace, Some(&format!("{section}/{example}")))?
        .cases
        .into_iter()
        .find(|case| case.example.name == example)
        .ok_or_else(|| format!("the built `{section}` binary does not list `{example}`"))?;
    let golden_root = workspace.golden_root();
    let report = check::check(case, &Mode::Virtual, limits::EXAMPLE, &golden_root, true);
    if !report.passed() {
        return Err(format!("the new example did not run:\n{}", report.details()).into());
    }
    println!("blessed its golden file");
    println!(
        "\nNext: write the example and its header, then run it on both clocks
  cargo run -p {section} -- {example}
  cargo run -p {section} -- --clock virtual {example}
bless what it prints, map the guide blocks it translates in docs/seed-map.tsv,
and regenerate the book:
  cargo xtask bless {section}/{example}
  cargo xtask docs"
    );
    Ok(true)
}

/// An example's name is a module name: snake_case, not a keyword, and not
/// one of the names a crate's `src` reserves.
fn check_name(name: &str) -> Result<(), String> {
    let snake = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !snake {
        return Err(format!(
            "`{name}` is not a snake_case module name such as `spawn_tasks`"
        ));
    }
    if KEYWORDS.contains(&name) || ["main", "lib", "mod"].contains(&name) {
        return Err(format!("`{name}` is reserved; pick another name"));
    }
    Ok(())
}

/// `main.rs` with `mod <example>;` among the `mod` lines, in order, and
/// `example!(<example>),` after the last `example!` entry.
fn add_to_main(main: &str, example: &str) -> Result<String, String> {
    let lines: Vec<&str> = main.lines().collect();
    let is_mod = |line: &&str| line.starts_with("mod ") && line.ends_with(';');
    if lines
        .iter()
        .any(|line| line.trim() == format!("mod {example};"))
    {
        return Err(format!("it already has `mod {example};`"));
    }
    let last_mod = lines
        .iter()
        .rposition(is_mod)
        .ok_or("it has no `mod` lines to add to")?;
    let mod_at = lines
        .iter()
        .position(|line| is_mod(line) && line.trim_end_matches(';')[4..] > *example)
        .unwrap_or(last_mod + 1);
    let last_entry = lines
        .iter()
        .rposition(|line| line.trim_start().starts_with("example!("))
        .ok_or("it has no `example!(...)` entries to add to")?;
    let indent: String = lines[last_entry]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let mut out: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
    out.insert(last_entry + 1, format!("{indent}example!({example}),"));
    out.insert(mod_at, format!("mod {example};"));
    Ok(out.join("\n") + "\n")
}

fn relative(workspace: &Workspace, path: &Path) -> String {
    path.strip_prefix(workspace.root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = "mod alpha;\nmod gamma;\n\nuse runner::example;\n\nfn main() -> std::process::ExitCode {\n    runner::section![\n        example!(gamma),\n        example!(alpha, base_url),\n    ]\n    .run()\n}\n";

    #[test]
    fn the_mod_line_goes_in_order_and_the_entry_goes_last() {
        let main = add_to_main(MAIN, "beta").unwrap();
        assert_eq!(
            main,
            "mod alpha;\nmod beta;\nmod gamma;\n\nuse runner::example;\n\nfn main() -> std::process::ExitCode {\n    runner::section![\n        example!(gamma),\n        example!(alpha, base_url),\n        example!(beta),\n    ]\n    .run()\n}\n"
        );
        let last = add_to_main(MAIN, "zeta").unwrap();
        assert!(
            last.starts_with("mod alpha;\nmod gamma;\nmod zeta;\n"),
            "{last}"
        );
    }

    #[test]
    fn a_main_rs_of_another_shape_is_refused() {
        assert!(
            add_to_main(MAIN, "alpha")
                .unwrap_err()
                .contains("already has")
        );
        assert!(add_to_main("fn main() {}\n", "beta").is_err());
    }

    #[test]
    fn a_name_must_be_a_module_name() {
        assert!(check_name("spawn_tasks2").is_ok());
        for bad in ["Spawn", "2nd", "with-dash", "", "mod", "async", "main"] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_template_has_a_header_and_a_run() {
        let source = TEMPLATE.replace("{name}", "demo");
        let header = protocol::Header::parse(&source);
        assert!(
            header.summary.starts_with("One sentence"),
            "{}",
            header.summary
        );
        assert!(source.contains("pub async fn run()"));
    }
}
