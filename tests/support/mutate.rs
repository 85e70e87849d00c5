//! A small, deterministic mutation fuzzer that runs on stable Rust inside
//! `cargo test`. It is no substitute for coverage-guided fuzzing (see
//! `cargo xtask fuzz`), but it replays the kept corpus and throws a bounded
//! number of mutants at every target on every CI run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// xorshift64*: deterministic, seeded, no dependencies.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Tokens that tend to reach interesting parser and evaluator states.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\0",
    b"\xff",
    b"\xe2\x80\xae",
    b"${",
    b"${aws:username}",
    b"${*}",
    b"*",
    b"?",
    b"null",
    b"true",
    b"1e999",
    b"-0",
    b"[[[[[[[[",
    b"\"Statement\"",
    b"\"Effect\":\"Deny\"",
    b"\"Principal\":\"*\"",
    b"\"Condition\"",
    b"\"NotAction\"",
    b"ForAllValues:",
    b"IfExists",
    b"StringLike",
    b"arn:aws:",
    b"::",
    b"%",
    b"=",
];

/// One random edit of `input`, possibly splicing in part of `other`.
pub fn mutate(rng: &mut Rng, input: &[u8], other: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let at = rng.below(out.len() + 1);
        match rng.below(7) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                if let Some(b) = out.get_mut(i) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 if !out.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(out.len());
                out.drain(at.min(end)..end);
            }
            2 => {
                let token = TOKENS.get(rng.below(TOKENS.len())).copied().unwrap_or(b"");
                out.splice(at..at, token.iter().copied());
            }
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let len = rng.below(64).min(other.len() - from);
                let piece = other.get(from..from + len).unwrap_or(&[]).to_vec();
                out.splice(at..at, piece);
            }
            4 if !out.is_empty() => {
                // Duplicate a chunk: grows arrays and nesting.
                let from = rng.below(out.len());
                let len = rng.below(128).min(out.len() - from);
                let piece = out.get(from..from + len).unwrap_or(&[]).to_vec();
                out.splice(at..at, piece);
            }
            5 => out.truncate(at),
            _ => out.insert(at, rng.next_u64() as u8),
        }
    }
    out
}

/// Outcome of a bounded run.
pub struct Run {
    pub executions: u64,
    pub crashes: Vec<Vec<u8>>,
    /// The slowest single execution and its input: a hang shows up here even
    /// though it cannot be caught like a panic.
    pub slowest: (Duration, Vec<u8>),
}

/// Mutants stacked on the previous mutant stay below this size, so that a
/// chain of growing edits cannot make one input arbitrarily large.
const STACK_LIMIT: usize = 64 * 1024;

/// Replays the corpus, then mutants, until `budget` runs out or `max` executions.
/// A panic in `target` is caught and its input kept as a crash.
pub fn run(
    corpus: &[Vec<u8>],
    seed: u64,
    budget: Duration,
    max: u64,
    target: impl Fn(&[u8]),
) -> Run {
    let mut rng = Rng::new(seed);
    let mut crashes = Vec::new();
    let mut executions = 0;
    let mut slowest = (Duration::ZERO, Vec::new());
    let mut exec = |input: &[u8], crashes: &mut Vec<Vec<u8>>| {
        let start = Instant::now();
        if catch_unwind(AssertUnwindSafe(|| target(input))).is_err() {
            crashes.push(input.to_vec());
        }
        let took = start.elapsed();
        if took > slowest.0 {
            slowest = (took, input.to_vec());
        }
    };
    for input in corpus {
        exec(input, &mut crashes);
        executions += 1;
    }
    let start = Instant::now();
    let empty = Vec::new();
    let mut previous = Vec::new();
    while executions < max && start.elapsed() < budget {
        // Without coverage feedback, stacking edits on the last mutant now and
        // then reaches inputs several edits away from any corpus entry.
        let stack = !previous.is_empty() && previous.len() < STACK_LIMIT && rng.below(3) == 0;
        let base = if stack {
            &previous
        } else {
            corpus.get(rng.below(corpus.len())).unwrap_or(&empty)
        };
        let other = corpus.get(rng.below(corpus.len())).unwrap_or(&empty);
        let input = mutate(&mut rng, base, other);
        exec(&input, &mut crashes);
        executions += 1;
        previous = input;
    }
    Run {
        executions,
        crashes,
        slowest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutation_is_deterministic_for_a_seed() {
        let a = mutate(&mut Rng::new(7), b"{\"a\":1}", b"[true]");
        let b = mutate(&mut Rng::new(7), b"{\"a\":1}", b"[true]");
        assert_eq!(a, b);
    }

    #[test]
    fn a_panicking_target_is_reported_with_its_input() {
        let corpus = vec![b"ok".to_vec(), b"boom".to_vec()];
        let run = run(&corpus, 1, Duration::from_millis(50), 10, |input| {
            assert!(input != b"boom", "target crashed");
        });
        assert!(run.crashes.iter().any(|c| c == b"boom"));
        assert!(run.executions >= 2);
    }

    #[test]
    fn the_slowest_input_is_reported() {
        let corpus = vec![b"fast".to_vec(), b"slow".to_vec()];
        let run = run(&corpus, 1, Duration::ZERO, 2, |input| {
            if input == b"slow" {
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        assert_eq!(run.slowest.1, b"slow");
        assert!(run.slowest.0 >= Duration::from_millis(20));
    }
}
