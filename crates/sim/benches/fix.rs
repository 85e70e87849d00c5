//! Fix it and who can: the candidates for every failing step of each built-in
//! (`keyflow fix`), `fix_all` on the failure scenarios of `tests/corpus/fix`
//! (`keyflow fix --write`), the access view of every key and bucket, and the
//! PutKeyPolicy lockout what-if.

// A benchmark whose scenarios do not load should stop loudly, not measure nothing.
#![allow(clippy::expect_used)]
use criterion::{Criterion, criterion_group, criterion_main};
use keyflow_sim::{Scenario, access_view, builtins, fix, fix_all, put_key_policy};
use std::hint::black_box;

const FAILURES: &[(&str, &str)] = &[
    (
        "alb-logs-kms-default",
        include_str!("../../../tests/corpus/fix/alb-logs-kms-default.json"),
    ),
    (
        "cloudtrail-key-without-cloudtrail-statements",
        include_str!("../../../tests/corpus/fix/cloudtrail-key-without-cloudtrail-statements.json"),
    ),
    (
        "cross-account-log-reader",
        include_str!("../../../tests/corpus/fix/cross-account-log-reader.json"),
    ),
    (
        "s3-uploader-without-generate-data-key",
        include_str!("../../../tests/corpus/fix/s3-uploader-without-generate-data-key.json"),
    ),
    (
        "ssm-reader-without-key-permission",
        include_str!("../../../tests/corpus/fix/ssm-reader-without-key-permission.json"),
    ),
];

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("fix_builtin");
    for b in builtins() {
        let s = b.scenario().expect("built-in loads");
        g.bench_function(b.name, |x| x.iter(|| black_box(fix(black_box(&s)))));
    }
    g.finish();
    let mut g = c.benchmark_group("fix_write");
    for (name, json) in FAILURES {
        let s = Scenario::from_json(json).expect("failure scenario loads");
        g.bench_function(*name, |x| {
            x.iter(|| black_box(fix_all(black_box(&s), None)))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("access_view");
    for b in builtins() {
        let s = b.scenario().expect("built-in loads");
        g.bench_function(b.name, |x| x.iter(|| black_box(access_view(black_box(&s)))));
    }
    g.finish();
    let s = builtins()
        .iter()
        .find(|b| b.name == "cloudtrail-sse-kms")
        .expect("built-in exists")
        .scenario()
        .expect("built-in loads");
    let policy = s.keys[0].policy.clone();
    c.bench_function("put_key_policy/cloudtrail-sse-kms", |x| {
        x.iter(|| {
            black_box(put_key_policy(
                &s,
                "alias/cloudtrail-logs",
                "User1",
                black_box(&policy),
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
