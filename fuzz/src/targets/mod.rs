//! One module per fuzz target, each with the target's `run`: the properties it checks are in the
//! module's documentation. The cargo-fuzz binaries under `fuzz_targets/` decode their input and
//! call `run`; the library crate's `tests/fuzz_corpus.rs` includes these files by path and
//! replays the committed corpus through the same `run` on stable.

pub mod authorize;
pub mod base_string;
pub mod callback;
pub mod encoding;
pub mod header_roundtrip;
pub mod keys;
pub mod oauth_header;
pub mod standin_verifier;
pub mod token_response;
