//! The `header_roundtrip` target: its properties and body are in `src/targets/header_roundtrip.rs`.
#![no_main]

use bitbucket_oauth_fuzz::{ProtocolInput, targets};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: ProtocolInput<'_>| targets::header_roundtrip::run(input));
