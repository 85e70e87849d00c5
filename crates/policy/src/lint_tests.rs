//! Unit tests of the linter (kept beside it; fixtures with positions are in
//! `crates/policy/tests/lint_fixtures/`).

use super::*;

fn data() -> &'static ServiceData {
    ServiceData::full()
}

#[test]
fn zero_width_characters_are_flagged_too() {
    let text = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"a\u{200B}b\u{FEFF}\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}}";
    let found = lint_text(text, PolicyKind::KeyPolicy, data());
    let d = found.iter().find(|d| d.code == "KF123").unwrap();
    assert_eq!(
        d.help.as_deref(),
        Some("remove U+200B ZERO WIDTH SPACE, U+FEFF ZERO WIDTH NO-BREAK SPACE")
    );
}

#[test]
fn allow_in_an_rcp_is_an_error_except_full_access() {
    let full = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
    assert!(!codes(full, PolicyKind::Rcp).contains(&"KF122"));
    let narrow = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#;
    assert!(codes(narrow, PolicyKind::Rcp).contains(&"KF122"));
    assert!(!codes(narrow, PolicyKind::BucketPolicy).contains(&"KF122"));
}

#[test]
fn operator_suggestion_survives_non_ascii_text() {
    // Found by the property test: a multi-byte character where a set prefix would end.
    assert_eq!(
        suggest_operator("StringNotE\u{fffd}uals"),
        Some("StringNotEquals".into())
    );
    assert_eq!(suggest_operator("ForAnyValu\u{e9}:StringEquals"), None);
}

fn codes(text: &str, kind: PolicyKind) -> Vec<&'static str> {
    lint_text(text, kind, data())
        .into_iter()
        .map(|d| d.code.as_str())
        .collect()
}

fn stmt(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#)
}

#[test]
fn misspelled_operator_gets_a_suggestion() {
    let text = stmt(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEqual":{"aws:SourceVpc":"vpc-1"}}}"#,
    );
    let d = lint_text(&text, PolicyKind::Identity, data());
    let op = d.iter().find(|d| d.code == "KF101").unwrap();
    assert_eq!(op.help.as_deref(), Some("did you mean `StringEquals`?"));
    assert_eq!(op.severity, Severity::Error);
    assert_eq!(op.span.slice(&text), "\"StringEqual\"");
    assert_eq!(
        suggest_operator("ForAnyValue:stringlike").as_deref(),
        Some("ForAnyValue:StringLike")
    );
    assert_eq!(
        suggest_operator("StringEqualsIfExist").as_deref(),
        Some("StringEqualsIfExists")
    );
}

#[test]
fn unknown_keys_services_and_actions() {
    let text = stmt(
        r#"{"Effect":"Allow","Action":["kms:Decrypto","s4:GetObject","ec2:RunInstances","kms:Get*"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaServce":"x","aws:SourceIP":"y","ec2:Whatever":"z"}}}"#,
    );
    let d = lint_text(&text, PolicyKind::Identity, data());
    let kf104: Vec<_> = d.iter().filter(|d| d.code == "KF104").collect();
    assert_eq!(kf104.len(), 1);
    assert_eq!(
        kf104[0].help.as_deref(),
        Some("did you mean `kms:Decrypt`?")
    );
    assert_eq!(d.iter().filter(|d| d.code == "KF103").count(), 1);
    // aws:SourceIP is the same key as aws:SourceIp (names are case-insensitive).
    // A service key is reported only as a near miss of a listed one (likely a
    // typo): ec2:Whatever may be a key the reference does not list.
    let kf102: Vec<_> = d.iter().filter(|d| d.code == "KF102").collect();
    assert_eq!(kf102.len(), 1);
    assert_eq!(
        kf102[0].help.as_deref(),
        Some("did you mean `kms:ViaService`?")
    );
}

#[test]
fn public_principal_and_not_principal() {
    let text = stmt(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let c = codes(&text, PolicyKind::BucketPolicy);
    assert!(c.contains(&"KF109"));
    assert!(c.contains(&"KF108"));
    let with_cond = stmt(
        r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}"#,
    );
    assert!(!codes(&with_cond, PolicyKind::BucketPolicy).contains(&"KF109"));
}

#[test]
fn sids() {
    let text = stmt(
        r#"{"Sid":"A b","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Sid":"A b","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
    );
    let d = lint_text(&text, PolicyKind::Identity, data());
    assert!(
        d.iter()
            .any(|d| d.code == "KF115" && d.severity == Severity::Error)
    );
    assert!(
        d.iter()
            .any(|d| d.code == "KF110" && d.severity == Severity::Error)
    );
    // Key policies allow spaces in Sids; a duplicate is only a warning there.
    let kp = text.replace("s3:GetObject", "kms:Decrypt").replace(
        "\"Allow\",",
        "\"Allow\",\"Principal\":{\"AWS\":\"111122223333\"},",
    );
    let d = lint_text(&kp, PolicyKind::KeyPolicy, data());
    assert!(!d.iter().any(|d| d.code == "KF115"));
    assert!(
        d.iter()
            .any(|d| d.code == "KF110" && d.severity == Severity::Warning)
    );
}

#[test]
fn resource_types_and_arns() {
    let text = stmt(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket"}"#,
    );
    let d = lint_text(&text, PolicyKind::BucketPolicy, data());
    assert!(
        d.iter()
            .any(|d| d.code == "KF106" && d.severity == Severity::Error)
    );
    let ok = stmt(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::bucket"}"#,
    );
    assert!(!codes(&ok, PolicyKind::BucketPolicy).contains(&"KF106"));
    let create = stmt(
        r#"{"Effect":"Allow","Action":"kms:CreateKey","Resource":"arn:aws:kms:us-east-1:111122223333:key/k"}"#,
    );
    assert!(codes(&create, PolicyKind::Identity).contains(&"KF106"));
    let bad = stmt(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:*:::b/*"}"#);
    assert!(codes(&bad, PolicyKind::Identity).contains(&"KF105"));
    let iam = stmt(
        r#"{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam:us-east-1:111122223333:role/x"}"#,
    );
    assert!(codes(&iam, PolicyKind::Identity).contains(&"KF105"));
}

#[test]
fn variables_and_versions() {
    let text = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#;
    assert!(codes(text, PolicyKind::Identity).contains(&"KF107"));
    let none = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    assert!(codes(none, PolicyKind::Identity).contains(&"KF120"));
    let num = stmt(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"${aws:username}"}}}"#,
    );
    let c = codes(&num, PolicyKind::Identity);
    assert!(c.contains(&"KF118"));
    assert!(c.contains(&"KF119"));
}

#[test]
fn set_operators_and_never_matching() {
    let text = stmt(
        r#"{"Effect":"Allow","Action":"kms:TagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]},"ForAnyValue:IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"aws:CalledVia":"x"}}}"#,
    );
    let c = codes(&text, PolicyKind::Identity);
    // ForAllValues alone on a tag-key list is the documented pattern: no KF117.
    assert!(!c.contains(&"KF117"));
    assert_eq!(c.iter().filter(|c| **c == "KF116").count(), 2);
    let context = stmt(
        r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["a"]}}}"#,
    );
    assert!(codes(&context, PolicyKind::Identity).contains(&"KF117"));
    let never = stmt(
        r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Null":{"aws:SourceVpc":"true"},"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#,
    );
    assert!(codes(&never, PolicyKind::Identity).contains(&"KF111"));
}

#[test]
fn size_duplicates_and_key_policy_quirks() {
    let big = stmt(&format!(
        r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}/*"}}"#,
        "b".repeat(7000)
    ));
    assert!(codes(&big, PolicyKind::Identity).contains(&"KF112"));
    assert!(!codes(&big, PolicyKind::KeyPolicy).contains(&"KF112"));
    let dup = r#"{"Version":"2012-10-17","Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    assert!(codes(dup, PolicyKind::Identity).contains(&"KF113"));
    let kp =
        stmt(r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:CreateKey"}"#);
    let c = codes(&kp, PolicyKind::KeyPolicy);
    assert!(c.contains(&"KF114"));
    assert!(c.contains(&"KF121"));
    assert!(!c.contains(&"KF012"));
}

#[test]
fn duplicate_sids_are_case_sensitive_and_every_repeat_is_flagged() {
    let st = |sid: &str| {
        format!(
            r#"{{"Sid":"{sid}","Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":"kms:Decrypt","Resource":"*"}}"#
        )
    };
    let text = stmt(&[st("A"), st("a"), st("B"), st("A"), st("A")].join(","));
    let d = lint_text(&text, PolicyKind::KeyPolicy, data());
    let dups: Vec<&str> = d
        .iter()
        .filter(|d| d.code == "KF110")
        .map(|d| d.span.slice(&text))
        .collect();
    // The first "A" is fine; "a" is a different Sid; both later "A"s repeat it.
    assert_eq!(dups, ["\"A\"", "\"A\""]);
    let starts: Vec<u32> = d
        .iter()
        .filter(|d| d.code == "KF110")
        .map(|d| d.span.start)
        .collect();
    let first = text.find("\"A\"").and_then(|i| u32::try_from(i).ok());
    assert!(starts.iter().all(|s| Some(*s) > first));
}

#[test]
fn many_unique_sids_lint_in_linear_time() {
    // A guard against the quadratic list search coming back (minutes at this
    // size), not a benchmark: generous for a debug build sharing two cores with the
    // rest of the suite (the criterion bench `lint_minified` measures speed).
    let body: Vec<String> = (0..20_000)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/R{i}"}},"Action":["kms:Decrypt"],"Resource":"*"}}"#
            )
        })
        .collect();
    let text = stmt(&body.join(","));
    let parsed = parse(&text, PolicyKind::KeyPolicy);
    let data = data(); // decoded before the clock starts
    let start = std::time::Instant::now();
    let d = lint(&parsed, &text, PolicyKind::KeyPolicy, data);
    let took = start.elapsed();
    assert!(!d.iter().any(|d| d.code == "KF110"));
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
}

#[test]
fn action_lookup_is_case_insensitive_and_wildcards_still_expand() {
    let text = stmt(
        r#"{"Effect":"Allow","Action":["KMS:decrypt","s3:getobject","s3:Get*Tagging","s3:Nope*","kms:DECRYPTO"],"Resource":"*"}"#,
    );
    let d = lint_text(&text, PolicyKind::Identity, data());
    let kf104: Vec<_> = d.iter().filter(|d| d.code == "KF104").collect();
    assert_eq!(kf104.len(), 2, "{kf104:?}");
    assert!(kf104[0].message.contains("matches no"));
    assert_eq!(kf104[0].help, None);
    assert_eq!(
        kf104[1].help.as_deref(),
        Some("did you mean `kms:Decrypt`?")
    );
    // KF106 still expands wildcards into resource types: object actions only.
    let objects = stmt(
        r#"{"Effect":"Allow","Action":["s3:GetObject*Tagging","s3:PUTOBJECT"],"Resource":"arn:aws:s3:::bucket"}"#,
    );
    assert!(codes(&objects, PolicyKind::Identity).contains(&"KF106"));
    let bucket = objects.replace("s3:PUTOBJECT", "s3:listbucket");
    assert!(!codes(&bucket, PolicyKind::Identity).contains(&"KF106"));
    // The key-policy-only check is case-insensitive too.
    let kp = stmt(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:listKEYS","Resource":"*"}"#,
    );
    assert!(codes(&kp, PolicyKind::KeyPolicy).contains(&"KF121"));
}

#[test]
fn only_the_first_unknown_actions_get_a_hint() {
    let actions: Vec<String> = (0..200).map(|i| format!("\"s3:GetObjec{i}\"")).collect();
    let text = stmt(&format!(
        r#"{{"Effect":"Allow","Action":[{}],"Resource":"*"}}"#,
        actions.join(",")
    ));
    let d = lint_text(&text, PolicyKind::Identity, data());
    let kf104: Vec<_> = d.iter().filter(|d| d.code == "KF104").collect();
    assert_eq!(kf104.len(), 200);
    assert!(
        kf104[..MAX_HINTS]
            .iter()
            .all(|d| d.help.as_deref() == Some("did you mean `s3:GetObject`?")),
        "{:?}",
        kf104[0]
    );
    assert!(kf104[MAX_HINTS..].iter().all(|d| d.help.is_none()));
}

#[test]
fn many_unknown_and_known_actions_lint_in_linear_time() {
    // Guards, not benchmarks: each unknown action once cost milliseconds (an
    // edit-distance search over the service) and each known one tens of
    // microseconds (the table re-parsed per lookup).
    let unknown: Vec<String> = (0..20_000)
        .map(|i| format!("\"s3:GetObject{i}\""))
        .collect();
    let known: Vec<&str> = [
        "\"s3:GetObject\"",
        "\"kms:Decrypt\"",
        "\"ssm:GetParameter\"",
    ]
    .into_iter()
    .cycle()
    .take(20_000)
    .collect();
    for list in [unknown.join(","), known.join(",")] {
        let text = stmt(&format!(
            r#"{{"Effect":"Allow","Action":[{list}],"Resource":["arn:aws:s3:::b/*","arn:aws:kms:us-east-1:111122223333:key/k"]}}"#
        ));
        let parsed = parse(&text, PolicyKind::Identity);
        let data = data(); // decoded before the clock starts
        let start = std::time::Instant::now();
        let d = lint(&parsed, &text, PolicyKind::Identity, data);
        let took = start.elapsed();
        assert!(d.iter().any(|d| d.code == "KF112"));
        assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    }
}

#[test]
fn bounded_suggestions_match_the_plain_search() {
    // The reference: full edit distance against every candidate, first best wins.
    fn plain<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
        let lower = word.to_ascii_lowercase();
        candidates
            .iter()
            .map(|c| {
                (
                    crate::parse::edit_distance(&lower, &c.to_ascii_lowercase()),
                    *c,
                )
            })
            .filter(|(d, c)| *d <= (c.len() / 3).max(2))
            .min_by_key(|(d, _)| *d)
            .map(|(_, c)| c)
    }
    let fixed: Vec<String> = [
        "",
        "x",
        "GetObjectt",
        "getobj",
        "PutBucketPolicyy",
        "DescribeKye",
        "Décrypt",
        "GetObject12345",
        "ListAllMyBucketz",
    ]
    .map(String::from)
    .to_vec();
    let services: Vec<&Service> = ["kms", "s3", "ssm", "sts", "iam"]
        .iter()
        .filter_map(|p| data().service(p))
        .collect();
    // Near misses of a service's own actions (the cases the bound must not
    // cut), plus a sample of other services' names (the far cases it prunes):
    // every pair would be 750,000 unbounded distances, a minute in a debug
    // build, so a quarter of the own names and a sample of the others.
    let near_misses = |svc: &Service, stride: usize| -> Vec<String> {
        svc.actions()
            .iter()
            .step_by(stride)
            .flat_map(|a| {
                [
                    a.name.to_ascii_uppercase(),
                    a.name[1..].to_string(),
                    format!("{}s", a.name),
                ]
            })
            .collect()
    };
    for svc in &services {
        let mut words = fixed.clone();
        words.extend(near_misses(svc, 4));
        for other in services.iter().filter(|o| o.prefix != svc.prefix) {
            words.extend(near_misses(other, 25));
        }
        let names: Vec<&str> = svc.actions().iter().map(|a| &*a.name).collect();
        for w in &words {
            assert_eq!(
                closest(w, names.iter().copied()),
                plain(w, &names),
                "{w} in {}",
                svc.prefix
            );
        }
    }
}

#[test]
fn control_and_bidi_characters_are_flagged_in_every_string_of_every_kind() {
    let text = stmt(
        r#"{"Sid":"a\u202Eb","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/\u2066x\u2069"},"Action":"s3:Get\u0007Object","Resource":"arn:aws:s3:::b\u200F/*","Condition":{"StringEquals":{"aws:user\u001bname":"al\nice\u061C"}}}"#,
    );
    for kind in PolicyKind::ALL {
        let d: Vec<_> = lint_text(&text, kind, data())
            .into_iter()
            .filter(|d| d.code == "KF123")
            .collect();
        let got: Vec<(&str, Option<&str>)> = d
            .iter()
            .map(|d| (d.span.slice(&text), d.help.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    r#""a\u202Eb""#,
                    Some("remove U+202E RIGHT-TO-LEFT OVERRIDE")
                ),
                (
                    r#""arn:aws:iam::111122223333:role/\u2066x\u2069""#,
                    Some("remove U+2066 LEFT-TO-RIGHT ISOLATE, U+2069 POP DIRECTIONAL ISOLATE")
                ),
                (r#""s3:Get\u0007Object""#, Some("remove U+0007 BELL")),
                (
                    r#""arn:aws:s3:::b\u200F/*""#,
                    Some("remove U+200F RIGHT-TO-LEFT MARK")
                ),
                (r#""aws:user\u001bname""#, Some("remove U+001B ESCAPE")),
                (
                    r#""al\nice\u061C""#,
                    Some("remove U+000A LINE FEED, U+061C ARABIC LETTER MARK")
                ),
            ],
            "{kind:?}"
        );
        assert!(d.iter().all(|d| d.severity == Severity::SecurityWarning));
        assert!(d[0].message.contains("Sid"), "{}", d[0].message);
        assert!(
            d[5].message
                .contains("control and invisible or bidirectional control characters")
        );
    }
    // IAM's own Sid alphabet rule stays KF115, alongside.
    assert!(codes(&text, PolicyKind::Identity).contains(&"KF115"));
    // Ordinary non-ASCII text is not flagged, and many distinct characters are
    // summarised.
    let plain = stmt(
        r#"{"Sid":"Ünïcödé","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/日本/*"}"#,
    );
    assert!(!codes(&plain, PolicyKind::BucketPolicy).contains(&"KF123"));
    let many = stmt(
        r#"{"Sid":"\u0001\u0002\u0003\u0004\u0005\u0006\u0001","Effect":"Deny","Action":"*","Resource":"*"}"#,
    );
    let d = lint_text(&many, PolicyKind::Scp, data());
    let h = d
        .iter()
        .find(|d| d.code == "KF123")
        .and_then(|d| d.help.clone());
    assert_eq!(
        h.as_deref(),
        Some(
            "remove U+0001 START OF HEADING, U+0002 START OF TEXT, U+0003 END OF TEXT, U+0004 END OF TRANSMISSION, U+0005 ENQUIRY, 1 more"
        )
    );
    assert_eq!(Code::parse("KF123"), Some(Code::HiddenCharacter));
}

#[test]
fn hints_never_swap_an_antonym() {
    for (a, b) in [
        ("StopQuery", "StartQuery"),
        ("DeleteLoginProfile", "CreateLoginProfile"),
        ("UntagResource", "TagResource"),
        ("untagresource", "TagResource"),
        ("DetachRolePolicy", "AttachRolePolicy"),
        ("DisableKey", "EnableKey"),
        ("Decrypt", "Encrypt"),
        ("PutObject", "GetObject"),
        ("StringNotEqual", "StringEquals"),
        ("DisassociateKmsKey", "AssociateKmsKey"),
    ] {
        assert!(antonyms(a, b), "{a} / {b}");
        assert!(antonyms(b, a), "{b} / {a}");
    }
    for (a, b) in [
        ("Decrypto", "Decrypt"),
        ("GetObjectt", "GetObject"),
        ("StartQuerry", "StartQuery"),
        ("kms:viaservce", "kms:ViaService"),
    ] {
        assert!(!antonyms(a, b), "{a} / {b}");
    }
    // With only the antonym to offer, no hint at all: in a Deny SCP, following
    // `StartQuery` for a mistyped `StopQuery` would deny the opposite action.
    let data = ServiceData::from_bytes(b"F\tfull\nS\tlogs\tLogs\nA\tStartQuery\t\t\n").unwrap();
    let text = stmt(r#"{"Effect":"Deny","Action":"logs:StopQuery","Resource":"*"}"#);
    let d = lint_text(&text, PolicyKind::Scp, &data);
    let kf104 = d.iter().find(|d| d.code == "KF104").unwrap();
    assert_eq!(kf104.help, None);
    // And no cross-service hint: `dmx` is not `dms`.
    let text = stmt(r#"{"Effect":"Deny","Action":"dmx:CreateEndpoint","Resource":"*"}"#);
    let d = lint_text(&text, PolicyKind::Scp, data_full());
    let kf103 = d.iter().find(|d| d.code == "KF103").unwrap();
    assert_eq!(kf103.help, None);
}

fn data_full() -> &'static ServiceData {
    ServiceData::full()
}

#[test]
fn size_quotas_say_which_rule_applies() {
    let big = stmt(&format!(
        r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}/*"}}"#,
        "b".repeat(7000)
    ));
    let d = lint_text(&big, PolicyKind::Identity, data());
    let size = d.iter().find(|d| d.code == "KF112").unwrap();
    assert_eq!(size.severity, Severity::Warning);
    assert!(
        size.message.contains("customer managed policy"),
        "{}",
        size.message
    );
    let d = lint_text(&big, PolicyKind::Scp, data());
    let size = d.iter().find(|d| d.code == "KF112").unwrap();
    assert_eq!(size.severity, Severity::Error);
    // White space outside strings: over as written, under as the console saves it.
    let padded = format!(
        "{}{}",
        " ".repeat(6000),
        stmt(r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#)
    );
    let d = lint_text(&padded, PolicyKind::Scp, data());
    let size = d.iter().find(|d| d.code == "KF112").unwrap();
    assert_eq!(size.severity, Severity::Warning);
    assert!(
        size.message.contains("SDK or the AWS CLI"),
        "{}",
        size.message
    );
}

#[test]
fn ignore_case_values_with_letters_keyflow_does_not_fold_are_named() {
    let policy = |value: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEqualsIgnoreCase":{{"aws:PrincipalTag/team":"{value}"}}}}}}}}"#
        )
    };
    // Cherokee letters have case; Keyflow's folding covers Latin, Greek, Cyrillic, Armenian.
    assert!(codes(&policy("ᏣᎳᎩ"), PolicyKind::Identity).contains(&"KF140"));
    assert!(!codes(&policy("Équipe Ωμέγα"), PolicyKind::Identity).contains(&"KF140"));
    assert!(!codes(&policy("開発"), PolicyKind::Identity).contains(&"KF140"));
}
