//! Shared input types of the fuzz targets, and a writer for seed inputs in the byte layout that
//! `arbitrary` reads them from, so that the seed corpus can hold real request and response
//! shapes (see `examples/seed_corpus.rs`).

use arbitrary::Arbitrary;

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

/// Writes values in the byte layout `arbitrary` 1.x reads them from: fixed-size values from the
/// front, the lengths of byte strings from the back, the last field taking the rest.
#[derive(Debug, Default)]
pub struct Seed {
    ops: Vec<Op>,
}

#[derive(Debug)]
enum Op {
    Fixed(Vec<u8>),
    Sized(Vec<u8>),
    Rest(Vec<u8>),
}

impl Seed {
    /// An empty seed.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A `bool`.
    #[must_use]
    pub fn flag(mut self, value: bool) -> Self {
        self.ops.push(Op::Fixed(vec![u8::from(value)]));
        self
    }

    /// A `u16`.
    #[must_use]
    pub fn u16(mut self, value: u16) -> Self {
        self.ops.push(Op::Fixed(value.to_le_bytes().to_vec()));
        self
    }

    /// A `u64`.
    #[must_use]
    pub fn u64(mut self, value: u64) -> Self {
        self.ops.push(Op::Fixed(value.to_le_bytes().to_vec()));
        self
    }

    /// Variant `index` of an enum with `count` variants (derive: `(u32 * count) >> 32`).
    #[must_use]
    pub fn variant(mut self, index: u32, count: u32) -> Self {
        let x = ((2 * u64::from(index) + 1) << 32) / (2 * u64::from(count));
        let x = u32::try_from(x).expect("index < count");
        self.ops.push(Op::Fixed(x.to_le_bytes().to_vec()));
        self
    }

    /// A `&[u8]` or `&str` that is not the last field.
    #[must_use]
    pub fn bytes(mut self, value: impl AsRef<[u8]>) -> Self {
        self.ops.push(Op::Sized(value.as_ref().to_vec()));
        self
    }

    /// The last field, a `&[u8]` or `&str` taking the rest.
    #[must_use]
    pub fn rest(mut self, value: impl AsRef<[u8]>) -> Self {
        self.ops.push(Op::Rest(value.as_ref().to_vec()));
        self
    }

    /// The bytes.
    #[must_use]
    pub fn finish(self) -> Vec<u8> {
        // Walk backwards: the data left when a length is read is everything after it in front
        // order plus the length fields not yet read (its own and later ones).
        let mut remaining = 0usize;
        let mut fields: Vec<Vec<u8>> = Vec::new(); // length fields, last op first
        for op in self.ops.iter().rev() {
            match op {
                Op::Fixed(b) | Op::Rest(b) => remaining += b.len(),
                Op::Sized(b) => {
                    remaining += b.len();
                    // `arbitrary` reads 1 length byte when at most 256 bytes are left, 2 when
                    // at most 65,537, else 4.
                    let width = if remaining < 256 {
                        1
                    } else if remaining < 65_536 {
                        2
                    } else {
                        4
                    };
                    let total = remaining + width;
                    let max = remaining;
                    // Bytes that take part in the value: while `max >> (8 * i) > 0`.
                    let used = (0..width).take_while(|i| (max >> (8 * i)) > 0).count();
                    let be = (b.len() as u64).to_be_bytes();
                    let mut field = be[8 - used..].to_vec();
                    field.resize(width, 0);
                    remaining = total;
                    fields.push(field);
                }
            }
        }
        let mut out = Vec::with_capacity(remaining);
        for op in &self.ops {
            match op {
                Op::Fixed(b) | Op::Sized(b) | Op::Rest(b) => out.extend_from_slice(b),
            }
        }
        // The first length read is the last bytes: the first op's field goes at the very end.
        for field in fields.iter() {
            out.extend_from_slice(field);
        }
        out
    }
}

/// A byte string as a Rust `b"..."` literal, for pasting into a regression test.
#[must_use]
pub fn byte_literal(bytes: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in bytes {
        out.extend(std::ascii::escape_default(b).map(char::from));
    }
    out.push('"');
    out
}

/// Renders decoded fuzz inputs with byte strings as `b"..."` literals and text as `"..."`
/// literals (the derived `Debug` prints bytes as lists of numbers).
pub trait Describe {
    /// The rendering.
    fn describe(&self) -> String;
}

impl Describe for RequestInput<'_> {
    fn describe(&self) -> String {
        let ct = match &self.content_type {
            ContentType::Raw(raw) => format!("Raw({})", byte_literal(raw)),
            other => format!("{other:?}"),
        };
        format!(
            "method: {:?}\nuri: {:?}\ncontent_type: {ct}\nwith_token: {}\nbody: {}",
            self.method,
            self.uri,
            self.with_token,
            byte_literal(self.body)
        )
    }
}

impl Describe for ResponseInput<'_> {
    fn describe(&self) -> String {
        let mut out = format!("status: {}\n", self.status);
        for (name, value) in &self.headers {
            out.push_str(&format!("header: {name:?}: {}\n", byte_literal(value)));
        }
        out.push_str(&format!("body: {}", byte_literal(self.body)));
        out
    }
}

impl Describe for ProtocolInput<'_> {
    fn describe(&self) -> String {
        format!("{self:#?}")
    }
}

impl Describe for CallbackInput<'_> {
    fn describe(&self) -> String {
        format!("pending: {:?}\ncallback: {:?}", self.pending, self.callback)
    }
}
