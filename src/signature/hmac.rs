use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

use super::{SignError, SignatureMethod, shared_secret_key};
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

/// `HMAC-SHA1` (RFC 5849 §3.4.2) and its SHA-2 extensions: base64 of
/// HMAC(`encode(consumer_secret)&encode(token_secret)`, base string).
#[derive(Debug, Clone)]
pub struct HmacSha {
    consumer_secret: ConsumerSecret,
    hash: HmacHash,
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

fn mac<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> M {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <M as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <M as KeyInit>::new(&Default::default()));
    mac.update(message);
    mac
}

fn compute(hash: HmacHash, key: &[u8], message: &[u8], out: &mut String) {
    match hash {
        HmacHash::Sha1 => {
            let tag = mac::<hmac::Hmac<sha1::Sha1>>(key, message)
                .finalize()
                .into_bytes();
            STANDARD.encode_string(tag, out);
        }
        HmacHash::Sha256 => {
            let tag = mac::<hmac::Hmac<sha2::Sha256>>(key, message)
                .finalize()
                .into_bytes();
            STANDARD.encode_string(tag, out);
        }
        HmacHash::Sha512 => {
            let tag = mac::<hmac::Hmac<sha2::Sha512>>(key, message)
                .finalize()
                .into_bytes();
            STANDARD.encode_string(tag, out);
        }
    }
}

impl SignatureMethod for HmacSha {
    fn name(&self) -> &str {
        match self.hash {
            HmacHash::Sha1 => "HMAC-SHA1",
            HmacHash::Sha256 => "HMAC-SHA256",
            HmacHash::Sha512 => "HMAC-SHA512",
        }
    }

    fn sign(&self, base: &[u8], token_secret: &str, out: &mut String) -> Result<(), SignError> {
        let key = shared_secret_key(&self.consumer_secret, token_secret);
        compute(self.hash, key.as_bytes(), base, out);
        Ok(())
    }
}

pub(super) fn verify(
    hash: HmacHash,
    consumer_secret: &ConsumerSecret,
    token_secret: &str,
    base: &[u8],
    signature: &str,
) -> bool {
    let key = shared_secret_key(consumer_secret, token_secret);
    let mut expected = String::new();
    compute(hash, key.as_bytes(), base, &mut expected);
    super::constant_time_eq(expected.as_bytes(), signature.as_bytes())
}
