//! The `base_string` target: its properties and body are in `src/targets/base_string.rs`.
#![no_main]

use bitbucket_oauth_fuzz::{RequestInput, targets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: RequestInput<'_>| targets::base_string::run(input));
