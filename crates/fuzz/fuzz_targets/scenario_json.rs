//! `cargo xtask fuzz`: the `scenario_json` target of `keyflow_acceptance::fuzz_targets`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| keyflow_acceptance::fuzz_targets::scenario_json(data));
