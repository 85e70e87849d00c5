//! Lint throughput on a minified (one-line) policy with 20,000 statements and two
//! findings each: parse, lint with the full AWS service table, position every
//! finding and write the JSON the CLI prints. Positions are found without
//! rescanning the line, so the cost grows linearly with the statements (issue
//! 13's target: under 2 s for 20,000).

// A benchmark built on malformed input should stop loudly, not measure nothing.
#![allow(clippy::expect_used, clippy::panic)]
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use keyflow_policy::{PolicyKind, ServiceData, lint_text, positioned};
use std::hint::black_box;

/// One line, `n` statements; each has an unknown action (KF104) and a wildcard
/// under StringEquals (KF136).
fn minified(n: usize) -> String {
    let statements: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i}","Effect":"Allow","Action":["s3:GetObject","s3:NoSuchAction{i}"],"Resource":"arn:aws:s3:::bucket-{i}/*","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"team-*"}}}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn lint_minified(c: &mut Criterion) {
    let data = ServiceData::from_bytes(include_bytes!("../data/aws-iam-data.txt"))
        .expect("the generated table decodes");
    let mut g = c.benchmark_group("lint_minified");
    g.sample_size(10);
    for n in [5_000usize, 20_000] {
        let text = minified(n);
        let found = lint_text(&text, PolicyKind::Identity, &data);
        assert!(found.len() >= 2 * n, "{} findings", found.len());
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                let found = lint_text(text, PolicyKind::Identity, &data);
                let json = serde_json::to_string(&positioned(found, text)).expect("serializes");
                black_box(json.len())
            })
        });
    }
    g.finish();
}

fn decode(c: &mut Criterion) {
    let bytes = include_bytes!("../data/aws-iam-data.txt");
    c.bench_function("service_data_decode_full", |b| {
        b.iter(|| black_box(ServiceData::from_bytes(bytes).map(|d| d.services().len())))
    });
    // What the CLI and the page's helper do: actions decoded per service on first use.
    c.bench_function("service_data_decode_deferred", |b| {
        b.iter(|| black_box(ServiceData::from_static(bytes).map(|d| d.services().len())))
    });
}

criterion_group!(benches, lint_minified, decode);
criterion_main!(benches);
