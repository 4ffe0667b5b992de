#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! RSA through RustCrypto's `signature` traits: a signer this crate has never seen (here one
//! that records what it is asked to sign, standing in for an HSM or a cloud KMS) plugs in as
//! `RSA-SHA1` through `signature::RsaSigner`, signs the exact base string, and gives the same
//! header as the built-in `RsaSha`. A failing signer is a typed error, never a header.

use std::sync::{Arc, Mutex};

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::{
    MethodName, RsaHash, RsaSha, RsaSigner, SignatureMethod, VerifyKey, verify,
};
use bitbucket_oauth::{ConsumerKey, Error, RsaPrivateKey, SignOptions, Signer};
use rsa::pkcs1v15::{Signature, SigningKey};

const KEY_PEM: &str = include_str!("data/test_rsa_2048_pkcs8.pem");

/// Signs with a key it holds, and keeps every message it was asked to sign.
#[derive(Debug)]
struct Recording {
    key: SigningKey<sha1::Sha1>,
    messages: Mutex<Vec<Vec<u8>>>,
}

impl signature::Signer<Signature> for Recording {
    fn try_sign(&self, message: &[u8]) -> Result<Signature, signature::Error> {
        self.messages.lock().unwrap().push(message.to_vec());
        signature::Signer::try_sign(&self.key, message)
    }
}

/// A remote signer that cannot be reached.
#[derive(Debug)]
struct Unreachable;

impl signature::Signer<Signature> for Unreachable {
    fn try_sign(&self, _message: &[u8]) -> Result<Signature, signature::Error> {
        Err(signature::Error::from_source("the KMS did not answer"))
    }
}

fn pinned(method: impl SignatureMethod + 'static) -> Signer {
    Signer::builder(ConsumerKey::new("my-consumer"), method)
        .clock(FixedClock(1_700_000_000))
        .nonce_source(FixedNonce("abcdefghijklmnopqrstuv".into()))
        .build()
}

fn request() -> http::Request<Vec<u8>> {
    http::Request::get("https://bitbucket.example.com/rest/api/1.0/projects?limit=100")
        .body(Vec::new())
        .unwrap()
}

/// A `Recording` signer the test keeps a handle on.
#[derive(Debug)]
struct Shared(Arc<Recording>);

impl signature::Signer<Signature> for Shared {
    fn try_sign(&self, message: &[u8]) -> Result<Signature, signature::Error> {
        self.0.try_sign(message)
    }
}

#[test]
fn a_custom_signer_signs_the_base_string_and_matches_the_default() {
    let key = RsaPrivateKey::from_pem(KEY_PEM).unwrap();
    let recording = Arc::new(Recording {
        key: SigningKey::new(key.as_rsa().clone()),
        messages: Mutex::new(Vec::new()),
    });
    let method = RsaSigner::new(RsaHash::Sha1, Shared(Arc::clone(&recording)));
    assert_eq!(method.name(), "RSA-SHA1");
    let custom = pinned(method);
    let default = pinned(RsaSha::sha1(key.clone()));

    let signed = custom.sign(&request(), &SignOptions::new()).unwrap();
    let expected = default.sign(&request(), &SignOptions::new()).unwrap();
    // PKCS#1 v1.5 is deterministic: the same key gives the same header through either path.
    assert_eq!(signed.authorization(), expected.authorization());
    let base = "GET&https%3A%2F%2Fbitbucket.example.com%2Frest%2Fapi%2F1.0%2Fprojects&limit%3D100\
                %26oauth_consumer_key%3Dmy-consumer%26oauth_nonce%3Dabcdefghijklmnopqrstuv\
                %26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000\
                %26oauth_version%3D1.0";
    assert_eq!(signed.base_string().unredacted(), base);
    assert!(verify(
        MethodName::RsaSha1,
        base.as_bytes(),
        signed.signature(),
        VerifyKey::Rsa(&key.public_key()),
    ));
    let header = custom.authorization_header(&request(), &SignOptions::new()).unwrap();
    assert_eq!(&header, expected.authorization());

    // The signer was asked for exactly the base string, once per signature.
    let messages = recording.messages.lock().unwrap().clone();
    assert_eq!(
        messages,
        [base.as_bytes().to_vec(), base.as_bytes().to_vec()]
    );
}

#[test]
fn a_failing_signer_is_a_typed_error() {
    let signer = pinned(RsaSigner::new(RsaHash::Sha256, Unreachable));
    let err = signer.sign(&request(), &SignOptions::new()).unwrap_err();
    let Error::Signing { method, reason } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(method, "RSA-SHA256");
    assert!(reason.starts_with("RSA signing failed"), "{reason}");
    assert!(matches!(
        signer.authorization_header(&request(), &SignOptions::new()),
        Err(Error::Signing { .. })
    ));
}
