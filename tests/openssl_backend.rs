#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The OpenSSL RSA backend (feature `openssl`) must produce exactly the bytes of the pure-Rust
//! default and of the published vectors, and must refuse keys by the same size policy.
#![cfg(feature = "openssl")]

use std::path::PathBuf;

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::{
    MethodName, OpenSslRsaSha, RsaHash, RsaSha, SignatureMethod, VerifyKey, verify,
};
use bitbucket_oauth::{
    Access, ConsumerKey, KeyError, KeyLoader, RsaPrivateKey, SignOptions, Signer, Token,
    TokenSecret,
};

/// A published vector, from the repository's own copies in `tests/data/vectors/`.
fn vector(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/vectors")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn legacy() -> KeyLoader {
    KeyLoader::new().insecure_allow_legacy_1024_bit_keys()
}

fn sign(method: &dyn SignatureMethod, base: &str) -> String {
    let mut out = String::new();
    method.sign(base.as_bytes(), "", &mut out).unwrap();
    out
}

const KEY_2048: &str = include_str!("data/test_rsa_2048_pkcs8.pem");

#[test]
fn oauthlib_rsa_vectors_match_on_both_backends() {
    let key = legacy()
        .load(vector("oauthlib_rsa_private_key_pkcs1.pem").as_bytes())
        .unwrap();
    assert_eq!(key.bits(), 1024);
    let base = vector("oauthlib_base_string.txt");
    for (hash, file) in [
        (RsaHash::Sha1, "oauthlib_rsa_sha1_signature.txt"),
        (RsaHash::Sha256, "oauthlib_rsa_sha256_signature.txt"),
        (RsaHash::Sha512, "oauthlib_rsa_sha512_signature.txt"),
    ] {
        let expected = vector(file);
        let ossl = OpenSslRsaSha::new(hash, &key).unwrap();
        let pure = RsaSha::new(hash, key.clone());
        assert_eq!(ossl.name(), pure.name());
        assert_eq!(sign(&ossl, &base), expected, "{file} (openssl)");
        assert_eq!(sign(&pure, &base), expected, "{file} (rsa crate)");
    }
}

#[test]
fn wiki_rsa_sha1_vector_matches_on_both_backends() {
    let pem = vector("wiki_rsa_sha1_private_key_pkcs8.pem");
    let base = vector("wiki_rsa_sha1_base_string.txt");
    let expected = vector("wiki_rsa_sha1_signature.txt");
    let ossl = OpenSslRsaSha::load(RsaHash::Sha1, &legacy(), pem.as_bytes()).unwrap();
    assert_eq!(ossl.bits(), 1024);
    assert_eq!(ossl.name(), "RSA-SHA1");
    assert_eq!(sign(&ossl, &base), expected);
    let key = legacy().load(pem.as_bytes()).unwrap();
    assert_eq!(sign(&RsaSha::sha1(key), &base), expected);
}

#[test]
fn rsa_2048_backends_produce_identical_bytes() {
    let key = RsaPrivateKey::from_pem(KEY_2048).unwrap();
    let public = key.public_key();
    let bases = [
        String::new(),
        "GET&https%3A%2F%2Fbitbucket.example.com%2Frest%2Fapi%2F1.0%2Fprojects&limit%3D100"
            .to_owned(),
        vector("oauthlib_base_string.txt"),
        "x".repeat(10_000),
    ];
    for (hash, name) in [
        (RsaHash::Sha1, MethodName::RsaSha1),
        (RsaHash::Sha256, MethodName::RsaSha256),
        (RsaHash::Sha512, MethodName::RsaSha512),
    ] {
        let ossl = OpenSslRsaSha::new(hash, &key).unwrap();
        let pure = RsaSha::new(hash, key.clone());
        for base in &bases {
            let a = sign(&ossl, base);
            assert_eq!(a, sign(&pure, base), "{name} over {} bytes", base.len());
            // 2048-bit signature: 256 bytes, 344 base64 characters.
            assert_eq!(a.len(), 344);
            assert!(verify(name, base.as_bytes(), &a, VerifyKey::Rsa(&public)));
        }
    }
}

#[test]
fn from_pem_uses_the_default_2048_bit_policy() {
    let ok = OpenSslRsaSha::from_pem(RsaHash::Sha1, KEY_2048).unwrap();
    assert_eq!(ok.bits(), 2048);
    for file in [
        "oauthlib_rsa_private_key_pkcs1.pem",
        "wiki_rsa_sha1_private_key_pkcs8.pem",
    ] {
        let err = OpenSslRsaSha::from_pem(RsaHash::Sha1, &vector(file)).unwrap_err();
        assert_eq!(
            err,
            KeyError::TooSmall {
                bits: 1024,
                minimum: 2048
            },
            "{file}"
        );
    }
}

#[test]
fn keys_under_1024_bits_are_refused_even_on_the_legacy_path() {
    // A 512-bit key made by OpenSSL itself.
    let small = openssl::rsa::Rsa::generate(512).unwrap();
    let pem = openssl::pkey::PKey::from_rsa(small)
        .unwrap()
        .private_key_to_pem_pkcs8()
        .unwrap();
    let err = OpenSslRsaSha::load(RsaHash::Sha1, &legacy(), &pem).unwrap_err();
    assert_eq!(
        err,
        KeyError::TooSmall {
            bits: 512,
            minimum: 1024
        }
    );
    let err = OpenSslRsaSha::load(RsaHash::Sha1, &KeyLoader::new(), &pem).unwrap_err();
    assert_eq!(
        err,
        KeyError::TooSmall {
            bits: 512,
            minimum: 2048
        }
    );
}

#[test]
fn signer_headers_are_identical_with_either_backend() {
    let key = RsaPrivateKey::from_pem(KEY_2048).unwrap();
    let request = http::Request::get(
        "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos?limit=100&start=0",
    )
    .body(Vec::new())
    .unwrap();
    let token = Token::<Access>::new("access-token", TokenSecret::new("ignored-by-rsa"));
    let opts = SignOptions::new().token(token.as_token_ref());
    let build = |m: Box<dyn SignatureMethod>| {
        Signer::builder_boxed(ConsumerKey::new("consumer"), m)
            .clock(FixedClock(1_700_000_000))
            .nonce_source(FixedNonce("abcdefghijklmnopqrstuv".into()))
            .build()
    };
    let ossl = build(Box::new(OpenSslRsaSha::sha1(&key).unwrap()))
        .sign(&request, &opts)
        .unwrap();
    let pure = build(Box::new(RsaSha::sha1(key.clone())))
        .sign(&request, &opts)
        .unwrap();
    assert_eq!(ossl.base_string(), pure.base_string());
    assert_eq!(ossl.signature(), pure.signature());
    assert_eq!(ossl.authorization(), pure.authorization());
    assert!(verify(
        MethodName::RsaSha1,
        ossl.base_string().as_bytes(),
        ossl.signature(),
        VerifyKey::Rsa(&key.public_key())
    ));
}

#[test]
fn debug_does_not_show_the_key() {
    let key = RsaPrivateKey::from_pem(KEY_2048).unwrap();
    let shown = format!("{:?}", OpenSslRsaSha::sha1(&key).unwrap());
    assert_eq!(
        shown,
        r#"OpenSslRsaSha { hash: Sha1, bits: 2048, key: "<redacted>" }"#
    );
}
