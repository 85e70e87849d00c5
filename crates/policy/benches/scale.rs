//! Scale: a KMS key policy at AWS's 32 KB maximum against 1,000 requests, and
//! how the cost grows with the number of statements and of requests (it
//! should grow linearly in both).

// A benchmark built on malformed input should stop loudly, not measure nothing.
#![allow(clippy::expect_used, clippy::panic)]
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use keyflow_policy::{Context, Policies, PolicyKind, PolicyRef, Request, evaluate, parse};
use std::hint::black_box;

const ACCOUNT: &str = "111122223333";
const KEY: &str =
    "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// AWS's limit for a key policy.
const MAX_BYTES: usize = 32 * 1024;

fn statement(i: usize) -> String {
    format!(
        r#"{{"Sid":"AllowUser{i}","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/user{i}"}},"Action":["kms:Decrypt","kms:DescribeKey","kms:GenerateDataKey*"],"Resource":"*","Condition":{{"StringEquals":{{"kms:ViaService":"s3.ap-northeast-1.amazonaws.com","kms:CallerAccount":"{ACCOUNT}"}}}}}}"#
    )
}

/// A key policy with `n` statements (or as many as fit in 32 KB when `n` is None).
fn key_policy(n: Option<usize>) -> (String, usize) {
    let mut statements = Vec::new();
    let mut size = 64;
    for i in 0.. {
        let s = statement(i);
        if n.map_or(size + s.len() + 1 > MAX_BYTES, |n| i >= n) {
            break;
        }
        size += s.len() + 1;
        statements.push(s);
    }
    let count = statements.len();
    (
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        ),
        count,
    )
}

/// `n` requests from users spread over twice the statement count, so about
/// half match a statement and half fall through every one.
fn requests(n: usize, users: usize) -> Vec<Request> {
    (0..n)
        .map(|i| {
            let mut context = Context::new();
            context.insert("kms:ViaService", "s3.ap-northeast-1.amazonaws.com");
            context.insert("kms:CallerAccount", ACCOUNT);
            Request {
                principal: format!("arn:aws:iam::{ACCOUNT}:user/user{}", (i * 7) % (2 * users)),
                action: if i % 3 == 0 {
                    "kms:Decrypt"
                } else {
                    "kms:GenerateDataKey"
                }
                .into(),
                resource: KEY.into(),
                resource_account: None,
                context,
            }
        })
        .collect()
}

fn run_all(policy: &keyflow_policy::Policy, reqs: &[Request]) -> usize {
    let policies = Policies {
        resource: Some(PolicyRef::new("key-policy", policy)),
        ..Policies::default()
    };
    reqs.iter()
        .filter(|r| evaluate(black_box(r), &policies).decision == keyflow_policy::Decision::Allowed)
        .count()
}

fn bench(c: &mut Criterion) {
    let (text, max_statements) = key_policy(None);
    let parsed = parse(&text, PolicyKind::KeyPolicy);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    println!(
        "scale: 32 KB key policy = {} bytes, {max_statements} statements",
        text.len()
    );

    let mut g = c.benchmark_group("scale");
    let reqs = requests(1000, max_statements);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("max_key_policy_1000_requests", |b| {
        b.iter(|| run_all(&parsed.policy, &reqs))
    });
    g.bench_function("parse_max_key_policy", |b| {
        b.iter(|| parse(black_box(&text), PolicyKind::KeyPolicy))
    });
    for n in [16, 32, 64, 128] {
        let (text, count) = key_policy(Some(n));
        let policy = parse(&text, PolicyKind::KeyPolicy).policy;
        let reqs = requests(1000, count);
        g.bench_with_input(
            BenchmarkId::new("statements_x1000_requests", count),
            &reqs,
            |b, reqs| b.iter(|| run_all(&policy, reqs)),
        );
    }
    for n in [250, 500, 1000, 2000] {
        let reqs = requests(n, max_statements);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(
            BenchmarkId::new("requests_on_max_policy", n),
            &reqs,
            |b, reqs| b.iter(|| run_all(&parsed.policy, reqs)),
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
