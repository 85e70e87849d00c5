//! `cargo xtask fuzz`: the `evaluator` target of `keyflow_acceptance::fuzz_targets`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| keyflow_acceptance::fuzz_targets::evaluator(data));
