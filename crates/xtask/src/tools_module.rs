//! The page's tools module: crates/wasm built for the browser (`wasm-bindgen
//! --target web`) into `tools/` beside the page. The page imports it after
//! first paint, so the linter, its AWS service table and the other large
//! optional parts stay out of the first load.
//!
//! Trunk runs this as a post-build hook (Trunk.toml), with TRUNK_STAGING_DIR
//! and TRUNK_PROFILE set; it can also be run by hand with `--out DIR`.

use std::path::PathBuf;

use crate::node_pkg::target_dir;
use crate::shell;

/// The file stem the page loads: `tools/keyflow_tools.js` and `_bg.wasm`.
const NAME: &str = "keyflow_tools";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut out: Option<PathBuf> =
        std::env::var_os("TRUNK_STAGING_DIR").map(|d| PathBuf::from(d).join("tools"));
    let mut release = std::env::var("TRUNK_PROFILE").map_or(true, |p| p == "release");
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--out" => out = Some(rest.next().ok_or("--out needs a directory")?.into()),
            "--debug" => release = false,
            other => return Err(format!("unknown option `{other}` for tools-module")),
        }
    }
    let out = out.ok_or("tools-module: give --out DIR (Trunk sets TRUNK_STAGING_DIR)")?;
    build(&out, release)
}

pub fn build(out: &std::path::Path, release: bool) -> Result<(), String> {
    let mut cargo = shell::cargo();
    // Trunk builds offline (Trunk.toml): everything is fetched already.
    cargo.args([
        "build",
        "--quiet",
        "--offline",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "keyflow-wasm",
    ]);
    if release {
        cargo.arg("--release");
    }
    shell::run(&mut cargo)?;
    let profile = if release { "release" } else { "debug" };
    let wasm = target_dir().join(format!(
        "wasm32-unknown-unknown/{profile}/keyflow_wasm.wasm"
    ));
    shell::run(
        shell::tool("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                NAME,
                "--out-dir",
            ])
            .arg(out)
            .arg(&wasm),
    )?;
    if release {
        let module = out.join(format!("{NAME}_bg.wasm"));
        shell::run(
            shell::tool("wasm-opt")
                .arg("-Oz")
                .arg(&module)
                .arg("--output")
                .arg(&module),
        )?;
    }
    Ok(())
}
