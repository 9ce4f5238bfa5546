//! `cfg(taskdump)`: this build can take Tokio task dumps (`Handle::dump`),
//! which need `--cfg tokio_unstable` and one of the targets Tokio's
//! `taskdump` feature supports (Cargo.toml asks for it on those).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(taskdump)");
    println!("cargo::rerun-if-changed=build.rs");
    let cfg = |name: &str| std::env::var(format!("CARGO_CFG_{name}")).unwrap_or_default();
    let arch = cfg("TARGET_ARCH");
    if std::env::var_os("CARGO_CFG_TOKIO_UNSTABLE").is_some()
        && cfg("TARGET_OS") == "linux"
        && ["aarch64", "x86", "x86_64", "s390x"].contains(&arch.as_str())
    {
        println!("cargo::rustc-cfg=taskdump");
    }
}
