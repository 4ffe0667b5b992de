//! The `encoding` target: its properties and body are in `src/targets/encoding.rs`.
#![no_main]

use bitbucket_oauth_fuzz::targets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| targets::encoding::run(data));
