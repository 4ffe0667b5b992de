#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! One signer is shared by every thread of a service. These tests assert the structural
//! properties that make that scale (the speedup itself is measured by `benches/concurrency.rs`,
//! as a timed assertion would be flaky on a shared 2-core machine):
//!
//! - `Signer` and every signature method are `Send + Sync + Clone`;
//! - a `Signer` is one pointer, so a clone is one reference-count increment and clones share
//!   their state;
//! - no lock exists on the signing path (the sources of the modules it runs through contain no
//!   `Mutex`/`RwLock`);
//! - many threads signing through one signer at once get exactly the single-threaded result.

use std::sync::Arc;

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::{HmacSha, Plaintext, RsaSha, SignatureMethod};
use bitbucket_oauth::{
    Access, ConsumerKey, ConsumerSecret, RsaPrivateKey, SignOptions, Signed, Signer, Token,
    TokenSecret,
};

fn assert_shareable<T: Send + Sync + Clone + 'static>() {}

#[test]
fn signer_and_methods_are_send_sync_clone() {
    assert_shareable::<Signer>();
    assert_shareable::<Signed>();
    assert_shareable::<HmacSha>();
    assert_shareable::<RsaSha>();
    assert_shareable::<Plaintext>();
    assert_shareable::<RsaPrivateKey>();
    #[cfg(feature = "openssl")]
    assert_shareable::<bitbucket_oauth::signature::OpenSslRsaSha>();
    fn object_safe_and_shareable(_: &(dyn SignatureMethod + Send + Sync)) {}
    object_safe_and_shareable(&HmacSha::sha1(ConsumerSecret::new("s")));
}

#[test]
fn clone_is_one_reference_count() {
    // A Signer is a single Arc pointer: cloning copies a pointer and bumps a count; the
    // consumer key, the method and its parsed key are never copied or re-parsed.
    assert_eq!(
        std::mem::size_of::<Signer>(),
        std::mem::size_of::<Arc<()>>()
    );
    // An RSA key is an Arc too, so RsaSha::clone does not copy key material.
    assert_eq!(
        std::mem::size_of::<RsaPrivateKey>(),
        std::mem::size_of::<Arc<()>>() + std::mem::size_of::<usize>()
    );
    let a = Signer::new(
        ConsumerKey::new("k"),
        HmacSha::sha1(ConsumerSecret::new("s")),
    );
    let b = a.clone();
    // Clones share state: a clock correction made through one is seen through the other.
    b.set_clock_offset(-42);
    assert_eq!(a.clock_offset(), -42);
    assert!(std::ptr::eq(a.consumer_key(), b.consumer_key()));
}

/// Source files of the modules `Signer::sign` runs through.
const SIGNING_PATH: [&str; 12] = [
    "src/sign/mod.rs",
    "src/params.rs",
    "src/base_string.rs",
    "src/encode.rs",
    "src/header.rs",
    "src/clock.rs",
    "src/keys.rs",
    "src/credentials.rs",
    "src/signature/mod.rs",
    "src/signature/hmac.rs",
    "src/signature/rsa.rs",
    "src/signature/plaintext.rs",
];

#[test]
fn no_lock_on_the_signing_path() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files: Vec<String> = SIGNING_PATH.iter().map(|p| format!("{root}/{p}")).collect();
    files.push(format!("{root}/src/signature/openssl.rs"));
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for lock in ["Mutex", "RwLock", "Condvar", ".lock()"] {
            assert!(!text.contains(lock), "{path} mentions {lock}");
        }
    }
}

#[test]
fn threads_sharing_one_signer_get_the_single_threaded_result() {
    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    let token = Token::<Access>::new("access-token", TokenSecret::new("token-secret"));
    let request = http::Request::get(
        "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos?limit=100&start=0",
    )
    .body(Vec::new())
    .unwrap();
    let methods: Vec<Box<dyn SignatureMethod>> = vec![
        Box::new(HmacSha::sha1(ConsumerSecret::new("consumer-secret"))),
        Box::new(RsaSha::sha1(key)),
    ];
    for method in methods {
        let signer = Signer::builder_boxed(ConsumerKey::new("consumer"), method)
            .clock(FixedClock(1_700_000_000))
            .nonce_source(FixedNonce("abcdefghijklmnopqrstuvwx".into()))
            .build();
        let opts = SignOptions::new().token(token.as_token_ref());
        let expected = signer.sign(&request, &opts).unwrap();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let signer = signer.clone();
                    let (request, opts) = (&request, &opts);
                    s.spawn(move || {
                        (0..8)
                            .map(|_| signer.sign(request, opts).unwrap())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                for signed in h.join().unwrap() {
                    assert_eq!(signed.authorization(), expected.authorization());
                    assert_eq!(signed.base_string(), expected.base_string());
                }
            }
        });
    }
}

/// Threads authorizing with one shared signer for several tokens at once each get exactly the
/// single-threaded header.
#[test]
fn threads_authorizing_for_several_tokens_get_the_single_threaded_headers() {
    let signer = Signer::builder(
        ConsumerKey::new("consumer"),
        HmacSha::sha1(ConsumerSecret::new("consumer-secret")),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("abcdefghijklmnopqrstuvwx".into()))
    .build();
    let request = http::Request::get(
        "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos?limit=100&start=0",
    )
    .body(Vec::new())
    .unwrap();
    // More tokens than the cache has slots, so that threads also replace each other's entries.
    let tokens: Vec<Token<Access>> = (0..7)
        .map(|i| {
            Token::new(
                format!("token-{i}"),
                TokenSecret::new(format!("secret-{i}")),
            )
        })
        .collect();
    let expected: Vec<_> = tokens
        .iter()
        .map(|t| {
            signer
                .sign(&request, &SignOptions::new().token(t.as_token_ref()))
                .unwrap()
                .authorization()
                .clone()
        })
        .collect();
    std::thread::scope(|s| {
        for thread in 0..4 {
            let (signer, request, tokens, expected) = (&signer, &request, &tokens, &expected);
            s.spawn(move || {
                for i in 0..500 {
                    let k = (i * 3 + thread) % tokens.len();
                    let header = signer
                        .authorization_header(request, &SignOptions::new().token(tokens[k].as_token_ref()))
                        .unwrap();
                    assert_eq!(header, expected[k], "thread {thread}, call {i}");
                }
            });
        }
    });
}
