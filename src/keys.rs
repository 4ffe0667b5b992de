//! RSA keys: loading, size policy, generation, and the public key a Bitbucket admin pastes.
//!
//! Bitbucket Server's Application Link ("Incoming Authentication") wants the consumer's public key
//! as SPKI PEM (`-----BEGIN PUBLIC KEY-----`, what `openssl rsa -pubout` prints);
//! [`RsaPrivateKey::public_key_pem`] produces exactly that.

use std::fmt;
use std::sync::Arc;

use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The smallest RSA modulus accepted by default, in bits.
pub const DEFAULT_MIN_BITS: usize = 2048;
/// The smallest RSA modulus accepted on the explicit legacy path, in bits.
pub const LEGACY_MIN_BITS: usize = 1024;

/// Why a key could not be loaded, generated or exported. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The input is neither PEM nor a DER structure this crate knows.
    #[error("not an RSA private key in PEM or DER form (PKCS#1 or PKCS#8 expected): {detail}")]
    Unrecognized {
        /// What the parser said.
        detail: String,
    },
    /// A PEM block of a type that is not an RSA private key.
    #[error(
        "PEM block `{label}` is not an RSA private key; expected `RSA PRIVATE KEY`, `PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`"
    )]
    UnsupportedPemLabel {
        /// The label after `-----BEGIN `.
        label: String,
    },
    /// A public key (or certificate) was given where the private key is needed.
    #[error(
        "this is a public key or certificate; signing needs the private key (the file you generated the public key from)"
    )]
    PublicKeyGiven,
    /// The key is encrypted and no passphrase was given.
    #[error("the private key is encrypted: supply its passphrase")]
    PassphraseRequired,
    /// Decrypting an encrypted PKCS#8 key failed: wrong passphrase or corrupt data.
    #[error(
        "could not decrypt the private key: wrong passphrase, or a corrupt or unsupported encrypted key"
    )]
    WrongPassphrase,
    /// The encrypted key asks for key-derivation work beyond this loader's limits
    /// ([`MAX_PBKDF2_ITERATIONS`], [`MAX_SCRYPT_MEMORY_BYTES`], [`MAX_SCRYPT_PARALLELIZATION`]).
    #[error(
        "refusing to decrypt the private key: its key derivation asks for {detail}; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
    )]
    KdfTooCostly {
        /// Which parameter, its value and the limit.
        detail: String,
    },
    /// An OpenSSL "traditional" encrypted PEM (`Proc-Type: 4,ENCRYPTED`), which is not supported.
    #[error(
        "legacy OpenSSL-encrypted PEM (Proc-Type header) is not supported; convert it with `openssl pkcs8 -topk8 -in old.pem -out new.pem`"
    )]
    LegacyEncryptedPem,
    /// The key is not RSA (e.g. an EC or Ed25519 PKCS#8 key).
    #[error("the key is not an RSA key; OAuth 1.0a RSA-SHA* signing needs RSA")]
    NotRsa,
    /// The key is structurally invalid.
    #[error("invalid RSA key: {detail}")]
    Invalid {
        /// What the parser said.
        detail: String,
    },
    /// The modulus is smaller than the policy allows.
    #[error(
        "RSA key of {bits} bits is below the minimum of {minimum} bits; generate a 2048-bit or larger key (only test vectors need the explicit legacy path)"
    )]
    TooSmall {
        /// The key's size.
        bits: usize,
        /// The minimum in force.
        minimum: usize,
    },
    /// Key generation failed (bad size or no randomness).
    #[error("could not generate an RSA key: {detail}")]
    Generation {
        /// What went wrong.
        detail: String,
    },
    /// Exporting a key failed.
    #[error("could not export the key: {detail}")]
    Export {
        /// What went wrong.
        detail: String,
    },
}

/// Sizes for [`RsaPrivateKey::generate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyBits {
    /// 2048 bits, the default.
    #[default]
    B2048,
    /// 3072 bits.
    B3072,
    /// 4096 bits.
    B4096,
}

impl KeyBits {
    /// The size in bits.
    #[must_use]
    pub const fn bits(self) -> usize {
        match self {
            Self::B2048 => 2048,
            Self::B3072 => 3072,
            Self::B4096 => 4096,
        }
    }

    /// Maps 2048, 3072 or 4096 to a size; anything else is `None`.
    #[must_use]
    pub const fn from_bits(bits: usize) -> Option<Self> {
        match bits {
            2048 => Some(Self::B2048),
            3072 => Some(Self::B3072),
            4096 => Some(Self::B4096),
            _ => None,
        }
    }
}

/// Loads private keys under a size policy.
///
/// [`KeyLoader::new`] refuses keys under [`DEFAULT_MIN_BITS`]. The published OAuth test vectors
/// use 1024-bit keys; they load only through
/// [`insecure_allow_legacy_1024_bit_keys`](Self::insecure_allow_legacy_1024_bit_keys).
#[derive(Debug, Clone, Copy)]
pub struct KeyLoader {
    min_bits: usize,
}

impl Default for KeyLoader {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyLoader {
    /// A loader that refuses keys under 2048 bits.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            min_bits: DEFAULT_MIN_BITS,
        }
    }

    /// **Insecure.** Accepts keys down to 1024 bits, for published test vectors and old
    /// registrations you are migrating away from. Keys under 1024 bits are still refused.
    #[must_use]
    pub const fn insecure_allow_legacy_1024_bit_keys(mut self) -> Self {
        self.min_bits = LEGACY_MIN_BITS;
        self
    }

    /// The minimum size in force, in bits.
    #[must_use]
    pub const fn min_bits(&self) -> usize {
        self.min_bits
    }

    /// Loads an unencrypted key from PEM or DER bytes, whichever they are.
    ///
    /// # Errors
    ///
    /// A [`KeyError`] that says what the input is and what was expected.
    pub fn load(&self, bytes: &[u8]) -> Result<RsaPrivateKey, KeyError> {
        self.load_inner(bytes, None)
    }

    /// Loads a key that may be an encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`), PEM or DER.
    /// An unencrypted key loads too; the passphrase is then ignored.
    ///
    /// # Errors
    ///
    /// [`KeyError::WrongPassphrase`] when decryption fails, and the errors of [`load`](Self::load).
    pub fn load_encrypted(
        &self,
        bytes: &[u8],
        passphrase: impl AsRef<[u8]>,
    ) -> Result<RsaPrivateKey, KeyError> {
        self.load_inner(bytes, Some(passphrase.as_ref()))
    }

    fn load_inner(
        &self,
        bytes: &[u8],
        passphrase: Option<&[u8]>,
    ) -> Result<RsaPrivateKey, KeyError> {
        let trimmed = trim_ascii_start(bytes);
        let key = if trimmed.starts_with(b"-----BEGIN ") {
            let (label, der) = match pem_rfc7468::decode_vec(trimmed) {
                Ok((label, der)) => (label.to_owned(), Zeroizing::new(der)),
                Err(pem_rfc7468::Error::HeaderDisallowed) => {
                    return Err(KeyError::LegacyEncryptedPem);
                }
                Err(e) => {
                    return Err(KeyError::Unrecognized {
                        detail: format!("PEM: {e}"),
                    });
                }
            };
            match label.as_str() {
                "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&der).map_err(pkcs1_error)?,
                "PRIVATE KEY" => rsa::PrivateKey::from_pkcs8_der(&der).map_err(pkcs8_error)?,
                "ENCRYPTED PRIVATE KEY" => {
                    let pass = passphrase.ok_or(KeyError::PassphraseRequired)?;
                    decrypt_pkcs8(&der, pass)?
                }
                "PUBLIC KEY" | "RSA PUBLIC KEY" | "CERTIFICATE" => {
                    return Err(KeyError::PublicKeyGiven);
                }
                _ => return Err(KeyError::UnsupportedPemLabel { label }),
            }
        } else {
            load_der(bytes, passphrase)?
        };
        RsaPrivateKey::from_rsa(key, self.min_bits)
    }
}

/// Skips explanatory text before the first PEM boundary (RFC 7468 §2 permits it, and
/// `openssl pkcs12 -nodes` writes `Bag Attributes` there). Input without a boundary (DER) is
/// returned unchanged.
fn trim_ascii_start(bytes: &[u8]) -> &[u8] {
    const BEGIN: &[u8] = b"-----BEGIN ";
    bytes
        .windows(BEGIN.len())
        .position(|w| w == BEGIN)
        .map_or(bytes, |start| &bytes[start..])
}

fn load_der(der: &[u8], passphrase: Option<&[u8]>) -> Result<rsa::PrivateKey, KeyError> {
    let pkcs8 = match rsa::PrivateKey::from_pkcs8_der(der) {
        Ok(key) => return Ok(key),
        Err(e) => e,
    };
    if let Ok(key) = rsa::PrivateKey::from_pkcs1_der(der) {
        return Ok(key);
    }
    if rsa::pkcs8::EncryptedPrivateKeyInfoRef::try_from(der).is_ok() {
        let pass = passphrase.ok_or(KeyError::PassphraseRequired)?;
        return decrypt_pkcs8(der, pass);
    }
    if rsa::PublicKey::from_public_key_der(der).is_ok()
        || rsa::PublicKey::from_pkcs1_der(der).is_ok()
    {
        return Err(KeyError::PublicKeyGiven);
    }
    Err(match pkcs8 {
        rsa::pkcs8::Error::PublicKey(_) | rsa::pkcs8::Error::KeyMalformed(_) => pkcs8_error(pkcs8),
        other => KeyError::Unrecognized {
            detail: format!("DER: {other}"),
        },
    })
}

/// The most PBKDF2 iterations an encrypted key may ask for (OpenSSL writes 2,048; current advice
/// is a few hundred thousand): beyond it, loading a key file could take hours.
pub const MAX_PBKDF2_ITERATIONS: u32 = 4_000_000;
/// The most memory an encrypted key's scrypt parameters may ask for (`128 * r * N` bytes).
pub const MAX_SCRYPT_MEMORY_BYTES: u64 = 256 * 1024 * 1024;
/// The most scrypt parallelization (`p`) an encrypted key may ask for.
pub const MAX_SCRYPT_PARALLELIZATION: u16 = 16;

/// Refuses key-derivation parameters that would make loading a key file hang or exhaust memory.
fn check_kdf_cost(der: &[u8]) -> Result<(), KeyError> {
    use rsa::pkcs8::pkcs5::{EncryptionScheme, pbes2::Kdf};
    let Ok(info) = rsa::pkcs8::EncryptedPrivateKeyInfoRef::try_from(der) else {
        return Ok(()); // Not parsable here: the decryption reports it.
    };
    let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        return Ok(());
    };
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => {
            Err(KeyError::KdfTooCostly {
                detail: format!(
                    "PBKDF2 with {} iterations (limit keys::MAX_PBKDF2_ITERATIONS = {MAX_PBKDF2_ITERATIONS})",
                    p.iteration_count
                ),
            })
        }
        Kdf::Scrypt(p) => {
            let memory = 128u64
                .saturating_mul(u64::from(p.block_size))
                .saturating_mul(p.cost_parameter);
            if memory > MAX_SCRYPT_MEMORY_BYTES {
                Err(KeyError::KdfTooCostly {
                    detail: format!(
                        "scrypt needing {memory} bytes of memory (limit keys::MAX_SCRYPT_MEMORY_BYTES = {MAX_SCRYPT_MEMORY_BYTES})"
                    ),
                })
            } else if p.parallelization > MAX_SCRYPT_PARALLELIZATION {
                Err(KeyError::KdfTooCostly {
                    detail: format!(
                        "scrypt with parallelization {} (limit keys::MAX_SCRYPT_PARALLELIZATION = {MAX_SCRYPT_PARALLELIZATION})",
                        p.parallelization
                    ),
                })
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn decrypt_pkcs8(der: &[u8], passphrase: &[u8]) -> Result<rsa::PrivateKey, KeyError> {
    check_kdf_cost(der)?;
    match rsa::PrivateKey::from_pkcs8_encrypted_der(der, passphrase) {
        Ok(key) => Ok(key),
        Err(rsa::pkcs8::Error::EncryptedPrivateKey(_)) => Err(KeyError::WrongPassphrase),
        // A wrong passphrase usually decrypts to garbage that then fails to parse.
        Err(rsa::pkcs8::Error::Asn1(_)) => Err(KeyError::WrongPassphrase),
        Err(e) => Err(pkcs8_error(e)),
    }
}

fn pkcs8_error(e: rsa::pkcs8::Error) -> KeyError {
    match e {
        rsa::pkcs8::Error::PublicKey(rsa::pkcs8::spki::Error::OidUnknown { .. }) => {
            KeyError::NotRsa
        }
        other => KeyError::Invalid {
            detail: other.to_string(),
        },
    }
}

fn pkcs1_error(e: rsa::pkcs1::Error) -> KeyError {
    KeyError::Invalid {
        detail: e.to_string(),
    }
}

/// An RSA private key, parsed once and shared cheaply (`Clone` is a reference count).
///
/// `Debug` shows the size and the public key's fingerprint, never the private key.
#[derive(Clone)]
pub struct RsaPrivateKey {
    inner: Arc<rsa::PrivateKey>,
    bits: usize,
}

impl RsaPrivateKey {
    fn from_rsa(key: rsa::PrivateKey, min_bits: usize) -> Result<Self, KeyError> {
        let bits = key.n().bit_width() as usize;
        if bits < min_bits {
            return Err(KeyError::TooSmall {
                bits,
                minimum: min_bits,
            });
        }
        key.validate().map_err(|e| KeyError::Invalid {
            detail: e.to_string(),
        })?;
        Ok(Self {
            inner: Arc::new(key),
            bits,
        })
    }

    /// Loads an unencrypted PEM key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`) of at
    /// least 2048 bits.
    ///
    /// # Errors
    ///
    /// See [`KeyLoader::load`].
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        KeyLoader::new().load(pem.as_bytes())
    }

    /// Loads an unencrypted DER key (PKCS#8 or PKCS#1) of at least 2048 bits.
    ///
    /// # Errors
    ///
    /// See [`KeyLoader::load`].
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        KeyLoader::new().load(der)
    }

    /// Loads an encrypted PKCS#8 key (PEM or DER) of at least 2048 bits.
    ///
    /// # Errors
    ///
    /// See [`KeyLoader::load_encrypted`].
    pub fn from_encrypted(bytes: &[u8], passphrase: impl AsRef<[u8]>) -> Result<Self, KeyError> {
        KeyLoader::new().load_encrypted(bytes, passphrase)
    }

    /// Generates a new key pair with the operating system's CSPRNG. 2048 bits takes a second or
    /// so in a release build (much longer in a debug build); 4096 bits considerably longer.
    ///
    /// # Errors
    ///
    /// [`KeyError::Generation`] when no randomness is available.
    pub fn generate(bits: KeyBits) -> Result<Self, KeyError> {
        let key = rsa::PrivateKey::new(&mut rand::rngs::SysRng, bits.bits()).map_err(|e| {
            KeyError::Generation {
                detail: e.to_string(),
            }
        })?;
        Self::from_rsa(key, DEFAULT_MIN_BITS)
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// The private key as unencrypted PKCS#8 PEM, to save it (with file mode 0600!).
    ///
    /// # Errors
    ///
    /// [`KeyError::Export`] if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.inner
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Export {
                detail: e.to_string(),
            })
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`): what a Bitbucket admin pastes
    /// into Application Links -> Incoming Authentication -> Public Key.
    ///
    /// # Errors
    ///
    /// [`KeyError::Export`] if encoding fails.
    pub fn public_key_pem(&self) -> Result<String, KeyError> {
        self.inner
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError::Export {
                detail: e.to_string(),
            })
    }

    /// The public key as SPKI DER.
    ///
    /// # Errors
    ///
    /// [`KeyError::Export`] if encoding fails.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KeyError> {
        self.inner
            .to_public_key()
            .to_public_key_der()
            .map(|doc| doc.as_bytes().to_vec())
            .map_err(|e| KeyError::Export {
                detail: e.to_string(),
            })
    }

    /// SHA-256 of the SPKI DER public key, as 64 lowercase hex digits: the same value as
    /// `openssl pkey -pubin -in pub.pem -outform DER | sha256sum`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Export`] if encoding fails.
    pub fn public_key_fingerprint(&self) -> Result<String, KeyError> {
        let digest = Sha256::digest(self.public_key_der()?);
        Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The underlying `rsa` crate key, for interoperation.
    #[must_use]
    pub fn as_rsa(&self) -> &rsa::PrivateKey {
        &self.inner
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> RsaPublicKey {
        RsaPublicKey {
            inner: self.inner.to_public_key(),
        }
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("bits", &self.bits)
            .field("private", &"<redacted>")
            .finish()
    }
}

/// An RSA public key, for verifying signatures (a provider's side, tests).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaPublicKey {
    inner: rsa::PublicKey,
}

impl RsaPublicKey {
    /// Parses an SPKI PEM (`BEGIN PUBLIC KEY`), a PKCS#1 PEM (`BEGIN RSA PUBLIC KEY`), or either
    /// as DER.
    ///
    /// # Errors
    ///
    /// [`KeyError::Unrecognized`] when the input is neither.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Self, KeyError> {
        let trimmed = trim_ascii_start(bytes);
        let inner = if trimmed.starts_with(b"-----BEGIN ") {
            let text = std::str::from_utf8(trimmed).map_err(|_| KeyError::Unrecognized {
                detail: "PEM is not UTF-8".into(),
            })?;
            rsa::PublicKey::from_public_key_pem(text)
                .or_else(|_| rsa::PublicKey::from_pkcs1_pem(text))
        } else {
            rsa::PublicKey::from_public_key_der(bytes)
                .or_else(|_| rsa::PublicKey::from_pkcs1_der(bytes))
        }
        .map_err(|e| KeyError::Unrecognized {
            detail: e.to_string(),
        })?;
        Ok(Self { inner })
    }

    /// The underlying `rsa` crate key.
    #[must_use]
    pub fn as_rsa(&self) -> &rsa::PublicKey {
        &self.inner
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(&self) -> usize {
        self.inner.n().bit_width() as usize
    }
}
