//! `oauth_body_hash`: the OAuth Request Body Hash extension (draft-eaton-oauth-bodyhash-00).
//!
//! RFC 5849 signs a request's body only when it is `application/x-www-form-urlencoded`; a JSON
//! or XML body is not covered by the signature at all. The body hash extension closes that gap:
//! the consumer adds one more protocol parameter, `oauth_body_hash`, the base64 (RFC 2045, with
//! padding) of a hash of the exact body bytes, and signs it like any other protocol parameter.
//! IMS LTI 1.1 (the outcomes service) and Mastercard-style APIs require it.
//!
//! # Turning it on
//!
//! It is opt-in, per signer ([`SignerBuilder::body_hash`](crate::SignerBuilder::body_hash)) or
//! per request ([`SignOptions::body_hash`](crate::SignOptions::body_hash), which overrides the
//! signer's setting both ways):
//!
//! ```
//! use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer};
//! use bitbucket_oauth::signature::HmacSha;
//!
//! let signer = Signer::builder(ConsumerKey::new("consumer"), HmacSha::sha1(ConsumerSecret::new("secret")))
//!     .body_hash(true)
//!     .build();
//! let request = http::Request::put("http://www.example.com/resource")
//!     .header("Content-Type", "text/plain")
//!     .body(b"Hello World!".to_vec())
//!     .unwrap();
//! let signed = signer
//!     .sign(&request, &SignOptions::new().nonce("10369470270925").timestamp(1_236_874_236))
//!     .unwrap();
//! // The draft's section 3.2 value: base64 of SHA-1("Hello World!").
//! assert!(signed.authorization().to_str().unwrap()
//!     .contains(r#"oauth_body_hash="Lve95gjOVATpfV8EL5X4nxwjKHE%3D""#));
//! ```
//!
//! # The rules this module follows
//!
//! - **The hash follows the signature method** (the draft names SHA-1 for `HMAC-SHA1` and
//!   `RSA-SHA1`, and asks each newer method to name its own): SHA-1 for `HMAC-SHA1` and
//!   `RSA-SHA1`, SHA-256 for `HMAC-SHA256` and `RSA-SHA256` (what Mastercard's APIs use),
//!   SHA-512 for `HMAC-SHA512` and `RSA-SHA512`. See [`BodyHashAlgorithm::for_method`].
//! - **`PLAINTEXT` is refused** ([`BodyHashError::Plaintext`]): the draft does not recommend
//!   a body hash under `PLAINTEXT`, which binds nothing to the request (the hash could be
//!   recomputed by anyone who alters the body). A provider that insists anyway can be served by naming the
//!   hash yourself with [`SignerBuilder::body_hash_algorithm`](crate::SignerBuilder::body_hash_algorithm).
//! - **A custom [`SignatureMethod`](crate::signature::SignatureMethod)** whose name is none of
//!   the six above gets no guessed hash: [`BodyHashError::UnknownMethod`] says to name one with
//!   [`SignerBuilder::body_hash_algorithm`](crate::SignerBuilder::body_hash_algorithm).
//! - **An empty body** (a `GET`, a `DELETE`) is hashed as the empty string (draft §3.2).
//! - **A form-encoded body never carries it** (draft §4.1.1: a consumer MUST NOT send
//!   `oauth_body_hash` with an `application/x-www-form-urlencoded` body, whose parameters are
//!   signed already). A signer with body hashing on simply leaves such requests without it; a
//!   request that asks for it explicitly with `SignOptions::body_hash(true)` is refused with
//!   [`BodyHashError::FormEncodedBody`].
//! - The parameter goes through the signer's one base-string writer and one header writer, like
//!   every other protocol parameter; `SignOptions::extra("oauth_body_hash", ..)` is refused so
//!   that it cannot appear twice.

use base64::Engine as _;
use sha1::Digest as _;

use crate::signature::MethodName;

/// The protocol parameter's name.
pub const PARAMETER: &str = "oauth_body_hash";

/// The hash function of `oauth_body_hash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyHashAlgorithm {
    /// SHA-1 (FIPS 180-4), for `HMAC-SHA1` and `RSA-SHA1`.
    Sha1,
    /// SHA-256, for `HMAC-SHA256` and `RSA-SHA256`.
    Sha256,
    /// SHA-512, for `HMAC-SHA512` and `RSA-SHA512`.
    Sha512,
}

impl BodyHashAlgorithm {
    /// The hash that goes with a signature method's wire name (ASCII case-insensitive).
    ///
    /// ```
    /// use bitbucket_oauth::{BodyHashAlgorithm, BodyHashError};
    /// assert_eq!(BodyHashAlgorithm::for_method("RSA-SHA256"), Ok(BodyHashAlgorithm::Sha256));
    /// assert_eq!(BodyHashAlgorithm::for_method("PLAINTEXT"), Err(BodyHashError::Plaintext));
    /// ```
    ///
    /// # Errors
    ///
    /// [`BodyHashError::Plaintext`] for `PLAINTEXT`, [`BodyHashError::UnknownMethod`] for any
    /// other name than the six `HMAC-SHA*` and `RSA-SHA*` methods.
    pub fn for_method(method: &str) -> Result<Self, BodyHashError> {
        match method.parse::<MethodName>() {
            Ok(MethodName::HmacSha1 | MethodName::RsaSha1) => Ok(Self::Sha1),
            Ok(MethodName::HmacSha256 | MethodName::RsaSha256) => Ok(Self::Sha256),
            Ok(MethodName::HmacSha512 | MethodName::RsaSha512) => Ok(Self::Sha512),
            Ok(MethodName::Plaintext) => Err(BodyHashError::Plaintext),
            _ => Err(BodyHashError::UnknownMethod {
                method: method.to_owned(),
            }),
        }
    }

    /// The `oauth_body_hash` value of `body`: base64 (with padding) of its hash.
    ///
    /// ```
    /// use bitbucket_oauth::BodyHashAlgorithm;
    /// // draft-eaton-oauth-bodyhash-00, Appendix A.2: the hash of an empty body.
    /// assert_eq!(BodyHashAlgorithm::Sha1.hash(b""), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    /// ```
    #[must_use]
    pub fn hash(self, body: &[u8]) -> String {
        let b64 = base64::engine::general_purpose::STANDARD;
        match self {
            Self::Sha1 => b64.encode(sha1::Sha1::digest(body)),
            Self::Sha256 => b64.encode(sha2::Sha256::digest(body)),
            Self::Sha512 => b64.encode(sha2::Sha512::digest(body)),
        }
    }

    /// The algorithm's name, as the hash specifications write it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA-1",
            Self::Sha256 => "SHA-256",
            Self::Sha512 => "SHA-512",
        }
    }
}

/// Whether and how a signer adds `oauth_body_hash` (see
/// [`SignerBuilder::body_hash`](crate::SignerBuilder::body_hash)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Setting {
    /// Only on requests that ask for it.
    #[default]
    Off,
    /// On every request without a form body, hashed as the signature method says.
    On,
    /// On every request without a form body (unless one opts out), with this hash whatever the
    /// method; it also serves the requests that opt in.
    With(BodyHashAlgorithm),
}

/// Why no `oauth_body_hash` can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyHashError {
    /// The request asked for it, but its body is `application/x-www-form-urlencoded`.
    #[error(
        "oauth_body_hash is not allowed on an application/x-www-form-urlencoded body (draft-eaton-oauth-bodyhash §4.1.1: its parameters are signed already); drop SignOptions::body_hash(true) for this request"
    )]
    FormEncodedBody,
    /// The signature method is `PLAINTEXT`.
    #[error(
        "oauth_body_hash with PLAINTEXT protects nothing (the draft does not recommend it): sign with HMAC-SHA1/256/512 or RSA-SHA1/256/512, or, if the provider insists, name the hash with SignerBuilder::body_hash_algorithm"
    )]
    Plaintext,
    /// A custom signature method whose hash this crate does not know.
    #[error(
        "the signature method `{method}` names no body hash algorithm; name one with SignerBuilder::body_hash_algorithm(BodyHashAlgorithm::Sha256) (or Sha1, Sha512)"
    )]
    UnknownMethod {
        /// The method's wire name.
        method: String,
    },
}

/// The `oauth_body_hash` value of a request, if it gets one: `asked` is the request's own
/// choice ([`SignOptions::body_hash`](crate::SignOptions::body_hash)), `setting` the signer's,
/// `form` whether the body is form-encoded.
pub(crate) fn for_request(
    setting: Setting,
    asked: Option<bool>,
    method: &str,
    form: bool,
    body: &[u8],
) -> Result<Option<String>, BodyHashError> {
    let wanted = asked.unwrap_or(setting != Setting::Off);
    if !wanted {
        return Ok(None);
    }
    if form {
        return match asked {
            Some(true) => Err(BodyHashError::FormEncodedBody),
            // The signer's policy: every request that may carry it.
            _ => Ok(None),
        };
    }
    let algorithm = match setting {
        Setting::With(algorithm) => algorithm,
        Setting::Off | Setting::On => BodyHashAlgorithm::for_method(method)?,
    };
    Ok(Some(algorithm.hash(body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_of_hello_world_are_the_published_digests() {
        // SHA-1 per draft-eaton-oauth-bodyhash-00 Appendix A.1; SHA-256 and SHA-512
        // are the FIPS 180-4 digests of the same 12 bytes, base64-encoded.
        let body = b"Hello World!";
        assert_eq!(
            BodyHashAlgorithm::Sha1.hash(body),
            "Lve95gjOVATpfV8EL5X4nxwjKHE="
        );
        assert_eq!(
            BodyHashAlgorithm::Sha256.hash(body),
            "f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk="
        );
        assert_eq!(
            BodyHashAlgorithm::Sha512.hash(body),
            "hhhE1nBOhXP+w02WfiC8/vPUJM9IvgTm3AjyvVjHKXQzcQFerYkcw88cnTS0kmS1EHUbH/nlN5N7xGtdb/TsyA=="
        );
    }

    #[test]
    fn the_method_names_the_hash() {
        for (method, algorithm) in [
            ("HMAC-SHA1", BodyHashAlgorithm::Sha1),
            ("RSA-SHA1", BodyHashAlgorithm::Sha1),
            ("HMAC-SHA256", BodyHashAlgorithm::Sha256),
            ("RSA-SHA256", BodyHashAlgorithm::Sha256),
            ("HMAC-SHA512", BodyHashAlgorithm::Sha512),
            ("RSA-SHA512", BodyHashAlgorithm::Sha512),
        ] {
            assert_eq!(BodyHashAlgorithm::for_method(method), Ok(algorithm));
        }
        assert_eq!(
            BodyHashAlgorithm::for_method("PLAINTEXT"),
            Err(BodyHashError::Plaintext)
        );
        assert_eq!(
            BodyHashAlgorithm::for_method("RSA-PSS"),
            Err(BodyHashError::UnknownMethod {
                method: "RSA-PSS".into()
            })
        );
    }

    #[test]
    fn the_request_and_the_signer_decide_together() {
        let on = Setting::On;
        let off = Setting::Off;
        let sha512 = Setting::With(BodyHashAlgorithm::Sha512);
        let hello = b"Hello World!";
        let sha1 = Some("Lve95gjOVATpfV8EL5X4nxwjKHE=".to_owned());
        assert_eq!(for_request(off, None, "HMAC-SHA1", false, hello), Ok(None));
        assert_eq!(
            for_request(on, None, "HMAC-SHA1", false, hello),
            Ok(sha1.clone())
        );
        assert_eq!(
            for_request(on, Some(false), "HMAC-SHA1", false, hello),
            Ok(None)
        );
        assert_eq!(
            for_request(off, Some(true), "HMAC-SHA1", false, hello),
            Ok(sha1)
        );
        // The signer's policy skips form bodies; an explicit request on one is an error.
        assert_eq!(for_request(on, None, "HMAC-SHA1", true, hello), Ok(None));
        assert_eq!(
            for_request(off, Some(true), "HMAC-SHA1", true, hello),
            Err(BodyHashError::FormEncodedBody)
        );
        // A named hash serves any method, PLAINTEXT included.
        assert_eq!(
            for_request(sha512, None, "PLAINTEXT", false, hello),
            Ok(Some(BodyHashAlgorithm::Sha512.hash(hello)))
        );
        assert_eq!(
            for_request(on, None, "PLAINTEXT", false, hello),
            Err(BodyHashError::Plaintext)
        );
    }
}
