//! Private-key loading from arbitrary bytes, PEM or DER: `KeyLoader::load` (on the legacy
//! 1024-bit path, and the default 2048-bit one) and `KeyLoader::load_encrypted` for inputs that
//! are encrypted PKCS#8; plus `RsaPublicKey::from_pem_or_der`.
//!
//! Input is capped at 8 KiB: that holds an RSA-8192 PEM key, the largest modulus the `rsa` crate
//! accepts; beyond that only parsing time grows.
//!
//! Properties: never panics; a loaded key is at least 1024 bits, loads under the default policy
//! exactly when it is at least 2048 bits, exports a public key that parses back to the same size,
//! and signs a base string that its public key verifies.

use bitbucket_oauth::signature::{self, MethodName, RsaSha, SignatureMethod, VerifyKey};
use bitbucket_oauth::{KeyError, KeyLoader, RsaPublicKey};

const MAX_INPUT: usize = 8 * 1024;

/// The target's body: checks the properties above on one input.
pub fn run(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let _ = RsaPublicKey::from_pem_or_der(data);

    let legacy = KeyLoader::new().insecure_allow_legacy_1024_bit_keys();
    let loaded = match legacy.load(data) {
        Err(KeyError::PassphraseRequired) => legacy.load_encrypted(data, "correct horse"),
        other => other,
    };
    let key = match loaded {
        Ok(key) => key,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    assert!(key.bits() >= 1024, "{} bits", key.bits());
    let strict = KeyLoader::new().load_encrypted(data, "correct horse");
    assert_eq!(strict.is_ok(), key.bits() >= 2048, "{strict:?}");

    let public_pem = key
        .public_key_pem()
        .expect("a loaded key exports its public key");
    let public =
        RsaPublicKey::from_pem_or_der(public_pem.as_bytes()).expect("our own export parses");
    assert_eq!(public.bits(), key.bits());
    let _ = key.public_key_fingerprint().expect("fingerprint");

    let base = b"POST&https%3A%2F%2Fbitbucket.example.com%2Fplugins%2Fservlet%2Foauth%2Frequest-token&oauth_consumer_key%3Dfuzz";
    let mut sig = String::new();
    RsaSha::sha1(key)
        .sign(base, "", &mut sig)
        .expect("a loaded key signs");
    assert!(signature::verify(
        MethodName::RsaSha1,
        base,
        &sig,
        VerifyKey::Rsa(&public)
    ));
}
