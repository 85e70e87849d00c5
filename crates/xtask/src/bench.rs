//! `cargo xtask bench`: every speed and size figure in one run, written to
//! BENCHMARKS.md. Nothing here fails on a slow machine: figures are reported.

use crate::{node_pkg, setup, shell};
use std::fmt::Write as _;
use std::path::Path;

pub fn run(args: &[String]) -> Result<(), String> {
    let quick = args.iter().any(|a| a == "--quick");
    setup::all(setup::Needs::tests())?;
    let mut doc = String::new();
    header(&mut doc);

    section("native criterion benches");
    let secs = if quick { "1" } else { "3" };
    let (ok, out) = shell::run_captured(shell::cargo().args([
        "bench",
        "--locked",
        "-p",
        "keyflow-policy",
        "-p",
        "keyflow-sim",
        "--benches",
        "--",
        "--output-format",
        "bencher",
        "--warm-up-time",
        "1",
        "--measurement-time",
        secs,
    ]))?;
    if !ok {
        return Err("cargo bench failed".into());
    }
    native_table(&mut doc, &out);

    section("side by side with iam-simulate (Node)");
    let pkg = node_pkg::build()?;
    node_pkg::install_runner_packages()?;
    let (ok, out) = shell::run_captured(
        shell::tool("node")
            .arg(shell::root().join("tests/differential/bench.mjs"))
            .arg(node_pkg::public_cases())
            .args(["--seconds", if quick { "1" } else { "3" }])
            .env("KEYFLOW_NODE_PKG", &pkg),
    )?;
    if !ok {
        return Err("the side-by-side runner failed".into());
    }
    side_by_side_table(&mut doc, &out);

    section("release build and first-load size");
    crate::page::release()?;
    size_table(&mut doc, &shell::root().join("dist"))?;

    section("what each size step buys");
    size_steps(&mut doc)?;

    section("keystroke latency in Chromium");
    let (_, out) = shell::run_captured(
        shell::tool("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .arg(shell::root().join("tests/browser/perf.test.mjs"))
            .env("KEYFLOW_DIST", shell::root().join("dist"))
            .env("KEYFLOW_LATENCY_EDITS", if quick { "50" } else { "200" })
            .env("CHROMIUM", setup::CHROMIUM),
    )?;
    latency_table(&mut doc, &out);

    reproduce(&mut doc);
    std::fs::write(shell::root().join("BENCHMARKS.md"), &doc)
        .map_err(|e| format!("writing BENCHMARKS.md: {e}"))?;
    println!("\nwrote BENCHMARKS.md");
    Ok(())
}

fn section(what: &str) {
    println!("\n==> bench: {what}");
}

fn header(doc: &mut String) {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let rustc = shell::output("rustc", &["--version"]).unwrap_or_default();
    let node = shell::output("node", &["--version"]).unwrap_or_default();
    let date = shell::output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    let _ = writeln!(doc, "# Keyflow benchmarks\n");
    let _ = writeln!(doc, "Written by `cargo xtask bench` on {date}.\n");
    let _ = writeln!(
        doc,
        "Machine: {cpu}, {cores} cores; {rustc}; Node {node}.\n"
    );
    let _ = writeln!(
        doc,
        "Figures are measurements, not tests: they vary with the machine and its load.\n"
    );
}

/// Criterion's `--output-format bencher` lines: `test NAME ... bench: N ns/iter (+/- D)`.
fn native_table(doc: &mut String, out: &str) {
    let _ = writeln!(doc, "## Native (criterion, one core)\n");
    let _ = writeln!(
        doc,
        "Growth benches end in `/N` (statements or requests); the last column divides by N, \
         so a flat column means linear cost.\n"
    );
    let _ = writeln!(
        doc,
        "| benchmark | time per iteration | per N |\n|---|---|---|"
    );
    for line in out.lines() {
        let Some(rest) = line.strip_prefix("test ") else {
            continue;
        };
        let Some((name, timing)) = rest.split_once(" ... bench:") else {
            continue;
        };
        let timing = timing.trim();
        let ns: f64 = timing
            .split_whitespace()
            .next()
            .map(|n| n.replace(',', ""))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        let name = name.trim();
        let per_n = name
            .rsplit_once('/')
            .and_then(|(_, n)| n.parse::<f64>().ok())
            .map(|n| human_ns(ns / n))
            .unwrap_or_default();
        let _ = writeln!(doc, "| `{name}` | {} | {per_n} |", human_ns(ns));
    }
    let _ = writeln!(doc);
}

fn human_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn side_by_side_table(doc: &mut String, out: &str) {
    let _ = writeln!(
        doc,
        "## Side by side with iam-simulate (same Node process, public cases)\n"
    );
    let _ = writeln!(
        doc,
        "Keyflow runs as its wasm build (`wasm-bindgen --target nodejs`). \"Parsed once\" parses \
         every policy before the loop and crosses the JS/wasm boundary once per evaluation; \
         \"parse included\" re-reads the whole case file each round. iam-simulate takes policy \
         JSON on every call.\n"
    );
    let _ = writeln!(doc, "```");
    for line in out.lines().filter(|l| l.starts_with('{')) {
        let _ = writeln!(doc, "{line}");
    }
    let _ = writeln!(doc, "```\n");
}

/// Files the page fetches only when it needs them (the helper worker), not on first load.
fn on_demand(name: &str) -> bool {
    name.starts_with("keyflow-helper") || name.starts_with("helper-loader")
}

/// Every file of `dist/` as (name, raw bytes, gzipped bytes), by name, split into
/// (first load, on demand).
pub type SizeRow = (String, u64, u64);

pub fn dist_sizes(dist: &Path) -> Result<(Vec<SizeRow>, Vec<SizeRow>), String> {
    let mut rows = Vec::new();
    let entries = std::fs::read_dir(dist).map_err(|e| format!("reading dist/: {e}"))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let raw = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let gz = gzip_size(&path);
        rows.push((entry.file_name().to_string_lossy().into_owned(), raw, gz));
    }
    rows.sort();
    Ok(rows.into_iter().partition(|(name, _, _)| !on_demand(name)))
}

fn size_table(doc: &mut String, dist: &Path) -> Result<(), String> {
    let (first, later) = dist_sizes(dist)?;
    let _ = writeln!(doc, "## First load (release `dist/`)\n");
    let _ = writeln!(doc, "| file | raw | gzip -9 |\n|---|---:|---:|");
    let (mut raw_total, mut gz_total) = (0, 0);
    for (name, raw, gz) in &first {
        raw_total += raw;
        gz_total += gz;
        let _ = writeln!(doc, "| `{name}` | {} | {} |", kb(*raw), kb(*gz));
    }
    let _ = writeln!(
        doc,
        "| **total** | **{}** | **{}** |\n",
        kb(raw_total),
        kb(gz_total)
    );
    let _ = writeln!(doc, "Budget: 300 KB gzipped for the whole page.\n");
    if !later.is_empty() {
        let _ = writeln!(
            doc,
            "On demand (the helper worker, fetched on the first edit, rename or opened link):\n"
        );
        let _ = writeln!(doc, "| file | raw | gzip -9 |\n|---|---:|---:|");
        for (name, raw, gz) in &later {
            let _ = writeln!(doc, "| `{name}` | {} | {} |", kb(*raw), kb(*gz));
        }
        let _ = writeln!(doc);
    }
    Ok(())
}

/// Rebuilds the playground's wasm with one size measure after another, so the
/// report can say what each bought. Each variant keeps its own target dir.
fn size_steps(doc: &mut String) -> Result<(), String> {
    let unwind = [
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ("CARGO_PROFILE_RELEASE_PANIC", "unwind"),
    ];
    let variants: [(&str, Vec<(&str, &str)>); 3] = [
        (
            "opt-level 3, no LTO, 16 codegen units, unwind (cargo's release defaults)",
            [&unwind[..], &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")]].concat(),
        ),
        (
            "opt-level \"z\"",
            [&unwind[..], &[("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")]].concat(),
        ),
        (
            "+ fat LTO, 1 codegen unit, panic = \"abort\" (Keyflow's release profile)",
            Vec::new(),
        ),
    ];
    let _ = writeln!(
        doc,
        "## What each size step buys (the playground's `.wasm`)\n"
    );
    let _ = writeln!(doc, "| build | raw | gzip -9 |\n|---|---:|---:|");
    let mut last = None;
    for (i, (label, env)) in variants.iter().enumerate() {
        let dir = node_pkg::target_dir().join(format!("size-steps/{i}"));
        let mut build = shell::cargo();
        build
            .args(["build", "--quiet", "--locked", "--release"])
            .args(["--target", "wasm32-unknown-unknown"])
            .args(["-p", "keyflow-web", "--bin", "keyflow-web"])
            .env("CARGO_TARGET_DIR", &dir);
        for (k, v) in env {
            build.env(k, v);
        }
        shell::run(&mut build)?;
        let pkg = dir.join("pkg");
        shell::run(
            shell::tool("wasm-bindgen")
                .args(["--target", "web", "--out-dir"])
                .arg(&pkg)
                .arg(dir.join("wasm32-unknown-unknown/release/keyflow-web.wasm")),
        )?;
        let wasm = pkg.join("keyflow-web_bg.wasm");
        size_row(doc, label, &wasm);
        last = Some(wasm);
    }
    if let Some(wasm) = last {
        let out = wasm.with_file_name("opt.wasm");
        shell::run(
            shell::tool("wasm-opt")
                .arg("-Oz")
                .arg(&wasm)
                .arg("--output")
                .arg(&out),
        )?;
        size_row(
            doc,
            "+ wasm-opt -Oz (binaryen 132): what `dist/` ships",
            &out,
        );
    }
    let _ = writeln!(doc);
    Ok(())
}

fn size_row(doc: &mut String, label: &str, file: &Path) {
    let raw = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let _ = writeln!(doc, "| {label} | {} | {} |", kb(raw), kb(gzip_size(file)));
}

fn gzip_size(file: &Path) -> u64 {
    shell::output(
        "sh",
        &["-c", &format!("gzip -9 -c '{}' | wc -c", file.display())],
    )
    .and_then(|n| n.trim().parse::<u64>().ok())
    .unwrap_or(0)
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

/// The browser latency test prints `KEYFLOW_LATENCY {json}` lines.
fn latency_table(doc: &mut String, out: &str) {
    let _ = writeln!(
        doc,
        "## Keystroke → updated timeline (Debian's Chromium headless shell, release build)\n"
    );
    let _ = writeln!(doc, "```");
    for line in out.lines() {
        if let Some(json) = line.trim().strip_prefix("KEYFLOW_LATENCY ") {
            let _ = writeln!(doc, "{json}");
        }
    }
    let _ = writeln!(doc, "```\n");
}

fn reproduce(doc: &mut String) {
    let _ = writeln!(
        doc,
        "## Reproduce\n\n```sh\ncargo xtask bench          # everything above, rewrites this file\n\
         cargo xtask bench --quick  # shorter measurements\n\
         cargo bench -p keyflow-policy   # the criterion benches alone\n```"
    );
}
