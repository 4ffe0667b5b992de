#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Replays every committed seed in `fuzz/corpus/<target>/` through the function its cargo-fuzz
//! target calls (`fuzz/src/targets/<target>.rs`, included here by path, with the input types of
//! `fuzz/src/input.rs`), so that a regression on a seed shows in `cargo test` on stable, without
//! nightly or cargo-fuzz. A structured seed must decode the way libFuzzer decodes it; each target
//! must have seeds, and this file must replay every target `fuzz/Cargo.toml` declares.

#[path = "../fuzz/src/input.rs"]
mod input;

#[path = "../fuzz/src/targets/authorize.rs"]
mod authorize;
#[path = "../fuzz/src/targets/base_string.rs"]
mod base_string;
#[path = "../fuzz/src/targets/callback.rs"]
mod callback;
#[path = "../fuzz/src/targets/encoding.rs"]
mod encoding;
#[path = "../fuzz/src/targets/header_roundtrip.rs"]
mod header_roundtrip;
#[path = "../fuzz/src/targets/keys.rs"]
mod keys;
#[path = "../fuzz/src/targets/oauth_header.rs"]
mod oauth_header;
#[cfg(feature = "testkit")]
#[path = "../fuzz/src/targets/standin_verifier.rs"]
mod standin_verifier;
#[path = "../fuzz/src/targets/token_response.rs"]
mod token_response;

use std::path::{Path, PathBuf};

/// Every target, as `fuzz/Cargo.toml` names its binary and `fuzz/corpus/` its directory.
const TARGETS: [&str; 9] = [
    "authorize",
    "base_string",
    "callback",
    "encoding",
    "header_roundtrip",
    "keys",
    "oauth_header",
    "standin_verifier",
    "token_response",
];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The committed seeds of `target`, by file name, sorted; at least one.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no seeds", dir.display());
    files
}

/// Replays a raw-bytes target; returns how many seeds it ran.
fn replay_bytes(target: &str, run: fn(&[u8])) -> usize {
    let seeds = corpus(target);
    for (name, data) in &seeds {
        eprintln!(
            "replaying fuzz/corpus/{target}/{name} ({} bytes)",
            data.len()
        );
        run(data);
    }
    seeds.len()
}

/// Replays a structured target: each seed must decode as libFuzzer decodes it (a seed the
/// target would skip tests nothing).
macro_rules! replay_structured {
    ($target:literal, $module:ident) => {{
        let seeds = corpus($target);
        for (name, data) in &seeds {
            eprintln!(
                "replaying fuzz/corpus/{}/{name} ({} bytes)",
                $target,
                data.len()
            );
            let input = input::decode(data).unwrap_or_else(|| {
                panic!(
                    "fuzz/corpus/{}/{name} does not decode: the target skips it",
                    $target
                )
            });
            $module::run(input);
        }
        seeds.len()
    }};
}

#[test]
fn every_fuzz_target_is_replayed() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    let mut declared: Vec<&str> = manifest
        .split("[[bin]]")
        .skip(1)
        .map(|bin| {
            let line = bin
                .lines()
                .find(|l| l.trim_start().starts_with("name"))
                .unwrap();
            line.split('"').nth(1).unwrap()
        })
        .collect();
    declared.sort_unstable();
    assert_eq!(declared, TARGETS, "fuzz/Cargo.toml's targets");
    let mut dirs: Vec<String> = std::fs::read_dir(fuzz_dir().join("corpus"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort_unstable();
    assert_eq!(dirs, TARGETS, "fuzz/corpus/'s directories");
}

#[test]
fn authorize_corpus_replays() {
    assert!(replay_structured!("authorize", authorize) >= 10);
}

#[test]
fn base_string_corpus_replays() {
    assert!(replay_structured!("base_string", base_string) >= 10);
}

#[test]
fn callback_corpus_replays() {
    assert!(replay_structured!("callback", callback) >= 6);
}

#[test]
fn encoding_corpus_replays() {
    assert!(replay_bytes("encoding", encoding::run) >= 17);
}

#[test]
fn header_roundtrip_corpus_replays() {
    assert!(replay_structured!("header_roundtrip", header_roundtrip) >= 7);
}

#[test]
fn keys_corpus_replays() {
    assert!(replay_bytes("keys", keys::run) >= 18);
}

#[test]
fn oauth_header_corpus_replays() {
    assert!(replay_bytes("oauth_header", oauth_header::run) >= 11);
}

#[cfg(feature = "testkit")]
#[test]
fn standin_verifier_corpus_replays() {
    assert!(replay_bytes("standin_verifier", standin_verifier::run) >= 9);
}

#[test]
fn token_response_corpus_replays() {
    assert!(replay_structured!("token_response", token_response) >= 17);
}

/// The seeds past the 64 KiB limits reach the limit branches (what `scripts/fuzz.sh`'s
/// `-max_len` now lets the fuzzer reach too).
#[test]
fn seeds_past_the_64_kib_limits_are_committed() {
    use bitbucket_oauth::flow::MAX_TOKEN_RESPONSE_BYTES;
    use bitbucket_oauth::rfc5849::{HeaderParseError, MAX_HEADER_BYTES, parse_oauth_header};

    let header = std::fs::read(fuzz_dir().join("corpus/oauth_header/over_limit")).unwrap();
    assert_eq!(header.len(), MAX_HEADER_BYTES + 1);
    assert_eq!(
        parse_oauth_header(std::str::from_utf8(&header).unwrap()),
        Err(HeaderParseError::TooLong {
            limit: MAX_HEADER_BYTES
        })
    );

    let data = std::fs::read(fuzz_dir().join("corpus/token_response/body_over_limit")).unwrap();
    let response: input::ResponseInput<'_> = input::decode(&data).unwrap();
    assert_eq!(response.body.len(), MAX_TOKEN_RESPONSE_BYTES + 1);

    let data =
        std::fs::read(fuzz_dir().join("corpus/header_roundtrip/realm_over_header_limit")).unwrap();
    let protocol: input::ProtocolInput<'_> = input::decode(&data).unwrap();
    assert_eq!(protocol.realm.map(str::len), Some(MAX_HEADER_BYTES));
}
