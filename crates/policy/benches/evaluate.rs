//! Evaluations per second over the public cases, with every policy parsed once
//! outside the loop; plus parse and lint throughput.

// A benchmark without its input data should stop loudly rather than measure nothing.
#![allow(clippy::expect_used, clippy::panic)]
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use keyflow_policy::cases::{Case, parse_cases};
use keyflow_policy::{PolicyKind, evaluate, explain, lint, parse};
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
                black_box(lint(&p, t, *k));
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2)).sample_size(20);
    targets = bench
}
criterion_main!(benches);
