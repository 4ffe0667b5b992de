//! RSA key loading in every format, the size policy, public key export, and generation.
//!
//! The fixtures in `tests/data/keys/` were made once with the OpenSSL 3.0 CLI; the commands are in
//! that directory's README.md. The expected public key PEM and its SHA-256 fingerprint were
//! printed by OpenSSL at the same time, not computed by this crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use bitbucket_oauth::signature::{self, MethodName, RsaHash, RsaSha, SignatureMethod, VerifyKey};
use bitbucket_oauth::{KeyBits, KeyError, KeyLoader, RsaPrivateKey, RsaPublicKey};

const PASSPHRASE: &str = "correct horse";

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/keys")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).unwrap()
}

fn load(name: &str) -> Result<RsaPrivateKey, KeyError> {
    KeyLoader::new().load(&fixture(name))
}

fn load_encrypted(name: &str, passphrase: &str) -> Result<RsaPrivateKey, KeyError> {
    KeyLoader::new().load_encrypted(&fixture(name), passphrase)
}

fn expected_public_pem() -> String {
    fixture_text("rsa2048_public_spki.pem")
}

fn expected_fingerprint() -> String {
    let hex = fixture_text("rsa2048_public_spki.sha256");
    assert_eq!(hex.len(), 64);
    hex
}

/// Asserts that `key` is the fixture key: same public key, same OpenSSL-printed SPKI and
/// fingerprint, and that it signs something the fixture's public key verifies.
fn assert_is_the_fixture_key(key: &RsaPrivateKey, what: &str) {
    assert_eq!(key.bits(), 2048, "{what}");
    assert_eq!(
        key.public_key_pem().unwrap(),
        expected_public_pem(),
        "{what}"
    );
    assert_eq!(
        key.public_key_fingerprint().unwrap(),
        expected_fingerprint(),
        "{what}"
    );
    let public = RsaPublicKey::from_pem_or_der(&fixture("rsa2048_public_spki.pem")).unwrap();
    assert_eq!(key.public_key(), public, "{what}");
}

#[test]
fn every_private_key_format_loads_to_the_same_key() {
    for name in [
        "rsa2048_pkcs8.pem",
        "rsa2048_pkcs1.pem",
        "rsa2048_pkcs8.der",
        "rsa2048_pkcs1.der",
    ] {
        let key = load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_is_the_fixture_key(&key, name);
        // An unencrypted key also loads through the passphrase path; the passphrase is unused.
        let key = load_encrypted(name, "whatever").unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_is_the_fixture_key(&key, name);
    }
    for name in ["rsa2048_pkcs8_encrypted.pem", "rsa2048_pkcs8_encrypted.der"] {
        let key = load_encrypted(name, PASSPHRASE).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_is_the_fixture_key(&key, name);
        let key = RsaPrivateKey::from_encrypted(&fixture(name), PASSPHRASE.as_bytes()).unwrap();
        assert_is_the_fixture_key(&key, name);
    }
    assert_is_the_fixture_key(
        &RsaPrivateKey::from_pem(&fixture_text("rsa2048_pkcs1.pem")).unwrap(),
        "from_pem",
    );
    assert_is_the_fixture_key(
        &RsaPrivateKey::from_der(&fixture("rsa2048_pkcs1.der")).unwrap(),
        "from_der",
    );
}

#[test]
fn leading_whitespace_before_pem_is_tolerated() {
    let mut bytes = b"\n  \r\n".to_vec();
    bytes.extend(fixture("rsa2048_pkcs8.pem"));
    assert_is_the_fixture_key(&KeyLoader::new().load(&bytes).unwrap(), "indented PEM");
}

#[test]
fn public_key_der_is_the_openssl_spki() {
    let key = load("rsa2048_pkcs8.pem").unwrap();
    let der = key.public_key_der().unwrap();
    let expected_pem = expected_public_pem();
    let (label, from_pem) = pem_rfc7468::decode_vec(expected_pem.as_bytes()).unwrap();
    assert_eq!(label, "PUBLIC KEY");
    assert_eq!(der, from_pem);
    // The fingerprint is SHA-256 over exactly these bytes.
    use sha2::Digest as _;
    let hex: String = sha2::Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hex, expected_fingerprint());
}

#[test]
fn public_key_files_parse_as_public_keys() {
    let key = load("rsa2048_pkcs8.pem").unwrap();
    for name in ["rsa2048_public_spki.pem", "rsa2048_public_pkcs1.pem"] {
        let public = RsaPublicKey::from_pem_or_der(&fixture(name)).unwrap();
        assert_eq!(public, key.public_key(), "{name}");
        assert_eq!(public.bits(), 2048);
    }
    let public = RsaPublicKey::from_pem_or_der(&key.public_key_der().unwrap()).unwrap();
    assert_eq!(public, key.public_key());
    assert!(matches!(
        RsaPublicKey::from_pem_or_der(b"not a key"),
        Err(KeyError::Unrecognized { .. })
    ));
}

#[test]
fn wrong_passphrase() {
    for name in ["rsa2048_pkcs8_encrypted.pem", "rsa2048_pkcs8_encrypted.der"] {
        for wrong in ["correct horse battery", "", "Correct horse"] {
            let err = load_encrypted(name, wrong).unwrap_err();
            assert_eq!(err, KeyError::WrongPassphrase, "{name} with {wrong:?}");
            if !wrong.is_empty() {
                assert!(!err.to_string().contains(wrong));
                assert!(!format!("{err:?}").contains(wrong));
            }
        }
    }
}

#[test]
fn encrypted_key_without_passphrase() {
    for name in ["rsa2048_pkcs8_encrypted.pem", "rsa2048_pkcs8_encrypted.der"] {
        assert_eq!(
            load(name).unwrap_err(),
            KeyError::PassphraseRequired,
            "{name}"
        );
    }
    assert_eq!(
        RsaPrivateKey::from_pem(&fixture_text("rsa2048_pkcs8_encrypted.pem")).unwrap_err(),
        KeyError::PassphraseRequired
    );
}

#[test]
fn public_key_or_certificate_given() {
    let key = load("rsa2048_pkcs8.pem").unwrap();
    let spki_der = key.public_key_der().unwrap();
    let inputs: [(&str, Vec<u8>); 4] = [
        ("SPKI PEM", fixture("rsa2048_public_spki.pem")),
        ("PKCS#1 public PEM", fixture("rsa2048_public_pkcs1.pem")),
        ("certificate", fixture("rsa2048_certificate.pem")),
        ("SPKI DER", spki_der),
    ];
    for (what, bytes) in inputs {
        assert_eq!(
            KeyLoader::new().load(&bytes).unwrap_err(),
            KeyError::PublicKeyGiven,
            "{what}"
        );
        assert_eq!(
            KeyLoader::new()
                .load_encrypted(&bytes, PASSPHRASE)
                .unwrap_err(),
            KeyError::PublicKeyGiven,
            "{what}"
        );
    }
}

#[test]
fn ec_key_is_not_rsa() {
    assert_eq!(load("ec_p256_pkcs8.pem").unwrap_err(), KeyError::NotRsa);
    assert_eq!(load("ec_p256_pkcs8.der").unwrap_err(), KeyError::NotRsa);
    // SEC1 DER carries no algorithm identifier to recognise: it is just not a known format.
    assert!(matches!(
        load("ec_p256_sec1.der").unwrap_err(),
        KeyError::Unrecognized { .. }
    ));
    // OpenSSL's SEC1 PEM has its own label.
    assert_eq!(
        load("ec_p256_sec1.pem").unwrap_err(),
        KeyError::UnsupportedPemLabel {
            label: "EC PRIVATE KEY".into()
        }
    );
}

#[test]
fn garbage_is_unrecognized() {
    let inputs: [&[u8]; 5] = [
        b"",
        b"hello, world",
        &[0x30, 0x03, 0x02, 0x01],
        &[0xff; 64],
        b"-----BEGIN PRIVATE KEY-----\nnot base64 !!!\n-----END PRIVATE KEY-----\n",
    ];
    for bytes in inputs {
        let err = KeyLoader::new().load(bytes).unwrap_err();
        assert!(
            matches!(err, KeyError::Unrecognized { .. }),
            "{bytes:?}: {err:?}"
        );
    }
    assert_eq!(
        KeyLoader::new()
            .load(b"-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n")
            .unwrap_err(),
        KeyError::UnsupportedPemLabel {
            label: "FOO".into()
        }
    );
}

#[test]
fn key_of_512_bits_is_refused_even_on_the_legacy_path() {
    let bytes = fixture("rsa512_pkcs8.pem");
    assert_eq!(
        KeyLoader::new().load(&bytes).unwrap_err(),
        KeyError::TooSmall {
            bits: 512,
            minimum: 2048
        }
    );
    assert_eq!(
        KeyLoader::new()
            .insecure_allow_legacy_1024_bit_keys()
            .load(&bytes)
            .unwrap_err(),
        KeyError::TooSmall {
            bits: 512,
            minimum: 1024
        }
    );
}

#[test]
fn key_of_1024_bits_only_on_the_legacy_path() {
    let bytes = fixture("rsa1024_pkcs8.pem");
    assert_eq!(KeyLoader::new().min_bits(), 2048);
    assert_eq!(
        KeyLoader::new().load(&bytes).unwrap_err(),
        KeyError::TooSmall {
            bits: 1024,
            minimum: 2048
        }
    );
    assert_eq!(
        KeyLoader::default().load(&bytes).unwrap_err(),
        KeyError::TooSmall {
            bits: 1024,
            minimum: 2048
        }
    );
    assert_eq!(
        RsaPrivateKey::from_pem(&fixture_text("rsa1024_pkcs8.pem")).unwrap_err(),
        KeyError::TooSmall {
            bits: 1024,
            minimum: 2048
        }
    );
    let legacy = KeyLoader::new().insecure_allow_legacy_1024_bit_keys();
    assert_eq!(legacy.min_bits(), 1024);
    let key = legacy.load(&bytes).unwrap();
    assert_eq!(key.bits(), 1024);
    // And it signs.
    let mut sig = String::new();
    RsaSha::sha1(key.clone())
        .sign(b"base", "", &mut sig)
        .unwrap();
    assert!(signature::verify(
        MethodName::RsaSha1,
        b"base",
        &sig,
        VerifyKey::Rsa(&key.public_key())
    ));
}

#[test]
fn legacy_traditional_encrypted_pem_is_refused_with_advice() {
    let bytes = fixture("rsa2048_legacy_encrypted.pem");
    assert!(fixture_text("rsa2048_legacy_encrypted.pem").contains("Proc-Type: 4,ENCRYPTED"));
    assert_eq!(
        KeyLoader::new().load(&bytes).unwrap_err(),
        KeyError::LegacyEncryptedPem
    );
    let err = KeyLoader::new()
        .load_encrypted(&bytes, PASSPHRASE)
        .unwrap_err();
    assert_eq!(err, KeyError::LegacyEncryptedPem);
    assert!(err.to_string().contains("openssl pkcs8 -topk8"));
}

#[test]
fn pkcs8_pem_export_round_trips() {
    let key = load("rsa2048_pkcs1.pem").unwrap();
    let pem = key.to_pkcs8_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert!(pem.ends_with("-----END PRIVATE KEY-----\n"));
    let again = KeyLoader::new().load(pem.as_bytes()).unwrap();
    assert_is_the_fixture_key(&again, "round trip");
    // PKCS#8 DER of one RSA key is canonical: our export equals OpenSSL's file.
    assert_eq!(pem.as_str(), fixture_text("rsa2048_pkcs8.pem"));
}

#[test]
fn all_rsa_methods_sign_with_the_fixture_key_and_verify_with_the_public_file() {
    let key = load("rsa2048_pkcs8.pem").unwrap();
    let public = RsaPublicKey::from_pem_or_der(&fixture("rsa2048_public_spki.pem")).unwrap();
    let base = b"GET&https%3A%2F%2Fexample.com%2F&a%3D1";
    for (hash, name) in [
        (RsaHash::Sha1, MethodName::RsaSha1),
        (RsaHash::Sha256, MethodName::RsaSha256),
        (RsaHash::Sha512, MethodName::RsaSha512),
    ] {
        let method = RsaSha::new(hash, key.clone());
        let mut sig = String::new();
        method.sign(base, "", &mut sig).unwrap();
        // 2048-bit signature: 256 bytes, 344 base64 characters.
        assert_eq!(sig.len(), 344);
        assert!(signature::verify(name, base, &sig, VerifyKey::Rsa(&public)));
        assert!(!signature::verify(
            name,
            b"GET&https%3A%2F%2Fexample.com%2F&a%3D2",
            &sig,
            VerifyKey::Rsa(&public)
        ));
        // PKCS#1 v1.5 is deterministic.
        let mut again = String::new();
        method.sign(base, "", &mut again).unwrap();
        assert_eq!(sig, again);
    }
}

#[test]
fn generated_2048_bit_key_signs_and_verifies() {
    let key = RsaPrivateKey::generate(KeyBits::B2048).unwrap();
    assert_eq!(key.bits(), 2048);
    assert_eq!(KeyBits::default(), KeyBits::B2048);
    assert_eq!(KeyBits::from_bits(2048), Some(KeyBits::B2048));
    assert_eq!(KeyBits::from_bits(1024), None);

    let pem = key.public_key_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    let public = RsaPublicKey::from_pem_or_der(pem.as_bytes()).unwrap();
    assert_eq!(public, key.public_key());
    assert_ne!(
        key.public_key_fingerprint().unwrap(),
        expected_fingerprint()
    );

    let mut sig = String::new();
    RsaSha::sha1(key.clone())
        .sign(b"base string", "", &mut sig)
        .unwrap();
    assert!(signature::verify(
        MethodName::RsaSha1,
        b"base string",
        &sig,
        VerifyKey::Rsa(&public)
    ));
    // It survives a PKCS#8 round trip.
    let reloaded = KeyLoader::new()
        .load(key.to_pkcs8_pem().unwrap().as_bytes())
        .unwrap();
    assert_eq!(reloaded.public_key(), public);
}

#[test]
fn pem_with_crlf_line_endings_loads() {
    let crlf = fixture_text("rsa2048_pkcs8.pem").replace('\n', "\r\n");
    assert_is_the_fixture_key(&KeyLoader::new().load(crlf.as_bytes()).unwrap(), "CRLF PEM");
    let public = fixture_text("rsa2048_public_spki.pem").replace('\n', "\r\n");
    assert_eq!(
        RsaPublicKey::from_pem_or_der(public.as_bytes()).unwrap(),
        load("rsa2048_pkcs8.pem").unwrap().public_key()
    );
}

#[test]
fn pem_with_explanatory_text_before_the_boundary_loads() {
    // RFC 7468 §2: "Data before the encapsulation boundaries are permitted, and parsers MUST NOT
    // malfunction when processing such data." `openssl pkcs12 -nodes` writes exactly this when a
    // key is exported from a .p12 file.
    let pem = format!(
        "Bag Attributes\n    localKeyID: 01 00 00 00\nKey Attributes: <No Attributes>\n{}",
        fixture_text("rsa2048_pkcs8.pem")
    );
    let key = KeyLoader::new()
        .load(pem.as_bytes())
        .unwrap_or_else(|e| panic!("PEM with leading explanatory text: {e:?}"));
    assert_is_the_fixture_key(&key, "PEM with leading explanatory text");
}
