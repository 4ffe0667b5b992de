//! Fixtures shared by the benches: the typical and heavy Bitbucket REST calls, credentials.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::SignatureMethod;
use bitbucket_oauth::{ConsumerKey, RsaPrivateKey, Signer};

pub const CONSUMER_KEY: &str = "repo-sync-service";
pub const CONSUMER_SECRET: &str = "kd94hf93k423kf44";
pub const TOKEN: &str = "nnch734d00sl2jdk7cAhY3Ql8pyQjzXh";
pub const TOKEN_SECRET: &str = "pfkkdhi9sl3r4s00";
pub const NONCE: &str = "kllo9940pd9333jh8rtbW4Lk";
pub const TIMESTAMP: u64 = 1_700_000_000;

/// The typical call: list a project's repositories, one page of 100.
pub const TYPICAL_BASE: &str = "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos";
pub const TYPICAL_URI: &str =
    "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos?limit=100&start=0";
pub const TYPICAL_QUERY: [(&str, &str); 2] = [("limit", "100"), ("start", "0")];

pub const KEY_2048: &str = include_str!("../../tests/data/test_rsa_2048_pkcs8.pem");

pub fn typical_request() -> http::Request<Vec<u8>> {
    http::Request::get(TYPICAL_URI).body(Vec::new()).unwrap()
}

/// The heavy call: a POST with 50 query parameters (some needing encoding) and a form body.
pub fn heavy_request() -> http::Request<Vec<u8>> {
    let mut uri = String::from(
        "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos/repo-with-a-long-name/pull-requests?",
    );
    for i in 0..50 {
        if i > 0 {
            uri.push('&');
        }
        // Unsorted names; every fifth value needs percent-encoding.
        let name = format!("p{:02}", (i * 37) % 50);
        if i % 5 == 0 {
            uri.push_str(&format!("{name}=a+value%2Fwith%3Dreserved+chars+{i}"));
        } else {
            uri.push_str(&format!("{name}=value{i}"));
        }
    }
    let body = "title=Bump+dependencies+%28weekly%29&description=Automated+update+of+12+crates%2C+see+CHANGELOG&state=OPEN&open=true&closed=false&fromRef.id=refs%2Fheads%2Fdeps&toRef.id=refs%2Fheads%2Fmain&locked=false&reviewers=alice&reviewers=bob";
    http::Request::post(uri)
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// `n` query parameters in scrambled order, all distinct names.
pub fn query_with(n: usize) -> String {
    let mut q = String::with_capacity(n * 16);
    for i in 0..n {
        if i > 0 {
            q.push('&');
        }
        // A multiplicative scramble so the input is not sorted.
        let k = (i * 7919) % n.max(1);
        q.push_str(&format!("param{k:05}=value%20{i}"));
    }
    q
}

pub fn key_2048() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(KEY_2048).unwrap()
}

/// A signer with a pinned clock and nonce source (the options pin them too).
pub fn pinned_signer(method: impl SignatureMethod + 'static) -> Signer {
    Signer::builder(ConsumerKey::new(CONSUMER_KEY), method)
        .clock(FixedClock(TIMESTAMP))
        .nonce_source(FixedNonce(NONCE.into()))
        .build()
}

/// The criterion settings of the signing, reference and concurrency benches: 1 s of warm-up,
/// 3 s of measurement (command-line flags such as `--measurement-time` override them).
pub fn criterion_config() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
        .configure_from_args()
}

/// oauth1-request 0.6 set up for the typical request: the same credentials, nonce, timestamp
/// and `oauth_version` as ours.
pub fn oauth1_request_builder<SM: oauth1_request::signature_method::SignatureMethod>(
    method: SM,
) -> oauth1_request::Builder<'static, SM, &'static str, &'static str> {
    let mut b = oauth1_request::Builder::new(
        oauth1_request::Credentials::new(CONSUMER_KEY, CONSUMER_SECRET),
        method,
    );
    b.token(oauth1_request::Credentials::new(TOKEN, TOKEN_SECRET))
        .nonce(NONCE)
        .timestamp(std::num::NonZeroU64::new(TIMESTAMP))
        .version(true);
    b
}

/// The `oauth_signature` value of an `OAuth ...` header, percent-decoded.
pub fn signature_of(header: &str) -> String {
    let start = header.find("oauth_signature=\"").unwrap() + "oauth_signature=\"".len();
    let end = start + header[start..].find('"').unwrap();
    String::from_utf8(bitbucket_oauth::rfc5849::decode(&header[start..end]).unwrap()).unwrap()
}
