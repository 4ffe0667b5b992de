//! Signature methods (RFC 5849 §3.4) behind one small, object-safe, fallible trait.
//!
//! | method | type | key |
//! |---|---|---|
//! | `RSA-SHA1` (Bitbucket's) | [`RsaSha`] + [`RsaHash::Sha1`] | RSA private key |
//! | `RSA-SHA256`, `RSA-SHA512` | [`RsaSha`] | RSA private key |
//! | `RSA-SHA*` from any signer | [`RsaSigner`] | whatever the signer holds |
//! | `HMAC-SHA1` | [`HmacSha`] + [`HmacHash::Sha1`] | consumer secret & token secret |
//! | `HMAC-SHA256`, `HMAC-SHA512` | [`HmacSha`] | consumer secret & token secret |
//! | `PLAINTEXT` | [`Plaintext`] | consumer secret & token secret |
//!
//! An RSA key held elsewhere (an HSM, a cloud KMS) plugs in through [`RsaSigner`]: any RustCrypto
//! [`signature::Signer`] of PKCS#1 v1.5 signatures becomes an `RSA-SHA*` method. Anything else
//! implements [`SignatureMethod`] itself.

mod hmac;
#[cfg(feature = "openssl")]
mod openssl;
mod plaintext;
mod rsa;

use std::fmt;
use std::str::FromStr;

pub use self::hmac::{HmacHash, HmacSha};
#[cfg(feature = "openssl")]
#[cfg_attr(docsrs, doc(cfg(feature = "openssl")))]
pub use self::openssl::OpenSslRsaSha;
pub use self::plaintext::Plaintext;
pub use self::rsa::{RsaHash, RsaSha, RsaSigner};

use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::credentials::ConsumerSecret;
use crate::encode;
use crate::keys::RsaPublicKey;

/// A signature method: turns a base string into the value of `oauth_signature`.
///
/// Object safe (`Box<dyn SignatureMethod>`), `Send + Sync`, and fallible: a remote signer that
/// fails reports it instead of panicking.
///
/// ```
/// use bitbucket_oauth::signature::{MethodError, SignatureMethod};
///
/// /// A signer whose key lives elsewhere (an HSM, a KMS...).
/// #[derive(Debug)]
/// struct Remote;
///
/// impl SignatureMethod for Remote {
///     fn name(&self) -> &str { "RSA-SHA1" }
///     fn sign(&self, base_string: &[u8], _token_secret: &str, out: &mut String) -> Result<(), SignError> {
///         // ...ask the HSM to sign `base_string`, base64 the result into `out`...
///         Err(SignError::new("HSM unreachable"))
///     }
/// }
/// let method: Box<dyn SignatureMethod> = Box::new(Remote);
/// assert_eq!(method.sign(b"GET&...", "", &mut String::new()).unwrap_err().to_string(), "HSM unreachable");
/// ```
pub trait SignatureMethod: fmt::Debug + Send + Sync {
    /// The `oauth_signature_method` value, e.g. `RSA-SHA1`.
    fn name(&self) -> &str;

    /// Appends the plain (not percent-encoded) signature of `base_string` to `out`.
    /// `token_secret` is empty when there is no token; RSA methods ignore it.
    ///
    /// # Errors
    ///
    /// [`SignError`] when no signature can be produced.
    fn sign(
        &self,
        base_string: &[u8],
        token_secret: &str,
        out: &mut String,
    ) -> Result<(), SignError>;
}

/// A signature method failed. The message must not contain secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignError(String);

impl SignError {
    /// A failure with a human-readable reason.
    #[must_use]
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SignError {}

/// The names of the signature methods this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MethodName {
    /// `RSA-SHA1`, Bitbucket Server's method.
    #[default]
    RsaSha1,
    /// `RSA-SHA256`.
    RsaSha256,
    /// `RSA-SHA512`.
    RsaSha512,
    /// `HMAC-SHA1`.
    HmacSha1,
    /// `HMAC-SHA256`.
    HmacSha256,
    /// `HMAC-SHA512`.
    HmacSha512,
    /// `PLAINTEXT`.
    Plaintext,
}

impl MethodName {
    /// Every method, in a stable order.
    pub const ALL: [Self; 7] = [
        Self::RsaSha1,
        Self::RsaSha256,
        Self::RsaSha512,
        Self::HmacSha1,
        Self::HmacSha256,
        Self::HmacSha512,
        Self::Plaintext,
    ];

    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaSha1 => "RSA-SHA1",
            Self::RsaSha256 => "RSA-SHA256",
            Self::RsaSha512 => "RSA-SHA512",
            Self::HmacSha1 => "HMAC-SHA1",
            Self::HmacSha256 => "HMAC-SHA256",
            Self::HmacSha512 => "HMAC-SHA512",
            Self::Plaintext => "PLAINTEXT",
        }
    }

    /// Whether the method signs with an RSA private key.
    #[must_use]
    pub const fn is_rsa(self) -> bool {
        matches!(self, Self::RsaSha1 | Self::RsaSha256 | Self::RsaSha512)
    }
}

impl fmt::Display for MethodName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown signature method name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown signature method `{0}`; expected one of RSA-SHA1, RSA-SHA256, RSA-SHA512, HMAC-SHA1, HMAC-SHA256, HMAC-SHA512, PLAINTEXT"
)]
pub struct UnknownMethod(pub String);

impl FromStr for MethodName {
    type Err = UnknownMethod;

    /// Parses a wire name, ASCII case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownMethod(s.to_owned()))
    }
}

/// The HMAC / PLAINTEXT key: `encode(consumer_secret) & encode(token_secret)`
/// ([RFC 5849 §3.4.2](https://www.rfc-editor.org/rfc/rfc5849#section-3.4.2)). The `&` is always
/// there, even when the token secret is empty.
/// The shared-secret key of HMAC-* and PLAINTEXT (RFC 5849 §3.4.2, §3.4.4):
/// `encode(consumer_secret)&encode(token_secret)`, the `&` kept when the token secret is empty.
/// Wiped when dropped.
pub(crate) fn shared_secret_key(
    consumer_secret: &ConsumerSecret,
    token_secret: &str,
) -> Zeroizing<String> {
    let c = consumer_secret.secret();
    let mut key = Zeroizing::new(String::with_capacity(
        (c.len() + token_secret.len()) * 3 + 1,
    ));
    encode::encode_into(&mut key, c.as_bytes());
    key.push('&');
    encode::encode_into(&mut key, token_secret.as_bytes());
    key
}

/// What a verifier needs for the method in question.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum VerifyKey<'a> {
    /// RSA-SHA*: the consumer's public key.
    Rsa(&'a RsaPublicKey),
    /// HMAC-SHA* and PLAINTEXT: both secrets.
    Shared {
        /// The consumer secret.
        consumer_secret: &'a ConsumerSecret,
        /// The token secret (empty when there is none).
        token_secret: &'a str,
    },
}

/// Checks `signature` (plain, as decoded from `oauth_signature`) over `base_string`: what a
/// provider does. Comparisons of shared-secret signatures are constant-time.
///
/// Returns `false` for a wrong signature, a malformed one, or a key of the wrong kind.
#[must_use]
pub fn verify(method: MethodName, base_string: &[u8], signature: &str, key: VerifyKey<'_>) -> bool {
    match (method, key) {
        (MethodName::RsaSha1, VerifyKey::Rsa(k)) => {
            rsa::verify(RsaHash::Sha1, k, base_string, signature)
        }
        (MethodName::RsaSha256, VerifyKey::Rsa(k)) => {
            rsa::verify(RsaHash::Sha256, k, base_string, signature)
        }
        (MethodName::RsaSha512, VerifyKey::Rsa(k)) => {
            rsa::verify(RsaHash::Sha512, k, base_string, signature)
        }
        (
            MethodName::HmacSha1 | MethodName::HmacSha256 | MethodName::HmacSha512,
            VerifyKey::Shared {
                consumer_secret,
                token_secret,
            },
        ) => {
            let hash = match method {
                MethodName::HmacSha1 => HmacHash::Sha1,
                MethodName::HmacSha256 => HmacHash::Sha256,
                _ => HmacHash::Sha512,
            };
            hmac::verify(hash, consumer_secret, token_secret, base_string, signature)
        }
        (
            MethodName::Plaintext,
            VerifyKey::Shared {
                consumer_secret,
                token_secret,
            },
        ) => {
            let expected = shared_secret_key(consumer_secret, token_secret);
            constant_time_eq(expected.as_bytes(), signature.as_bytes())
        }
        _ => false,
    }
}

/// Whether `a` and `b` are equal, in time that depends only on their lengths (`subtle`).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}
