//! Built-in scenarios end to end: expectations, golden timelines, policy edits that
//! flip steps, share links, scenario errors and the what-if diff.
//!
//! `KEYFLOW_BLESS=1 cargo test --test scenarios` rewrites `tests/golden/*.txt`.

use std::time::Instant;

use keyflow_sim::{Outcome, Report, Scenario, builtin, builtins, diff, render_text, run};

fn scenario(name: &str) -> Scenario {
    builtin(name)
        .unwrap_or_else(|| panic!("no built-in {name}"))
        .scenario()
        .unwrap()
}

fn step_outcome(r: &Report, flow: &str, step: &str) -> (Outcome, Option<String>) {
    let s = r
        .flow(flow)
        .unwrap()
        .step(step)
        .unwrap_or_else(|| panic!("no step {flow}/{step}"));
    (s.outcome, s.error.as_ref().map(|e| e.code.clone()))
}

/// Replaces `from` by `to` in the one policy text that contains it.
fn edit_policy(s: &mut Scenario, from: &str, to: &str) {
    let mut hits = 0;
    let mut apply = |text: &mut String| {
        if text.contains(from) {
            *text = text.replacen(from, to, 1);
            hits += 1;
        }
    };
    for k in &mut s.keys {
        apply(&mut k.policy);
    }
    for p in &mut s.principals {
        for pol in &mut p.policies {
            apply(&mut pol.document);
        }
    }
    for b in &mut s.buckets {
        if let Some(t) = b.policy.as_mut() {
            apply(t);
        }
    }
    assert_eq!(hits, 1, "`{from}` should occur in exactly one policy");
}

#[test]
fn every_builtin_meets_its_expectations() {
    assert!(builtins().len() >= 4);
    for b in builtins() {
        let r = run(&b.scenario().unwrap());
        assert!(
            !r.expectations.is_empty(),
            "{} carries no expectations",
            b.name
        );
        for e in &r.expectations {
            assert!(
                e.passed,
                "{}: FAIL {} — {}",
                b.name, e.expectation, e.reason
            );
        }
        for p in &r.policies {
            let errors: Vec<_> = p
                .diagnostics
                .iter()
                .filter(|d| d.severity == keyflow_policy::Severity::Error)
                .collect();
            assert!(
                errors.is_empty(),
                "{}: policy {} has errors: {errors:?}",
                b.name,
                p.id
            );
        }
    }
}

#[test]
fn golden_timelines() {
    let dir = keyflow_acceptance::repo_root().join("tests").join("golden");
    let bless = std::env::var_os("KEYFLOW_BLESS").is_some();
    let mut stale = Vec::new();
    for b in builtins() {
        let text = render_text(&run(&b.scenario().unwrap()));
        let path = dir.join(format!("{}.txt", b.name));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            stale.push(b.name);
        }
    }
    assert!(
        stale.is_empty(),
        "golden timelines differ for {stale:?}; rerun with KEYFLOW_BLESS=1 and review the diff"
    );
}

#[test]
fn removing_the_iam_decrypt_statement_breaks_get_parameters() {
    let mut s = scenario("ssm-securestring-cmk");
    let app = s
        .principals
        .iter_mut()
        .find(|p| p.name == "AppServer")
        .unwrap();
    app.policies.retain(|p| p.name != "DecryptPrdKey");
    let r = run(&s);
    let st = r
        .flow("ssm")
        .unwrap()
        .step("get-parameters-with-decryption:AppServer")
        .unwrap();
    assert_eq!(st.outcome, Outcome::Error);
    assert_eq!(
        st.cli_error.as_deref(),
        Some(
            "An error occurred (AccessDeniedException) when calling the GetParameters operation: The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"
        )
    );
    // Only that reader's decrypting step changed.
    let before = run(&scenario("ssm-securestring-cmk"));
    let changes = diff(&before, &r);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].step, "get-parameters-with-decryption:AppServer");
}

#[test]
fn removing_the_key_user_statement_breaks_the_key_user_only() {
    let mut s = scenario("ssm-securestring-cmk");
    edit_policy(
        &mut s,
        "arn:aws:iam::111122223333:user/KeyUser",
        "arn:aws:iam::111122223333:user/Someone",
    );
    let r = run(&s);
    assert_eq!(
        step_outcome(&r, "ssm", "get-parameters-with-decryption:KeyUser").0,
        Outcome::Error
    );
    assert_eq!(
        step_outcome(&r, "ssm", "get-parameters-with-decryption:AppServer").0,
        Outcome::Ok
    );
}

#[test]
fn cloudtrail_key_policy_without_the_encrypt_statement_fails_the_update() {
    let mut s = scenario("cloudtrail-sse-kms");
    edit_policy(
        &mut s,
        "\"Action\": \"kms:GenerateDataKey*\"",
        "\"Action\": \"kms:ListGrants\"",
    );
    let r = run(&s);
    let st = r.flow("cloudtrail").unwrap().step("update-trail").unwrap();
    let e = st.error.as_ref().unwrap();
    assert_eq!(e.code, "InsufficientEncryptionPolicyException");
    assert_eq!(
        e.message,
        "Insufficient permissions to access S3 bucket aws-cloudtrail-logs-123456789012-1a2b3c4d or KMS key arn:aws:kms:ap-northeast-1:123456789012:key/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b."
    );
}

#[test]
fn cloudtrail_edit_of_one_decrypt_statement_leaves_the_second_open() {
    // Source 001's edit touches "Allow principals in the account to decrypt log
    // files" only; "Enable cross account log decryption" has the same shape.
    let mut s = scenario("cloudtrail-sse-kms");
    let key = &mut s.keys[0].policy;
    let at = key
        .find("\"Sid\": \"Allow principals in the account to decrypt log files\"")
        .unwrap();
    let star = at + key[at..].find("\"AWS\": \"*\"").unwrap();
    key.replace_range(
        star..star + "\"AWS\": \"*\"".len(),
        "\"AWS\": \"arn:aws:iam::123456789012:user/user1\"",
    );
    let r = run(&s);
    let row = r
        .flow("cloudtrail")
        .unwrap()
        .matrix
        .iter()
        .find(|m| m.principal == "user2")
        .unwrap();
    assert!(
        row.read.allowed(),
        "user2 still decrypts through the cross-account statement"
    );
    assert!(
        row.read.why.contains("Enable cross account log decryption"),
        "{}",
        row.read.why
    );
}

#[test]
fn no_key_policy_statement_makes_documented_alb_delivery_to_sse_kms_work() {
    // The statement a reader might guess for the log writer through S3: AWS
    // documents SSE-S3 as the only option, so it changes nothing.
    let mut s = scenario("alb-logs-cmk-documented");
    edit_policy(
        &mut s,
        "\"Service\": \"elasticloadbalancing.amazonaws.com\"",
        "\"Service\": \"logdelivery.elasticloadbalancing.amazonaws.com\"",
    );
    edit_policy(
        &mut s,
        "elasticloadbalancing.ap-northeast-1.amazonaws.com",
        "s3.ap-northeast-1.amazonaws.com",
    );
    let r = run(&s);
    let before = run(&scenario("alb-logs-cmk-documented"));
    for id in ["enable-access-logs", "deliver-log"] {
        assert_eq!(
            step_outcome(&r, "alb", id),
            step_outcome(&before, "alb", id),
            "{id}"
        );
    }
    assert_eq!(
        step_outcome(&r, "alb", "deliver-log"),
        (Outcome::Error, None)
    );
}

#[test]
fn what_if_bucket_default_before_and_after_the_key() {
    let after = scenario("alb-logs-cmk");
    let mut before = after.clone();
    before.buckets[0].default_encryption = Default::default();
    let changes = diff(&run(&before), &run(&after));
    let enable = changes
        .iter()
        .find(|c| c.step == "enable-access-logs")
        .unwrap();
    assert_eq!(enable.before.as_ref().unwrap().outcome, Outcome::Ok);
    assert_eq!(
        enable.after.as_ref().unwrap().error_code.as_deref(),
        Some("InvalidConfigurationRequest")
    );
    assert!(
        changes
            .iter()
            .any(|c| c.step == "enable-access-logs-sse-s3" && c.before.is_none())
    );
    assert!(diff(&run(&after), &run(&after)).is_empty());
}

#[test]
fn share_links_round_trip_and_stay_short() {
    for b in builtins() {
        let s = b.scenario().unwrap();
        let link = keyflow_share::url(&s, "https://keyflow.example/");
        let fragment = link.split_once('#').unwrap().1;
        // Expectations carry their sources, which costs a couple of hundred characters.
        assert!(
            fragment.len() < 2500,
            "{}: fragment is {} characters",
            b.name,
            fragment.len()
        );
        let back = keyflow_share::decode(&link).unwrap();
        assert_eq!(back, s, "{} changed on the way through a link", b.name);
        assert_eq!(render_text(&run(&back)), render_text(&run(&s)));
        assert_eq!(keyflow_share::decode(&format!("#{fragment}")).unwrap(), s);
        assert_eq!(keyflow_share::decode(fragment).unwrap(), s);
    }
}

#[test]
fn share_decoder_errors_are_distinct() {
    use keyflow_share::{ShareError, decode, encode_json};
    // A format 1 link (no integrity check): the DEFLATE stream itself is on trial.
    let json = scenario("ssm-securestring-cmk").to_canonical_json();
    let good = raw_bytes_link(&miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 9));
    let payload = good.strip_prefix("s=1.").unwrap();
    assert_eq!(
        decode("https://keyflow.example/"),
        Err(ShareError::NotAShareLink)
    );
    assert!(matches!(
        decode(&format!("s=1.{}!", &payload[..10])),
        Err(ShareError::InvalidBase64 { position: 10 })
    ));
    let half = payload.len() / 2 / 4 * 4;
    assert!(matches!(
        decode(&format!("s=1.{}", &payload[..half])),
        Err(ShareError::Truncated)
    ));
    let e = decode(&format!("s=3.{payload}")).unwrap_err();
    assert_eq!(e, ShareError::UnsupportedVersion(3));
    assert!(
        e.to_string()
            .contains("this link was made by a newer Keyflow (format 3)")
    );
    assert!(matches!(
        decode(&format!("s=1.{}", "A".repeat(70_000))),
        Err(ShareError::TooLong { .. })
    ));
    assert_eq!(decode("s=1."), Err(ShareError::EmptyPayload));
    // Valid DEFLATE of bytes that are not UTF-8.
    let not_utf8 = raw_link(&[0xff, 0xfe, 0xfd]);
    assert_eq!(decode(&not_utf8), Err(ShareError::InvalidUtf8));
    // A small link that expands past the cap.
    let bomb = encode_json(&" ".repeat(300 * 1024));
    assert!(bomb.len() < 2000);
    assert!(matches!(
        decode(&bomb),
        Err(ShareError::InflatedTooLarge { .. })
    ));
    // Valid text that is not a scenario.
    assert!(matches!(
        decode(&encode_json(r#"{"region":"us-east-1"}"#)),
        Err(ShareError::Scenario(_))
    ));
    // Bytes after the end of the stream.
    let mut bytes = deflate_of_link(&good);
    bytes.push(0);
    assert_eq!(
        decode(&raw_bytes_link(&bytes)),
        Err(ShareError::TrailingData)
    );
    // A flipped bit in the middle is caught one way or another, never a panic.
    let mut tampered = deflate_of_link(&good);
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x55;
    assert!(decode(&raw_bytes_link(&tampered)).is_err());
}

/// A link whose inflated payload is exactly `bytes`.
fn raw_link(bytes: &[u8]) -> String {
    // encode_json only takes text, so build the payload by hand from a DEFLATE stored block.
    let mut block = vec![0x01, bytes.len() as u8, 0x00, !(bytes.len() as u8), 0xff];
    block.extend_from_slice(bytes);
    raw_bytes_link(&block)
}

fn raw_bytes_link(deflated: &[u8]) -> String {
    format!("s=1.{}", b64(deflated))
}

fn deflate_of_link(link: &str) -> Vec<u8> {
    unb64(link.strip_prefix("s=1.").unwrap())
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn unb64(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, c)| {
            n | ((B64.iter().position(|x| x == c).unwrap() as u32) << (18 - 6 * i))
        });
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn bad_scenario_json_names_the_path() {
    let mut v: serde_json::Value =
        serde_json::from_str(builtin("alb-logs-cmk").unwrap().json).unwrap();
    v["buckets"][0]["default_encryption"]["key"] = "alias/nope".into();
    let e = Scenario::from_json(&v.to_string()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "buckets[0].default_encryption.key: unknown key \"alias/nope\""
    );
    v["buckets"][0]["default_encryption"]["key"] = "alias/alb-logs".into();
    v["principals"][1]["polices"] = serde_json::json!([]);
    let e = Scenario::from_json(&v.to_string()).unwrap_err();
    assert_eq!(e.path, "principals[1].polices");
}

#[test]
fn policy_ids_map_back_to_scenario_fields() {
    let r = run(&scenario("cloudtrail-sse-kms"));
    let st = r
        .flow("cloudtrail")
        .unwrap()
        .step("deliver-log-file")
        .unwrap();
    let kms = st
        .checks
        .iter()
        .find(|c| c.action() == "kms:GenerateDataKey")
        .unwrap();
    let deciding = &kms.deciding[0];
    assert_eq!(
        deciding.sid.as_deref(),
        Some("Allow CloudTrail to encrypt logs")
    );
    let info = r.policy(&deciding.policy).unwrap();
    assert_eq!(info.path.as_deref(), Some("keys[0].policy"));
    let text = &scenario("cloudtrail-sse-kms").keys[0].policy;
    let span = deciding.span.start as usize..deciding.span.end as usize;
    assert!(text[span].contains("Allow CloudTrail to encrypt logs"));
    let line = text[..deciding.span.start as usize].matches('\n').count() + 1;
    assert_eq!(deciding.line as usize, line);
    let managed = keyflow_sim::PolicyId::ManagedKey(keyflow_sim::ManagedService::S3);
    assert!(r.policy(&managed).is_some_and(|p| p.path.is_none()));
}

#[test]
fn running_builtins_is_fast() {
    let scenarios: Vec<Scenario> = builtins().iter().map(|b| b.scenario().unwrap()).collect();
    let rounds = 20;
    let start = Instant::now();
    for _ in 0..rounds {
        for s in &scenarios {
            std::hint::black_box(run(s));
        }
    }
    let per = start.elapsed() / (rounds * scenarios.len() as u32);
    for (b, s) in builtins().iter().zip(&scenarios) {
        let t = Instant::now();
        for _ in 0..rounds {
            std::hint::black_box(run(s));
        }
        eprintln!("{}: {:?} per run", b.name, t.elapsed() / rounds);
    }
    // Generous for unoptimised test builds on a busy machine; release runs far below it.
    assert!(per.as_millis() < 100, "{per:?} per scenario");
}

#[test]
fn every_fact_a_builtin_shows_says_where_it_comes_from() {
    use keyflow_sim::sources::Source;
    for b in builtins() {
        let s = b.scenario().unwrap();
        let r = run(&s);
        for f in &r.flows {
            assert!(
                !f.sources.is_empty(),
                "{}: flow {} cites nothing",
                b.name,
                f.id
            );
            for step in &f.steps {
                for n in &step.notes {
                    let scenario_fact = n.text.starts_with("settings.");
                    assert!(
                        scenario_fact || n.source != Source::Scenario,
                        "{}: {}/{}: note without a source: {}",
                        b.name,
                        f.id,
                        step.id,
                        n.text
                    );
                    assert!(!n.source.label().is_empty());
                }
                if let Some(e) = &step.error {
                    assert_ne!(e.source, Source::Scenario, "{}: {}", b.name, e.message);
                }
            }
            for e in &f.kms.estimates {
                assert_ne!(e.source, Source::Scenario, "{}: {}", b.name, e.basis);
            }
        }
        for e in &s.expectations {
            assert!(
                !e.source().is_empty(),
                "{}: expectation without a source: {e:?}",
                b.name
            );
        }
        // Users do not know the write-ups by number, and nothing is called a seed.
        let json = serde_json::to_string(&r).unwrap();
        for text in [
            render_text(&r),
            json,
            b.title.to_string(),
            b.json.to_string(),
        ] {
            let lower = text.to_lowercase();
            for word in ["seed", "source 00", "sources 00"] {
                assert!(!lower.contains(word), "{}: shows \"{word}\"", b.name);
            }
        }
    }
}
