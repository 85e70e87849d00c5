//! Hostile input: what users paste and what share links carry is untrusted. Each
//! test feeds one kind of attack through the public APIs and expects a clear
//! error or a safe result, with the rest of the scenario kept. Timings are
//! printed (`cargo test --test hostile_input -- --nocapture`).

use std::time::{Duration, Instant};

use keyflow_acceptance::fuzz_targets::{base64url, check_span};
use keyflow_policy::{
    Decision, Policies, PolicyKind, PolicyRef, Request, ServiceData, Severity, evaluate, explain,
    lint, lint_text, parse,
};
use keyflow_share::{MAX_INFLATED_BYTES, MAX_LINK_CHARS, ShareError, decode, decode_json, encode};
use keyflow_sim::{Scenario, builtin, render_text, run};
use serde_json::Value;

const DEPTH: usize = 100_000;

fn builtin_scenario(name: &str) -> Scenario {
    builtin(name).unwrap().scenario().unwrap()
}

/// A share link carrying `bytes` as its (raw DEFLATE) payload.
fn link_for(bytes: &[u8]) -> String {
    format!(
        "#s=1.{}",
        base64url(&miniz_oxide::deflate::compress_to_vec(bytes, 10))
    )
}

fn timed<T>(what: &str, f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    println!("{what}: {:.1} ms", took.as_secs_f64() * 1000.0);
    (out, took)
}

fn codes(text: &str, kind: PolicyKind) -> Vec<&'static str> {
    lint_text(text, kind, ServiceData::full())
        .iter()
        .map(|d| d.code.as_str())
        .collect()
}

// ---------------------------------------------------------------- nesting

#[test]
fn deeply_nested_json_in_a_policy_is_a_syntax_error() {
    let prefix = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"#;
    for deep in [
        format!("{prefix}{}", "[".repeat(DEPTH)),
        format!("{prefix}{}", "{\"a\":".repeat(DEPTH)),
        "[".repeat(DEPTH) + &"]".repeat(DEPTH),
    ] {
        for kind in PolicyKind::ALL {
            let parsed = parse(&deep, kind);
            let d = parsed.diagnostics.first().unwrap();
            assert_eq!(d.code, "KF001", "{kind:?}");
            assert!(d.message.contains("nesting deeper than"), "{}", d.message);
            check_span(&deep, d.span, "depth error");
            assert!(parsed.policy.statements.is_empty());
            let _ = lint(&parsed, &deep, kind, ServiceData::full());
        }
    }
}

#[test]
fn deeply_nested_json_in_a_scenario_is_an_error_and_a_deep_policy_keeps_the_rest() {
    // The scenario document itself: the JSON parser's depth limit, not a stack overflow.
    let deep = format!(
        r#"{{"account":"111122223333","region":"us-east-1","description":{}"#,
        "[".repeat(DEPTH)
    );
    let e = Scenario::from_json(&deep).unwrap_err();
    assert!(e.message.contains("nesting deeper than"), "{e}");

    // A policy text nested 100,000 deep: the scenario reads and runs, the policy is
    // reported, every flow and step is still there.
    let good = builtin_scenario("ssm-securestring-cmk");
    let mut s = good.clone();
    s.keys[0].policy = "[".repeat(DEPTH);
    let json = serde_json::to_string(&s).unwrap();
    let s = Scenario::from_json(&json).unwrap();
    let (report, _) = timed("run with a 100,000-deep key policy", || run(&s));
    let info = report
        .policies
        .iter()
        .find(|p| p.path.as_deref() == Some("keys[0].policy"))
        .unwrap();
    assert!(
        info.diagnostics
            .iter()
            .any(|d| d.code == "KF001" && d.message.contains("nesting")),
        "{:?}",
        info.diagnostics
    );
    // A key policy AWS would never accept is no AWS answer: the step that needs
    // it is not evaluated (no AWS error is shown), and the flow on the other
    // key runs exactly as before.
    let before = run(&good);
    assert_eq!(report.flows.len(), before.flows.len());
    let broken = &report.flows[0];
    let step = &broken.steps[0];
    assert_eq!(step.outcome, keyflow_sim::Outcome::NotEvaluated);
    assert_eq!(step.error, None);
    let why = step.not_evaluated.as_ref().unwrap();
    assert_eq!(
        why.policy,
        Some(keyflow_sim::PolicyId::Key(s.keys[0].id.clone()))
    );
    assert!(why.message.contains("nesting"), "{why}");
    assert!(
        step.checks
            .iter()
            .any(|c| c.decision == keyflow_sim::Verdict::NotEvaluated)
    );
    assert_eq!(report.flows[1], before.flows[1]);
    assert!(render_text(&report).contains("KF001"));
}

#[test]
fn deeply_nested_json_in_a_share_link_is_an_error() {
    // The link's JSON nested 100,000 deep.
    let link = link_for("[".repeat(DEPTH).as_bytes());
    assert!(
        link.len() < MAX_LINK_CHARS,
        "the bomb must reach the parser"
    );
    match decode(&link) {
        Err(ShareError::Scenario(e)) => assert!(e.message.contains("nesting deeper than"), "{e}"),
        other => panic!("{other:?}"),
    }
    // A scenario whose policy is nested 100,000 deep travels and opens unchanged.
    let mut s = builtin_scenario("alb-logs-cmk");
    s.buckets[0].policy = Some("[".repeat(DEPTH));
    let back = decode(&encode(&s)).unwrap();
    assert_eq!(back, s);
    let _ = run(&back);
}

// ---------------------------------------------------------------- size

/// A valid key policy of about `bytes` bytes, many small statements, each with a
/// unique Sid when `sids`.
fn big_policy(bytes: usize, sids: bool) -> String {
    let mut text = String::from(r#"{"Version":"2012-10-17","Statement":["#);
    let mut i = 0;
    while text.len() < bytes {
        if i > 0 {
            text.push(',');
        }
        if sids {
            text.push_str(&format!(r#"{{"Sid":"S{i}","#));
        } else {
            text.push('{');
        }
        text.push_str(&format!(
            r#""Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/R{i}"}},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}}}}"#
        ));
        i += 1;
    }
    text.push_str("]}");
    text
}

// Generous for a debug build on a shared machine: this guards against
// quadratic behaviour (minutes), not against a few percent of speed.
const SLOW: Duration = Duration::from_secs(30);

#[test]
fn a_ten_megabyte_policy_parses_in_reasonable_time_and_is_over_the_limit() {
    let text = big_policy(10 * 1024 * 1024, false);
    println!("policy of {} bytes", text.len());
    let (parsed, parse_time) = timed("parse 10 MB key policy", || {
        parse(&text, PolicyKind::KeyPolicy)
    });
    let (lints, lint_time) = timed("lint 10 MB key policy", || {
        lint(&parsed, &text, PolicyKind::KeyPolicy, ServiceData::full())
    });
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        parsed.diagnostics.first()
    );
    assert!(parsed.policy.statements.len() > 30_000);
    let size = lints.iter().find(|d| d.code == "KF112").unwrap();
    assert_eq!(size.severity, Severity::Error);
    assert!(size.message.contains("32768"), "{}", size.message);
    // One request against all of it.
    let req = Request::new(
        "arn:aws:iam::111122223333:role/R99999999",
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:111122223333:key/k",
    );
    let policies = Policies {
        resource: Some(PolicyRef::new("key", &parsed.policy)),
        ..Policies::default()
    };
    let (eval, eval_time) = timed("evaluate against 10 MB key policy", || {
        evaluate(&req, &policies)
    });
    assert_eq!(eval.decision, Decision::ImplicitlyDenied);
    assert!(parse_time < SLOW && lint_time < SLOW && eval_time < SLOW);

    // With a Sid on every statement (the duplicate-Sid check), at 1 MB.
    let text = big_policy(1024 * 1024, true);
    let parsed = parse(&text, PolicyKind::KeyPolicy);
    let (lints, took) = timed("lint 1 MB key policy with unique Sids", || {
        lint(&parsed, &text, PolicyKind::KeyPolicy, ServiceData::full())
    });
    assert!(lints.iter().all(|d| d.code != "KF110"));
    assert!(took < SLOW);
}

#[test]
fn huge_arrays_parse_and_evaluate() {
    let known = [
        "s3:GetObject",
        "s3:PutObject",
        "kms:Decrypt",
        "kms:Encrypt",
        "ssm:GetParameter",
    ];
    let actions: Vec<String> = (0..100_000)
        .map(|i| format!("\"{}\"", known[i % known.len()]))
        .collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{},"s3:ListBucket"],"Resource":"*"}}]}}"#,
        actions.join(",")
    );
    let (parsed, parse_time) = timed("parse 100k actions", || parse(&text, PolicyKind::Identity));
    let st = &parsed.policy.statements[0];
    assert_eq!(st.action.as_ref().unwrap().items.len(), 100_001);
    let (lints, lint_time) = timed("lint 100k actions", || {
        lint(&parsed, &text, PolicyKind::Identity, ServiceData::full())
    });
    assert!(lints.iter().any(|d| d.code == "KF112"));
    let policies = Policies {
        identity: vec![PolicyRef::new("big", &parsed.policy)],
        ..Policies::default()
    };
    let mut req = Request::new(
        "arn:aws:iam::111122223333:user/Alice",
        "s3:ListBucket",
        "arn:aws:s3:::b",
    );
    let (e, eval_time) = timed("evaluate + explain against 100k actions", || {
        let e = evaluate(&req, &policies);
        assert_eq!(explain(&req, &policies).decision, e.decision);
        e
    });
    assert_eq!(e.decision, Decision::Allowed);
    req.action = "s3:DeleteObject".into();
    assert_eq!(
        evaluate(&req, &policies).decision,
        Decision::ImplicitlyDenied
    );
    assert!(parse_time < SLOW && lint_time < SLOW && eval_time < SLOW);

    // Unknown actions cost an edit-distance search each (the "did you mean" hint).
    let unknown: Vec<String> = (0..1_000).map(|i| format!("\"s3:GetObject{i}\"")).collect();
    let text = text.replacen(&actions[..1_000].join(","), &unknown.join(","), 1);
    let parsed = parse(&text, PolicyKind::Identity);
    let (lints, took) = timed("lint 1,000 unknown actions among 100k", || {
        lint(&parsed, &text, PolicyKind::Identity, ServiceData::full())
    });
    assert_eq!(lints.iter().filter(|d| d.code == "KF104").count(), 1_000);
    assert!(took < SLOW);

    // A scenario with 100,000 aliases on one key reads, runs and refuses to share.
    let mut s = builtin_scenario("ssm-securestring-cmk");
    s.keys[0]
        .aliases
        .extend((0..100_000).map(|i| format!("alias/a{i}")));
    let json = serde_json::to_string(&s).unwrap();
    let (read, read_time) = timed("read a scenario with 100k aliases", || {
        Scenario::from_json(&json)
    });
    let read = read.unwrap();
    let (report, run_time) = timed("run a scenario with 100k aliases", || run(&read));
    assert_eq!(report, run(&builtin_scenario("ssm-securestring-cmk")));
    assert!(read_time < SLOW && run_time < SLOW);
    // Its link is far over the size limits: a typed error, not a giant allocation.
    assert!(matches!(
        decode(&encode(&read)),
        Err(ShareError::TooLong { .. } | ShareError::InflatedTooLarge { .. })
    ));
}

/// The lint pass is linear in the number of Sids and actions: a pasted policy
/// re-linted on every keystroke must not freeze the playground.
#[test]
fn linting_a_huge_policy_is_linear() {
    // 10 MB with a unique Sid on every statement: the duplicate-Sid check must not
    // be quadratic.
    let text = big_policy(10 * 1024 * 1024, true);
    let parsed = parse(&text, PolicyKind::KeyPolicy);
    let (lints, took) = timed("lint 10 MB key policy with unique Sids", || {
        lint(&parsed, &text, PolicyKind::KeyPolicy, ServiceData::full())
    });
    assert!(lints.iter().all(|d| d.code != "KF110"));
    assert!(lints.iter().any(|d| d.code == "KF112"));
    assert!(took < SLOW);

    // 100,000 unknown actions of a modeled service: each is reported, but only the
    // first few get a "did you mean" hint (an edit-distance search each).
    let unknown: Vec<String> = (0..100_000)
        .map(|i| format!("\"s3:GetObject{i}\""))
        .collect();
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
        unknown.join(",")
    );
    let parsed = parse(&text, PolicyKind::Identity);
    let (lints, took) = timed("lint 100k unknown actions", || {
        lint(&parsed, &text, PolicyKind::Identity, ServiceData::full())
    });
    let kf104: Vec<_> = lints.iter().filter(|d| d.code == "KF104").collect();
    assert_eq!(kf104.len(), 100_000);
    let hinted = kf104.iter().filter(|d| d.help.is_some()).count();
    assert!((1..=100).contains(&hinted), "{hinted} hints");
    assert!(took < SLOW);
}

// ---------------------------------------------------------------- links

#[test]
fn invalid_utf8_and_bad_base64_in_links_are_typed_errors() {
    assert_eq!(
        decode_json(&link_for(b"{\"account\":\"\xff\xfe\"}")),
        Err(ShareError::InvalidUtf8)
    );
    let cases: [(&str, ShareError); 7] = [
        ("#s=1.TW+u", ShareError::InvalidBase64 { position: 2 }),
        ("#s=1.TWE=", ShareError::InvalidBase64 { position: 3 }),
        ("#s=1.TW%2Bu", ShareError::InvalidBase64 { position: 2 }),
        ("#s=1.TW u", ShareError::InvalidBase64 { position: 2 }),
        ("#s=1.TWFé", ShareError::InvalidBase64 { position: 3 }),
        ("#s=1.T", ShareError::InvalidBase64 { position: 0 }),
        ("#s=1.", ShareError::EmptyPayload),
    ];
    for (link, expected) in cases {
        assert_eq!(decode(link).unwrap_err(), expected, "{link}");
        assert!(!expected.to_string().is_empty());
    }
    // A real link cut short, or with a flipped character.
    let good = encode(&builtin_scenario("alb-logs-cmk"));
    let cut = &good[..good.len() / 2];
    assert!(matches!(
        decode(cut),
        Err(ShareError::Truncated | ShareError::InvalidBase64 { .. })
    ));
    // A flipped character: whatever it decodes to, it must not panic.
    let _ = decode(&good.replacen('A', "B", 1));
}

#[test]
fn a_deflate_bomb_is_refused_at_the_inflate_cap() {
    // 32 MiB of one byte compresses to ~32 KiB: a real bomb that still fits in a link.
    let body = format!(
        r#"{{"account":"111122223333","region":"us-east-1","description":"{}"}}"#,
        "A".repeat(32 * 1024 * 1024)
    );
    let link = link_for(body.as_bytes());
    println!(
        "bomb: {} link chars inflate to {} bytes",
        link.len(),
        body.len()
    );
    assert!(link.len() < MAX_LINK_CHARS);
    let (result, took) = timed("decode a 32 MiB deflate bomb", || decode(&link));
    assert_eq!(
        result.unwrap_err(),
        ShareError::InflatedTooLarge {
            limit: MAX_INFLATED_BYTES
        }
    );
    assert!(took < Duration::from_secs(5));

    // Right at the cap it opens; one byte more does not.
    let fill = |n: usize| {
        let head = r#"{"account":"111122223333","region":"us-east-1","description":""#;
        format!("{head}{}\"}}", "x".repeat(n - head.len() - 2))
    };
    let at_cap = fill(MAX_INFLATED_BYTES);
    assert_eq!(at_cap.len(), MAX_INFLATED_BYTES);
    assert!(decode(&link_for(at_cap.as_bytes())).is_ok());
    assert!(matches!(
        decode(&link_for(fill(MAX_INFLATED_BYTES + 1).as_bytes())),
        Err(ShareError::InflatedTooLarge { .. })
    ));
}

#[test]
fn a_link_from_a_future_format_is_refused_by_version() {
    let payload = link_for(br#"{"account":"111122223333","region":"us-east-1"}"#);
    let future = payload.replace("#s=1.", "#s=3.");
    let err = decode(&future).unwrap_err();
    assert_eq!(err, ShareError::UnsupportedVersion(3));
    assert!(err.to_string().contains("newer Keyflow"), "{err}");
    for bad in [
        "#s=99999999999.AAAA",
        "#s=-1.AAAA",
        "#s=.AAAA",
        "#s=1x.AAAA",
    ] {
        assert!(
            matches!(decode(bad), Err(ShareError::BadVersion(_))),
            "{bad}"
        );
    }
}

#[test]
fn a_link_over_the_length_limit_is_refused_before_decoding() {
    let long = format!("#s=1.{}", "A".repeat(MAX_LINK_CHARS + 1));
    assert_eq!(
        decode(&long).unwrap_err(),
        ShareError::TooLong {
            length: MAX_LINK_CHARS + 1,
            limit: MAX_LINK_CHARS
        }
    );
    // Ten megabytes of link: refused without decoding it.
    let huge = format!("#s=1.{}", "A".repeat(10 * 1024 * 1024));
    let (result, took) = timed("refuse a 10 MB link", || decode(&huge));
    assert!(matches!(result, Err(ShareError::TooLong { .. })));
    assert!(took < Duration::from_secs(1));
}

// ---------------------------------------------------------------- markup

const MARKUP: &str = r#"<img src=x onerror=alert(1)></script><script>alert("&amp;")</script>"#;
/// The same without `/` and `:`, for names: IAM names, key IDs and flow ids
/// cannot hold them (they separate the parts of ARNs, policy ids and check ids).
const NAME_MARKUP: &str = r#"<img src=x onerror=alert(1)><script>alert("&amp;")"#;
/// Fields that hold a name or refer to one.
const NAME_FIELDS: [&str; 20] = [
    "name",
    "id",
    "role",
    "admin",
    "reader",
    "readers",
    "writer",
    "app",
    "batch_role",
    "principal",
    "grantee",
    "bucket",
    "inventory_bucket",
    "trail",
    "load_balancer",
    "parameter",
    "flow",
    "key",
    "kms_key",
    "aliases",
];

/// Appends `MARKUP` to every string in a policy document except `Version` and `Effect`.
fn mark_policy(v: &mut Value, key: &str) {
    match v {
        Value::String(s) if key != "Version" && key != "Effect" => s.push_str(MARKUP),
        Value::Array(items) => items.iter_mut().for_each(|i| mark_policy(i, key)),
        Value::Object(map) => {
            let old = std::mem::take(map);
            for (k, mut val) in old {
                mark_policy(&mut val, &k);
                // Condition keys and operators are keys, not strings: mark the keys
                // under a condition operator (the condition keys) too.
                let k = if key.ends_with("Equals") || key.ends_with("Like") {
                    format!("{k}{MARKUP}")
                } else {
                    k
                };
                map.insert(k, val);
            }
        }
        _ => {}
    }
}

const POLICY_FIELDS: [&str; 4] = ["document", "policy", "permission_boundary", "trust_policy"];

/// Appends `MARKUP` to every string of a scenario; policy texts get it inside.
fn mark_scenario(v: &mut Value, key: &str, skip: &[String], path: &str) {
    if skip.iter().any(|s| s == path) {
        return;
    }
    match v {
        Value::String(s) if POLICY_FIELDS.contains(&key) => {
            if let Ok(mut doc) = serde_json::from_str::<Value>(s) {
                mark_policy(&mut doc, "");
                *s = serde_json::to_string_pretty(&doc).unwrap();
            }
        }
        Value::String(s) if NAME_FIELDS.contains(&key) => s.push_str(NAME_MARKUP),
        Value::String(s) => s.push_str(MARKUP),
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                mark_scenario(item, key, skip, &format!("{path}[{i}]"));
            }
        }
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                mark_scenario(val, k, skip, &p);
            }
        }
        _ => {}
    }
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => {
            for (k, val) in map {
                out.push(k.clone());
                strings(val, out);
            }
        }
        _ => {}
    }
}

#[test]
fn markup_in_every_string_field_stays_plain_text() {
    for b in keyflow_sim::builtins() {
        let original: Value = serde_json::from_str(b.json).unwrap();
        // Mark every string; where the scenario's own validation refuses the
        // marked value (account IDs, enum values), put the original back.
        let mut skip: Vec<String> = Vec::new();
        let scenario = loop {
            let mut v = original.clone();
            mark_scenario(&mut v, "", &skip, "");
            match Scenario::from_json(&v.to_string()) {
                Ok(s) => break s,
                Err(e) => {
                    assert!(!skip.contains(&e.path), "{}: {e}", b.name);
                    assert!(skip.len() < 100, "{}: {e}", b.name);
                    skip.push(e.path);
                }
            }
        };
        // Only account IDs, enum values and the flow ids they name refuse it.
        let refusable = [
            ".type",
            ".sse",
            ".flow",
            ".expect",
            ".outcome",
            ".decision",
            "alb_delivery",
        ];
        assert!(
            skip.iter()
                .all(|p| p == "account" || refusable.iter().any(|end| p.ends_with(end))),
            "{}: {skip:?}",
            b.name
        );
        assert!(scenario.title.ends_with(MARKUP));

        // Every policy still parses, and its strings carry the markup as text.
        for field in scenario.policy_fields() {
            let parsed = parse(&field.text, PolicyKind::KeyPolicy);
            assert!(
                parsed.diagnostics.iter().all(|d| d.code != "KF001"),
                "{}",
                field.path
            );
            assert!(!parsed.policy.statements.is_empty(), "{}", field.path);
            for st in &parsed.policy.statements {
                for item in &st.action.as_ref().unwrap().items {
                    assert!(item.value.ends_with(MARKUP), "{}", field.path);
                }
                if let Some(sid) = &st.sid {
                    assert!(sid.value.ends_with(MARKUP), "{}", field.path);
                }
            }
        }

        let report = run(&scenario);
        let text = render_text(&report);
        assert!(text.contains(&format!("Scenario: {}", scenario.name)));
        assert!(
            text.contains(MARKUP),
            "{}: the timeline lost the markup",
            b.name
        );
        assert!(
            !text.contains("&lt;"),
            "{}: the timeline escapes markup",
            b.name
        );

        // The report JSON carries the same text: no escaping, no stripping.
        let json = serde_json::to_string(&report).unwrap();
        let back: Value = serde_json::from_str(&json).unwrap();
        let mut all = Vec::new();
        strings(&back, &mut all);
        assert!(all.iter().any(|s| s.contains(MARKUP)));
        for s in all.iter().filter(|s| s.contains("onerror")) {
            assert!(
                s.contains(MARKUP) || s.contains(NAME_MARKUP),
                "{}: mangled markup in {s:?}",
                b.name
            );
        }
        assert_eq!(back["title"], Value::String(scenario.title.clone()));

        // And it survives a share link byte for byte.
        assert_eq!(decode(&encode(&scenario)).unwrap(), scenario);
    }
}

// ---------------------------------------------------------------- Sids

#[test]
fn control_and_bidi_characters_in_sids_are_flagged() {
    let sids = [
        r"\u202eevil",
        r"a\u2066b\u2069",
        r"bell\u0007",
        r"tab\tnewline\n",
        r"nul\u0000",
        r"zero\u200bwidth",
    ];
    for sid in sids {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"{sid}","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}]}}"#
        );
        for kind in [
            PolicyKind::Identity,
            PolicyKind::PermissionBoundary,
            PolicyKind::SessionPolicy,
        ] {
            assert!(codes(&text, kind).contains(&"KF115"), "{sid} in {kind:?}");
        }
        // Policies with a Principal keep the Sid as text and parse.
        let text = text.replace(
            r#""Effect":"Allow","#,
            r#""Effect":"Allow","Principal":"*","#,
        );
        for kind in [
            PolicyKind::KeyPolicy,
            PolicyKind::BucketPolicy,
            PolicyKind::TrustPolicy,
        ] {
            let parsed = parse(&text, kind);
            let st = &parsed.policy.statements[0];
            check_span(&text, st.sid.as_ref().unwrap().span, "sid");
        }
    }
}

// ---------------------------------------------------------------- wildcards

#[test]
fn a_pathological_wildcard_evaluates_in_linear_time() {
    let stars = 48;
    let pattern = format!("{}*b", "*a".repeat(stars));
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:{pattern}","Resource":"arn:aws:s3:::{pattern}","Condition":{{"StringLike":{{"aws:username":"{pattern}"}},"ArnLike":{{"aws:SourceArn":"arn:aws:s3:::{pattern}"}}}}}}]}}"#
    );
    let parsed = parse(&text, PolicyKind::Identity);
    assert!(parsed.is_valid(), "{:?}", parsed.diagnostics);
    let policies = Policies {
        identity: vec![PolicyRef::new("p", &parsed.policy)],
        ..Policies::default()
    };
    // Backtracking would need on the order of C(5000, 48) steps; a bit-set NFA
    // needs pattern × value.
    let long = "a".repeat(5_000);
    let request = |value: &str| {
        let mut req = Request::new(
            "arn:aws:iam::111122223333:user/Alice",
            format!("s3:{value}"),
            format!("arn:aws:s3:::{value}"),
        );
        req.context.insert("aws:username", value);
        req.context
            .insert("aws:SourceArn", format!("arn:aws:s3:::{value}"));
        req
    };
    let miss = request(&long);
    let (e, took) = timed(
        &format!("{stars}-star pattern against 5,000-char action, resource and context values"),
        || evaluate(&miss, &policies),
    );
    assert_eq!(e.decision, Decision::ImplicitlyDenied);
    // A guard against exponential matching, not a speed target (that is in the benches).
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(
        explain(&miss, &policies).decision,
        Decision::ImplicitlyDenied
    );

    // The same pattern matches a value that ends in `b` (all four elements must match).
    let hit = request(&format!("{long}b"));
    let (e, took) = timed("the same pattern, matching", || evaluate(&hit, &policies));
    assert_eq!(e.decision, Decision::Allowed);
    assert!(took < Duration::from_secs(10), "{took:?}");
}

// ---------------------------------------------------------------- scenario errors

#[test]
fn scenario_errors_name_the_json_path() {
    use serde_json::json;
    let base = serde_json::to_value(builtin_scenario("s3-encrypt-in-use-bucket")).unwrap();
    // (object to change, field, value, expected error)
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        (
            "",
            "settings",
            json!({"alb_delivry": "observed"}),
            "settings.alb_delivry: unknown field",
        ),
        (
            "",
            "flows",
            json!({}),
            "flows: expected an array, found an object",
        ),
        (
            "/principals/1/policies/0",
            "document",
            json!(5),
            "principals[1].policies[0].document: expected a string, found a number",
        ),
        (
            "/principals/1",
            "type",
            json!(true),
            "principals[1].type: expected a string, found a boolean",
        ),
        (
            "/buckets/0/objects/1",
            "sse_typo",
            json!("x"),
            "buckets[0].objects[1].sse_typo: unknown field",
        ),
        (
            "/buckets/0",
            "versioning",
            json!("yes"),
            "buckets[0].versioning: expected true or false, found a string",
        ),
        (
            "/flows/0",
            "puts_per_day",
            json!(-1),
            "flows[0].puts_per_day: expected a whole number, found a number",
        ),
        (
            "/keys/0",
            "aliases",
            json!("alias/x"),
            "keys[0].aliases: expected an array, found a string",
        ),
        (
            "/keys/0",
            "grants",
            json!([{"grantee": "x", "operations": ["Decrypt", 1]}]),
            "keys[0].grants[0].operations[1]: expected a string, found a number",
        ),
        (
            "/expectations/5",
            "context",
            json!({"k": [null]}),
            "expectations[5].context.k: expected strings, found null",
        ),
        (
            "/expectations/5",
            "decision",
            json!("Maybe"),
            "expectations[5].decision: unknown value \"Maybe\"",
        ),
    ];
    for (object, field, value, expected) in cases {
        let mut v = base.clone();
        v.pointer_mut(object)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("no object at {object}"))
            .insert(field.to_string(), value);
        let err = Scenario::from_json(&v.to_string()).unwrap_err();
        assert!(
            err.to_string().starts_with(expected),
            "{object}/{field}: got `{err}`, expected `{expected}`"
        );
    }
}
