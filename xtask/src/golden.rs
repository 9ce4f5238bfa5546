//! Golden files: `tests/golden/<section>/<example>.stdout` holds exactly what
//! the example prints, on either clock.

use std::path::{Path, PathBuf};

use similar::TextDiff;

/// Where the golden file of an example lives under `golden_root`.
pub fn path(golden_root: &Path, section: &str, example: &str) -> PathBuf {
    golden_root.join(section).join(format!("{example}.stdout"))
}

/// `tests/golden/<section>/<example>.stdout`: the path relative to the
/// workspace root, which is two levels above `golden_root`.
pub fn display_name(path: &Path, golden_root: &Path) -> String {
    let root = golden_root
        .parent()
        .and_then(Path::parent)
        .unwrap_or(golden_root);
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Every golden file under `golden_root`, as `(section, example)` pairs,
/// sorted. Files that are not `*.stdout` are not golden files and are ignored.
pub fn all(golden_root: &Path) -> std::io::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    if !golden_root.is_dir() {
        return Ok(found);
    }
    for section in std::fs::read_dir(golden_root)? {
        let section = section?.path();
        if !section.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&section)? {
            let file = file?.path();
            if file
                .extension()
                .is_some_and(|extension| extension == "stdout")
                && let (Some(section), Some(example)) = (name(&section), stem(&file))
            {
                found.push((section, example));
            }
        }
    }
    found.sort();
    Ok(found)
}

fn name(path: &Path) -> Option<String> {
    path.file_name()?.to_str().map(str::to_owned)
}

fn stem(path: &Path) -> Option<String> {
    path.file_stem()?.to_str().map(str::to_owned)
}

/// A unified diff from the golden text to the actual output.
pub fn diff(golden_name: &str, expected: &str, actual: &str) -> String {
    TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(golden_name, "actual output")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_the_changed_line() {
        let diff = diff("hello.stdout", "Hello\nWorld\n", "Hello\nWrld\n");
        assert!(
            diff.starts_with("--- hello.stdout\n+++ actual output\n"),
            "{diff}"
        );
        assert!(diff.contains("\n-World\n+Wrld\n"), "{diff}");
    }
}
