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

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

use crate::body_hash;
use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::credentials::ConsumerKey;
use crate::encode;
use crate::error::SignError;
use crate::keys::RsaPrivateKey;
use crate::signature::{RsaSha, SignatureMethod};
use zeroize::Zeroizing;

mod options;
mod protocol;
mod signed;

pub use options::SignOptions;
use options::validate;
use protocol::{
    CALLBACK, CONSUMER_KEY, NONCE, Protocol, SIGNATURE_METHOD, Span, TIMESTAMP, TOKEN, VERIFIER,
    VERSION, authorization, base_string, form_of,
};
pub use signed::Signed;

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
    body_hash: body_hash::Setting,
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
            .field("body_hash", &self.inner.body_hash)
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
    body_hash: body_hash::Setting,
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

    /// Sends `oauth_body_hash` (the OAuth Request Body Hash extension, see
    /// [`crate::body_hash`]) with every request whose body is not form-encoded, hashed as the
    /// signature method says; [`SignOptions::body_hash`] overrides it per request.
    #[must_use]
    pub fn body_hash(mut self, on: bool) -> Self {
        self.body_hash = if on {
            body_hash::Setting::On
        } else {
            body_hash::Setting::Off
        };
        self
    }

    /// Like [`body_hash`](Self::body_hash)`(true)`, with this hash whatever the signature
    /// method: for a custom [`SignatureMethod`] that names none, or a provider that wants
    /// another.
    #[must_use]
    pub fn body_hash_algorithm(mut self, algorithm: body_hash::BodyHashAlgorithm) -> Self {
        self.body_hash = body_hash::Setting::With(algorithm);
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
                body_hash: self.body_hash,
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
            body_hash: body_hash::Setting::Off,
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
    pub(crate) fn now(&self) -> u64 {
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
    ) -> Result<Signed, SignError> {
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
    /// [`SignError::InvalidUri`] for a URI that is not absolute, [`SignError::MalformedEncoding`] for a
    /// bad `%` escape in the query or form body, [`SignError::InvalidParameter`] for a bad callback,
    /// an empty token or a reserved extra name, [`SignError::DuplicateProtocolParameter`] when the
    /// request already carries a protocol parameter, [`SignError::InvalidRealm`],
    /// [`SignError::Nonce`] and [`SignError::Signing`] when those sources fail, [`SignError::BodyHash`]
    /// when `oauth_body_hash` is asked for and cannot be made.
    pub fn sign_parts(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        options: &SignOptions<'_>,
    ) -> Result<Signed, SignError> {
        let mut plain = Zeroizing::new(String::new());
        let form = form_of(headers, body);
        let body_hash = body_hash::for_request(
            self.inner.body_hash,
            options.body_hash,
            &self.inner.method_name,
            form.is_some(),
            body,
        )?;
        let (mut proto, timestamp, token_secret) =
            self.protocol(options, body_hash.as_deref(), &mut plain)?;
        let base_string = base_string(method, uri, form, &plain, &proto)?;
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
    pub fn authorization_header<B: AsRef<[u8]>>(
        &self,
        request: &Request<B>,
        options: &SignOptions<'_>,
    ) -> Result<HeaderValue, SignError> {
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
    ) -> Result<HeaderValue, SignError> {
        self.sign_parts(method, uri, headers, body, options)
            .map(|signed| signed.authorization)
    }

    /// Appends the signature of `base` to `plain`; its span there.
    fn signature(
        &self,
        base: &[u8],
        token_secret: &str,
        plain: &mut String,
    ) -> Result<Span, SignError> {
        let sig_start = plain.len();
        self.inner
            .method
            .sign(base, token_secret, plain)
            .map_err(|e| SignError::Signing {
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
        body_hash: Option<&str>,
        plain: &mut String,
    ) -> Result<(Protocol, u64, &'o str), SignError> {
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
        write!(plain, "{timestamp}").map_err(|_| SignError::InvalidParameter {
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
        if let Some(hash) = body_hash {
            let name = Span::push(plain, body_hash::PARAMETER)?;
            let value = Span::push(plain, hash)?;
            proto.extra.push((name, value));
        }

        proto.encode_values(
            plain,
            &self.inner.consumer_key_encoded,
            &self.inner.method_name_encoded,
        )?;
        Ok((proto, timestamp, token_secret))
    }
}
