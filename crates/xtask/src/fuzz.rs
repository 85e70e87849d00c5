//! `cargo xtask fuzz [--seconds N] [--merge] [TARGET...]`: coverage-guided fuzzing
//! of the targets in `keyflow_acceptance::fuzz_targets` with cargo-fuzz (libFuzzer,
//! nightly Rust). `cargo test` runs the same targets on stable for a few seconds
//! (`tests/fuzz.rs`); this is the long, instrumented run.
//!
//! Per target it fuzzes from the kept corpus `tests/corpus/fuzz/<target>/` into a
//! working corpus in `target/fuzz-corpus/<target>/`, writes crashes to
//! `target/fuzz-crashes/<target>/` and the libFuzzer log to
//! `target/fuzz-logs/<target>.log`, and prints executions per target. With
//! `crates/fuzz/keyflow.dict` seeds the mutator with the tokens of policies,
//! scenarios and links. With `--merge` it then lists the working-corpus inputs that reach code the kept
//! corpus does not, in `target/fuzz-new/<target>/`, smallest first, for review.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::shell;

/// The targets, in `crates/fuzz/Cargo.toml` and `tests/corpus/fuzz/`.
const TARGETS: [&str; 4] = ["policy_text", "scenario_json", "share_link", "evaluator"];
const DEFAULT_SECONDS: u64 = 60;
const FUZZ_DIR: &str = "crates/fuzz";

struct Options {
    seconds: u64,
    merge: bool,
    targets: Vec<String>,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        seconds: DEFAULT_SECONDS,
        merge: false,
        targets: Vec::new(),
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--seconds" => {
                let n = rest.next().ok_or("--seconds needs a number")?;
                o.seconds = n
                    .parse()
                    .map_err(|_| format!("--seconds: `{n}` is not a whole number"))?;
            }
            "--merge" => o.merge = true,
            name if TARGETS.contains(&name) => o.targets.push(name.to_string()),
            other => {
                return Err(format!(
                    "unknown option or target `{other}` for fuzz (targets: {})",
                    TARGETS.join(", ")
                ));
            }
        }
    }
    if o.targets.is_empty() {
        o.targets = TARGETS.iter().map(|t| t.to_string()).collect();
    }
    Ok(o)
}

pub fn run(args: &[String]) -> Result<(), String> {
    let o = options(args)?;
    setup()?;
    let root = shell::root();
    let mut crashed = Vec::new();
    let mut summary = Vec::new();
    for target in &o.targets {
        let result = fuzz_one(&root, target, o.seconds)?;
        summary.push(format!(
            "  {target:<14} {:>10} executions in {} s{}",
            result.executions.map_or("?".to_string(), |n| n.to_string()),
            o.seconds,
            result
                .crash
                .as_ref()
                .map_or(String::new(), |c| format!("  CRASH {c}")),
        ));
        if result.crash.is_some() {
            crashed.push(target.clone());
        }
        if o.merge {
            merge(&root, target)?;
        }
    }
    println!(
        "\nxtask fuzz: executions per target\n{}",
        summary.join("\n")
    );
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crashes in {} (inputs in target/fuzz-crashes/, logs in target/fuzz-logs/)",
            crashed.join(", ")
        ))
    }
}

/// Nightly and cargo-fuzz, installed once from the registries.
fn setup() -> Result<(), String> {
    let toolchains = shell::output("rustup", &["toolchain", "list"]).unwrap_or_default();
    if !toolchains.lines().any(|l| l.starts_with("nightly")) {
        println!("xtask fuzz: installing the nightly toolchain (cargo-fuzz needs it)");
        shell::run(shell::tool("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    if shell::output("cargo-fuzz", &["--version"]).is_none() {
        println!("xtask fuzz: installing cargo-fuzz from crates.io (a minute, once)");
        shell::run(nightly_cargo().args(["install", "--locked", "cargo-fuzz"]))?;
    }
    Ok(())
}

/// `cargo +nightly` through the rustup proxy; the `CARGO` of this stable run
/// would ignore `+nightly`.
fn nightly_cargo() -> Command {
    let mut cmd = shell::tool("cargo");
    cmd.arg("+nightly")
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC");
    cmd
}

struct Outcome {
    executions: Option<u64>,
    crash: Option<String>,
}

fn dir(path: PathBuf) -> Result<PathBuf, String> {
    fs::create_dir_all(&path).map_err(|e| format!("create {}: {e}", path.display()))?;
    Ok(path)
}

/// `cargo fuzz run` with the flags every invocation shares, then the corpus dirs.
fn fuzz_command(root: &Path, target: &str, dirs: &[&Path]) -> Command {
    let mut cmd = nightly_cargo();
    cmd.args(["fuzz", "run", "--fuzz-dir", FUZZ_DIR])
        .arg("--target-dir")
        .arg(root.join("target/fuzz"))
        // Safe Rust only: the address sanitizer would halve throughput and find nothing
        // the borrow checker has not; overflow checks and debug assertions stay on.
        .args(["--sanitizer", "none", target]);
    cmd.args(dirs);
    cmd
}

fn fuzz_one(root: &Path, target: &str, seconds: u64) -> Result<Outcome, String> {
    let seeds = root.join("tests/corpus/fuzz").join(target);
    let work = dir(root.join("target/fuzz-corpus").join(target))?;
    let crashes = dir(root.join("target/fuzz-crashes").join(target))?;
    let logs = dir(root.join("target/fuzz-logs"))?;
    let log_path = logs.join(format!("{target}.log"));
    let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_err = log
        .try_clone()
        .map_err(|e| format!("{}: {e}", log_path.display()))?;
    println!(
        "xtask fuzz: {target} for {seconds} s (log: {})",
        log_path.display()
    );
    // New inputs go to the first directory (work); the kept corpus is only read.
    let mut cmd = fuzz_command(root, target, &[&work, &seeds]);
    cmd.arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", crashes.display()))
        // A single input slower than 10 s is a hang; more than 2 GiB is eating memory.
        .args(["-timeout=10", "-rss_limit_mb=2048", "-max_len=65536"])
        .arg(format!(
            "-dict={}",
            root.join(FUZZ_DIR).join("keyflow.dict").display()
        ))
        .args(["-print_final_stats=1"])
        .stdout(log)
        .stderr(log_err);
    let status = cmd
        .status()
        .map_err(|e| format!("could not start cargo +nightly fuzz: {e}"))?;
    let text = fs::read_to_string(&log_path).unwrap_or_default();
    let executions = executions(&text);
    let crash = if status.success() {
        None
    } else {
        // libFuzzer names the saved input; without one the build itself failed.
        let saved = text
            .lines()
            .find_map(|l| l.split("Test unit written to ").nth(1))
            .map(str::to_string);
        let reason = text
            .lines()
            .find(|l| l.contains("panicked at") || l.contains("ERROR: libFuzzer"))
            .unwrap_or("see the log");
        match saved {
            Some(path) => {
                eprintln!("xtask fuzz: {target} crashed: {reason}\n  input: {path}");
                Some(path)
            }
            None => {
                return Err(format!(
                    "cargo fuzz failed for {target} ({status}); see {}",
                    log_path.display()
                ));
            }
        }
    };
    Ok(Outcome { executions, crash })
}

/// Executions from libFuzzer's final statistics, or its last progress line.
fn executions(log: &str) -> Option<u64> {
    let stat = log.lines().find_map(|l| {
        l.strip_prefix("stat::number_of_executed_units:")
            .and_then(|n| n.trim().parse().ok())
    });
    stat.or_else(|| {
        log.lines().rev().find_map(|l| {
            let rest = l.strip_prefix('#')?;
            let n = rest.split(|c: char| !c.is_ascii_digit()).next()?;
            n.parse().ok()
        })
    })
}

/// Lists working-corpus inputs that add coverage over the kept corpus.
fn merge(root: &Path, target: &str) -> Result<(), String> {
    let seeds = root.join("tests/corpus/fuzz").join(target);
    let work = root.join("target/fuzz-corpus").join(target);
    let fresh = root.join("target/fuzz-new").join(target);
    let _ = fs::remove_dir_all(&fresh);
    let fresh = dir(fresh)?;
    // libFuzzer treats what the first directory already holds as covered.
    let mut kept = Vec::new();
    for entry in fs::read_dir(&seeds).map_err(|e| format!("{}: {e}", seeds.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = path.file_name() {
            fs::copy(&path, fresh.join(name)).map_err(|e| format!("{}: {e}", path.display()))?;
            kept.push(name.to_os_string());
        }
    }
    let log_path = root
        .join("target/fuzz-logs")
        .join(format!("{target}-merge.log"));
    let log = File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let log_err = log.try_clone().map_err(|e| e.to_string())?;
    let status = fuzz_command(root, target, &[&fresh, &work])
        .args(["--", "-merge=1", "-max_len=65536"])
        .stdout(log)
        .stderr(log_err)
        .status()
        .map_err(|e| format!("could not start cargo +nightly fuzz: {e}"))?;
    if !status.success() {
        return Err(format!(
            "merge for {target} failed; see {}",
            log_path.display()
        ));
    }
    let mut added: Vec<(u64, PathBuf)> = fs::read_dir(&fresh)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .filter(|e| !kept.contains(&e.file_name()))
        .map(|e| (e.metadata().map_or(0, |m| m.len()), e.path()))
        .collect();
    added.sort();
    println!(
        "xtask fuzz: {target}: {} inputs add coverage over tests/corpus/fuzz/{target}/ (in {})",
        added.len(),
        fresh.display()
    );
    for (size, path) in added.iter().take(10) {
        println!("  {size:>6} bytes  {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_executions_from_final_stats_or_progress() {
        let log = "#2\tINITED cov: 10\n#4096\tpulse  cov: 12\nDone 5000 runs in 1 second(s)\nstat::number_of_executed_units: 5003\n";
        assert_eq!(executions(log), Some(5003));
        assert_eq!(executions("#77\tNEW cov: 3\n"), Some(77));
        assert_eq!(executions("nothing"), None);
    }

    #[test]
    fn options_default_to_every_target_for_a_minute() {
        let o = options(&[]).unwrap();
        assert_eq!(o.seconds, 60);
        assert_eq!(o.targets.len(), TARGETS.len());
        let o = options(&["--seconds".into(), "5".into(), "evaluator".into()]).unwrap();
        assert_eq!(
            (o.seconds, o.targets.as_slice()),
            (5, &["evaluator".to_string()][..])
        );
        assert!(options(&["--seconds".into()]).is_err());
        assert!(options(&["nope".into()]).is_err());
    }
}
