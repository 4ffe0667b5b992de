//! The `callback` target: its properties and body are in `src/targets/callback.rs`.
#![no_main]

use bitbucket_oauth_fuzz::{CallbackInput, targets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: CallbackInput<'_>| targets::callback::run(input));
