//! The release build of the page: `dist/` from `index.html`'s Trunk directives.
//!
//! `index.html` and `Trunk.toml` stay the one description of the page (`trunk
//! serve` reads them for the development loop). The release build that the tests,
//! the benchmarks and CI use does the same few steps here instead, so a new
//! machine compiles wasm-bindgen-cli but not Trunk (minutes of compiling for a
//! tool whose release work is these lines): one cargo build of every wasm binary,
//! wasm-bindgen (`no-modules`), wasm-opt, content-hashed names, and the page's
//! `<link data-trunk …>` lines replaced by the tags they stand for. A directive
//! this does not know is an error, never skipped.

use crate::shell;
use std::path::{Path, PathBuf};

/// One `<link data-trunk …>` line of index.html.
#[derive(Debug, PartialEq)]
enum Directive {
    /// A wasm binary: `main` is loaded by the page, `worker` on demand.
    Rust {
        bin: String,
        worker: bool,
        opt: Option<String>,
    },
    Css(String),
    Icon(String),
    CopyFile(String),
}

/// Reads the directives, in order, with the line each one came from.
fn directives(html: &str) -> Result<Vec<(usize, Directive)>, String> {
    let mut found = Vec::new();
    for (index, line) in html.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = line.trim();
        if !trimmed.contains("data-trunk") {
            continue;
        }
        let at = |message: String| format!("index.html:{line_no}: {message}");
        let attrs = attributes(trimmed).map_err(at)?;
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.clone())
        };
        let href = || get("href").ok_or_else(|| at("a Trunk link needs href".into()));
        let directive = match get("rel").as_deref() {
            Some("rust") => {
                let worker = match get("data-type").as_deref() {
                    None | Some("main") => false,
                    Some("worker") => true,
                    Some(other) => return Err(at(format!("unknown data-type `{other}`"))),
                };
                if let Some(target) = get("data-bindgen-target")
                    && target != "no-modules"
                {
                    return Err(at(format!(
                        "data-bindgen-target `{target}`: boot.js and helper-loader.js load no-modules glue"
                    )));
                }
                Directive::Rust {
                    bin: get("data-bin").ok_or_else(|| at("a rust link needs data-bin".into()))?,
                    worker,
                    opt: get("data-wasm-opt"),
                }
            }
            Some("css") => Directive::Css(href()?),
            Some("icon") => Directive::Icon(href()?),
            Some("copy-file") => Directive::CopyFile(href()?),
            other => {
                return Err(at(format!(
                    "Trunk directive rel={other:?} is not one `cargo xtask build` knows"
                )));
            }
        };
        found.push((line_no, directive));
    }
    Ok(found)
}

/// The attributes of one tag: `name="value"`, `name='value'` or a bare `name`.
fn attributes(tag: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let inner = tag
        .strip_prefix("<link")
        .and_then(|t| t.strip_suffix('>'))
        .map(|t| t.trim_end_matches('/'))
        .ok_or("a Trunk directive must be a whole <link …> tag on one line")?;
    let mut attrs = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let name = rest[..name_end].to_owned();
        rest = &rest[name_end..];
        if let Some(after) = rest.strip_prefix('=') {
            let quote = after
                .chars()
                .next()
                .filter(|q| *q == '"' || *q == '\'')
                .ok_or_else(|| format!("attribute `{name}` needs a quoted value"))?;
            let body = &after[1..];
            let end = body
                .find(quote)
                .ok_or_else(|| format!("attribute `{name}`: unclosed quote"))?;
            attrs.push((name, Some(body[..end].to_owned())));
            rest = &body[end + 1..];
        } else {
            attrs.push((name, None));
        }
        rest = rest.trim_start();
    }
    Ok(attrs)
}

/// `pattern_script` from Trunk.toml: the tag that starts the main binary.
fn pattern_script(trunk_toml: &str) -> Result<String, String> {
    trunk_toml
        .lines()
        .find_map(|l| l.trim().strip_prefix("pattern_script = '"))
        .and_then(|v| v.strip_suffix('\''))
        .map(str::to_owned)
        .ok_or_else(|| "Trunk.toml: no single-quoted pattern_script".into())
}

/// FNV-1a: stable across Rust releases, unlike the std hasher. Names the
/// page's files by content here and fingerprints the build's inputs in
/// `suites`.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

/// The names only need to change when the content does.
fn content_hash(parts: &[&[u8]]) -> String {
    use std::hash::Hasher;
    let mut h = Fnv::default();
    for part in parts {
        h.write(part);
    }
    format!("{:016x}", h.finish())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Splits `web/style.css` into (`style`, `css`).
fn stem_and_ext(href: &str) -> (&str, &str) {
    let name = href.rsplit('/').next().unwrap_or(href);
    name.rsplit_once('.').unwrap_or((name, ""))
}

/// Builds the release page into `dist/` (replaced only once every file is ready).
pub fn release() -> Result<(), String> {
    let root = shell::root();
    let html = String::from_utf8(read(&root.join("index.html"))?)
        .map_err(|_| "index.html is not UTF-8".to_string())?;
    let trunk_toml = String::from_utf8(read(&root.join("Trunk.toml"))?)
        .map_err(|_| "Trunk.toml is not UTF-8".to_string())?;
    let found = directives(&html)?;
    // Beside dist/ (not in the target directory, which may be on another
    // file system), so the finished page replaces dist/ with one rename.
    let staging = root.join(".dist-staging");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;

    if !found
        .iter()
        .any(|(_, d)| matches!(d, Directive::Rust { .. }))
    {
        return Err("index.html has no rust link".into());
    }
    release_wasm()?;

    // wasm-opt takes most of the time: one thread per binary.
    let wasm_dir = crate::node_pkg::target_dir().join("wasm32-unknown-unknown/release");
    let jobs: Vec<_> = found
        .iter()
        .filter_map(|(_, d)| match d {
            Directive::Rust { bin, worker, opt } => Some((bin.clone(), *worker, opt.clone())),
            _ => None,
        })
        .map(|(bin, worker, opt)| {
            let input = wasm_dir.join(format!("{bin}.wasm"));
            let out = staging.clone();
            std::thread::spawn(move || bind_and_optimise(&input, &out, &bin, worker, opt))
        })
        .collect();
    let mut tags = Vec::new();
    for job in jobs {
        tags.push(
            job.join()
                .map_err(|_| "a wasm job panicked".to_string())??,
        );
    }
    let mut tags = tags.into_iter();

    let pattern = pattern_script(&trunk_toml)?;
    let mut replaced: Vec<(usize, String)> = Vec::new();
    for (line, directive) in &found {
        let tag = match directive {
            Directive::Rust { .. } => tags.next().unwrap_or_default().map_or_else(
                String::new,
                |(js, wasm)| {
                    let script = pattern
                        .replace("{base}", "./")
                        .replace("{js}", &js)
                        .replace("{wasm}", &wasm);
                    format!(
                        "{script}\n    <link rel=\"preload\" href=\"./{wasm}\" as=\"fetch\" type=\"application/wasm\" crossorigin>"
                    )
                },
            ),
            Directive::Css(href) | Directive::Icon(href) => {
                let bytes = read(&root.join(href))?;
                let (stem, ext) = stem_and_ext(href);
                let name = format!("{stem}-{}.{ext}", content_hash(&[&bytes]));
                write(&staging.join(&name), &bytes)?;
                let rel = if matches!(directive, Directive::Css(_)) {
                    "stylesheet"
                } else {
                    "icon"
                };
                format!("<link rel=\"{rel}\" href=\"./{name}\">")
            }
            Directive::CopyFile(href) => {
                let (stem, ext) = stem_and_ext(href);
                write(&staging.join(format!("{stem}.{ext}")), &read(&root.join(href))?)?;
                String::new()
            }
        };
        replaced.push((*line, tag));
    }
    let lines: Vec<&str> = html.lines().collect();
    let tag_for = |n: usize| replaced.iter().find(|(line, _)| *line == n).map(|(_, t)| t);
    let mut page = String::new();
    for (index, line) in lines.iter().enumerate() {
        match tag_for(index + 1) {
            Some(tag) if tag.is_empty() => {}
            Some(tag) => {
                let indent = &line[..line.len() - line.trim_start().len()];
                page.push_str(indent);
                page.push_str(tag);
                page.push('\n');
            }
            // A one-line comment about a directive that leaves no tag goes with it.
            None if line.trim_start().starts_with("<!--")
                && tag_for(index + 2).is_some_and(String::is_empty) => {}
            None => {
                page.push_str(line);
                page.push('\n');
            }
        }
    }
    write(&staging.join("index.html"), page.as_bytes())?;

    let dist = root.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::rename(&staging, &dist)
        .map_err(|e| format!("moving {} to dist/: {e}", staging.display()))?;
    println!(
        "built dist/ ({} files)",
        std::fs::read_dir(&dist).map_or(0, Iterator::count)
    );
    Ok(())
}

/// Every wasm artifact of the workspace in one cargo build: the page's
/// binaries and the Node package's library. Built apart, the two packages
/// resolve their shared dependencies' features differently, so each build
/// recompiled `keyflow-wasm`; together, their release links (LTO, one codegen
/// unit each) also share both cores.
pub fn release_wasm() -> Result<(), String> {
    shell::run(shell::cargo().args([
        "build",
        "--release",
        "--locked",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "keyflow-web",
        "-p",
        "keyflow-wasm",
        "--lib",
        "--bins",
    ]))
}

/// wasm-bindgen and wasm-opt for one binary. The main binary's files get a
/// content hash (the page names them); the worker's keep their names (its
/// loader names them). Returns the main binary's (js, wasm) names.
fn bind_and_optimise(
    input: &Path,
    out: &Path,
    bin: &str,
    worker: bool,
    opt: Option<String>,
) -> Result<Option<(String, String)>, String> {
    if !input.exists() {
        return Err(format!(
            "{} is missing: is `{bin}` a binary of keyflow-web?",
            input.display()
        ));
    }
    let scratch: PathBuf = out.join(format!(".{bin}"));
    shell::run(
        shell::tool("wasm-bindgen")
            .args([
                "--target",
                "no-modules",
                "--no-typescript",
                "--out-name",
                bin,
            ])
            .arg("--out-dir")
            .arg(&scratch)
            .arg(input),
    )?;
    let bound = scratch.join(format!("{bin}_bg.wasm"));
    if let Some(level) = opt.filter(|l| l != "0") {
        let optimised = scratch.join(format!("{bin}_opt.wasm"));
        shell::run(
            shell::tool("wasm-opt")
                .arg(format!("-O{level}"))
                .arg("-o")
                .arg(&optimised)
                .arg(&bound),
        )?;
        std::fs::rename(&optimised, &bound).map_err(|e| format!("{}: {e}", bound.display()))?;
    }
    let js = read(&scratch.join(format!("{bin}.js")))?;
    let wasm = read(&bound)?;
    let stem = if worker {
        bin.to_owned()
    } else {
        format!("{bin}-{}", content_hash(&[&js, &wasm]))
    };
    let (js_name, wasm_name) = (format!("{stem}.js"), format!("{stem}_bg.wasm"));
    write(&out.join(&js_name), &js)?;
    write(&out.join(&wasm_name), &wasm)?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok((!worker).then_some((js_name, wasm_name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_directives_index_html_uses() {
        let html = std::fs::read_to_string(shell::root().join("index.html")).unwrap();
        let found: Vec<Directive> = directives(&html)
            .unwrap()
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        assert_eq!(
            found,
            [
                Directive::Rust {
                    bin: "keyflow-web".into(),
                    worker: false,
                    opt: Some("z".into())
                },
                Directive::Rust {
                    bin: "keyflow-helper".into(),
                    worker: true,
                    opt: Some("z".into())
                },
                Directive::CopyFile("web/helper-loader.js".into()),
                Directive::Icon("web/icon.svg".into()),
                Directive::Css("web/style.css".into()),
                Directive::CopyFile("web/boot.js".into()),
            ]
        );
        let toml = std::fs::read_to_string(shell::root().join("Trunk.toml")).unwrap();
        assert!(pattern_script(&toml).unwrap().contains("{wasm}"));
    }

    #[test]
    fn an_unknown_directive_is_an_error_with_its_line() {
        let html = "<html>\n<link data-trunk rel=\"sass\" href=\"a.scss\">\n";
        let err = directives(html).unwrap_err();
        assert!(err.starts_with("index.html:2: "), "{err}");
        let bad = "<link data-trunk rel=\"rust\" data-bin=\"x\" data-bindgen-target=\"web\">";
        assert!(directives(bad).unwrap_err().contains("no-modules"));
        assert!(directives("<link data-trunk rel=\"css\" href=\"a.css>").is_err());
    }

    #[test]
    fn attributes_bare_and_quoted() {
        let attrs = attributes("<link data-trunk rel='icon' href=\"x y.svg\">").unwrap();
        assert_eq!(
            attrs,
            [
                ("data-trunk".to_string(), None),
                ("rel".to_string(), Some("icon".to_string())),
                ("href".to_string(), Some("x y.svg".to_string())),
            ]
        );
    }

    #[test]
    fn content_names_change_with_content() {
        assert_eq!(content_hash(&[b"a"]), content_hash(&[b"a"]));
        assert_ne!(content_hash(&[b"a"]), content_hash(&[b"b"]));
        assert_eq!(stem_and_ext("web/style.css"), ("style", "css"));
    }
}
