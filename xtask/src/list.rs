//! `cargo xtask list`: every section, in teaching order, with its examples.

use crate::Error;
use crate::workspace::Workspace;

pub fn list() -> Result<bool, Error> {
    for section in Workspace::locate().build_all()? {
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
    Ok(true)
}
