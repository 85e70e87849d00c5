//! The fuzz targets, shared by the stable harness (`tests/fuzz.rs`, inside
//! `cargo test`) and the coverage-guided one (`crates/fuzz`, `cargo xtask fuzz`).
//!
//! Each target takes arbitrary bytes and must never panic, hang or allocate
//! without bound. Beyond "no panic", every target checks invariants with
//! `assert!`, so that a wrong answer is a crash too:
//!
//! - [`policy_text`]: spans of JSON values and diagnostics lie inside the text on
//!   char boundaries, `LineIndex` agrees with a naive count, `keyflow-json`
//!   agrees with `serde_json` on what is valid JSON.
//! - [`scenario_json`]: a scenario that reads runs deterministically, renders,
//!   serialises, and survives a share link with the same canonical form and the
//!   same outcomes.
//! - [`share_link`]: decoding never panics and every failure is a typed error;
//!   whatever decodes re-encodes to the same thing.
//! - [`evaluator`]: `evaluate`, `decision` and `explain` agree and are
//!   deterministic on a policy set and request derived from the bytes.

use keyflow_json::{Kind, Span, Value};
use keyflow_policy::cases::{parse_cases, resource_policy_kind};
use keyflow_policy::{
    Context, ContextValue, Decision, Effect, Evaluation, LineIndex, Policies, PolicyKind,
    PolicyRef, Request, ServiceData, decision, evaluate, explain, lint, parse,
};
use keyflow_share::{MAX_INFLATED_BYTES, MAX_LINK_CHARS, ShareError};
use keyflow_sim::{Scenario, render_text, run};

/// A fuzz target: any bytes in, a panic on any broken invariant.
pub type Target = fn(&[u8]);

/// The targets by name: the stable harness and `crates/fuzz` use the same names,
/// which are also the corpus directories under `tests/corpus/fuzz/`.
pub const TARGETS: [(&str, Target); 4] = [
    ("policy_text", policy_text),
    ("scenario_json", scenario_json),
    ("share_link", share_link),
    ("evaluator", evaluator),
];

// ------------------------------------------------------------------ policy text

/// Policy text → JSON parse, policy parse and lint under every kind.
pub fn policy_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_json(&text);
    let index = LineIndex::new(&text);
    for kind in PolicyKind::ALL {
        let parsed = parse(&text, kind);
        let lints = lint(&parsed, &text, kind, ServiceData::full());
        for d in parsed.diagnostics.iter().chain(&lints) {
            check_span(&text, d.span, d.code.as_str());
            check_position(&text, &index, d.span.start);
            check_position(&text, &index, d.span.end);
            assert!(!d.message.is_empty(), "{} has no message", d.code);
        }
        let p = &parsed.policy;
        check_span(&text, p.span, "policy");
        for st in &p.statements {
            check_span(&text, st.span, "statement");
            if let Some(sid) = &st.sid {
                check_span(&text, sid.span, "sid");
            }
            if let Some(a) = &st.action {
                check_span(&text, a.span, "action");
                for item in &a.items {
                    check_span(&text, item.span, "action item");
                }
            }
            if let Some(r) = &st.resource {
                check_span(&text, r.span, "resource");
                for item in &r.items {
                    check_span(&text, item.span, "resource item");
                }
            }
            if let Some(pr) = &st.principal {
                check_span(&text, pr.span, "principal");
                for e in &pr.entries {
                    check_span(&text, e.span, "principal entry");
                }
            }
            for c in &st.conditions {
                check_span(&text, c.operator.span, "condition operator");
                check_span(&text, c.key.span, "condition key");
                check_span(&text, c.values_span, "condition values");
                for v in &c.values {
                    check_span(&text, v.span, "condition value");
                }
            }
        }
        // Parsing is a pure function of the text.
        let again = parse(&text, kind);
        assert_eq!(
            parsed.diagnostics, again.diagnostics,
            "parse is not deterministic"
        );
    }
}

/// `keyflow-json` spans and its agreement with `serde_json` on validity.
fn check_json(text: &str) {
    match keyflow_json::parse(text) {
        Ok(value) => {
            check_value(text, &value, 0);
            // serde_json has a deeper recursion limit and skips no byte order mark.
            if !text.starts_with('\u{feff}') {
                let other = serde_json::from_str::<serde_json::Value>(text);
                if let Err(e) = other {
                    // serde_json refuses numbers beyond f64; keyflow keeps them as text.
                    assert!(
                        e.to_string().contains("number out of range"),
                        "keyflow-json accepts what serde_json rejects: {e}"
                    );
                }
            }
        }
        Err(e) => {
            check_span(text, e.span, "json error");
            assert!(!e.to_string().is_empty());
            let too_deep = matches!(e.kind, keyflow_json::ErrorKind::TooDeep(_));
            if !too_deep && !text.starts_with('\u{feff}') {
                assert!(
                    serde_json::from_str::<serde_json::Value>(text).is_err(),
                    "keyflow-json rejects what serde_json accepts: {e}"
                );
            }
        }
    }
}

fn check_value(text: &str, v: &Value<'_>, depth: u32) {
    assert!(
        depth <= keyflow_json::DEFAULT_MAX_DEPTH + 1,
        "depth bound broken"
    );
    check_span(text, v.span, "json value");
    match &v.kind {
        Kind::Number(n) => assert_eq!(*n, v.span.slice(text), "number text differs from span"),
        Kind::Array(items) => {
            for item in items {
                assert!(inside(item.span, v.span), "array item outside its array");
                check_value(text, item, depth + 1);
            }
        }
        Kind::Object(members) => {
            for m in members {
                check_span(text, m.key_span, "json key");
                assert!(inside(m.key_span, v.span), "key outside its object");
                assert!(inside(m.value.span, v.span), "member outside its object");
                assert!(m.key_span.end <= m.value.span.start, "key after its value");
                check_value(text, &m.value, depth + 1);
            }
        }
        Kind::Null | Kind::Bool(_) | Kind::String(_) => {}
    }
}

fn inside(inner: Span, outer: Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// A span must lie inside `text`, in order, on char boundaries.
pub fn check_span(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end, "{what}: span {start}..{end} is reversed");
    assert!(
        end <= text.len(),
        "{what}: span {start}..{end} past the end ({})",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: span {start}..{end} splits a character"
    );
}

/// `LineIndex::position` against a naive count.
fn check_position(text: &str, index: &LineIndex, offset: u32) {
    let pos = index.position(offset);
    let before = text.get(..offset as usize).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line_text = before.get(line_start..).unwrap_or("");
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let column = line_text.chars().count() + 1;
    let utf16: usize = line_text.chars().map(char::len_utf16).sum::<usize>() + 1;
    assert_eq!(
        (
            pos.line as usize,
            pos.column as usize,
            pos.utf16_column as usize
        ),
        (line, column, utf16),
        "LineIndex disagrees at byte {offset}"
    );
}

// ------------------------------------------------------------------ scenario

/// Scenario JSON → read; if it reads: run, render, serialise, share round trip.
pub fn scenario_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let scenario = match Scenario::from_json(&text) {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.message.is_empty(), "scenario error without a message");
            return;
        }
    };
    let report = run(&scenario);
    assert_eq!(report, run(&scenario), "run is not deterministic");
    let rendered = render_text(&report);
    assert!(
        rendered.starts_with("Scenario: "),
        "timeline lost its header"
    );
    let json = serde_json::to_string(&report);
    assert!(json.is_ok(), "report does not serialise: {json:?}");

    // Share links restore a scenario exactly, policy texts to the byte.
    let canonical = scenario.to_canonical_json();
    let reread = Scenario::from_canonical_json(&canonical);
    assert!(
        reread.as_ref() == Ok(&scenario),
        "canonical JSON does not restore the scenario: {reread:?}\n{canonical}"
    );
    let link = keyflow_share::encode(&scenario);
    let payload_len = link.len().saturating_sub("s=1.".len());
    match keyflow_share::decode(&link) {
        Ok(back) => {
            assert!(back == scenario, "share link changes the scenario");
        }
        Err(ShareError::TooLong { .. }) => assert!(payload_len > MAX_LINK_CHARS),
        Err(ShareError::InflatedTooLarge { .. }) => assert!(canonical.len() > MAX_INFLATED_BYTES),
        Err(e) => panic!("own share link does not decode: {e}"),
    }
}

// ------------------------------------------------------------------ share links

/// Share link text → decode. Also reads the bytes as a raw DEFLATE payload and as
/// JSON to pack, so the inflater and the codec see arbitrary data too.
pub fn share_link(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_link(&text);
    check_link(&format!("s=1.{}", base64url(data)));
    // Any text packs and unpacks unchanged while it fits.
    let packed = keyflow_share::encode_json(&text);
    match keyflow_share::decode_json(&packed) {
        Ok(back) => assert_eq!(back, text, "encode_json/decode_json round trip differs"),
        Err(ShareError::TooLong { .. }) => {
            assert!(packed.len() > MAX_LINK_CHARS, "short link called too long");
        }
        Err(ShareError::InflatedTooLarge { .. }) => {
            assert!(
                text.len() > MAX_INFLATED_BYTES,
                "small text called too large"
            );
        }
        Err(e) => panic!("own link does not decode: {e}"),
    }
}

fn check_link(link: &str) {
    let json = keyflow_share::decode_json(link);
    let scenario = keyflow_share::decode(link);
    match (&json, &scenario) {
        (Ok(json), Ok(s)) => {
            assert!(json.len() <= MAX_INFLATED_BYTES, "inflate cap broken");
            // Whatever opens re-shares to a link that opens to the same scenario.
            let again = keyflow_share::decode(&keyflow_share::encode(s));
            assert!(
                again
                    .as_ref()
                    .is_ok_and(|a| a.to_canonical_json() == s.to_canonical_json()),
                "re-shared scenario differs: {again:?}"
            );
        }
        (Ok(json), Err(ShareError::Scenario(_))) => {
            assert!(json.len() <= MAX_INFLATED_BYTES, "inflate cap broken");
        }
        (Err(a), Err(b)) => {
            assert_eq!(a, b, "decode and decode_json fail differently");
            check_error(a);
        }
        (j, s) => panic!("decode_json {j:?} disagrees with decode {s:?}"),
    }
}

fn check_error(e: &ShareError) {
    assert!(!e.to_string().is_empty());
    match e {
        ShareError::TooLong { length, limit } => assert!(length > limit),
        ShareError::UnsupportedVersion(v) => assert!(*v > keyflow_share::FORMAT_VERSION),
        ShareError::BadVersion(v) => assert!(v.chars().count() <= 12),
        ShareError::InflatedTooLarge { limit } => assert_eq!(*limit, MAX_INFLATED_BYTES),
        ShareError::NotAShareLink
        | ShareError::EmptyPayload
        | ShareError::InvalidBase64 { .. }
        | ShareError::Truncated
        | ShareError::Corrupt
        | ShareError::TrailingData
        | ShareError::IntegrityMismatch
        | ShareError::Changed
        | ShareError::InvalidUtf8
        | ShareError::Scenario(_) => {}
    }
}

/// Unpadded base64url, as share links use (the codec's own encoder is private).
pub fn base64url(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let byte = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (byte(0) << 16) | (byte(1) << 8) | byte(2);
        for k in 0..=chunk.len() {
            let sextet = (n >> (18 - 6 * k)) & 63;
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    out
}

// ------------------------------------------------------------------ evaluator

const PRINCIPALS: [&str; 16] = [
    "arn:aws:iam::111122223333:user/Alice",
    "arn:aws:iam::111122223333:role/App",
    "arn:aws:sts::111122223333:assumed-role/App/session-1",
    "arn:aws:iam::111122223333:root",
    "111122223333",
    "arn:aws:iam::444455556666:user/Mallory",
    "cloudtrail.amazonaws.com",
    "logdelivery.elasticloadbalancing.amazonaws.com",
    "arn:aws:sts::111122223333:federated-user/Bob",
    "*",
    "anonymous",
    "arn:aws:iam::111122223333:user/path/Ünïcødé",
    "",
    "arn:aws:iam::111122223333:role/",
    "arn:::::",
    "s3.amazonaws.com",
];

const ACTIONS: [&str; 16] = [
    "s3:GetObject",
    "s3:PutObject",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:Encrypt",
    "kms:CreateGrant",
    "sts:AssumeRole",
    "iam:PassRole",
    "ssm:GetParameter",
    "s3:ListBucket",
    "S3:GETOBJECT",
    "*",
    "",
    "kms:ReEncrypt*",
    "cloudtrail:PutEventSelectors",
    "s3:PutBucketPolicy",
];

const RESOURCES: [&str; 16] = [
    "arn:aws:s3:::bucket/key.txt",
    "arn:aws:s3:::bucket",
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:us-east-1:444455556666:key/k2",
    "arn:aws:iam::111122223333:role/App",
    "arn:aws:ssm:us-east-1:111122223333:parameter/prod/db",
    "*",
    "",
    "arn:aws:s3:::bucket/AWSLogs/111122223333/elasticloadbalancing/x.log.gz",
    "arn:aws:s3:::bucket/Alice/notes",
    "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
    "arn:aws:s3:::bücket/ü/☃",
    "arn",
    "arn:aws:kms:us-east-1:111122223333:alias/a",
    "arn:aws:s3:::bucket/${aws:username}/*?",
    "arn:aws:iam::444455556666:role/Cross",
];

/// Context entries picked by a bit mask; `variant` picks among odd values.
fn context(mask: u8, variant: u8, principal: &str) -> Context {
    let mut c = Context::new();
    let odd = |bit: u8| variant & (1 << bit) != 0;
    let on = |bit: u8| mask & (1 << bit) != 0;
    if on(0) {
        c.insert("aws:SourceAccount", "111122223333");
    }
    if on(1) {
        c.insert("aws:SecureTransport", if odd(0) { "false" } else { "true" });
    }
    if on(2) {
        c.insert("kms:ViaService", "s3.us-east-1.amazonaws.com");
    }
    if on(3) {
        c.insert("aws:PrincipalOrgID", "o-abc123");
    }
    if on(4) {
        let tags: Vec<&str> = if odd(1) { vec![] } else { vec!["env", "team"] };
        c.insert("aws:TagKeys", tags);
    }
    if on(5) {
        c.insert(
            "kms:EncryptionContext:aws:cloudtrail:arn",
            "arn:aws:cloudtrail:us-east-1:111122223333:trail/t",
        );
    }
    if on(6) {
        c.insert(
            "aws:CurrentTime",
            if odd(2) {
                "not-a-date"
            } else {
                "2024-05-01T12:00:00Z"
            },
        );
    }
    if on(7) {
        let ip = match variant >> 6 {
            0 => "203.0.113.5",
            1 => "2001:db8::1",
            2 => "999.1.1.1",
            _ => "10.0.0.0/8",
        };
        c.insert("aws:SourceIp", ip);
    }
    if odd(3) {
        c.insert("aws:username", "Alice");
        c.insert("aws:PrincipalArn", principal);
    }
    if odd(4) {
        c.insert("s3:x-amz-server-side-encryption", "aws:kms");
        c.insert("aws:MultiFactorAuthAge", "3600");
    }
    if odd(5) {
        c.insert("aws:PrincipalTag/team", ContextValue::Multi(Vec::new()));
    }
    c
}

fn pick<'a>(table: &[&'a str], selector: u8) -> &'a str {
    table
        .get(usize::from(selector) % table.len().max(1))
        .copied()
        .unwrap_or("")
}

const EXTRA_IDENTITY_LIMIT: usize = 4;
const FULL_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Bytes → (selectors, policy texts): chunks split on NUL; the first chunk picks
/// the request when there is more than one. The whole input is also tried as a
/// cases file (`keyflow cases` format).
pub fn evaluator(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if text.trim_start().starts_with('[')
        && let Ok(cases) = parse_cases(&text)
    {
        for case in cases.iter().take(8) {
            check_evaluation(&case.request, &case.policies(), &[]);
        }
    }

    let chunks: Vec<&[u8]> = data.split(|&b| b == 0).collect();
    let (selectors, policy_chunks): (&[u8], &[&[u8]]) = match chunks.split_first() {
        Some((first, rest)) if !rest.is_empty() => (first, rest),
        _ => (&[], &chunks),
    };
    let sel = |i: usize| selectors.get(i).copied().unwrap_or(0);
    let principal = pick(&PRINCIPALS, sel(0));
    let mut request = Request::new(principal, pick(&ACTIONS, sel(1)), pick(&RESOURCES, sel(2)));
    request.context = context(sel(3), sel(5), principal);
    if sel(4) & 0x40 != 0 {
        request.resource_account = Some("444455556666".into());
    } else if sel(4) & 0x20 != 0 {
        request.resource_account = Some(String::new());
    }
    let resource_kind = if sel(4) & 0x80 != 0 {
        [
            PolicyKind::KeyPolicy,
            PolicyKind::BucketPolicy,
            PolicyKind::TrustPolicy,
            PolicyKind::Rcp,
        ][usize::from(sel(4) & 3)]
    } else {
        resource_policy_kind(&request)
    };

    // Slots in order: identity, resource, boundary, SCP, RCP, session, more identity.
    let texts: Vec<String> = policy_chunks
        .iter()
        .take(6 + EXTRA_IDENTITY_LIMIT)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let kind_of = |slot: usize| match slot {
        1 => resource_kind,
        2 => PolicyKind::PermissionBoundary,
        3 => PolicyKind::Scp,
        4 => PolicyKind::Rcp,
        5 => PolicyKind::SessionPolicy,
        _ => PolicyKind::Identity,
    };
    let ids = [
        "identity-0",
        "resource",
        "boundary",
        "scp-0",
        "rcp-0",
        "session",
        "identity-1",
        "identity-2",
        "identity-3",
        "identity-4",
    ];
    let parsed: Vec<(usize, keyflow_policy::Parsed)> = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(slot, t)| (slot, parse(t, kind_of(slot))))
        .collect();
    let mut policies = Policies::default();
    let mut spans: Vec<(&str, usize)> = Vec::new();
    for (slot, p) in &parsed {
        let id = ids.get(*slot).copied().unwrap_or("identity-x");
        let r = PolicyRef::new(id, &p.policy);
        spans.push((id, texts.get(*slot).map_or(0, String::len)));
        match slot {
            1 => policies.resource = Some(r),
            2 => policies.permission_boundary = Some(r),
            3 => policies.scps.push(r),
            4 => policies.rcps.push(r),
            5 => policies.session = Some(r),
            _ => policies.identity.push(r),
        }
    }
    let base = check_evaluation(&request, &policies, &spans);

    // An extra SCP level that allows everything never changes a decision.
    let full = parse(FULL_ACCESS, PolicyKind::Scp);
    let mut with_scp = policies.clone();
    with_scp.scps.push(PolicyRef::new("scp-full", &full.policy));
    assert_eq!(
        decision(&request, &with_scp),
        base,
        "a FullAWSAccess SCP level changed the decision"
    );
}

/// `evaluate`, `decision` and `explain` agree and repeat; returns the decision.
/// `spans` lists (policy id, text length) when the texts are known.
fn check_evaluation(
    request: &Request,
    policies: &Policies<'_>,
    spans: &[(&str, usize)],
) -> Decision {
    let fast = evaluate(request, policies);
    let again = evaluate(request, policies);
    same(&fast, &again, "evaluate twice");
    assert_eq!(
        decision(request, policies),
        fast.decision,
        "decision() differs"
    );
    assert_eq!(fast.reason_code, fast.reason.code(), "reason code differs");
    assert!(fast.trace.is_none(), "evaluate returned a trace");

    let traced = explain(request, policies);
    same(&fast, &traced, "evaluate vs explain");
    assert!(traced.trace.is_some(), "explain returned no trace");
    let json = serde_json::to_string(&traced).unwrap_or_default();
    let json_again = serde_json::to_string(&explain(request, policies)).unwrap_or_default();
    assert!(!json.is_empty(), "explanation does not serialise");
    assert_eq!(json, json_again, "explain is not deterministic");

    match fast.decision {
        Decision::ExplicitlyDenied => assert!(
            !fast.deciding.is_empty() && fast.deciding.iter().all(|d| d.effect == Effect::Deny),
            "an explicit deny must name its Deny statements: {:?}",
            fast.deciding
        ),
        Decision::ImplicitlyDenied => assert!(
            fast.deciding.is_empty(),
            "an implicit deny names statements: {:?}",
            fast.deciding
        ),
        Decision::Allowed => assert!(
            fast.deciding.iter().all(|d| d.effect == Effect::Allow),
            "an allow names Deny statements: {:?}",
            fast.deciding
        ),
    }
    if !spans.is_empty() {
        for d in &fast.deciding {
            let len = spans.iter().find(|(id, _)| *id == d.policy_id).map(|s| s.1);
            assert!(
                len.is_some(),
                "deciding statement from unknown policy {}",
                d.policy_id
            );
            assert!(
                len.is_some_and(|len| d.span.end as usize <= len && d.span.start <= d.span.end),
                "deciding span {:?} outside policy {}",
                d.span,
                d.policy_id
            );
        }
        if let Some(trace) = &traced.trace {
            assert_eq!(trace.policies.len(), spans.len(), "trace lost a policy");
        }
    }
    fast.decision
}

fn same(a: &Evaluation, b: &Evaluation, what: &str) {
    assert_eq!(a.decision, b.decision, "{what}: decision");
    assert_eq!(a.reason, b.reason, "{what}: reason");
    assert_eq!(a.reason_code, b.reason_code, "{what}: reason code");
    assert_eq!(a.deciding, b.deciding, "{what}: deciding statements");
}
