//! The `standin_verifier` target: its properties and body are in `src/targets/standin_verifier.rs`.
#![no_main]

use bitbucket_oauth_fuzz::targets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| targets::standin_verifier::run(data));
