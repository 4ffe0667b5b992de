//! Render, then parse: sign a request with arbitrary protocol values (token, secret, callback,
//! verifier, realm, nonce, timestamp, an extra parameter) and read the `Authorization` header
//! back with `parse_oauth_header`.
//!
//! Properties: the header is visible ASCII; parsing it gives back exactly `realm` (when set)
//! followed by `Signed::protocol_parameters()`, values intact; invalid options fail with the
//! documented errors, never a panic.

use crate::input::{ProtocolInput, TokenChoice};
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::rfc5849::{MAX_HEADER_BYTES, parse_oauth_header};
use bitbucket_oauth::signature::{HmacSha, Plaintext};
use bitbucket_oauth::{ConsumerKey, ConsumerSecret, Error, SignOptions, Signer, TokenRef};

/// The target's body: checks the properties above on one input.
pub fn run(input: ProtocolInput<'_>) {
    let key = ConsumerKey::new(input.consumer_key);
    let secret = ConsumerSecret::new("kd94hf93k423kf44&;\"\\");
    let builder = if input.plaintext {
        Signer::builder(key, Plaintext::new(secret))
    } else {
        Signer::builder(key, HmacSha::sha1(secret))
    };
    let signer = builder
        .clock(FixedClock(1_318_622_958))
        .nonce_source(FixedNonce("kllo9940pd9333jh".into()))
        .build();

    let mut options = SignOptions::new().version(input.version);
    options = match input.token {
        TokenChoice::None => options,
        TokenChoice::TwoLeggedEmpty => options.two_legged_empty_token(),
        TokenChoice::Some { token, secret } => options.token(TokenRef { token, secret }),
    };
    if let Some(callback) = input.callback {
        options = options.callback(callback);
    }
    if let Some(verifier) = input.verifier {
        options = options.verifier(verifier);
    }
    if let Some(realm) = input.realm {
        options = options.realm(realm);
    }
    if let Some(nonce) = input.nonce {
        options = options.nonce(nonce);
    }
    if let Some(timestamp) = input.timestamp {
        options = options.timestamp(timestamp);
    }
    if let Some((name, value)) = input.extra {
        options = options.extra(name, value);
    }

    let request = http::Request::post(
        "https://bitbucket.example.com:8443/plugins/servlet/oauth/request-token",
    )
    .body(Vec::new())
    .unwrap();
    let signed = match signer.sign(&request, &options) {
        Ok(signed) => signed,
        Err(error) => {
            assert!(
                matches!(error, Error::InvalidParameter { .. } | Error::InvalidRealm),
                "unexpected error {error:?}"
            );
            return;
        }
    };

    let header = signed
        .authorization()
        .to_str()
        .expect("the Authorization header is visible ASCII");
    if header.len() > MAX_HEADER_BYTES {
        assert!(parse_oauth_header(header).is_err());
        return;
    }
    let parsed = parse_oauth_header(header)
        .unwrap_or_else(|e| panic!("our own header does not parse: {e}: {header:?}"));
    let got: Vec<(&str, &str)> = parsed.iter().collect();
    let mut expected: Vec<(&str, &str)> = Vec::new();
    if let Some(realm) = input.realm {
        expected.push(("realm", realm));
    }
    expected.extend(signed.protocol_parameters());
    assert_eq!(got, expected, "{header:?}");
    if let Some(nonce) = input.nonce {
        assert_eq!(parsed.get("oauth_nonce"), Some(nonce));
    }
}
