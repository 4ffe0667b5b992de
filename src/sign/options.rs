//! What to sign besides the request: [`SignOptions`] (the token, the callback, the verifier,
//! the realm, extra protocol parameters, a pinned nonce or timestamp), and their checks.

use std::fmt;

use http::Uri;

use crate::credentials::TokenRef;
use crate::encode;
use crate::error::SignError;

/// Which token, if any, goes into `oauth_token`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) enum TokenMode<'a> {
    #[default]
    None,
    Token(TokenRef<'a>),
    EmptyTwoLegged,
}

impl<'a> TokenMode<'a> {
    /// The `oauth_token` value (`None`: no such parameter) and the token secret.
    pub(super) fn parts(self) -> (Option<&'a str>, &'a str) {
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
    pub(super) token: TokenMode<'a>,
    pub(super) callback: Option<&'a str>,
    pub(super) verifier: Option<&'a str>,
    pub(super) realm: Option<&'a str>,
    pub(super) version: bool,
    pub(super) extra: Vec<(&'a str, &'a str)>,
    pub(super) nonce: Option<&'a str>,
    pub(super) timestamp: Option<u64>,
    pub(super) body_hash: Option<bool>,
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
            .field("body_hash", &self.body_hash)
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
            body_hash: None,
        }
    }

    /// Signs with this token (`oauth_token`) and its secret. Use [`crate::Token::as_token_ref`] to get
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

    /// Sends `oauth_body_hash` with this request (`true`) or not (`false`), whatever the
    /// signer's [`SignerBuilder::body_hash`](crate::SignerBuilder::body_hash) says. See [`crate::body_hash`]: asking for it on
    /// a form-encoded body is [`crate::body_hash::BodyHashError::FormEncodedBody`].
    #[must_use]
    pub fn body_hash(mut self, include: bool) -> Self {
        self.body_hash = Some(include);
        self
    }
}

pub(super) const RESERVED: [&str; 10] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_callback",
    "oauth_verifier",
    crate::body_hash::PARAMETER,
];

pub(super) fn validate(options: &SignOptions<'_>) -> Result<(), SignError> {
    if let TokenMode::Token(t) = options.token
        && t.token.is_empty()
    {
        return Err(SignError::InvalidParameter {
            name: "oauth_token",
            reason: "the token is empty; for Atlassian 2-legged OAuth use SignOptions::two_legged_empty_token()",
        });
    }
    if let Some(callback) = options.callback
        && callback != "oob"
        && !is_absolute_url(callback)
    {
        return Err(SignError::InvalidParameter {
            name: "oauth_callback",
            reason: "must be an absolute URL (scheme://host/...) or `oob`",
        });
    }
    if let Some(realm) = options.realm
        && !realm.bytes().all(|b| (0x20..0x7F).contains(&b))
    {
        return Err(SignError::InvalidRealm);
    }
    for (name, _) in &options.extra {
        if !name.starts_with("oauth_")
            || name.len() == "oauth_".len()
            || !name.bytes().all(encode::is_unreserved)
        {
            return Err(SignError::InvalidParameter {
                name: "extra protocol parameter",
                reason: "its name must start with `oauth_` and use only letters, digits, `-`, `.`, `_` and `~`",
            });
        }
        if RESERVED.contains(name) {
            return Err(SignError::InvalidParameter {
                name: "extra protocol parameter",
                reason: "the signer sets this parameter itself; use the matching SignOptions setter",
            });
        }
    }
    Ok(())
}

pub(super) fn is_absolute_url(s: &str) -> bool {
    s.parse::<Uri>()
        .ok()
        .is_some_and(|u| u.scheme().is_some() && u.host().is_some_and(|h| !h.is_empty()))
}
