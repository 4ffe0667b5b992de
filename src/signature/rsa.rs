use std::fmt;
use std::marker::PhantomData;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use signature::{SignatureEncoding, Signer, Verifier as _};

use super::{MethodError, SignatureMethod};
use crate::keys::{RsaPrivateKey, RsaPublicKey};

/// The digest of an RSA signature method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaHash {
    /// `RSA-SHA1` (RFC 5849 §3.4.3), Bitbucket Server's method.
    Sha1,
    /// `RSA-SHA256`.
    Sha256,
    /// `RSA-SHA512`.
    Sha512,
}

impl RsaHash {
    /// The `oauth_signature_method` value of RSA with this digest, for every RSA backend.
    pub(crate) fn method_name(self) -> &'static str {
        match self {
            Self::Sha1 => "RSA-SHA1",
            Self::Sha256 => "RSA-SHA256",
            Self::Sha512 => "RSA-SHA512",
        }
    }
}

/// `RSA-SHA1` (RFC 5849 §3.4.3) and its SHA-2 extensions from any RustCrypto
/// [`signature::Signer`] that makes RSASSA-PKCS1-v1_5 signatures: an HSM or cloud-KMS crate,
/// [`rsa::pkcs1v15::SigningKey`], or [`OpenSslRsaSha`](super::OpenSslRsaSha) (feature
/// `openssl`). The signature is base64-encoded here, as §3.4.3 asks.
///
/// The signer must sign with the digest named by `hash`: that is the method name sent in
/// `oauth_signature_method`, and a provider verifying with another digest refuses the signature.
///
/// ```
/// use bitbucket_oauth::signature::{RsaHash, RsaSha, RsaSigner, SignatureMethod};
/// use bitbucket_oauth::RsaPrivateKey;
/// use rsa::pkcs1v15::{Signature, SigningKey};
/// use signature::Signer;
///
/// /// A signer whose key lives elsewhere: here it counts its calls and asks `rsa` to sign.
/// #[derive(Debug)]
/// struct Audited {
///     key: SigningKey<sha1::Sha1>,
///     calls: std::sync::atomic::AtomicUsize,
/// }
///
/// impl Signer<Signature> for Audited {
///     fn try_sign(&self, message: &[u8]) -> Result<Signature, signature::Error> {
///         self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.key.try_sign(message)
///     }
/// }
///
/// let key = RsaPrivateKey::from_pem(include_str!("../../tests/data/test_rsa_2048_pkcs8.pem")).unwrap();
/// let audited = Audited {
///     key: SigningKey::new(key.as_rsa().clone()),
///     calls: Default::default(),
/// };
/// let method = RsaSigner::new(RsaHash::Sha1, audited);
/// let (mut ours, mut default) = (String::new(), String::new());
/// method.sign(b"GET&x&y", "", &mut ours).unwrap();
/// RsaSha::sha1(key).sign(b"GET&x&y", "", &mut default).unwrap();
/// assert_eq!(ours, default); // PKCS#1 v1.5 is deterministic
/// assert_eq!(method.name(), "RSA-SHA1");
/// ```
pub struct RsaSigner<S, Sig = Signature> {
    hash: RsaHash,
    signer: S,
    signature: PhantomData<fn() -> Sig>,
}

impl<S: fmt::Debug, Sig> fmt::Debug for RsaSigner<S, Sig> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSigner")
            .field("hash", &self.hash)
            .field("signer", &self.signer)
            .finish()
    }
}

impl<S: Clone, Sig> Clone for RsaSigner<S, Sig> {
    fn clone(&self) -> Self {
        Self {
            hash: self.hash,
            signer: self.signer.clone(),
            signature: PhantomData,
        }
    }
}

impl<S, Sig> RsaSigner<S, Sig>
where
    S: Signer<Sig>,
    Sig: SignatureEncoding,
{
    /// The `RSA-*` method with this digest, signed by `signer`.
    #[must_use]
    pub fn new(hash: RsaHash, signer: S) -> Self {
        Self {
            hash,
            signer,
            signature: PhantomData,
        }
    }

    /// The signer inside.
    #[must_use]
    pub fn signer(&self) -> &S {
        &self.signer
    }

    /// The digest.
    #[must_use]
    pub fn hash(&self) -> RsaHash {
        self.hash
    }
}

impl<S, Sig> SignatureMethod for RsaSigner<S, Sig>
where
    S: Signer<Sig> + fmt::Debug + Send + Sync,
    Sig: SignatureEncoding,
{
    fn name(&self) -> &str {
        self.hash.method_name()
    }

    fn sign(&self, base: &[u8], _token_secret: &str, out: &mut String) -> Result<(), MethodError> {
        let signature = self
            .signer
            .try_sign(base)
            .map_err(|e| MethodError::new(format!("RSA signing failed: {e}")))?;
        STANDARD.encode_string(signature.to_bytes(), out);
        Ok(())
    }
}

#[derive(Clone)]
enum Keys {
    Sha1(RsaSigner<SigningKey<sha1::Sha1>>),
    Sha256(RsaSigner<SigningKey<sha2::Sha256>>),
    Sha512(RsaSigner<SigningKey<sha2::Sha512>>),
}

/// `RSA-SHA1` (RFC 5849 §3.4.3) and its SHA-2 extensions with the pure-Rust `rsa` crate: an
/// [`RsaSigner`] over [`rsa::pkcs1v15::SigningKey`], which blinds every private-key operation
/// with fresh randomness from the operating system (blinding does not change the signature,
/// which PKCS#1 v1.5 makes deterministic).
///
/// Cheap to clone: the parsed key is shared.
#[derive(Clone)]
pub struct RsaSha {
    keys: Keys,
}

impl fmt::Debug for RsaSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaSha")
            .field("hash", &self.hash())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl RsaSha {
    /// An RSA signer with this digest and key.
    #[must_use]
    pub fn new(hash: RsaHash, key: RsaPrivateKey) -> Self {
        let keys = match hash {
            RsaHash::Sha1 => {
                Keys::Sha1(RsaSigner::new(hash, SigningKey::new(key.as_rsa().clone())))
            }
            RsaHash::Sha256 => {
                Keys::Sha256(RsaSigner::new(hash, SigningKey::new(key.as_rsa().clone())))
            }
            RsaHash::Sha512 => {
                Keys::Sha512(RsaSigner::new(hash, SigningKey::new(key.as_rsa().clone())))
            }
        };
        Self { keys }
    }

    /// `RSA-SHA1`, what Bitbucket Server expects.
    #[must_use]
    pub fn sha1(key: RsaPrivateKey) -> Self {
        Self::new(RsaHash::Sha1, key)
    }

    /// The digest.
    #[must_use]
    pub fn hash(&self) -> RsaHash {
        match self.keys {
            Keys::Sha1(_) => RsaHash::Sha1,
            Keys::Sha256(_) => RsaHash::Sha256,
            Keys::Sha512(_) => RsaHash::Sha512,
        }
    }
}

impl SignatureMethod for RsaSha {
    fn name(&self) -> &str {
        self.hash().method_name()
    }

    fn sign(&self, base: &[u8], token_secret: &str, out: &mut String) -> Result<(), MethodError> {
        match &self.keys {
            Keys::Sha1(signer) => signer.sign(base, token_secret, out),
            Keys::Sha256(signer) => signer.sign(base, token_secret, out),
            Keys::Sha512(signer) => signer.sign(base, token_secret, out),
        }
    }
}

fn verify_with<D>(key: &RsaPublicKey, base: &[u8], signature: &Signature) -> bool
where
    D: sha2::Digest + rsa::pkcs8::AssociatedOid,
{
    VerifyingKey::<D>::new(key.as_rsa().clone())
        .verify(base, signature)
        .is_ok()
}

pub(super) fn verify(hash: RsaHash, key: &RsaPublicKey, base: &[u8], signature: &str) -> bool {
    let Ok(raw) = STANDARD.decode(signature) else {
        return false;
    };
    let Ok(signature) = Signature::try_from(raw.as_slice()) else {
        return false;
    };
    match hash {
        RsaHash::Sha1 => verify_with::<sha1::Sha1>(key, base, &signature),
        RsaHash::Sha256 => verify_with::<sha2::Sha256>(key, base, &signature),
        RsaHash::Sha512 => verify_with::<sha2::Sha512>(key, base, &signature),
    }
}
