use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rsa::Pkcs1v15Sign;
use sha2::Digest as _;

use super::{SignError, SignatureMethod};
use crate::keys::{RsaPrivateKey, RsaPublicKey};

/// The digest of an [`RsaSha`] signer.
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

/// `RSA-SHA1` (RFC 5849 §3.4.3) and its SHA-2 extensions: RSASSA-PKCS1-v1_5 over the base string,
/// base64-encoded. Signing is blinded with fresh OS randomness on every call (the `rsa` crate's
/// default), which does not change the (deterministic) signature.
///
/// Cheap to clone: the parsed key is shared.
#[derive(Debug, Clone)]
pub struct RsaSha {
    key: RsaPrivateKey,
    hash: RsaHash,
}

impl RsaSha {
    /// An RSA signer with this digest and key.
    #[must_use]
    pub fn new(hash: RsaHash, key: RsaPrivateKey) -> Self {
        Self { key, hash }
    }

    /// `RSA-SHA1`, what Bitbucket Server expects.
    #[must_use]
    pub fn sha1(key: RsaPrivateKey) -> Self {
        Self::new(RsaHash::Sha1, key)
    }
}

fn digest_and_scheme(hash: RsaHash, message: &[u8]) -> (Vec<u8>, Pkcs1v15Sign) {
    match hash {
        RsaHash::Sha1 => (
            sha1::Sha1::digest(message).to_vec(),
            Pkcs1v15Sign::new::<sha1::Sha1>(),
        ),
        RsaHash::Sha256 => (
            sha2::Sha256::digest(message).to_vec(),
            Pkcs1v15Sign::new::<sha2::Sha256>(),
        ),
        RsaHash::Sha512 => (
            sha2::Sha512::digest(message).to_vec(),
            Pkcs1v15Sign::new::<sha2::Sha512>(),
        ),
    }
}

impl SignatureMethod for RsaSha {
    fn name(&self) -> &str {
        self.hash.method_name()
    }

    fn sign(&self, base: &[u8], _token_secret: &str, out: &mut String) -> Result<(), SignError> {
        let (digest, scheme) = digest_and_scheme(self.hash, base);
        let signature = self
            .key
            .as_rsa()
            .sign_with_rng(&mut getrandom::SysRng, scheme, &digest)
            .map_err(|e| SignError::new(format!("RSA signing failed: {e}")))?;
        STANDARD.encode_string(signature, out);
        Ok(())
    }
}

pub(super) fn verify(hash: RsaHash, key: &RsaPublicKey, base: &[u8], signature: &str) -> bool {
    let Ok(raw) = STANDARD.decode(signature) else {
        return false;
    };
    let (digest, scheme) = digest_and_scheme(hash, base);
    key.as_rsa().verify(scheme, &digest, &raw).is_ok()
}
