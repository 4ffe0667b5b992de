//! The signer: an HTTP request plus credentials in, a signed request's working out
//! (RFC 5849 §3).
//!
//! Signing is a pure function of the request, the credentials, the time and the nonce, and it
//! returns its working: besides the `Authorization` header you get the exact
//! [`BaseString`] that was signed, so that a refused signature can be explained.

use std::fmt;
use std::fmt::Write as _;
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
use zeroize::Zeroizing;

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

impl<'a> TokenMode<'a> {
    /// The `oauth_token` value (`None`: no such parameter) and the token secret.
    fn parts(self) -> (Option<&'a str>, &'a str) {
        match self {
            Self::None => (None, ""),
            Self::Token(t) => (Some(t.token), t.secret),
            Self::EmptyTwoLegged => (Some(""), ""),
        }
    }
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
            .field(
                "extra",
                &self
                    .extra
                    .iter()
                    .map(|(name, _)| (*name, "<redacted>"))
                    .collect::<Vec<_>>(),
            )
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
    /// The consumer key's §3.6 encoding, made once.
    consumer_key_encoded: String,
    method: Arc<dyn SignatureMethod>,
    /// The method's name, asked once, and its §3.6 encoding.
    method_name: String,
    method_name_encoded: String,
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
///     signed.base_string().unredacted(),
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
    method: Arc<dyn SignatureMethod>,
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
                consumer_key_encoded: encode::encode(self.consumer_key.as_str()),
                consumer_key: self.consumer_key,
                method_name: self.method.name().to_owned(),
                method_name_encoded: encode::encode(self.method.name()),
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
        Self::builder_arc(consumer_key, Arc::new(method))
    }

    /// Like [`builder`](Self::builder), for a method chosen at run time.
    #[must_use]
    pub fn builder_boxed(
        consumer_key: ConsumerKey,
        method: Box<dyn SignatureMethod>,
    ) -> SignerBuilder {
        Self::builder_arc(consumer_key, Arc::from(method))
    }

    fn builder_arc(consumer_key: ConsumerKey, method: Arc<dyn SignatureMethod>) -> SignerBuilder {
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
        &self.inner.method_name
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
        let mut plain = Zeroizing::new(String::new());
        let (mut proto, timestamp, token_secret) = self.protocol(options, &mut plain)?;
        let base_string = base_string(method, uri, form_of(headers, body), &plain, &proto)?;
        let signature = self.signature(base_string.as_bytes(), token_secret, &mut plain)?;
        proto.encode_signature(signature.get(&plain))?;
        let authorization = authorization(options.realm, &proto, &plain)?;
        Ok(Signed {
            authorization,
            base_string,
            plain,
            proto,
            signature,
            timestamp,
        })
    }

    /// The `Authorization` header value alone: the same bytes as
    /// [`sign`](Self::sign)`(..).authorization()`, without keeping the working.
    ///
    /// It is [`sign`](Self::sign) with the working dropped: the same code writes the base
    /// string and the header, so the two cannot disagree. When a provider refuses a signature,
    /// sign the same request again with [`sign`](Self::sign) (pinning the nonce and timestamp
    /// the refused header carried, see [`SignOptions::nonce`]) to get the base string for
    /// [`crate::explain`].
    ///
    /// ```
    /// use bitbucket_oauth::{ConsumerKey, ConsumerSecret, SignOptions, Signer};
    /// use bitbucket_oauth::signature::HmacSha;
    ///
    /// let signer = Signer::new(ConsumerKey::new("key"), HmacSha::sha1(ConsumerSecret::new("secret")));
    /// let mut request = http::Request::get("https://example.com/rest/api/1.0/projects")
    ///     .body(Vec::new())
    ///     .unwrap();
    /// let options = SignOptions::new().nonce("abcdefghijklmnopqrst").timestamp(1_700_000_000);
    /// let header = signer.authorization_header(&request, &options).unwrap();
    /// assert_eq!(&header, signer.sign(&request, &options).unwrap().authorization());
    /// assert!(header.is_sensitive());
    /// request.headers_mut().insert(http::header::AUTHORIZATION, header);
    /// ```
    ///
    /// # Errors
    ///
    /// See [`sign_parts`](Self::sign_parts).
    pub fn authorize<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        options: &SignOptions<'_>,
    ) -> Result<HeaderValue, Error> {
        self.authorization_header_parts(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
            options,
        )
    }

    /// [`authorization_header`](Self::authorization_header) for a request given by its parts.
    ///
    /// # Errors
    ///
    /// See [`sign_parts`](Self::sign_parts).
    pub fn authorization_header_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        options: &SignOptions<'_>,
    ) -> Result<HeaderValue, Error> {
        self.sign_parts(method, uri, headers, body, options)
            .map(|signed| signed.authorization)
    }

    /// Appends the signature of `base` to `plain`; its span there.
    fn signature(
        &self,
        base: &[u8],
        token_secret: &str,
        plain: &mut String,
    ) -> Result<Span, Error> {
        let sig_start = plain.len();
        self.inner
            .method
            .sign(base, token_secret, plain)
            .map_err(|e| Error::Signing {
                method: self.inner.method_name.clone(),
                reason: e.to_string(),
            })?;
        Span::of(sig_start, plain.len())
    }

    /// Checks `options` and writes every plain protocol value into `plain` (empty on entry);
    /// returns where each one is, the timestamp and the token secret.
    fn protocol<'o>(
        &self,
        options: &SignOptions<'o>,
        plain: &mut String,
    ) -> Result<(Protocol, u64, &'o str), Error> {
        validate(options)?;

        let timestamp = options.timestamp.unwrap_or_else(|| self.now());
        let (token, token_secret) = options.token.parts();
        let method_name = self.inner.method_name.as_str();

        // One buffer holds every plain protocol value and then the signature; `Signed` keeps it
        // and hands out slices. The nonce goes first: a `NonceSource` is given an empty string.
        let consumer_key = self.inner.consumer_key.as_str();
        plain.reserve(
            48 + consumer_key.len()
                + token.map_or(0, str::len)
                + method_name.len()
                + options.callback.map_or(0, str::len)
                + options.verifier.map_or(0, str::len)
                + options
                    .extra
                    .iter()
                    .map(|(n, v)| n.len() + v.len())
                    .sum::<usize>()
                + if method_name.starts_with("RSA") {
                    704
                } else {
                    96
                },
        );
        match options.nonce {
            Some(n) => plain.push_str(n),
            None => self.inner.nonces.fill_nonce(plain)?,
        }
        let mut proto = Protocol::default();
        proto.fixed[NONCE] = Some(Span::of(0, plain.len())?);
        let start = plain.len();
        write!(plain, "{timestamp}").map_err(|_| Error::InvalidParameter {
            name: "oauth_timestamp",
            reason: "could not be written",
        })?;
        proto.fixed[TIMESTAMP] = Some(Span::of(start, plain.len())?);
        proto.fixed[CONSUMER_KEY] = Some(Span::push(plain, consumer_key)?);
        if let Some(token) = token {
            proto.fixed[TOKEN] = Some(Span::push(plain, token)?);
        }
        proto.fixed[SIGNATURE_METHOD] = Some(Span::push(plain, method_name)?);
        if options.version {
            proto.fixed[VERSION] = Some(Span::push(plain, "1.0")?);
        }
        if let Some(callback) = options.callback {
            proto.fixed[CALLBACK] = Some(Span::push(plain, callback)?);
        }
        if let Some(verifier) = options.verifier {
            proto.fixed[VERIFIER] = Some(Span::push(plain, verifier)?);
        }
        if !options.extra.is_empty() {
            proto.extra.reserve_exact(options.extra.len());
            for (name, value) in &options.extra {
                let name = Span::push(plain, name)?;
                let value = Span::push(plain, value)?;
                proto.extra.push((name, value));
            }
        }

        proto.encode_values(
            plain,
            &self.inner.consumer_key_encoded,
            &self.inner.method_name_encoded,
        )?;
        Ok((proto, timestamp, token_secret))
    }
}

/// Positions of the fixed protocol parameters in [`Protocol::fixed`], in header order.
const CONSUMER_KEY: usize = 0;
const TOKEN: usize = 1;
const SIGNATURE_METHOD: usize = 2;
const TIMESTAMP: usize = 3;
const NONCE: usize = 4;
const VERSION: usize = 5;
const CALLBACK: usize = 6;
const VERIFIER: usize = 7;
const FIXED_NAMES: [&str; 8] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_callback",
    "oauth_verifier",
];

/// The fixed slots in the byte order of their names.
const SLOTS_BY_NAME: [usize; 8] = [
    CALLBACK,
    CONSUMER_KEY,
    NONCE,
    SIGNATURE_METHOD,
    TIMESTAMP,
    TOKEN,
    VERIFIER,
    VERSION,
];

/// A byte range of the plain-values buffer of a [`Signed`].
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(start: usize, end: usize) -> Result<Self, Error> {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) => Ok(Self { start, end }),
            _ => Err(Error::InvalidParameter {
                name: "protocol parameters",
                reason: "longer than 4 GiB in all",
            }),
        }
    }

    /// Appends the §3.6 encoding of `value` to `encoded`; its span there.
    fn encode(encoded: &mut String, value: &str) -> Result<Self, Error> {
        let start = encoded.len();
        encode::encode_into(encoded, value.as_bytes());
        Self::of(start, encoded.len())
    }

    fn push(plain: &mut String, value: &str) -> Result<Self, Error> {
        let start = plain.len();
        plain.push_str(value);
        Self::of(start, plain.len())
    }

    fn get(self, plain: &str) -> &str {
        plain
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// The protocol parameters in header order: spans of their plain values in the plain-values
/// buffer, and their RFC 5849 §3.6 encodings, made once and used by the base string, the
/// header and the urlencoded form.
#[derive(Debug, Clone, Default)]
struct Protocol {
    fixed: [Option<Span>; 8],
    /// `SignOptions::extra` pairs; empty (and unallocated) unless there are some.
    extra: Vec<(Span, Span)>,
    /// The encoded values, in [`iter`](Self::iter) order, then the encoded signature. Wiped
    /// when dropped: it holds the verifier, and with `PLAINTEXT` the shared secret.
    encoded: Zeroizing<String>,
    encoded_fixed: [Option<Span>; 8],
    encoded_extra: Vec<Span>,
    encoded_signature: Option<Span>,
}

impl Protocol {
    /// `(name, plain value)` in header order.
    fn iter<'s>(&'s self, plain: &'s str) -> impl Iterator<Item = (&'s str, &'s str)> + Clone {
        self.fixed
            .iter()
            .zip(FIXED_NAMES)
            .filter_map(move |(span, name)| span.map(|s| (name, s.get(plain))))
            .chain(
                self.extra
                    .iter()
                    .map(move |(n, v)| (n.get(plain), v.get(plain))),
            )
    }

    /// `(name, encoded value)` in header order. Names need no encoding: the fixed ones are
    /// unreserved text, and [`validate`] holds extra names to unreserved characters.
    fn iter_encoded<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> + Clone {
        let encoded = self.encoded.as_str();
        self.encoded_fixed
            .iter()
            .zip(FIXED_NAMES)
            .filter_map(move |(span, name)| span.map(|s| (name, s.get(encoded))))
            .chain(self.extra_encoded(plain))
    }

    /// `(name, encoded value)` of the extra parameters, in the order they were given.
    fn extra_encoded<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> + Clone {
        let encoded = self.encoded.as_str();
        self.extra
            .iter()
            .zip(&self.encoded_extra)
            .map(move |((n, _), v)| (n.get(plain), v.get(encoded)))
    }

    /// `(name, encoded value)` with the fixed parameters in the byte order of their names (the
    /// order the base string sorts them into, so that sorting finds them in place), then the
    /// extra ones.
    fn iter_encoded_by_name<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> {
        let encoded = self.encoded.as_str();
        SLOTS_BY_NAME
            .iter()
            .filter_map(move |&slot| {
                self.encoded_fixed[slot].map(|s| (FIXED_NAMES[slot], s.get(encoded)))
            })
            .chain(self.extra_encoded(plain))
    }

    /// Encodes every value once; the consumer key's and the method name's encodings are the
    /// signer's, made when it was built.
    fn encode_values(
        &mut self,
        plain: &str,
        consumer_key_encoded: &str,
        method_name_encoded: &str,
    ) -> Result<(), Error> {
        self.encoded.reserve(plain.len() + plain.len() / 2);
        for (slot, span) in self.fixed.iter().enumerate() {
            let Some(span) = span else { continue };
            self.encoded_fixed[slot] = Some(match slot {
                CONSUMER_KEY => Span::push(&mut self.encoded, consumer_key_encoded)?,
                SIGNATURE_METHOD => Span::push(&mut self.encoded, method_name_encoded)?,
                _ => Span::encode(&mut self.encoded, span.get(plain))?,
            });
        }
        for (_, value) in &self.extra {
            let span = Span::encode(&mut self.encoded, value.get(plain))?;
            self.encoded_extra.push(span);
        }
        Ok(())
    }

    /// Encodes the signature, after the values.
    fn encode_signature(&mut self, signature: &str) -> Result<(), Error> {
        self.encoded_signature = Some(Span::encode(&mut self.encoded, signature)?);
        Ok(())
    }

    /// The encoded signature.
    fn encoded_signature(&self) -> &str {
        self.encoded_signature
            .map_or("", |s| s.get(self.encoded.as_str()))
    }
}

/// The error for a request that already carries one of the protocol parameters.
fn duplicate<'p>(
    protocol: impl Iterator<Item = (&'p str, &'p str)>,
    mut request_has: impl FnMut(&str) -> bool,
) -> Result<(), Error> {
    for (name, _) in protocol {
        if request_has(name) {
            return Err(Error::DuplicateProtocolParameter {
                name: name.to_owned(),
            });
        }
    }
    Ok(())
}

/// The form body of a request, when its content type says it is one (RFC 5849 §3.4.1.3.1).
fn form_of<'b>(headers: &HeaderMap, body: &'b [u8]) -> Option<&'b [u8]> {
    has_form_body(headers).then_some(body)
}

/// The base string of a request (RFC 5849 §3.4.1): its query and form parameters, then the
/// protocol parameters, collected, encoded, sorted and written by [`BaseString::new`].
fn base_string(
    method: &Method,
    uri: &Uri,
    form: Option<&[u8]>,
    plain: &str,
    proto: &Protocol,
) -> Result<BaseString, Error> {
    let mut params = Parameters::with_capacity(proto.fixed.len() + proto.extra.len() + 8);
    if let Some(query) = uri.query() {
        params.extend_from_query(query)?;
    }
    if let Some(body) = form {
        params.extend_from_form(body)?;
    }
    // Every protocol parameter name starts with `oauth_`.
    if params.iter().any(|(name, _)| name.starts_with("oauth_")) {
        duplicate(proto.iter(plain), |name| params.contains_name(name))?;
    }
    for (name, value) in proto.iter_encoded_by_name(plain) {
        params.push_encoded(name, value);
    }
    BaseString::new(method, uri, &mut params)
}

/// The `Authorization` header value (RFC 5849 §3.5.1) of the protocol parameters and the
/// signature, marked sensitive.
fn authorization(realm: Option<&str>, proto: &Protocol, plain: &str) -> Result<HeaderValue, Error> {
    let params = proto.iter_encoded(plain).chain(std::iter::once((
        "oauth_signature",
        proto.encoded_signature(),
    )));
    let text = header::write_authorization(realm, params);
    let mut authorization = HeaderValue::try_from(text).map_err(|_| Error::InvalidRealm)?;
    authorization.set_sensitive(true);
    Ok(authorization)
}

fn validate(options: &SignOptions<'_>) -> Result<(), Error> {
    if let TokenMode::Token(t) = options.token
        && t.token.is_empty()
    {
        return Err(Error::InvalidParameter {
            name: "oauth_token",
            reason: "the token is empty; for Atlassian 2-legged OAuth use SignOptions::two_legged_empty_token()",
        });
    }
    if let Some(callback) = options.callback
        && callback != "oob"
        && !is_absolute_url(callback)
    {
        return Err(Error::InvalidParameter {
            name: "oauth_callback",
            reason: "must be an absolute URL (scheme://host/...) or `oob`",
        });
    }
    if let Some(realm) = options.realm
        && !realm.bytes().all(|b| (0x20..0x7F).contains(&b))
    {
        return Err(Error::InvalidRealm);
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
    /// The plain protocol values, then the signature (with `PLAINTEXT`, the shared secret:
    /// wiped when dropped).
    plain: Zeroizing<String>,
    proto: Protocol,
    signature: Span,
    timestamp: u64,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_by_name_are_the_fixed_names_in_byte_order() {
        let names: Vec<&str> = SLOTS_BY_NAME
            .iter()
            .map(|&slot| FIXED_NAMES[slot])
            .collect();
        let mut sorted = FIXED_NAMES.to_vec();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
}
