//! [`Signed`]: a signed request's working, and the ways to put it on a request.

use std::fmt;

use http::header::AUTHORIZATION;
use http::{HeaderValue, Request};

use super::has_form_body;
use super::protocol::{NONCE, Protocol, Span};
use crate::base_string::BaseString;
use crate::error::SignError;
use zeroize::Zeroizing;

/// A signed request's working: the header, the base string, the signature.
///
/// `Debug` redacts the signature and the header (with `PLAINTEXT`, the signature *is* the secret).
#[derive(Clone)]
pub struct Signed {
    pub(super) authorization: HeaderValue,
    pub(super) base_string: BaseString,
    /// The plain protocol values, then the signature (with `PLAINTEXT`, the shared secret:
    /// wiped when dropped).
    pub(super) plain: Zeroizing<String>,
    pub(super) proto: Protocol,
    pub(super) signature: Span,
    pub(super) timestamp: u64,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("base_string", &self.base_string)
            .field("nonce", &self.nonce())
            .field("timestamp", &self.timestamp)
            .field("signature", &"<redacted>")
            .field("authorization", &"<redacted>")
            .finish()
    }
}

impl Signed {
    /// The `Authorization` header value, marked sensitive.
    #[must_use]
    pub fn authorization(&self) -> &HeaderValue {
        &self.authorization
    }

    /// The exact base string that was signed.
    #[must_use]
    pub fn base_string(&self) -> &BaseString {
        &self.base_string
    }

    /// The plain (not percent-encoded) `oauth_signature` value.
    #[must_use]
    pub fn signature(&self) -> &str {
        self.signature.get(&self.plain)
    }

    /// The nonce used.
    #[must_use]
    pub fn nonce(&self) -> &str {
        self.proto.fixed[NONCE].map_or("", |s| s.get(&self.plain))
    }

    /// The timestamp used.
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The protocol parameters, plain values, `oauth_signature` last (no `realm`).
    pub fn protocol_parameters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.proto
            .iter(&self.plain)
            .chain(std::iter::once(("oauth_signature", self.signature())))
    }

    /// The protocol parameters as `name=value&...`, encoded per RFC 5849 §3.6, for the query
    /// string or form body placements (§3.5.2, §3.5.3).
    #[must_use]
    pub fn to_urlencoded(&self) -> String {
        let mut out = String::with_capacity(self.proto.encoded.len() + 160);
        let params = self.proto.iter_encoded(&self.plain).chain(std::iter::once((
            "oauth_signature",
            self.proto.encoded_signature(),
        )));
        for (i, (name, value)) in params.enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
        out
    }

    /// Sets the `Authorization` header of `request` (RFC 5849 §3.5.1, the recommended placement).
    pub fn apply_header<B>(&self, request: &mut Request<B>) {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.authorization.clone());
    }

    /// Appends the protocol parameters to the request URI's query (RFC 5849 §3.5.3).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidUri`] if the resulting URI cannot be built.
    pub fn apply_query<B>(&self, request: &mut Request<B>) -> Result<(), SignError> {
        *request.uri_mut() = crate::uri::append_query(request.uri(), &self.to_urlencoded())?;
        Ok(())
    }

    /// Appends the protocol parameters to a form body (RFC 5849 §3.5.2).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidParameter`] unless the request's `Content-Type` is
    /// `application/x-www-form-urlencoded`: only such a body may carry them.
    pub fn apply_form(&self, request: &mut Request<Vec<u8>>) -> Result<(), SignError> {
        if !has_form_body(request.headers()) {
            return Err(SignError::InvalidParameter {
                name: "Content-Type",
                reason: "the form-body placement needs Content-Type: application/x-www-form-urlencoded",
            });
        }
        let body = request.body_mut();
        if !body.is_empty() {
            body.push(b'&');
        }
        body.extend_from_slice(self.to_urlencoded().as_bytes());
        Ok(())
    }
}
