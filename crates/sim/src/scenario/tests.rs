//! Reading, errors and the canonical form.

use super::*;

const MINIMAL: &str = r#"{"account":"111122223333","region":"us-east-1"}"#;

fn err(text: &str) -> String {
    Scenario::from_json(text).unwrap_err().to_string()
}

#[test]
fn minimal_scenario_and_defaults() {
    let s = Scenario::from_json(MINIMAL).unwrap();
    assert_eq!(s.settings, Settings::default());
    assert_eq!(s.to_canonical_json(), MINIMAL);
}

#[test]
fn errors_name_their_path() {
    assert_eq!(
        err(
            r#"{"account":"111122223333","region":"us-east-1","keys":[{"id":"k","policy":"{}"}],
            "buckets":[{"name":"b","default_encryption":{"sse":"SSE-KMS","key":"alias/nope"}}]}"#
        ),
        "buckets[0].default_encryption.key: unknown key \"alias/nope\""
    );
    assert!(
        err(r#"{"account":"111122223333","region":"us-east-1","bukets":[]}"#)
            .starts_with("bukets: unknown field")
    );
    assert_eq!(
        err(
            r#"{"account":"111122223333","region":"us-east-1","buckets":[{"name":"b","versioning":"yes"}]}"#
        ),
        "buckets[0].versioning: expected true or false, found a string"
    );
    assert_eq!(
        err(r#"{"account":"1234","region":"us-east-1"}"#),
        "account: \"1234\" is not a 12-digit account ID"
    );
    assert_eq!(
        err(r#"{"region":"us-east-1"}"#),
        "account: missing required field"
    );
    assert!(err("{").starts_with("not valid JSON"));
    assert_eq!(
        err(
            r#"{"account":"111122223333","region":"us-east-1","principals":[{"name":"a","type":"robot"}]}"#
        ),
        "principals[0].type: unknown value \"robot\" (expected one of: user, role, assumed-role, root, service)"
    );
    assert_eq!(
        err(
            r#"{"account":"111122223333","region":"us-east-1","flows":[{"flow":"ssm-securestring","parameter":"p","writer":"w"}]}"#
        ),
        "flows[0].parameter: unknown parameter \"p\""
    );
}

#[test]
fn key_references_resolve_like_kms() {
    let s = Scenario::from_json(
        r#"{"account":"111122223333","region":"us-east-1","keys":[{"id":"k1","aliases":["alias/a"],"policy":"{}"}]}"#,
    )
    .unwrap();
    let resolve_key = |s: &Scenario, r: &str| s.resolve_key(r);
    assert_eq!(resolve_key(&s, "k1"), Some(KeyRef::Customer(0)));
    assert_eq!(resolve_key(&s, "alias/a"), Some(KeyRef::Customer(0)));
    assert_eq!(
        resolve_key(&s, "arn:aws:kms:us-east-1:111122223333:key/k1"),
        Some(KeyRef::Customer(0))
    );
    assert_eq!(
        resolve_key(&s, "arn:aws:kms:us-east-1:111122223333:alias/a"),
        Some(KeyRef::Customer(0))
    );
    assert_eq!(
        resolve_key(&s, "arn:aws:kms:eu-west-1:111122223333:key/k1"),
        None
    );
    assert_eq!(
        resolve_key(&s, "alias/aws/s3"),
        Some(KeyRef::Managed(crate::ManagedService::S3))
    );
    // A bare `aws/s3` is not an alias (the classic cross-account mistake).
    assert_eq!(resolve_key(&s, "aws/s3"), None);
}

#[test]
fn a_repeated_field_or_broken_json_is_an_error_with_its_place() {
    let e = Scenario::from_json(
        r#"{"account":"111122223333","region":"us-east-1","region":"eu-west-1"}"#,
    )
    .unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        ("region", "duplicate field")
    );
    let e = Scenario::from_json("{\n  \"account\": \"1\",\n  \"region\" \"x\"\n}").unwrap_err();
    assert!(e.message.contains("line 3, column 12"), "{e}");
}

#[test]
fn canonical_form_restores_every_policy_text_exactly() {
    let builtin = crate::builtins().first().unwrap().scenario().unwrap();
    let original = builtin.keys.first().unwrap().policy.clone();
    let texts = [
        original.clone(),
        original.replace("    ", "  "),
        format!("{original}\n"),
        crate::jsontext::minify(&original).unwrap(),
        format!(" {}", crate::jsontext::minify(&original).unwrap()),
        "{ \"Statement\": [".to_string(),
        String::new(),
        "\t{}\t".to_string(),
    ];
    for text in texts {
        let mut s = builtin.clone();
        s.keys[0].policy = text.clone();
        let back = Scenario::from_canonical_json(&s.to_canonical_json()).unwrap();
        assert_eq!(back.keys[0].policy, text);
    }
}

#[test]
fn canonical_round_trip_of_every_builtin() {
    for b in crate::builtins() {
        let s = Scenario::from_json(b.json).unwrap();
        let back = Scenario::from_canonical_json(&s.to_canonical_json()).unwrap();
        assert_eq!(back, s, "{}", b.name);
    }
}

#[test]
fn the_unchecked_reader_keeps_what_the_checks_would_refuse() {
    let mut s = crate::builtin("cloudtrail-sse-kms")
        .unwrap()
        .scenario()
        .unwrap();
    s.principals.retain(|p| p.name != "user1");
    let text = s.to_json_pretty();
    assert!(Scenario::from_json(&text).is_err());
    assert_eq!(Scenario::from_json_unchecked(&text), Ok(s));
    assert!(Scenario::from_json_unchecked("{").is_err());
}
