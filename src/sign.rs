//! The signer: an HTTP request plus credentials in, a signed request's working out
//! (RFC 5849 §3).
//!
//! Signing is a pure function of the request, the credentials, the time and the nonce, and it
//! returns its working: besides the `Authorization` header you get the exact
//! [`BaseString`] that was signed, so that a refused signature can be explained.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use crate::base_string::BaseString;
use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::credentials::{ConsumerKey, TokenRef};
use crate::encode;
use crate::error::Error;
use crate::header;
use crate::keys::RsaPrivateKey;
use crate::params::Parameters;
use crate::signature::{RsaSha, SignatureMethod};

/// Whether a `Content-Type` value is `application/x-www-form-urlencoded` (ASCII
/// case-insensitive, parameters such as `; charset=UTF-8` ignored). Only then is the body's
/// content part of the signature (RFC 5849 §3.4.1.3.1).
#[must_use]
pub fn is_form_urlencoded(content_type: &[u8]) -> bool {
    let media = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    media.eq_ignore_ascii_case(b"application/x-www-form-urlencoded")
}

fn has_form_body(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .is_some_and(|ct| is_form_urlencoded(ct.as_bytes()))
}

/// Which token, if any, goes into `oauth_token`.
#[derive(Debug, Clone, Copy, Default)]
enum TokenMode<'a> {
    #[default]
    None,
    Token(TokenRef<'a>),
    EmptyTwoLegged,
}

/// Per-request signing options: token, callback, verifier, realm and friends.
///
/// Built with chained setters; the default signs consumer-only, with `oauth_version="1.0"`.
///
/// ```
/// use bitbucket_oauth::SignOptions;
/// let opts = SignOptions::new().callback("oob").realm("Bitbucket");
/// # let _ = opts;
/// ```
#[derive(Clone)]
pub struct SignOptions<'a> {
    token: TokenMode<'a>,
    callback: Option<&'a str>,
    verifier: Option<&'a str>,
    realm: Option<&'a str>,
    version: bool,
    extra: Vec<(&'a str, &'a str)>,
    nonce: Option<&'a str>,
    timestamp: Option<u64>,
}

impl fmt::Debug for SignOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignOptions")
            .field("token", &self.token)
            .field("callback", &self.callback)
            .field("verifier", &self.verifier.map(|_| "<redacted>"))
            .field("realm", &self.realm)
            .field("version", &self.version)
            .field("extra", &self.extra)
            .field("nonce", &self.nonce)
            .field("timestamp", &self.timestamp)
            .finish()
    }
}

impl Default for SignOptions<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> SignOptions<'a> {
    /// Consumer-only signing, `oauth_version="1.0"` included.
    #[must_use]
    pub fn new() -> Self {
        Self {
            token: TokenMode::None,
            callback: None,
            verifier: None,
            realm: None,
            version: true,
            extra: Vec::new(),
            nonce: None,
            timestamp: None,
        }
    }

    /// Signs with this token (`oauth_token`) and its secret. Use [`crate::Token::as_ref`] to get
    /// one from a typed token. An empty token is refused at signing; see
    /// [`two_legged_empty_token`](Self::two_legged_empty_token).
    #[must_use]
    pub fn token(mut self, token: TokenRef<'a>) -> Self {
        self.token = TokenMode::Token(token);
        self
    }

    /// Atlassian 2-legged OAuth: sends an empty but present `oauth_token=""`, which Bitbucket
    /// Server's "Allow 2-Legged OAuth" expects. Other providers may refuse an empty token, so this
    /// is never done by accident.
    #[must_use]
    pub fn two_legged_empty_token(mut self) -> Self {
        self.token = TokenMode::EmptyTwoLegged;
        self
    }

    /// `oauth_callback` (RFC 5849 §2.1): an absolute URL, or `oob` for out-of-band.
    #[must_use]
    pub fn callback(mut self, callback: &'a str) -> Self {
        self.callback = Some(callback);
        self
    }

    /// `oauth_verifier` (RFC 5849 §2.3).
    #[must_use]
    pub fn verifier(mut self, verifier: &'a str) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// The `realm` of the `Authorization` header (never part of the signature).
    #[must_use]
    pub fn realm(mut self, realm: &'a str) -> Self {
        self.realm = Some(realm);
        self
    }

    /// Whether to send `oauth_version="1.0"` (optional per RFC 5849 §3.1; on by default).
    #[must_use]
    pub fn version(mut self, include: bool) -> Self {
        self.version = include;
        self
    }

    /// An extra protocol parameter, e.g. `oauth_session_handle` for token renewal. The name must
    /// start with `oauth_` and must not be one the signer sets itself.
    #[must_use]
    pub fn extra(mut self, name: &'a str, value: &'a str) -> Self {
        self.extra.push((name, value));
        self
    }

    /// Pins the nonce (tests, reproducible output). Never reuse a nonce against a real provider.
    #[must_use]
    pub fn nonce(mut self, nonce: &'a str) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Pins the timestamp, in seconds since the Unix epoch (tests, reproducible output).
    #[must_use]
    pub fn timestamp(mut self, seconds: u64) -> Self {
        self.timestamp = Some(seconds);
        self
    }
}

const RESERVED: [&str; 9] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_callback",
    "oauth_verifier",
];

struct Inner {
    consumer_key: ConsumerKey,
    method: Box<dyn SignatureMethod>,
    clock: Box<dyn Clock>,
    nonces: Box<dyn NonceSource>,
    clock_offset: AtomicI64,
}

/// Signs requests for one consumer.
///
/// Holds the consumer key, the signature method with its key material, a [`Clock`] and a
/// [`NonceSource`]. Cheap to clone (one reference count) and `Send + Sync`: share one across
/// every thread of a server. Nothing is parsed per call.
///
/// ```
/// use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer};
/// use bitbucket_oauth::clock::{FixedClock, FixedNonce};
/// use bitbucket_oauth::signature::HmacSha;
///
/// let signer = Signer::builder(ConsumerKey::new("key"), HmacSha::sha1(ConsumerSecret::new("secret")))
///     .clock(FixedClock(1_700_000_000))
///     .nonce_source(FixedNonce("abcdefghijklmnopqrst".into()))
///     .build();
/// let request = http::Request::get("https://example.com/path?b=2&a=1").body(Vec::new()).unwrap();
/// let signed = signer.sign(&request, &SignOptions::new()).unwrap();
/// assert_eq!(
///     signed.base_string().as_str(),
///     "GET&https%3A%2F%2Fexample.com%2Fpath&a%3D1%26b%3D2%26oauth_consumer_key%3Dkey%26oauth_nonce%3Dabcdefghijklmnopqrst%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0"
/// );
/// ```
#[derive(Clone)]
pub struct Signer {
    inner: Arc<Inner>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("consumer_key", &self.inner.consumer_key)
            .field("method", &self.inner.method)
            .field("clock", &self.inner.clock)
            .field("nonces", &self.inner.nonces)
            .field("clock_offset", &self.clock_offset())
            .finish()
    }
}

/// Builds a [`Signer`]; see [`Signer::builder`].
#[derive(Debug)]
pub struct SignerBuilder {
    consumer_key: ConsumerKey,
    method: Box<dyn SignatureMethod>,
    clock: Box<dyn Clock>,
    nonces: Box<dyn NonceSource>,
}

impl SignerBuilder {
    /// Replaces the system clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Box::new(clock);
        self
    }

    /// Replaces the random nonce source.
    #[must_use]
    pub fn nonce_source(mut self, nonces: impl NonceSource + 'static) -> Self {
        self.nonces = Box::new(nonces);
        self
    }

    /// The signer.
    #[must_use]
    pub fn build(self) -> Signer {
        Signer {
            inner: Arc::new(Inner {
                consumer_key: self.consumer_key,
                method: self.method,
                clock: self.clock,
                nonces: self.nonces,
                clock_offset: AtomicI64::new(0),
            }),
        }
    }
}

impl Signer {
    /// A signer with the system clock and random nonces.
    #[must_use]
    pub fn new(consumer_key: ConsumerKey, method: impl SignatureMethod + 'static) -> Self {
        Self::builder(consumer_key, method).build()
    }

    /// An `RSA-SHA1` signer, what Bitbucket Server expects.
    #[must_use]
    pub fn rsa_sha1(consumer_key: ConsumerKey, key: RsaPrivateKey) -> Self {
        Self::new(consumer_key, RsaSha::sha1(key))
    }

    /// A builder, to replace the clock or the nonce source.
    #[must_use]
    pub fn builder(
        consumer_key: ConsumerKey,
        method: impl SignatureMethod + 'static,
    ) -> SignerBuilder {
        Self::builder_boxed(consumer_key, Box::new(method))
    }

    /// Like [`builder`](Self::builder), for a method chosen at run time.
    #[must_use]
    pub fn builder_boxed(
        consumer_key: ConsumerKey,
        method: Box<dyn SignatureMethod>,
    ) -> SignerBuilder {
        SignerBuilder {
            consumer_key,
            method,
            clock: Box::new(SystemClock),
            nonces: Box::new(RandomNonce),
        }
    }

    /// The consumer key.
    #[must_use]
    pub fn consumer_key(&self) -> &ConsumerKey {
        &self.inner.consumer_key
    }

    /// The `oauth_signature_method` this signer sends.
    #[must_use]
    pub fn method_name(&self) -> &str {
        self.inner.method.name()
    }

    /// Seconds added to the clock's time for `oauth_timestamp` (0 unless corrected).
    #[must_use]
    pub fn clock_offset(&self) -> i64 {
        self.inner.clock_offset.load(Ordering::Relaxed)
    }

    /// Sets the clock correction, e.g. after a provider answered `timestamp_refused` with its
    /// acceptable window. Shared by every clone of this signer.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.inner.clock_offset.store(seconds, Ordering::Relaxed);
    }

    /// The timestamp the next signature would carry: the clock plus the offset.
    #[must_use]
    pub fn now(&self) -> u64 {
        let now = i128::from(self.inner.clock.now()) + i128::from(self.clock_offset());
        u64::try_from(now.max(0)).unwrap_or(u64::MAX)
    }

    /// Signs an `http::Request`: its method, URI, `Content-Type` and body.
    ///
    /// # Errors
    ///
    /// See [`sign_parts`](Self::sign_parts).
    pub fn sign<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        options: &SignOptions<'_>,
    ) -> Result<Signed, Error> {
        self.sign_parts(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
            options,
        )
    }

    /// Signs a request given by its parts. The body counts only when `Content-Type` is
    /// `application/x-www-form-urlencoded`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUri`] for a URI that is not absolute, [`Error::MalformedEncoding`] for a
    /// bad `%` escape in the query or form body, [`Error::InvalidParameter`] for a bad callback,
    /// an empty token or a reserved extra name, [`Error::DuplicateProtocolParameter`] when the
    /// request already carries a protocol parameter, [`Error::InvalidRealm`],
    /// [`Error::Nonce`] and [`Error::Signing`] when those sources fail.
    pub fn sign_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        options: &SignOptions<'_>,
    ) -> Result<Signed, Error> {
        validate(options)?;

        let timestamp = options.timestamp.unwrap_or_else(|| self.now());
        let mut nonce = String::with_capacity(32);
        match options.nonce {
            Some(n) => nonce.push_str(n),
            None => self.inner.nonces.fill_nonce(&mut nonce)?,
        }
        let timestamp_text = timestamp.to_string();

        let (token, token_secret) = match options.token {
            TokenMode::None => (None, ""),
            TokenMode::Token(t) => (Some(t.token), t.secret),
            TokenMode::EmptyTwoLegged => (Some(""), ""),
        };

        let method_name = self.inner.method.name();
        let mut protocol: Vec<(&str, &str)> = Vec::with_capacity(9 + options.extra.len());
        protocol.push(("oauth_consumer_key", self.inner.consumer_key.as_str()));
        if let Some(token) = token {
            protocol.push(("oauth_token", token));
        }
        protocol.push(("oauth_signature_method", method_name));
        protocol.push(("oauth_timestamp", &timestamp_text));
        protocol.push(("oauth_nonce", &nonce));
        if options.version {
            protocol.push(("oauth_version", "1.0"));
        }
        if let Some(callback) = options.callback {
            protocol.push(("oauth_callback", callback));
        }
        if let Some(verifier) = options.verifier {
            protocol.push(("oauth_verifier", verifier));
        }
        protocol.extend(options.extra.iter().copied());

        let mut params = Parameters::with_capacity(protocol.len() + 8);
        if let Some(query) = uri.query() {
            params.extend_from_query(query)?;
        }
        if has_form_body(headers) {
            params.extend_from_form(body)?;
        }
        if !params.is_empty() {
            if let Some((name, _)) = protocol.iter().find(|(name, _)| params.contains_name(name)) {
                return Err(Error::DuplicateProtocolParameter {
                    name: (*name).to_owned(),
                });
            }
        }
        for (name, value) in &protocol {
            params.push_encoded((*name).to_owned(), encode::encode(value));
        }

        let base_string = BaseString::new(method, uri, &mut params)?;

        let mut signature = String::with_capacity(344);
        self.inner
            .method
            .sign(base_string.as_bytes(), token_secret, &mut signature)
            .map_err(|e| Error::Signing {
                method: method_name.to_owned(),
                reason: e.to_string(),
            })?;

        let mut header_text = String::with_capacity(256 + signature.len());
        header_text.push_str("OAuth ");
        let mut first = true;
        if let Some(realm) = options.realm {
            header_text.push_str("realm=");
            header::push_quoted(&mut header_text, realm);
            first = false;
        }
        for (name, value) in &protocol {
            header::push_param(&mut header_text, &mut first, name, value.as_bytes());
        }
        header::push_param(
            &mut header_text,
            &mut first,
            "oauth_signature",
            signature.as_bytes(),
        );
        let mut authorization =
            HeaderValue::try_from(header_text).map_err(|_| Error::InvalidRealm)?;
        authorization.set_sensitive(true);

        let protocol_params = protocol
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect();

        Ok(Signed {
            authorization,
            base_string,
            signature,
            protocol_params,
            nonce,
            timestamp,
        })
    }
}

fn validate(options: &SignOptions<'_>) -> Result<(), Error> {
    if let TokenMode::Token(t) = options.token {
        if t.token.is_empty() {
            return Err(Error::InvalidParameter {
                name: "oauth_token",
                reason: "the token is empty; for Atlassian 2-legged OAuth use SignOptions::two_legged_empty_token()",
            });
        }
    }
    if let Some(callback) = options.callback {
        if callback != "oob" && !is_absolute_url(callback) {
            return Err(Error::InvalidParameter {
                name: "oauth_callback",
                reason: "must be an absolute URL (scheme://host/...) or `oob`",
            });
        }
    }
    if let Some(realm) = options.realm {
        if !realm.bytes().all(|b| (0x20..0x7F).contains(&b)) {
            return Err(Error::InvalidRealm);
        }
    }
    for (name, _) in &options.extra {
        if !name.starts_with("oauth_")
            || name.len() == "oauth_".len()
            || !name.bytes().all(encode::is_unreserved)
        {
            return Err(Error::InvalidParameter {
                name: "extra protocol parameter",
                reason: "its name must start with `oauth_` and use only letters, digits, `-`, `.`, `_` and `~`",
            });
        }
        if RESERVED.contains(name) {
            return Err(Error::InvalidParameter {
                name: "extra protocol parameter",
                reason: "the signer sets this parameter itself; use the matching SignOptions setter",
            });
        }
    }
    Ok(())
}

fn is_absolute_url(s: &str) -> bool {
    s.parse::<Uri>()
        .ok()
        .is_some_and(|u| u.scheme().is_some() && u.host().is_some_and(|h| !h.is_empty()))
}

/// A signed request's working: the header, the base string, the signature.
///
/// `Debug` redacts the signature and the header (with `PLAINTEXT`, the signature *is* the secret).
#[derive(Clone)]
pub struct Signed {
    authorization: HeaderValue,
    base_string: BaseString,
    signature: String,
    protocol_params: Vec<(String, String)>,
    nonce: String,
    timestamp: u64,
}

impl fmt::Debug for Signed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signed")
            .field("base_string", &self.base_string)
            .field("nonce", &self.nonce)
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
        &self.signature
    }

    /// The nonce used.
    #[must_use]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// The timestamp used.
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// The protocol parameters, plain values, `oauth_signature` last (no `realm`).
    pub fn protocol_parameters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.protocol_params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .chain(std::iter::once((
                "oauth_signature",
                self.signature.as_str(),
            )))
    }

    /// The protocol parameters as `name=value&...`, encoded per RFC 5849 §3.6, for the query
    /// string or form body placements (§3.5.2, §3.5.3).
    #[must_use]
    pub fn to_urlencoded(&self) -> String {
        let mut out = String::with_capacity(256 + self.signature.len());
        for (i, (name, value)) in self.protocol_parameters().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            encode::encode_into(&mut out, value.as_bytes());
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
    /// [`Error::InvalidUri`] if the resulting URI cannot be built.
    pub fn apply_query<B>(&self, request: &mut Request<B>) -> Result<(), Error> {
        let uri = request.uri();
        let mut path_and_query = String::from(uri.path());
        path_and_query.push('?');
        if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
            path_and_query.push_str(query);
            path_and_query.push('&');
        }
        path_and_query.push_str(&self.to_urlencoded());
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(
            path_and_query
                .parse()
                .map_err(|_| Error::InvalidUri(crate::error::UriProblem::Unparsable))?,
        );
        *request.uri_mut() = Uri::from_parts(parts)
            .map_err(|_| Error::InvalidUri(crate::error::UriProblem::Unparsable))?;
        Ok(())
    }

    /// Appends the protocol parameters to a form body (RFC 5849 §3.5.2).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless the request's `Content-Type` is
    /// `application/x-www-form-urlencoded`: only such a body may carry them.
    pub fn apply_form(&self, request: &mut Request<Vec<u8>>) -> Result<(), Error> {
        if !has_form_body(request.headers()) {
            return Err(Error::InvalidParameter {
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
