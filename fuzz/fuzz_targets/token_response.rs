//! The `token_response` target: its properties and body are in `src/targets/token_response.rs`.
#![no_main]

use bitbucket_oauth_fuzz::{ResponseInput, targets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: ResponseInput<'_>| targets::token_response::run(input));
