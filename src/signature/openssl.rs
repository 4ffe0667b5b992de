//! `RSA-SHA*` through the system OpenSSL (feature `openssl`).

use std::fmt;

use ::openssl::hash::MessageDigest;
use ::openssl::pkey::{PKey, Private};
use ::openssl::sign::Signer as OsslSigner;
use rsa::pkcs1v15::Signature;
use rsa::pkcs8::EncodePrivateKey as _;

use super::{MethodError, RsaHash, RsaSigner, SignatureMethod};
use crate::keys::{KeyError, KeyLoader, RsaPrivateKey};

/// `RSA-SHA1` (RFC 5849 §3.4.3) and its SHA-2 extensions, signed by the system OpenSSL
/// (feature `openssl`).
///
/// A drop-in alternative to [`RsaSha`](super::RsaSha) behind the same
/// [`SignatureMethod`] trait: RSASSA-PKCS1-v1_5 is deterministic, so both produce the same bytes,
/// and OpenSSL signs faster than the pure-Rust `rsa` crate (benches/README.md has the
/// measurements). The key goes through the crate's own loader first, so the size policy is the same:
/// 2048 bits or more, 1024 only through
/// [`KeyLoader::insecure_allow_legacy_1024_bit_keys`].
///
/// Cheap to clone (OpenSSL reference-counts the key), `Send + Sync`, no lock: share one across
/// threads. OpenSSL blinds every private-key operation.
///
/// ```
/// use bitbucket_oauth::RsaPrivateKey;
/// use bitbucket_oauth::signature::{OpenSslRsaSha, RsaSha, SignatureMethod};
///
/// let key = RsaPrivateKey::from_pem(include_str!("../../tests/data/test_rsa_2048_pkcs8.pem")).unwrap();
/// let fast = OpenSslRsaSha::sha1(&key).unwrap();
/// let (mut a, mut b) = (String::new(), String::new());
/// fast.sign(b"GET&x&y", "", &mut a).unwrap();
/// RsaSha::sha1(key).sign(b"GET&x&y", "", &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
#[derive(Clone)]
pub struct OpenSslRsaSha {
    signer: RsaSigner<OpenSslKey>,
    bits: usize,
}

/// An OpenSSL RSA key that makes PKCS#1 v1.5 signatures with one digest: a RustCrypto
/// [`signature::Signer`], so it plugs into [`RsaSigner`] like any other.
#[derive(Clone)]
struct OpenSslKey {
    key: PKey<Private>,
    hash: RsaHash,
}

impl fmt::Debug for OpenSslKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpenSslKey(<redacted>)")
    }
}

impl signature::Signer<Signature> for OpenSslKey {
    fn try_sign(&self, message: &[u8]) -> Result<Signature, signature::Error> {
        let digest = match self.hash {
            RsaHash::Sha1 => MessageDigest::sha1(),
            RsaHash::Sha256 => MessageDigest::sha256(),
            RsaHash::Sha512 => MessageDigest::sha512(),
        };
        let mut signer =
            OsslSigner::new(digest, &self.key).map_err(signature::Error::from_source)?;
        let bytes = signer
            .sign_oneshot_to_vec(message)
            .map_err(signature::Error::from_source)?;
        Signature::try_from(bytes.as_slice())
    }
}

impl fmt::Debug for OpenSslRsaSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenSslRsaSha")
            .field("hash", &self.signer.hash())
            .field("bits", &self.bits)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl OpenSslRsaSha {
    /// An OpenSSL signer for this digest and key. The key already passed the size policy when
    /// it was loaded.
    ///
    /// # Errors
    ///
    /// [`KeyError::Export`] if the key cannot be serialized, [`KeyError::Invalid`] if OpenSSL
    /// refuses it.
    pub fn new(hash: RsaHash, key: &RsaPrivateKey) -> Result<Self, KeyError> {
        // Policy floor, whatever path produced the key.
        if key.bits() < crate::keys::LEGACY_MIN_BITS {
            return Err(KeyError::TooSmall {
                bits: key.bits(),
                minimum: crate::keys::LEGACY_MIN_BITS,
            });
        }
        // PKCS#8 DER, zeroized on drop.
        let der = key.as_rsa().to_pkcs8_der().map_err(|e| KeyError::Export {
            detail: e.to_string(),
        })?;
        let pkey = PKey::private_key_from_pkcs8(der.as_bytes()).map_err(|e| KeyError::Invalid {
            detail: format!("OpenSSL refused the key: {e}"),
        })?;
        let bits = usize::try_from(pkey.bits()).unwrap_or(0);
        if bits != key.bits() {
            return Err(KeyError::Invalid {
                detail: format!("OpenSSL sees {bits} bits, expected {}", key.bits()),
            });
        }
        Ok(Self {
            signer: RsaSigner::new(hash, OpenSslKey { key: pkey, hash }),
            bits,
        })
    }

    /// `RSA-SHA1`, what Bitbucket Server expects.
    ///
    /// # Errors
    ///
    /// See [`new`](Self::new).
    pub fn sha1(key: &RsaPrivateKey) -> Result<Self, KeyError> {
        Self::new(RsaHash::Sha1, key)
    }

    /// Loads an unencrypted PEM or DER key through `loader` (which sets the size policy) and
    /// hands it to OpenSSL.
    ///
    /// # Errors
    ///
    /// See [`KeyLoader::load`] and [`new`](Self::new).
    pub fn load(hash: RsaHash, loader: &KeyLoader, bytes: &[u8]) -> Result<Self, KeyError> {
        Self::new(hash, &loader.load(bytes)?)
    }

    /// Loads an unencrypted PEM key of at least 2048 bits (the default policy).
    ///
    /// # Errors
    ///
    /// See [`KeyLoader::load`] and [`new`](Self::new).
    pub fn from_pem(hash: RsaHash, pem: &str) -> Result<Self, KeyError> {
        Self::load(hash, &KeyLoader::new(), pem.as_bytes())
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.bits
    }
}

impl SignatureMethod for OpenSslRsaSha {
    fn name(&self) -> &str {
        self.signer.name()
    }

    fn sign(&self, base: &[u8], token_secret: &str, out: &mut String) -> Result<(), MethodError> {
        self.signer.sign(base, token_secret, out)
    }
}
