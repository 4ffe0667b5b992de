//! The `keys` target: its properties and body are in `src/targets/keys.rs`.
#![no_main]

use bitbucket_oauth_fuzz::targets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| targets::keys::run(data));
