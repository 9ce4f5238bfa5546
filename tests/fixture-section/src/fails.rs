//! Prints a line, then returns an error with a cause.

use std::error::Error;
use std::fmt;

#[derive(Debug)]
pub struct ConfigError(std::io::Error);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("reading the config")
    }
}

impl Error for ConfigError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

pub async fn run() -> Result<(), ConfigError> {
    println!("partial");
    Err(ConfigError(std::io::Error::other("disk on fire")))
}
