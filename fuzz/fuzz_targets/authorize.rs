//! The `authorize` target: its properties and body are in `src/targets/authorize.rs`.
#![no_main]

use bitbucket_oauth_fuzz::{RequestInput, targets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: RequestInput<'_>| targets::authorize::run(input));
