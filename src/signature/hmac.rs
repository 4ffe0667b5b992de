use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

use super::{MethodError, SignatureMethod, shared_secret_key};
use crate::credentials::ConsumerSecret;

/// The digest of an [`HmacSha`] signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HmacHash {
    /// `HMAC-SHA1` (RFC 5849 §3.4.2).
    Sha1,
    /// `HMAC-SHA256`.
    Sha256,
    /// `HMAC-SHA512`.
    Sha512,
}

impl HmacHash {
    fn method_name(self) -> &'static str {
        match self {
            Self::Sha1 => "HMAC-SHA1",
            Self::Sha256 => "HMAC-SHA256",
            Self::Sha512 => "HMAC-SHA512",
        }
    }
}

/// `HMAC-SHA1` (RFC 5849 §3.4.2) and its SHA-2 extensions: base64 of
/// HMAC(`encode(consumer_secret)&encode(token_secret)`, base string), through the `hmac` crate.
///
/// The signing key is built for each signature in a buffer that is wiped afterwards; nothing
/// derived from a token secret outlives the call that needed it.
#[derive(Clone)]
pub struct HmacSha {
    consumer_secret: ConsumerSecret,
    hash: HmacHash,
}

impl fmt::Debug for HmacSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSha")
            .field("consumer_secret", &self.consumer_secret)
            .field("hash", &self.hash)
            .finish()
    }
}

impl HmacSha {
    /// An HMAC signer with this digest and consumer secret.
    #[must_use]
    pub fn new(hash: HmacHash, consumer_secret: ConsumerSecret) -> Self {
        Self {
            consumer_secret,
            hash,
        }
    }

    /// `HMAC-SHA1`.
    #[must_use]
    pub fn sha1(consumer_secret: ConsumerSecret) -> Self {
        Self::new(HmacHash::Sha1, consumer_secret)
    }
}

/// The HMAC of `message` under `key`, base64-encoded into `out`.
fn mac_base64<M: Mac + KeyInit>(
    key: &[u8],
    message: &[u8],
    out: &mut String,
) -> Result<(), MethodError> {
    let mut mac = <M as KeyInit>::new_from_slice(key)
        .map_err(|_| MethodError::new("the HMAC implementation refused the signing key"))?;
    mac.update(message);
    STANDARD.encode_string(mac.finalize().into_bytes(), out);
    Ok(())
}

/// The HMAC tag of `message` under `key`, checked against `tag` in constant time.
fn mac_verify<M: Mac + KeyInit>(key: &[u8], message: &[u8], tag: &[u8]) -> bool {
    let Ok(mut mac) = <M as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(message);
    mac.verify_slice(tag).is_ok()
}

impl SignatureMethod for HmacSha {
    fn name(&self) -> &str {
        self.hash.method_name()
    }

    fn sign(&self, base: &[u8], token_secret: &str, out: &mut String) -> Result<(), MethodError> {
        let key = shared_secret_key(&self.consumer_secret, token_secret);
        let key = key.as_bytes();
        match self.hash {
            HmacHash::Sha1 => mac_base64::<hmac::Hmac<sha1::Sha1>>(key, base, out),
            HmacHash::Sha256 => mac_base64::<hmac::Hmac<sha2::Sha256>>(key, base, out),
            HmacHash::Sha512 => mac_base64::<hmac::Hmac<sha2::Sha512>>(key, base, out),
        }
    }
}

pub(super) fn verify(
    hash: HmacHash,
    consumer_secret: &ConsumerSecret,
    token_secret: &str,
    base: &[u8],
    signature: &str,
) -> bool {
    let Ok(tag) = STANDARD.decode(signature) else {
        return false;
    };
    let key = shared_secret_key(consumer_secret, token_secret);
    let key = key.as_bytes();
    match hash {
        HmacHash::Sha1 => mac_verify::<hmac::Hmac<sha1::Sha1>>(key, base, &tag),
        HmacHash::Sha256 => mac_verify::<hmac::Hmac<sha2::Sha256>>(key, base, &tag),
        HmacHash::Sha512 => mac_verify::<hmac::Hmac<sha2::Sha512>>(key, base, &tag),
    }
}
