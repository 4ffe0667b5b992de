#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Heap allocations of one signature, counted by a counting global allocator.
//!
//! Every check asserts an exact count, one of the `BUDGET_*` constants below (reallocations count
//! as allocations): a regression fails, and so does an improvement, so that the budget is restated
//! by editing the constant. Run with `cargo test --test alloc_budget -- --nocapture` to see the
//! counts.

use std::alloc::System;

use base64::Engine as _;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::{HmacSha, RsaSha, SignatureMethod};
use bitbucket_oauth::{
    Access, ConsumerKey, ConsumerSecret, RsaPrivateKey, SignOptions, Signer, Token, TokenSecret,
};
use hmac::{KeyInit, Mac};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Allocations for one HMAC-SHA1 signature of the typical request: the plain protocol values,
/// their encodings, the parameter list (its text and its index), the base string, the signing
/// key (wiped), and the `Authorization` header (taken over by the `HeaderValue` as it is).
const BUDGET_HMAC_SHA1: usize = 7;

/// Allocations for one `Signer::authorization_header` of the typical request: the same path as `sign`,
/// whose working is dropped.
const BUDGET_AUTHORIZE: usize = 7;

/// Allocations for one HMAC-SHA1 signature of a GET with 50 query parameters that need
/// re-encoding (`v+1%2F` becomes `v%201%252F`): the typical seven, the decoding scratch, and
/// the parameter text and base string growing as escapes lengthen them.
const BUDGET_HMAC_SHA1_50_QUERY_PARAMS: usize = 12;

/// Allocations this crate makes for one RSA-SHA1 signature of the typical request, measured
/// with a method that writes a fixed RSA-sized signature (344 base64 characters) instead of the
/// `rsa` crate, so that the count does not depend on that crate's randomized arithmetic.
const BUDGET_RSA_SHA1_OURS: usize = 8;

/// The pure-Rust `rsa` crate (2048-bit key) makes almost all of an RSA-SHA1 signature's
/// allocations, in its big-number arithmetic, and how many depends on the random blinding
/// factor drawn for each signature: the whole path is held to a range, not an exact count.
const BUDGET_RSA_SHA1_RANGE: std::ops::RangeInclusive<usize> = 1_500..=1_700;

/// Asserts an exact count against its budget.
fn assert_budget(what: &str, count: usize, budget: usize) {
    assert_eq!(
        count, budget,
        "{what}: {count} allocations, budget {budget} (an improvement too: restate the constant)"
    );
}

const TYPICAL: &str =
    "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos?limit=100&start=0";
const EXPECTED_BASE: &str = "GET&https%3A%2F%2Fbitbucket.example.com%2Frest%2Fapi%2F1.0%2Fprojects%2FPRJ%2Frepos&limit%3D100%26oauth_consumer_key%3Drepo-sync-service%26oauth_nonce%3Dkllo9940pd9333jh8rtbW4Lk%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Dnnch734d00sl2jdk7cAhY3Ql8pyQjzXh%26oauth_version%3D1.0%26start%3D0";

fn request(uri: &str) -> http::Request<Vec<u8>> {
    http::Request::get(uri).body(Vec::new()).unwrap()
}

fn token() -> Token<Access> {
    Token::new(
        "nnch734d00sl2jdk7cAhY3Ql8pyQjzXh",
        TokenSecret::new("pfkkdhi9sl3r4s00"),
    )
}

fn signer(method: impl SignatureMethod + 'static) -> Signer {
    Signer::builder(ConsumerKey::new("repo-sync-service"), method)
        .clock(FixedClock(1_700_000_000))
        .nonce_source(FixedNonce("kllo9940pd9333jh8rtbW4Lk".into()))
        .build()
}

/// The counter is global: tests of this file take turns, each for its whole body (setup such
/// as parsing an RSA key allocates thousands of times and must not overlap another test's
/// counting), so that one does not count another's.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Fewest allocations (and reallocations) seen over a few runs of `f`; the minimum filters out
/// anything another thread of the test harness might allocate meanwhile. Call it while holding
/// [`turn`].
fn count<T>(mut f: impl FnMut() -> T) -> (usize, T) {
    let mut best = usize::MAX;
    let mut last = f(); // warm-up: lazily initialized state is not a per-call cost
    for _ in 0..5 {
        let region = Region::new(GLOBAL);
        let signed = f();
        let stats = region.change();
        best = best.min(stats.allocations + stats.reallocations);
        last = signed;
    }
    (best, last)
}

#[test]
fn hmac_sha1_typical_request_stays_within_budget() {
    let _turn = turn();
    let signer = signer(HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44")));
    let token = token();
    let request = request(TYPICAL);

    // Pinned through SignOptions.
    let opts = SignOptions::new()
        .token(token.as_token_ref())
        .nonce("kllo9940pd9333jh8rtbW4Lk")
        .timestamp(1_700_000_000);
    let (pinned, signed) = count(|| signer.sign(&request, &opts).unwrap());
    // Pinned through the signer's FixedClock / FixedNonce.
    let opts_source = SignOptions::new().token(token.as_token_ref());
    let (sourced, signed_sourced) = count(|| signer.sign(&request, &opts_source).unwrap());
    println!(
        "HMAC-SHA1 typical: {pinned} allocations (SignOptions pins), {sourced} (fixed sources); budget {BUDGET_HMAC_SHA1}"
    );

    // The work is the real work: exact base string, signature equal to a raw HMAC of it.
    assert_eq!(signed.base_string().unredacted(), EXPECTED_BASE);
    let mut mac =
        hmac::Hmac::<sha1::Sha1>::new_from_slice(b"kd94hf93k423kf44&pfkkdhi9sl3r4s00").unwrap();
    mac.update(EXPECTED_BASE.as_bytes());
    let expected_sig =
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(signed.signature(), expected_sig);
    assert_eq!(signed_sourced.authorization(), signed.authorization());
    let expected_header = format!(
        "OAuth oauth_consumer_key=\"repo-sync-service\", \
         oauth_token=\"nnch734d00sl2jdk7cAhY3Ql8pyQjzXh\", \
         oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1700000000\", \
         oauth_nonce=\"kllo9940pd9333jh8rtbW4Lk\", oauth_version=\"1.0\", \
         oauth_signature=\"{}\"",
        bitbucket_oauth::rfc5849::encode(&expected_sig)
    );
    assert_eq!(signed.authorization().to_str().unwrap(), expected_header);
    assert!(signed.authorization().is_sensitive());

    assert_budget("HMAC-SHA1, SignOptions pins", pinned, BUDGET_HMAC_SHA1);

    // The header-only path: the same header, one allocation.
    let (authorize, header) = count(|| signer.authorization_header(&request, &opts).unwrap());
    println!("HMAC-SHA1 typical, authorize: {authorize} allocations; budget {BUDGET_AUTHORIZE}");
    assert_eq!(header.to_str().unwrap(), expected_header);
    assert!(header.is_sensitive());
    assert_budget("HMAC-SHA1, authorize", authorize, BUDGET_AUTHORIZE);
    assert_budget("HMAC-SHA1, fixed sources", sourced, BUDGET_HMAC_SHA1);
}

#[test]
fn random_nonce_and_system_clock_add_no_allocation() {
    let _turn = turn();
    let signer = Signer::new(
        ConsumerKey::new("repo-sync-service"),
        HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44")),
    );
    let token = token();
    let request = request(TYPICAL);
    let opts = SignOptions::new().token(token.as_token_ref());
    let (n, signed) = count(|| signer.sign(&request, &opts).unwrap());
    println!("HMAC-SHA1 typical, random nonce + system clock: {n} allocations");
    assert_eq!(signed.nonce().len(), 24);
    assert_budget(
        "HMAC-SHA1, random nonce + system clock",
        n,
        BUDGET_HMAC_SHA1,
    );
}

#[test]
fn other_requests_and_methods_stay_within_budget() {
    let _turn = turn();
    let token = token();
    let opts = SignOptions::new().token(token.as_token_ref());
    let hmac = signer(HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44")));
    let mut uri = String::from("https://bitbucket.example.com/rest/api/1.0/repos?");
    for i in 0..50 {
        uri.push_str(&format!("p{i}=v+{i}%2F&"));
    }
    let heavy = request(&uri);
    let (n, signed) = count(|| hmac.sign(&heavy, &opts).unwrap());
    println!(
        "HMAC-SHA1, 50 query parameters needing re-encoding: {n} allocations; budget {BUDGET_HMAC_SHA1_50_QUERY_PARAMS}"
    );
    assert!(signed.base_string().unredacted().contains("p49%3Dv%2520"));
    assert_budget(
        "HMAC-SHA1, 50 query parameters",
        n,
        BUDGET_HMAC_SHA1_50_QUERY_PARAMS,
    );

    let typical = request(TYPICAL);
    let shaped = signer(RsaSized);
    let (n, signed) = count(|| shaped.sign(&typical, &opts).unwrap());
    println!("RSA-SHA1, this crate's part: {n} allocations; budget {BUDGET_RSA_SHA1_OURS}");
    assert_eq!(signed.signature(), RsaSized::SIGNATURE);
    assert_eq!(
        signed.base_string().unredacted(),
        EXPECTED_BASE.replace("HMAC-SHA1", "RSA-SHA1")
    );
    assert_budget("RSA-SHA1, this crate's part", n, BUDGET_RSA_SHA1_OURS);

    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    let rsa = signer(RsaSha::sha1(key));
    let _ = rsa.sign(&typical, &opts).unwrap(); // warm-up
    let mut seen = Vec::new();
    for _ in 0..20 {
        let region = Region::new(GLOBAL);
        let signed = rsa.sign(&typical, &opts).unwrap();
        let stats = region.change();
        assert_eq!(
            signed.base_string(),
            shaped.sign(&typical, &opts).unwrap().base_string()
        );
        seen.push(stats.allocations + stats.reallocations);
    }
    let (low, high) = (seen.iter().min().unwrap(), seen.iter().max().unwrap());
    println!(
        "RSA-SHA1 (rsa crate) typical: {low}..={high} allocations over 20 signatures; range {BUDGET_RSA_SHA1_RANGE:?}"
    );
    assert!(
        BUDGET_RSA_SHA1_RANGE.contains(low) && BUDGET_RSA_SHA1_RANGE.contains(high),
        "RSA-SHA1, rsa crate: {low}..={high} allocations, outside {BUDGET_RSA_SHA1_RANGE:?}"
    );
}

/// An RSA-SHA1 stand-in that writes the same 344-character signature every time: what this
/// crate allocates around an RSA signature, without the `rsa` crate's randomized arithmetic.
#[derive(Debug)]
struct RsaSized;

impl RsaSized {
    const SIGNATURE: &str = "Qk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWUJPVU5EQVJZQk9VTkRBUllCT1VOREFSWQ==";
}

impl SignatureMethod for RsaSized {
    fn name(&self) -> &str {
        "RSA-SHA1"
    }

    fn sign(
        &self,
        _base: &[u8],
        _token_secret: &str,
        out: &mut String,
    ) -> Result<(), bitbucket_oauth::signature::MethodError> {
        out.push_str(Self::SIGNATURE);
        Ok(())
    }
}
