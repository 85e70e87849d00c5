//! A full run of every built-in scenario: read the scenario, parse its
//! policies, run every flow. This is the engine's share of one keystroke.

// A benchmark whose built-ins do not load should stop loudly, not measure nothing.
#![allow(clippy::expect_used)]
use criterion::{Criterion, criterion_group, criterion_main};
use keyflow_sim::{Scenario, builtins, run};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("builtin_run");
    for builtin in builtins() {
        g.bench_function(builtin.name, |b| {
            b.iter(|| {
                let scenario =
                    Scenario::from_json(black_box(builtin.json)).expect("built-in loads");
                black_box(run(&scenario))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
