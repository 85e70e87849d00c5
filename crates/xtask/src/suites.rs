//! The checks `cargo xtask test` runs, and the one summary line they end with.

use crate::{setup, shell};

/// Pass/fail counts summed over every suite.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
    failures: Vec<String>,
}

impl Tally {
    /// A check that is one pass or one failure (fmt, clippy, the build).
    fn check(&mut self, name: &str, ok: bool) {
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
            self.failures.push(name.to_owned());
        }
    }

    /// A suite that reports its own counts; a crash with no failed test still fails.
    fn suite(&mut self, name: &str, ok: bool, passed: u64, failed: u64) {
        self.passed += passed;
        self.failed += failed;
        if failed > 0 || !ok {
            self.failures.push(name.to_owned());
            if failed == 0 {
                self.failed += 1;
            }
        }
    }
}

pub fn test(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    let screenshots = args.iter().any(|a| a == "--screenshots");
    if let Some(other) = args
        .iter()
        .find(|a| !["--quick", "--screenshots"].contains(&a.as_str()))
    {
        return Err(format!("unknown option `{other}` for test"));
    }
    let installing = setup::start(if quick {
        setup::Needs::build()
    } else {
        setup::Needs::tests()
    })?;

    let mut tally = Tally::default();
    let mut phases = Phases::default();

    // The browser tests keep both cores busy for about a minute and the Rust
    // checks leave one idle for much of theirs, so once the tools are on hand
    // (any run after the first) the page is built first and the browser tests
    // run beside the Rust checks. A first run compiles the tools meanwhile and
    // starts the browser tests after the differential check, as before.
    let mut installing = Some(installing);
    // `None` until started; `Some(None)` when the page did not build.
    let mut browser = None;
    if !quick && installing.as_ref().is_some_and(setup::Installing::is_done) {
        if let Some(done) = installing.take() {
            done.wait()?;
        }
        browser = Some(start_browser_tests(&mut tally, &mut phases, screenshots)?);
    }

    phases.start("cargo fmt --check");
    tally.check(
        "cargo fmt",
        shell::run(shell::cargo().args(["fmt", "--all", "--", "--check"])).is_ok(),
    );

    phases.start("cargo clippy -D warnings");
    tally.check(
        "cargo clippy",
        shell::run(shell::cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ]))
        .is_ok(),
    );

    phases.start("cargo test --workspace");
    let (ok, out) = shell::run_captured(
        shell::cargo()
            .args(["test", "--workspace", "--locked", "--no-fail-fast"])
            // Property tests explore with a fixed seed here so a CI run can be
            // repeated; plain `cargo test` keeps drawing fresh seeds.
            .env("PROPTEST_RNG_SEED", "20261123"),
    )?;
    let (passed, failed) = cargo_counts(&out);
    tally.suite("cargo test", ok, passed, failed);

    // The differential check needs wasm-bindgen, the rest the browser tools.
    if let Some(installing) = installing.take() {
        installing.wait()?;
    }

    phases.start("differential check against iam-simulate");
    tally.check("differential", differential().is_ok());

    if !quick && browser.is_none() {
        browser = Some(start_browser_tests(&mut tally, &mut phases, screenshots)?);
    }
    if let Some(Some(browser)) = browser {
        browser.finish(&mut tally, &mut phases)?;
    }

    phases.finish();
    println!();
    if !tally.failures.is_empty() {
        println!("failing: {}", tally.failures.join(", "));
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed == 0 {
        Ok(())
    } else {
        Err("some checks failed".into())
    }
}

/// The browser suite, running in the background (its output is kept and
/// printed in one piece when it ends, so it never interleaves with the
/// foreground's).
struct BrowserTests {
    run: std::thread::JoinHandle<Result<(bool, String), String>>,
    began: std::time::Instant,
}

/// Builds the page (or reuses the build), checks its size and starts the
/// browser tests in the background; `None` when the page did not build.
fn start_browser_tests(
    tally: &mut Tally,
    phases: &mut Phases,
    screenshots: bool,
) -> Result<Option<BrowserTests>, String> {
    phases.start("release build of the page");
    let built = cached_release_build().is_ok();
    tally.check("release build", built);
    if !built {
        return Ok(None);
    }
    phases.start("first-load size");
    tally.check("first-load size", first_load_within_budget().is_ok());
    phases.end_current();

    let mut node = shell::tool("node");
    // One process and one Chromium for every file, two tests at a time.
    node.arg("--test-reporter=spec")
        .arg(shell::root().join("tests/browser/run.mjs"))
        .env("KEYFLOW_DIST", shell::root().join("dist"))
        .env("CHROMIUM", setup::CHROMIUM)
        // The tests check what the page does, not how fast V8's optimizing
        // tier makes it: wasm runs in the baseline compiler every page starts
        // in (harness.mjs), sparing the background recompiles of pages that
        // live a few seconds. `cargo xtask bench` keeps the browser's default.
        .env("KEYFLOW_WASM_TIER", "baseline")
        // The latency tests check that every keystroke updates the page
        // (one whole cycle of the typing pattern per built-in, and a
        // Backspace in the big policy); their figures come from
        // `cargo xtask bench`, which types ten times more.
        .env("KEYFLOW_LATENCY_EDITS", "20")
        .env("KEYFLOW_BIG_EDITS", "10");
    // Full-page screenshots are for people reviewing the page (they
    // assert nothing) and cost about half a second each.
    if screenshots {
        node.env("KEYFLOW_SCREENSHOTS", screenshots_dir());
        println!("screenshots: {}", screenshots_dir().display());
    }
    println!("\n==> browser tests (Chromium), in the background");
    Ok(Some(BrowserTests {
        run: std::thread::spawn(move || shell::run_quiet(&mut node)),
        began: std::time::Instant::now(),
    }))
}

impl BrowserTests {
    fn finish(self, tally: &mut Tally, phases: &mut Phases) -> Result<(), String> {
        phases.start("browser tests (Chromium): the rest of their run");
        let (ok, out) = self
            .run
            .join()
            .map_err(|_| "the browser tests' thread panicked".to_string())??;
        phases.end_current();
        phases.beside(
            "browser tests (Chromium), from start to end",
            self.began.elapsed(),
        );
        println!("{out}");
        let (passed, failed) = node_counts(&out);
        tally.suite("browser tests", ok, passed, failed);
        Ok(())
    }
}

/// The page's first load (every file of `dist/` but the on-demand helper
/// worker), gzipped, in bytes; the budget is 300 KiB.
pub const FIRST_LOAD_BUDGET: u64 = 300 * 1024;

fn first_load_within_budget() -> Result<(), String> {
    let (first, _) = crate::bench::dist_sizes(&shell::root().join("dist"))?;
    let total: u64 = first.iter().map(|(_, _, gz)| gz).sum();
    let within = total > 0 && total <= FIRST_LOAD_BUDGET;
    let verdict = if within { "within" } else { "NOT within" };
    println!("first load: {total} B gzipped, {verdict} the budget of {FIRST_LOAD_BUDGET} B");
    if within {
        Ok(())
    } else {
        Err("first load empty or over budget".into())
    }
}

/// The release build, skipped when `dist/` was built from exactly these inputs
/// (every file the build reads, byte for byte, and the tool versions) and is still
/// the one this built: its `index.html`, which names every file by content
/// hash, is in the stamp, so a `dist/` that `trunk serve` or another checkout
/// rewrote since is rebuilt. A second run on an unchanged checkout reuses it.
fn cached_release_build() -> Result<(), String> {
    let stamp = crate::node_pkg::target_dir().join("keyflow-dist.stamp");
    let index = shell::root().join("dist/index.html");
    let with_index =
        |inputs: &str| std::fs::read_to_string(&index).map(|html| format!("{inputs}\n{html}"));
    let inputs = build_inputs();
    if let (Ok(now), Ok(then)) = (with_index(&inputs), std::fs::read_to_string(&stamp))
        && now == then
    {
        println!("dist/ is up to date with its inputs ({inputs})");
        return Ok(());
    }
    let _ = std::fs::remove_file(&stamp);
    crate::page::release()?;
    let now = with_index(&inputs).map_err(|e| format!("reading {}: {e}", index.display()))?;
    std::fs::write(&stamp, now).map_err(|e| format!("writing {}: {e}", stamp.display()))
}

/// A fingerprint of what the release build reads: the workspace sources, the
/// page's files and the versions of the tools that turn them into `dist/`.
fn build_inputs() -> String {
    let mut versions = String::new();
    for (tool, arg) in [("wasm-bindgen", "--version"), ("rustc", "-V")] {
        versions += &shell::output(tool, &[arg]).unwrap_or_default();
    }
    fingerprint(&shell::root(), &versions)
}

fn fingerprint(root: &std::path::Path, versions: &str) -> String {
    use std::hash::Hasher;
    let mut files = Vec::new();
    for dir in ["crates", "web"] {
        collect_files(&root.join(dir), &mut files);
    }
    for file in [
        "index.html",
        "Trunk.toml",
        "Cargo.toml",
        "Cargo.lock",
        // wasm-opt's version (npm binaryen).
        "tests/package-lock.json",
        // The build itself (the rest of xtask does not touch dist/).
        "crates/xtask/src/page.rs",
    ] {
        files.push(root.join(file));
    }
    files.sort();
    let mut h = crate::page::Fnv::default();
    for file in &files {
        h.write(
            file.strip_prefix(root)
                .unwrap_or(file)
                .to_string_lossy()
                .as_bytes(),
        );
        h.write(&std::fs::read(file).unwrap_or_default());
        h.write(&[0]);
    }
    h.write(versions.as_bytes());
    format!("{} files, {:016x}", files.len(), h.finish())
}

fn collect_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        // xtask (but for page.rs, listed above) and the fuzz targets are not
        // part of the page.
        if name.to_string_lossy().starts_with('.')
            || name == "target"
            || name == "xtask"
            || name == "fuzz"
        {
            continue;
        }
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Runs tests/differential: public cases, Keyflow's own corpus and generated cases.
pub fn differential() -> Result<(), String> {
    let pkg = crate::node_pkg::build()?;
    crate::node_pkg::install_runner_packages()?;
    let mut cmd = shell::tool("node");
    cmd.arg(shell::root().join("tests/differential/differential.mjs"))
        .args(["--generated", "2000"])
        .arg(crate::node_pkg::public_cases())
        .env("KEYFLOW_NODE_PKG", pkg);
    if let Ok(entries) = std::fs::read_dir(shell::root().join("tests/corpus/policy")) {
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        cmd.args(
            files
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    shell::run(&mut cmd)
}

fn screenshots_dir() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| shell::root().join("target"));
    target.join("screenshots")
}

/// Prints each check's banner and, at the end, how long each took: the
/// contributor loop is measured on every run.
#[derive(Default)]
struct Phases {
    done: Vec<(&'static str, std::time::Duration)>,
    /// Work that ran in the background, beside the phases above.
    beside: Vec<(&'static str, std::time::Duration)>,
    current: Option<(&'static str, std::time::Instant)>,
    began: Option<std::time::Instant>,
}

impl Phases {
    fn start(&mut self, what: &'static str) {
        self.end_current();
        self.began.get_or_insert_with(std::time::Instant::now);
        println!("\n==> {what}");
        self.current = Some((what, std::time::Instant::now()));
    }

    fn end_current(&mut self) {
        if let Some((what, since)) = self.current.take() {
            self.done.push((what, since.elapsed()));
        }
    }

    fn beside(&mut self, what: &'static str, took: std::time::Duration) {
        self.beside.push((what, took));
    }

    fn finish(&mut self) {
        self.end_current();
        println!("\ntimes:");
        for (what, took) in &self.done {
            println!("  {:>7.1} s  {what}", took.as_secs_f64());
        }
        for (what, took) in &self.beside {
            println!("  {:>7.1} s  {what} (beside the above)", took.as_secs_f64());
        }
        if let Some(began) = self.began {
            println!("  {:>7.1} s  in all", began.elapsed().as_secs_f64());
        }
    }
}

/// Sums libtest's `test result: ok. 3 passed; 0 failed; …` lines.
fn cargo_counts(output: &str) -> (u64, u64) {
    let mut totals = (0, 0);
    for line in output.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            continue;
        };
        for part in rest.split(';') {
            let words: Vec<&str> = part.split_whitespace().collect();
            match words.as_slice() {
                [.., n, "passed"] => totals.0 += n.parse::<u64>().unwrap_or(0),
                [n, "failed"] => totals.1 += n.parse::<u64>().unwrap_or(0),
                _ => {}
            }
        }
    }
    totals
}

/// Reads the `ℹ pass N` / `ℹ fail N` summary of node's spec reporter.
fn node_counts(output: &str) -> (u64, u64) {
    let mut totals = (0, 0);
    for line in output.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [_, "pass", n] => totals.0 = n.parse().unwrap_or(0),
            [_, "fail", n] => totals.1 = n.parse().unwrap_or(0),
            _ => {}
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_result_lines() {
        let out = "running 2 tests\ntest result: ok. 2 passed; 0 failed; 0 ignored\n\
                   test result: FAILED. 5 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out\n";
        assert_eq!(cargo_counts(out), (7, 1));
    }

    #[test]
    fn the_build_fingerprint_follows_every_input_byte() {
        let root = std::env::temp_dir().join(format!("keyflow-fp-{}", std::process::id()));
        let web = root.join("web/src");
        std::fs::create_dir_all(&web).unwrap();
        std::fs::write(web.join("lib.rs"), "fn a() {}").unwrap();
        std::fs::write(root.join("index.html"), "<html>").unwrap();
        let first = fingerprint(&root, "trunk 1");
        assert_eq!(first, fingerprint(&root, "trunk 1"));
        assert_ne!(first, fingerprint(&root, "trunk 2"));
        std::fs::write(web.join("lib.rs"), "fn b() {}").unwrap();
        let edited = fingerprint(&root, "trunk 1");
        assert_ne!(first, edited);
        // Editor swap files and hidden directories are not inputs.
        std::fs::write(web.join(".lib.rs.swp"), "x").unwrap();
        assert_eq!(edited, fingerprint(&root, "trunk 1"));
        std::fs::write(web.join("new.rs"), "").unwrap();
        assert_ne!(edited, fingerprint(&root, "trunk 1"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn reads_node_spec_summary() {
        let out = "✔ boots (12ms)\nℹ tests 3\nℹ pass 2\nℹ fail 1\nℹ cancelled 0\n";
        assert_eq!(node_counts(out), (2, 1));
    }
}
