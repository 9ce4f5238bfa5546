//! `cargo xtask list`: every section, in teaching order, with its examples,
//! then the bridge's lessons, which `cargo xtask bridge` runs.

use protocol::Header;

use crate::Error;
use crate::lessons::{Bridge, SECTION};
use crate::workspace::Workspace;

pub fn list() -> Result<bool, Error> {
    let workspace = Workspace::locate();
    for section in workspace.build_all()? {
        let examples = section.list()?;
        let width = examples
            .iter()
            .map(|example| example.name.len())
            .max()
            .unwrap_or(0);
        println!("{}", section.name);
        for example in examples {
            println!("  {:width$}  {}", example.name, example.summary);
        }
    }
    let bridge = Bridge::read(&workspace)?;
    let width = bridge
        .lessons
        .iter()
        .map(|lesson| lesson.name.len())
        .max()
        .unwrap_or(0);
    println!("{SECTION} (cargo xtask bridge)");
    for lesson in &bridge.lessons {
        let source = std::fs::read_to_string(bridge.rust(&lesson.name))
            .map_err(|error| format!("{}: {error}", bridge.rust(&lesson.name).display()))?;
        println!(
            "  {:width$}  {}",
            lesson.name,
            Header::parse(&source).summary
        );
    }
    Ok(true)
}
