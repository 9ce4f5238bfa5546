//! An asyncio twin's file, `crates/<section>/python/<example>.py`: where it
//! lives, and the line by which it says it cannot print what its example
//! prints. [`twins`](crate::twins) runs the twins; the book links each
//! example page to its twin and quotes that line.

use std::path::{Path, PathBuf};

/// The line by which a twin says it cannot print what the example prints.
pub const DIFFERS: &str = "# differs from the golden file: ";

/// Where the twins of a section live.
pub fn dir(root: &Path, section: &str) -> PathBuf {
    root.join("crates").join(section).join("python")
}

/// Where the twin of an example lives.
pub fn path(root: &Path, section: &str, example: &str) -> PathBuf {
    dir(root, section).join(format!("{example}.py"))
}

/// Why a twin declares that it differs, if it does.
pub fn declared_difference(source: &str) -> Option<&str> {
    source.lines().find_map(|line| {
        line.trim_start()
            .strip_prefix(DIFFERS)
            .map(str::trim)
            .filter(|reason| !reason.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twin_declares_its_difference_on_a_line_of_its_own() {
        let source = format!("import asyncio\n{DIFFERS}Rust prints the type\n");
        assert_eq!(declared_difference(&source), Some("Rust prints the type"));
        assert_eq!(declared_difference("import asyncio\n"), None);
        assert_eq!(declared_difference(&format!("{DIFFERS}   \n")), None);
    }
}
