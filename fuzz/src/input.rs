//! The structured inputs of the fuzz targets, read through `arbitrary`, and [`decode`], which reads
//! them from raw bytes the way `libfuzzer_sys::fuzz_target!` does. The library crate's
//! `tests/fuzz_corpus.rs` includes this file too, to replay the committed corpus on stable.

use arbitrary::{Arbitrary, Unstructured};

/// Reads a `T` from `data` as `libfuzzer_sys::fuzz_target!` does for a typed target: `None` when
/// `data` is shorter than `T`'s minimum size or does not decode (libFuzzer then skips the input).
pub fn decode<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    if data.len() < T::size_hint(0).0 {
        return None;
    }
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// `base_string` and `authorize` targets: a request by its parts.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub struct RequestInput<'a> {
    /// The HTTP method, as text (invalid ones are skipped).
    pub method: &'a str,
    /// The request URI (unparsable ones are skipped).
    pub uri: &'a str,
    /// The `Content-Type`.
    pub content_type: ContentType<'a>,
    /// Whether to sign with a token.
    pub with_token: bool,
    /// The body.
    pub body: &'a [u8],
}

impl RequestInput<'_> {
    /// The method, URI and headers (the `Content-Type`), or `None` when one of them is not
    /// valid HTTP (such inputs are skipped).
    #[must_use]
    pub fn http_parts(&self) -> Option<(http::Method, http::Uri, http::HeaderMap)> {
        let method = http::Method::from_bytes(self.method.as_bytes()).ok()?;
        let uri = self.uri.parse::<http::Uri>().ok()?;
        let mut headers = http::HeaderMap::new();
        if let Some(ct) = self.content_type.bytes() {
            let value = http::HeaderValue::from_bytes(ct).ok()?;
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        Some((method, uri, headers))
    }
}

/// A `Content-Type` choice: the common ones are one byte away.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub enum ContentType<'a> {
    /// No `Content-Type`.
    None,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// A form type in odd case, with `; charset=UTF-8`.
    FormWithCharset,
    /// `application/json`.
    Json,
    /// Any bytes (invalid header values are skipped).
    Raw(&'a [u8]),
}

impl ContentType<'_> {
    /// The header value bytes.
    #[must_use]
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Self::None => None,
            Self::Form => Some(b"application/x-www-form-urlencoded"),
            Self::FormWithCharset => Some(b"Application/X-WWW-Form-URLEncoded ; charset=UTF-8"),
            Self::Json => Some(b"application/json"),
            Self::Raw(raw) => Some(raw),
        }
    }
}

/// `token_response` target: a response by its parts.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub struct ResponseInput<'a> {
    /// The status (invalid ones are skipped).
    pub status: u16,
    /// Headers in order.
    pub headers: Vec<(HeaderChoice<'a>, &'a [u8])>,
    /// The body.
    pub body: &'a [u8],
}

/// A header name: the two that matter are one byte away.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub enum HeaderChoice<'a> {
    /// `WWW-Authenticate`.
    WwwAuthenticate,
    /// `Content-Type`.
    ContentType,
    /// Any other name (invalid ones are skipped).
    Other(&'a str),
}

/// `header_roundtrip` target: the token to sign with.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub enum TokenChoice<'a> {
    /// Consumer-only.
    None,
    /// Atlassian 2LO: an empty `oauth_token`.
    TwoLeggedEmpty,
    /// A token and its secret.
    Some {
        /// `oauth_token`.
        token: &'a str,
        /// The token secret.
        secret: &'a str,
    },
}

/// `header_roundtrip` target: protocol values to sign with.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub struct ProtocolInput<'a> {
    /// The consumer key.
    pub consumer_key: &'a str,
    /// PLAINTEXT rather than HMAC-SHA1.
    pub plaintext: bool,
    /// The token.
    pub token: TokenChoice<'a>,
    /// `oauth_callback`.
    pub callback: Option<&'a str>,
    /// `oauth_verifier`.
    pub verifier: Option<&'a str>,
    /// `realm`.
    pub realm: Option<&'a str>,
    /// `oauth_nonce` (the fixed source's when `None`).
    pub nonce: Option<&'a str>,
    /// `oauth_timestamp` (the fixed clock's when `None`).
    pub timestamp: Option<u64>,
    /// Whether to send `oauth_version`.
    pub version: bool,
    /// An extra protocol parameter.
    pub extra: Option<(&'a str, &'a str)>,
}

/// `callback` target.
#[derive(Debug, Clone, PartialEq, Eq, Arbitrary)]
pub struct CallbackInput<'a> {
    /// The pending request token.
    pub pending: &'a str,
    /// The callback URL or query.
    pub callback: &'a str,
}
