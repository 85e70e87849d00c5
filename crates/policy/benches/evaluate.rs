//! Evaluations per second over the public cases, with every policy parsed once
//! outside the loop; plus parse and lint throughput.

// A benchmark without its input data should stop loudly rather than measure nothing.
#![allow(clippy::expect_used, clippy::panic)]
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyflow_policy::cases::{Case, parse_cases};
use keyflow_policy::{PolicyKind, ServiceData, evaluate, explain, lint, parse};
use std::hint::black_box;
use std::path::PathBuf;

fn cases_text() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = root.join("../shared/cases/public.json");
    let path = if shared.is_file() {
        shared
    } else {
        root.join("tests/corpus/cases/public.json")
    };
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn bench(c: &mut Criterion) {
    let text = cases_text();
    let cases: Vec<Case> = parse_cases(&text).expect("valid cases");
    let prepared: Vec<_> = cases.iter().map(|c| (c, c.policies())).collect();

    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(prepared.len() as u64));
    g.bench_function("public_cases", |b| {
        b.iter(|| {
            for (case, policies) in &prepared {
                black_box(evaluate(black_box(&case.request), policies));
            }
        })
    });
    g.bench_function("public_cases_decision_only", |b| {
        b.iter(|| {
            for (case, policies) in &prepared {
                black_box(keyflow_policy::decision(black_box(&case.request), policies));
            }
        })
    });
    g.bench_function("public_cases_explain", |b| {
        b.iter(|| {
            for (case, policies) in &prepared {
                black_box(explain(black_box(&case.request), policies));
            }
        })
    });
    g.finish();

    // Parse and lint every resource policy of the cases (keystroke path).
    let root = keyflow_json::parse(&text).expect("valid JSON");
    let docs: Vec<(String, PolicyKind)> = root
        .as_array()
        .unwrap_or(&[])
        .iter()
        .zip(&cases)
        .filter_map(|(v, c)| {
            let p = v.get("resource_policy")?;
            p.as_object()?;
            Some((
                p.span.slice(&text).to_string(),
                c.resource.as_ref()?.policy.kind,
            ))
        })
        .collect();
    let mut g = c.benchmark_group("parse_lint");
    g.throughput(Throughput::Elements(docs.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| {
            for (t, k) in &docs {
                black_box(parse(black_box(t), *k));
            }
        })
    });
    g.bench_function("parse_and_lint", |b| {
        b.iter(|| {
            for (t, k) in &docs {
                let p = parse(black_box(t), *k);
                black_box(lint(&p, t, *k, ServiceData::none()));
            }
        })
    });
    g.finish();

    // Lint alone (parsed once) of pasted policies far over the size limit: the
    // playground re-lints on every keystroke, so this must stay linear.
    let mut g = c.benchmark_group("lint_large");
    let key_policy = large_key_policy(10_000);
    let parsed = parse(&key_policy, PolicyKind::KeyPolicy);
    g.throughput(Throughput::Bytes(key_policy.len() as u64));
    g.bench_function("key_policy_10k_statements_with_sids", |b| {
        b.iter(|| {
            black_box(lint(
                &parsed,
                &key_policy,
                PolicyKind::KeyPolicy,
                ServiceData::none(),
            ))
        })
    });
    let actions = many_actions(20_000);
    let parsed = parse(&actions, PolicyKind::Identity);
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("identity_20k_actions_half_unknown", |b| {
        b.iter(|| {
            black_box(lint(
                &parsed,
                &actions,
                PolicyKind::Identity,
                ServiceData::none(),
            ))
        })
    });
    g.finish();
}

/// A key policy of `n` statements, each with a unique Sid and a condition.
fn large_key_policy(n: usize) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:role/R{i}"}},"Action":["kms:Decrypt","kms:Encrypt"],"Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

/// One statement with `n` actions, every other one not a known action.
fn many_actions(n: usize) -> String {
    let actions: Vec<String> = (0..n)
        .map(|i| {
            if i % 2 == 0 {
                "\"s3:GetObject\"".to_string()
            } else {
                format!("\"s3:GetObject{i}\"")
            }
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"arn:aws:s3:::b/*"}}]}}"#,
        actions.join(",")
    )
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2)).sample_size(20);
    targets = bench
}
criterion_main!(benches);
