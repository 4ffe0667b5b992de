//! The signer: an HTTP request plus credentials in, a signed request's working out
//! (RFC 5849 §3).
//!
//! Signing is a pure function of the request, the credentials, the time and the nonce, and it
//! returns its working: besides the `Authorization` header you get the exact
//! [`BaseString`] that was signed, so that a refused signature can be explained.

use std::any::Any;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use crate::base_string::{self, BaseString, UriParts};
use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::credentials::{ConsumerKey, TokenRef};
use crate::encode;
use crate::error::Error;
use crate::header;
use crate::keys::RsaPrivateKey;
use crate::params::Parameters;
use crate::signature::{HmacSha, RsaSha, SignatureMethod};

mod fast;

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
    /// The fast lane's text for this consumer key and method (`None`: never take it).
    texts: Option<fast::Texts>,
    /// Whether the method's signatures are public (`HMAC-*`, `RSA-*`: a MAC or a signature),
    /// unlike `PLAINTEXT`'s (the shared secret itself) or an unknown method's.
    public_signatures: bool,
    method: Arc<dyn SignatureMethod>,
    /// The same method when it is this crate's `HMAC-SHA1`: the fast lane then takes its tag.
    hmac_sha1: Option<Arc<HmacSha>>,
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
    method: Arc<dyn SignatureMethod>,
    hmac_sha1: Option<Arc<HmacSha>>,
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
                texts: fast::Texts::new(self.consumer_key.as_str(), self.method.name()),
                public_signatures: ["HMAC-", "RSA-"]
                    .iter()
                    .any(|prefix| self.method.name().starts_with(prefix)),
                consumer_key: self.consumer_key,
                method: self.method,
                hmac_sha1: self.hmac_sha1,
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
        let method = Arc::new(method);
        let hmac_sha1 = (Arc::clone(&method) as Arc<dyn Any + Send + Sync>)
            .downcast::<HmacSha>()
            .ok()
            .filter(|hmac| hmac.is_sha1());
        SignerBuilder {
            hmac_sha1,
            ..Self::builder_arc(consumer_key, method)
        }
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
            hmac_sha1: None,
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
        let mut plain = String::new();
        let (proto, timestamp, token_secret) = self.protocol(options, &mut plain)?;
        let form = form_of(headers, body);
        let mut text = Vec::new();
        let base_string = match write_base_borrowed(method, uri, form, &plain, &proto, &mut text)? {
            Some((first_amp, second_amp)) => BaseString::from_written(text, first_amp, second_amp),
            None => base_string_general(method, uri, form, &plain, &proto)?,
        };
        let signature = self.signature(base_string.as_bytes(), token_secret, &mut plain)?;
        let authorization = authorization(options.realm, &proto, &plain, signature)?;
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
    /// This is the hot path for signing REST calls: the base string and the protocol values
    /// are built in per-thread buffers that are reused, so the header value is the only heap
    /// allocation. When a provider refuses a signature, sign the same request again with
    /// [`sign`](Self::sign) (pinning the nonce and timestamp the refused header carried, see
    /// [`SignOptions::nonce`]) to get the base string for [`crate::explain`].
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
    /// let header = signer.authorize(&request, &options).unwrap();
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
        self.authorize_parts(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
            options,
        )
    }

    /// [`authorize`](Self::authorize) for a request given by its parts.
    ///
    /// # Errors
    ///
    /// See [`sign_parts`](Self::sign_parts).
    pub fn authorize_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        options: &SignOptions<'_>,
    ) -> Result<HeaderValue, Error> {
        let run = |scratch: &mut Scratch| {
            let result = self.authorize_into(scratch, method, uri, headers, body, options);
            scratch.wipe(self.inner.public_signatures);
            result
        };
        SCRATCH
            .try_with(|cell| {
                cell.try_borrow_mut()
                    .ok()
                    .map(|mut scratch| run(&mut scratch))
            })
            .ok()
            .flatten()
            .unwrap_or_else(|| run(&mut Scratch::default()))
    }

    fn authorize_into(
        &self,
        scratch: &mut Scratch,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        options: &SignOptions<'_>,
    ) -> Result<HeaderValue, Error> {
        let Scratch {
            plain,
            base,
            signature,
        } = scratch;
        let form = form_of(headers, body);
        let mut header = None;
        self.fast_lane(
            method,
            uri,
            form,
            options,
            plain,
            base,
            signature,
            &mut header,
        )?;
        if let Some(header) = header {
            return Ok(header);
        }
        plain.clear();
        let (proto, _, token_secret) = self.protocol(options, plain)?;
        if write_base_borrowed(method, uri, form, plain, &proto, base)?.is_none() {
            let general = base_string_general(method, uri, form, plain, &proto)?;
            base.extend_from_slice(general.as_bytes());
        }
        let signature = self.signature(base, token_secret, plain)?;
        authorization(options.realm, &proto, plain, signature)
    }

    /// [`fast::authorize`] when the request and options fit it, into `header`; it stays `None`
    /// otherwise.
    #[allow(clippy::too_many_arguments)]
    fn fast_lane(
        &self,
        method: &Method,
        uri: &Uri,
        form: Option<&[u8]>,
        options: &SignOptions<'_>,
        nonce: &mut String,
        base: &mut Vec<u8>,
        signature: &mut String,
        header: &mut Option<HeaderValue>,
    ) -> Result<(), Error> {
        let Some(texts) = &self.inner.texts else {
            return Ok(());
        };
        if options.realm.is_some() || !options.extra.is_empty() {
            return Ok(());
        }
        validate(options)?;
        let (token, token_secret) = options.token.parts();
        let timestamp = options.timestamp.unwrap_or_else(|| self.now());
        let nonce = match options.nonce {
            Some(n) => n,
            None => {
                nonce.clear();
                self.inner.nonces.fill_nonce(nonce)?;
                nonce.as_str()
            }
        };
        let lane = fast::Lane {
            nonce,
            timestamp,
            token,
            token_secret,
            callback: options.callback,
            verifier: options.verifier,
            version: options.version,
        };
        let signer = match &self.inner.hmac_sha1 {
            Some(hmac) => fast::Method::HmacSha1(hmac),
            None => fast::Method::Any(&*self.inner.method),
        };
        let mut failure = None;
        *header = fast::authorize(
            texts,
            signer,
            method,
            uri,
            form,
            &lane,
            base,
            signature,
            &mut failure,
        );
        failure.map_or(Ok(()), Err)
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
                method: self.inner.method.name().to_owned(),
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
        let method_name = self.inner.method.name();

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
        proto.fixed[TIMESTAMP] = Some(Span::push(
            plain,
            encode::decimal(timestamp, &mut [0u8; 20]),
        )?);
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

        // Protocol values are usually unreserved text (their §3.6 encoding is themselves), which
        // lets both the base string and the header copy them as they are. Every value, extra
        // names included, sits in `plain`: one pass checks them all.
        proto.unreserved = encode::is_all_unreserved(plain.as_bytes());

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

/// The protocol parameters as spans of the plain-values buffer, in header order.
#[derive(Debug, Clone, Default)]
struct Protocol {
    fixed: [Option<Span>; 8],
    /// `SignOptions::extra` pairs; empty (and unallocated) unless there are some.
    extra: Vec<(Span, Span)>,
    /// Whether every name and value is unreserved text, i.e. its own §3.6 encoding.
    unreserved: bool,
}

/// The fixed slots in the byte order of their names (the base string's order).
const SORTED_SLOTS: [usize; 8] = [
    CALLBACK,
    CONSUMER_KEY,
    NONCE,
    SIGNATURE_METHOD,
    TIMESTAMP,
    TOKEN,
    VERIFIER,
    VERSION,
];

impl Protocol {
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
}

/// Pairs kept on the stack up to this many; a longer list spills to one heap vector.
const INLINE_PAIRS: usize = 16;

/// A list of encoded `(name, value)` pairs that lives on the stack while it is short.
struct PairList<'a> {
    inline: [(&'a str, &'a str); INLINE_PAIRS],
    len: usize,
    spill: Vec<(&'a str, &'a str)>,
}

impl<'a> PairList<'a> {
    fn new() -> Self {
        Self {
            inline: [("", ""); INLINE_PAIRS],
            len: 0,
            spill: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, pair: (&'a str, &'a str)) {
        if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = pair;
            self.len += 1;
            return;
        }
        if self.spill.is_empty() {
            self.spill.reserve(INLINE_PAIRS * 4);
            self.spill.extend_from_slice(&self.inline);
        }
        self.spill.push(pair);
    }

    fn as_mut_slice(&mut self) -> &mut [(&'a str, &'a str)] {
        if self.spill.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
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

/// Per-thread buffers of [`Signer::authorize`], reused from call to call.
#[derive(Default)]
struct Scratch {
    /// The protocol values (the general path) or the nonce (the fast lane).
    plain: String,
    base: Vec<u8>,
    /// The fast lane's signature.
    signature: String,
}

impl Scratch {
    /// Empties the buffers. What they held is sent in clear (protocol values, base string),
    /// except a signature that is not public (with `PLAINTEXT` it is the shared secret): those
    /// are zeroed first. Oversized buffers are let go.
    fn wipe(&mut self, public_signatures: bool) {
        if public_signatures {
            self.plain.clear();
            self.signature.clear();
        } else {
            wipe_string(&mut self.plain);
            wipe_string(&mut self.signature);
        }
        self.base.clear();
        for text in [&mut self.plain, &mut self.signature] {
            if text.capacity() > SCRATCH_KEEP {
                *text = String::new();
            }
        }
        if self.base.capacity() > SCRATCH_KEEP {
            self.base = Vec::new();
        }
    }
}

/// Zeroes what `text` holds and empties it.
fn wipe_string(text: &mut String) {
    use zeroize::Zeroize as _;
    let mut bytes = std::mem::take(text).into_bytes();
    bytes.as_mut_slice().zeroize();
    bytes.clear();
    // Empty, hence UTF-8.
    *text = String::from_utf8(bytes).unwrap_or_default();
}

/// Buffers up to this capacity stay with their thread between calls.
const SCRATCH_KEEP: usize = 16 * 1024;

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The general path of the base string: parameters are re-encoded into one shared buffer.
fn base_string_general(
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
    if !params.is_empty() {
        duplicate(proto.iter(plain), |name| params.contains_name(name))?;
    }
    for (name, value) in proto.iter(plain) {
        params.push_encoded_value(name, value.as_bytes());
    }
    BaseString::new(method, uri, &mut params)
}

/// The fast path of [`base_string`]: when every query and form component is sent exactly as
/// RFC 5849 §3.6 encodes it and every protocol value is unreserved text (the usual case), the
/// pairs are borrowed from the request and sorted on the stack, and the base string is the only
/// allocation. Writes into `out` (empty on entry) and returns the offsets of its two `&`;
/// `Ok(None)`, with nothing written, means "take the general path".
fn write_base_borrowed(
    method: &Method,
    uri: &Uri,
    form: Option<&[u8]>,
    plain: &str,
    proto: &Protocol,
    out: &mut Vec<u8>,
) -> Result<Option<(usize, usize)>, Error> {
    if !proto.unreserved || !proto.extra.is_empty() {
        return Ok(None);
    }
    let mut request = PairList::new();
    let mut len = 0;
    let query = uri.query().unwrap_or_default();
    let body = match form.map(std::str::from_utf8) {
        None => "",
        Some(Ok(body)) => body,
        Some(Err(_)) => return Ok(None),
    };
    let mut has_percent = false;
    for input in [query, body] {
        let split = encode::split_canonical(input, |name, value| {
            if name != "oauth_signature" {
                len += name.len() + value.len() + 2;
                request.push((name, value));
            }
        });
        match split {
            Some(percent) => has_percent |= percent,
            None => return Ok(None),
        }
    }
    let request = request.as_mut_slice();
    if request.iter().any(|(n, _)| n.starts_with("oauth_")) {
        duplicate(proto.iter(plain), |name| {
            request.iter().any(|(n, _)| *n == name)
        })?;
    }
    let parts = UriParts::of(uri)?;
    request.sort_unstable();
    for slot in SORTED_SLOTS {
        if let Some(span) = proto.fixed[slot] {
            len += FIXED_NAMES[slot].len() + span.get(plain).len() + 2;
        }
    }
    // Encoding §3.6 output again changes only its `%` signs; protocol values have none.
    let encode_part = if has_percent {
        encode::push_escaping_percent
    } else {
        encode::push_verbatim
    };
    // Every protocol name starts with `oauth_`: request names that do not either sort before
    // all of them or after all of them. Only the ones that do must be merged.
    let below = request.partition_point(|(n, _)| *n <= "oauth_");
    let above = request.partition_point(|(n, _)| *n < "oauth`");
    Ok(Some(base_string::write_into(
        out,
        method,
        &parts,
        len,
        |text| {
            let mut first = true;
            let pair = |text: &mut Vec<u8>, first: &mut bool, (name, value): (&str, &str)| {
                if !*first {
                    text.extend_from_slice(b"%26");
                }
                *first = false;
                encode_part(text, name);
                text.extend_from_slice(b"%3D");
                encode_part(text, value);
            };
            for &p in &request[..below] {
                pair(text, &mut first, p);
            }
            let mut middle = request[below..above].iter().peekable();
            for slot in SORTED_SLOTS {
                let Some(span) = proto.fixed[slot] else {
                    continue;
                };
                let value = span.get(plain);
                while let Some(&p) = middle.next_if(|&&p| p <= (FIXED_NAMES[slot], value)) {
                    pair(text, &mut first, p);
                }
                // `%26name%3D` in one piece; the value is unreserved.
                if first {
                    text.extend_from_slice(&BASE_FRAGMENTS[slot].as_bytes()[3..]);
                } else {
                    push_base_fragment(text, slot);
                }
                first = false;
                text.extend_from_slice(value.as_bytes());
            }
            for &p in middle.chain(&request[above..]) {
                pair(text, &mut first, p);
            }
        },
    )))
}

/// `%26name%3D` for each fixed slot (the base string's separator, name and `=`, encoded).
const BASE_FRAGMENTS: [&str; 8] = [
    "%26oauth_consumer_key%3D",
    "%26oauth_token%3D",
    "%26oauth_signature_method%3D",
    "%26oauth_timestamp%3D",
    "%26oauth_nonce%3D",
    "%26oauth_version%3D",
    "%26oauth_callback%3D",
    "%26oauth_verifier%3D",
];

/// Appends `BASE_FRAGMENTS[slot]`, each arm a literal so that the copy is inlined.
#[inline]
fn push_base_fragment(text: &mut Vec<u8>, slot: usize) {
    text.extend_from_slice(match slot {
        CONSUMER_KEY => b"%26oauth_consumer_key%3D",
        TOKEN => b"%26oauth_token%3D",
        SIGNATURE_METHOD => b"%26oauth_signature_method%3D",
        TIMESTAMP => b"%26oauth_timestamp%3D",
        NONCE => b"%26oauth_nonce%3D",
        VERSION => b"%26oauth_version%3D",
        CALLBACK => b"%26oauth_callback%3D",
        _ => b"%26oauth_verifier%3D",
    });
}

/// Appends `HEADER_FRAGMENTS[slot]`, each arm a literal so that the copy is inlined.
#[inline]
fn push_header_fragment(text: &mut Vec<u8>, slot: usize) {
    text.extend_from_slice(match slot {
        CONSUMER_KEY => b"\", oauth_consumer_key=\"",
        TOKEN => b"\", oauth_token=\"",
        SIGNATURE_METHOD => b"\", oauth_signature_method=\"",
        TIMESTAMP => b"\", oauth_timestamp=\"",
        NONCE => b"\", oauth_nonce=\"",
        VERSION => b"\", oauth_version=\"",
        CALLBACK => b"\", oauth_callback=\"",
        _ => b"\", oauth_verifier=\"",
    });
}

/// `", name="` for each fixed slot: the previous value's closing quote, the separator, the
/// name and the opening quote of an `Authorization` header parameter.
const HEADER_FRAGMENTS: [&str; 8] = [
    "\", oauth_consumer_key=\"",
    "\", oauth_token=\"",
    "\", oauth_signature_method=\"",
    "\", oauth_timestamp=\"",
    "\", oauth_nonce=\"",
    "\", oauth_version=\"",
    "\", oauth_callback=\"",
    "\", oauth_verifier=\"",
];

/// Renders `OAuth realm="..", name="value", ...` into a buffer of exactly the right size (so
/// that `HeaderValue` takes it over without another allocation) and marks it sensitive.
fn authorization(
    realm: Option<&str>,
    proto: &Protocol,
    plain: &str,
    signature: Span,
) -> Result<HeaderValue, Error> {
    let signature = signature.get(plain);
    // The exact length of what is written below.
    let mut len = "OAuth ".len();
    let mut any = false;
    if let Some(realm) = realm {
        len += "realm=\"\"".len()
            + realm.len()
            + realm.bytes().filter(|&b| b == b'"' || b == b'\\').count();
        any = true;
    }
    let fixed_fast = proto.unreserved;
    if fixed_fast {
        let mut n = 0;
        for (slot, span) in proto.fixed.iter().enumerate() {
            if let Some(span) = span {
                len += HEADER_FRAGMENTS[slot].len() + (span.end - span.start) as usize;
                n += 1;
            }
        }
        if n > 0 {
            // The first fragment loses `", ` (or `"` after a realm); one closing quote.
            len = len + 1 - if any { 1 } else { 3 };
            any = true;
        }
    }
    let mut general = |name: &str, value: &str| {
        len += usize::from(any) * 2 + name.len() + 3 + encode::encoded_len(value.as_bytes());
        any = true;
    };
    if fixed_fast {
        for (name, value) in &proto.extra {
            general(name.get(plain), value.get(plain));
        }
    } else {
        for (name, value) in proto.iter(plain) {
            general(name, value);
        }
    }
    len += usize::from(any) * 2
        + "oauth_signature=\"\"".len()
        + encode::encoded_len(signature.as_bytes());
    let mut text = Vec::with_capacity(len);
    text.extend_from_slice(b"OAuth ");
    let mut first = true;
    // What needs `header`'s general helpers goes through this string (never in the usual case).
    let mut rest = String::new();
    if let Some(realm) = realm {
        if proto.unreserved {
            text.extend_from_slice(b"realm=\"");
            for &b in realm.as_bytes() {
                if b == b'"' || b == b'\\' {
                    text.push(b'\\');
                }
                text.push(b);
            }
            text.push(b'"');
        } else {
            rest.push_str("realm=");
            header::push_quoted(&mut rest, realm);
        }
        first = false;
    }
    if proto.unreserved {
        // Unreserved text is its own encoding: copy it, with the static pieces between values
        // in one piece each.
        let mut open = false;
        for (slot, span) in proto.fixed.iter().enumerate() {
            let Some(span) = span else { continue };
            let fragment = HEADER_FRAGMENTS[slot].as_bytes();
            match (open, first) {
                (true, _) => push_header_fragment(&mut text, slot),
                (false, true) => text.extend_from_slice(&fragment[3..]),
                (false, false) => text.extend_from_slice(&fragment[1..]),
            }
            text.extend_from_slice(span.get(plain).as_bytes());
            open = true;
            first = false;
        }
        if open {
            text.push(b'"');
        }
    }
    if proto.unreserved {
        for (name, value) in &proto.extra {
            let (name, value) = (name.get(plain), value.get(plain));
            header::push_param(&mut rest, &mut first, name, value.as_bytes());
        }
    } else {
        for (name, value) in proto.iter(plain) {
            header::push_param(&mut rest, &mut first, name, value.as_bytes());
        }
    }
    text.extend_from_slice(rest.as_bytes());
    text.extend_from_slice(if first {
        b"oauth_signature=\""
    } else {
        b", oauth_signature=\""
    });
    encode::encode_exact(&mut text, signature.as_bytes());
    text.push(b'"');
    debug_assert_eq!(text.len(), len, "authorization length");
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
    /// The plain protocol values, then the signature.
    plain: String,
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
        let mut out = String::with_capacity(256 + self.signature().len());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The borrowed fast path, whenever it applies, builds exactly the general path's string.
    #[test]
    fn fast_and_general_paths_agree() {
        let mut plain = String::new();
        let mut proto = Protocol::default();
        for (slot, value) in [
            (CONSUMER_KEY, "ck"),
            (SIGNATURE_METHOD, "HMAC-SHA1"),
            (TIMESTAMP, "137131201"),
            (NONCE, "7d8f3e4a"),
            (VERSION, "1.0"),
        ] {
            proto.fixed[slot] = Some(Span::push(&mut plain, value).unwrap());
        }
        proto.unreserved = encode::is_all_unreserved(plain.as_bytes());
        assert!(proto.unreserved);
        let queries = [
            "",
            "b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            "a=1&a=1&a=0&A=2&a1=&a&&=x",
            "limit=100&start=0",
            "z=%E2%82%AC&y=~-._&oauth_signature=abc",
            "a=b+c",
            "a=%2f",
            "a=%41",
            "c2&a3=2+q",
            "q=%zz",
            "oauth_body_hash=x&oauth_zz=1&oauth=1&oauth_=2&oauth%60=3&oauthz&oauth_d=&oauth_nonce0=1",
            "oauth_a=1&oauth_consumer_key0=2&oauth_signature=zz&o=1&p",
        ];
        let mut fast = 0;
        for uri in [
            "https://Example.COM:443/p%20q/r",
            "http://h:8080",
            "https://[::1]/",
        ] {
            for query in queries {
                for body in [None, Some(&b"c2&a3=2+q"[..]), Some(&b"x=%21&y"[..])] {
                    let full = if query.is_empty() {
                        uri.to_owned()
                    } else {
                        format!("{uri}?{query}")
                    };
                    let uri: Uri = full.parse().unwrap();
                    let general = base_string_general(&Method::POST, &uri, body, &plain, &proto);
                    let mut text = Vec::new();
                    match write_base_borrowed(&Method::POST, &uri, body, &plain, &proto, &mut text)
                    {
                        Ok(Some((first_amp, second_amp))) => {
                            fast += 1;
                            let borrowed = BaseString::from_written(text, first_amp, second_amp);
                            assert_eq!(borrowed, general.unwrap(), "{full} {body:?}");
                        }
                        Ok(None) => assert!(text.is_empty()),
                        Err(e) => assert_eq!(
                            format!("{e:?}"),
                            format!("{:?}", general.unwrap_err()),
                            "{full} {body:?}"
                        ),
                    }
                }
            }
        }
        assert!(fast >= 12, "the fast path ran only {fast} times");
    }

    #[test]
    fn literal_fragments_match_the_tables() {
        for slot in 0..8 {
            let (mut base, mut header) = (Vec::new(), Vec::new());
            push_base_fragment(&mut base, slot);
            push_header_fragment(&mut header, slot);
            assert_eq!(base, BASE_FRAGMENTS[slot].as_bytes());
            assert_eq!(header, HEADER_FRAGMENTS[slot].as_bytes());
            assert_eq!(BASE_FRAGMENTS[slot], format!("%26{}%3D", FIXED_NAMES[slot]));
            assert_eq!(
                HEADER_FRAGMENTS[slot],
                format!("\", {}=\"", FIXED_NAMES[slot])
            );
        }
    }

    #[test]
    fn pair_list_spills_past_the_inline_capacity() {
        let names: Vec<String> = (0..40).map(|i| format!("n{i:02}")).collect();
        let mut list = PairList::new();
        assert!(list.as_mut_slice().is_empty());
        for name in names.iter().rev() {
            list.push((name, "v"));
        }
        let slice = list.as_mut_slice();
        slice.sort_unstable();
        assert_eq!(slice.len(), 40);
        assert_eq!(slice[0], ("n00", "v"));
        assert_eq!(slice[39], ("n39", "v"));
    }
}
