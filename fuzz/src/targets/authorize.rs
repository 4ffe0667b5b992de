//! `Signer::authorization_header` (the header alone) against `Signer::sign_parts` (the header with its
//! working) on an arbitrary method, URI, `Content-Type` and body.
//!
//! Properties: never panics; for every signer and option set below, `authorize` gives exactly
//! the header `sign` gives, or the same error; calling it twice gives the same bytes.

use crate::input::RequestInput;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::{HmacSha, Plaintext};
use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer, TokenRef};

fn signers() -> [Signer; 2] {
    let pinned = |signer: bitbucket_oauth::SignerBuilder| {
        signer
            .clock(FixedClock(1_700_000_000))
            .nonce_source(FixedNonce("kllo9940pd9333jh8rtbW4Lk".into()))
            .build()
    };
    [
        // HMAC-SHA1: a signature that is its own §3.6 encoding, but for `+`, `/` and `=`.
        pinned(Signer::builder(
            ConsumerKey::new("repo-sync-service"),
            HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44")),
        )),
        // Any other method, through the trait; its signature needs encoding.
        pinned(Signer::builder_boxed(
            ConsumerKey::new("repo-sync-service"),
            Box::new(Plaintext::new(ConsumerSecret::new("c s&"))),
        )),
    ]
}

/// The target's body: checks the properties above on one input.
pub fn run(input: RequestInput<'_>) {
    let Some((method, uri, headers)) = input.http_parts() else {
        return;
    };
    let token = TokenRef {
        token: "nnch734d00sl2jdk7cAhY3Ql8pyQjzXh",
        secret: "pfkkdhi9sl3r4s00",
    };
    let options = [
        if input.with_token {
            SignOptions::new().token(token)
        } else {
            SignOptions::new()
        },
        SignOptions::new().two_legged_empty_token().version(false),
        SignOptions::new().callback("oob").verifier("v-1"),
        SignOptions::new().token(token).realm("Bitbucket"),
    ];
    for signer in signers() {
        for options in &options {
            let general = signer.sign_parts(&method, &uri, &headers, input.body, options);
            let header = signer.authorization_header_parts(&method, &uri, &headers, input.body, options);
            let again = signer.authorization_header_parts(&method, &uri, &headers, input.body, options);
            match (general, header, again) {
                (Ok(signed), Ok(header), Ok(again)) => {
                    assert_eq!(signed.authorization(), &header);
                    assert_eq!(header, again);
                    assert!(header.is_sensitive());
                }
                (Err(general), Err(header), Err(again)) => {
                    assert_eq!(format!("{general:?}"), format!("{header:?}"));
                    assert_eq!(format!("{header:?}"), format!("{again:?}"));
                }
                (general, header, again) => {
                    panic!("sign: {general:?}; authorize: {header:?}; again: {again:?}")
                }
            }
        }
    }
}
