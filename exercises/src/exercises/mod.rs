//! The exercises, one file each. Edit the files; the checker
//! (`cargo run -p exercises`) tells you which one is next.
//!
//! With the `solutions` feature (the CI check only) each module is compiled
//! from `exercises/solutions/` instead.

use std::future::Future;
use std::pin::Pin;

/// Starts one exercise.
pub type Run = fn() -> Pin<Box<dyn Future<Output = ()>>>;

macro_rules! track {
    ($($name:ident),* $(,)?) => {
        /// The exercise called `name`.
        pub fn exercise(name: &str) -> Option<Run> {
            match name {
                $(stringify!($name) => Some(|| Box::pin($name::run())),)*
                _ => None,
            }
        }
    };
}

track![hello_sleep];

#[cfg_attr(not(feature = "solutions"), path = "01_hello_sleep.rs")]
#[cfg_attr(feature = "solutions", path = "../../solutions/01_hello_sleep.rs")]
mod hello_sleep;
