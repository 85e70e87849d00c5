//! `cargo xtask fuzz`: the `policy_text` target of `keyflow_acceptance::fuzz_targets`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| keyflow_acceptance::fuzz_targets::policy_text(data));
