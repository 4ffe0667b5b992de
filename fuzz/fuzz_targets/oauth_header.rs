//! The `oauth_header` target: its properties and body are in `src/targets/oauth_header.rs`.
#![no_main]

use bitbucket_oauth_fuzz::targets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| targets::oauth_header::run(data));
