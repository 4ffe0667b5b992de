//! What the stand-in knows while it runs: consumers, users, tokens, browser sessions, faults
//! and the request log, with Bitbucket's lifetimes and limits. The server ([`super::server`])
//! and the provider ([`super::provider`]) both work on these; this module depends on neither.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http::StatusCode;

use super::clock::TestClock;
use super::data::Catalog;
use crate::credentials::ConsumerSecret;
use crate::keys::{KeyError, RsaPublicKey};
use crate::problem::OAuthProblem;

/// How long an Atlassian request token lives: 10 minutes.
pub const REQUEST_TOKEN_LIFETIME_SECS: u64 = 600;
/// How long an Atlassian access token lives: 5 years of 365 days (`oauth_expires_in`).
pub const ACCESS_TOKEN_LIFETIME_SECS: u64 = 157_680_000;
/// How long an Atlassian session (the authorization behind an access token, which renewal
/// extends) lives: the access token's 5 years plus 30 days (`oauth_authorization_expires_in`).
pub const SESSION_LIFETIME_SECS: u64 = ACCESS_TOKEN_LIFETIME_SECS + 30 * 24 * 3600;
/// How many characters Atlassian's verification code has: the code a person copies from the
/// `oob` page.
pub const VERIFIER_LEN: usize = 6;
/// How far `oauth_timestamp` may be from the stand-in's clock, either way: 5 minutes.
pub const TIMESTAMP_WINDOW_SECS: u64 = 300;
/// The most requests the log keeps (the oldest are dropped first).
pub const MAX_LOGGED_REQUESTS: usize = 1000;

/// The user the stand-in knows from the start (password: `alice`; a user's password in the
/// stand-in is their name).
pub const DEFAULT_USER: &str = "alice";
/// The users of [`StandInBuilder::demo_data`](super::StandInBuilder::demo_data), each with
/// their own view of the repositories (password: the user name).
pub const DEMO_USERS: &[&str] = &["alice", "bob", "carol"];
/// The context path the stand-in serves under by default.
pub const DEFAULT_CONTEXT_PATH: &str = "/bitbucket";

/// How a consumer proves its requests.
#[derive(Debug, Clone)]
pub(crate) enum Credential {
    /// RSA-SHA1 with this public key (what Bitbucket's Application Links take).
    Rsa(RsaPublicKey),
    /// HMAC-SHA1 or PLAINTEXT with this consumer secret.
    Shared(ConsumerSecret),
}

/// A consumer registration: what an admin enters under Application Links -> Incoming
/// Authentication.
///
/// ```
/// use bitbucket_oauth::testkit::RegisteredConsumer;
/// let pem = bitbucket_oauth::RsaPrivateKey::from_pem(include_str!("../../tests/data/test_rsa_2048_pkcs8.pem"))
///     .unwrap()
///     .public_key_pem()
///     .unwrap();
/// let consumer = RegisteredConsumer::rsa("ci-bot", pem.as_bytes())
///     .unwrap()
///     .two_legged(true)
///     .impersonation(true);
/// assert_eq!(consumer.key(), "ci-bot");
/// ```
#[derive(Debug, Clone)]
pub struct RegisteredConsumer {
    pub(crate) key: String,
    pub(crate) credential: Credential,
    pub(crate) two_legged: bool,
    pub(crate) impersonation: bool,
    pub(crate) execute_as: Option<String>,
}

impl RegisteredConsumer {
    /// An RSA-SHA1 consumer with its public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`, what
    /// `openssl rsa -pubout` prints and what Bitbucket's form takes) or SPKI DER.
    ///
    /// # Errors
    ///
    /// [`KeyError::Unrecognized`] for anything else, including a PKCS#1
    /// `-----BEGIN RSA PUBLIC KEY-----` block, which Bitbucket refuses too.
    pub fn rsa(key: impl Into<String>, public_key: &[u8]) -> Result<Self, KeyError> {
        let trimmed = public_key.trim_ascii_start();
        if trimmed.starts_with(b"-----BEGIN ")
            && !trimmed.starts_with(b"-----BEGIN PUBLIC KEY-----")
        {
            return Err(KeyError::Unrecognized {
                detail: "Bitbucket takes the public key as SPKI PEM (-----BEGIN PUBLIC KEY-----); convert a PKCS#1 key with `openssl rsa -RSAPublicKey_in -pubout`".into(),
            });
        }
        Ok(Self::rsa_public_key(
            key,
            RsaPublicKey::from_pem_or_der(public_key)?,
        ))
    }

    /// An RSA-SHA1 consumer with an already parsed public key.
    #[must_use]
    pub fn rsa_public_key(key: impl Into<String>, public_key: RsaPublicKey) -> Self {
        Self {
            key: key.into(),
            credential: Credential::Rsa(public_key),
            two_legged: false,
            impersonation: false,
            execute_as: None,
        }
    }

    /// A shared-secret consumer (HMAC-SHA1 or PLAINTEXT), as non-Atlassian providers register
    /// them. Bitbucket itself only knows RSA consumers: the stand-in refuses these methods with
    /// `signature_method_rejected` unless started with
    /// [`StandInBuilder::allow_shared_secret_methods`](super::StandInBuilder::allow_shared_secret_methods).
    #[must_use]
    pub fn hmac(key: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            credential: Credential::Shared(ConsumerSecret::new(secret)),
            two_legged: false,
            impersonation: false,
            execute_as: None,
        }
    }

    /// "Allow 2-Legged OAuth": requests with an empty `oauth_token` are accepted. Off by default;
    /// when off they are refused as Bitbucket refuses them: a 401 without `oauth_problem` whose
    /// `WWW-Authenticate: OAuth` challenge echoes the request's `oauth_*` parameters.
    #[must_use]
    pub fn two_legged(mut self, allow: bool) -> Self {
        self.two_legged = allow;
        self
    }

    /// "Allow user impersonation": a 2-legged request acts as the user named by its signed
    /// `xoauth_requestor_id` or, without it, `user_id` parameter. Has an effect only together
    /// with [`two_legged`](Self::two_legged). A request naming a user is refused (the 401 echo)
    /// when impersonation is off or the user cannot log in
    /// ([`StandIn::deactivate_user`](super::StandIn::deactivate_user)); a user the stand-in does
    /// not know is served as anonymous.
    #[must_use]
    pub fn impersonation(mut self, allow: bool) -> Self {
        self.impersonation = allow;
        self
    }

    /// "Execute as": the user a 2-legged request that names no user acts as. Without it such
    /// requests are anonymous: `whoami` answers an empty body and only public projects are
    /// visible. A user who cannot log in (unknown to the stand-in, or
    /// [deactivated](super::StandIn::deactivate_user)) gets the request refused (the 401 echo).
    #[must_use]
    pub fn execute_as(mut self, user: impl Into<String>) -> Self {
        self.execute_as = Some(user.into());
        self
    }

    /// The consumer key.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The signature methods this consumer may use: `RSA-SHA1` for an RSA consumer,
    /// `HMAC-SHA1` and `PLAINTEXT` for a shared-secret one (which the stand-in accepts only with
    /// [`StandInBuilder::allow_shared_secret_methods`](super::StandInBuilder::allow_shared_secret_methods)).
    #[must_use]
    pub fn signature_methods(&self) -> &'static [&'static str] {
        match self.credential {
            Credential::Rsa(_) => &["RSA-SHA1"],
            Credential::Shared(_) => &["HMAC-SHA1", "PLAINTEXT"],
        }
    }
}

/// What the stand-in's user does on the authorization page
/// (`GET {base}/plugins/servlet/oauth/authorize?oauth_token=..`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum UserDecision {
    /// The default, what a person (or a CLI's user) meets on Bitbucket: a login page
    /// (`j_username`, `j_password`; in the stand-in a user's password is their name), then an
    /// approval form with `Allow` and `Deny`, protected by the session's XSRF token
    /// (`atl_token`). [`browser::approve`](super::browser::approve) plays the person.
    #[default]
    Interactive,
    /// Approve at once, as this user, without the login and the form (a shortcut for tests).
    ApproveAs(String),
    /// Deny at once: the callback gets `oauth_verifier=denied`.
    Deny,
    /// Wait: the page says the request is pending (`<p id="oauth_pending">`) until the test
    /// calls [`StandIn::approve`](super::StandIn::approve) or
    /// [`StandIn::deny`](super::StandIn::deny); the page then shows the decision.
    Manual,
}

/// The outcome of an authorization, as the browser would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decision {
    /// The request token decided on.
    pub token: String,
    /// The verification code, or `denied`.
    pub verifier: String,
    /// Where the browser is redirected: the callback with `oauth_token` and `oauth_verifier`
    /// appended. `None` for an `oob` callback (the page shows the code instead).
    pub redirect: Option<String>,
}

/// How many requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Times {
    /// The next `n` requests it applies to.
    Next(usize),
    /// Every request until [`StandIn::clear_faults`](super::StandIn::clear_faults).
    Always,
}

impl Times {
    /// Consumes one use; whether the fault applies now.
    pub(crate) fn take(&mut self) -> bool {
        match self {
            Self::Always => true,
            Self::Next(0) => false,
            Self::Next(n) => {
                *n -= 1;
                true
            }
        }
    }
}

/// A broken answer from a token endpoint, as a misbehaving proxy or server gives one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// `200 OK` with an HTML login page (`text/html`), as an SSO proxy in front answers.
    LoginPage,
    /// `200 OK` whose `Content-Length` announces more bytes than are sent before the connection
    /// closes.
    TruncatedBody,
    /// `200 OK`, `text/plain`, with bytes that are not a form.
    Garbage,
    /// `200 OK` with an empty body.
    Empty,
}

/// One request the stand-in answered, for tests to assert on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The request's number: 1 for the first request the stand-in answered, counting those
    /// dropped from the log.
    pub seq: u64,
    /// The method as sent (empty when the request line could not be read).
    pub method: String,
    /// The path as sent, context path included, without the query.
    pub path: String,
    /// The raw query, without `?`.
    pub query: Option<String>,
    /// Every header as sent (names as sent, values lossily UTF-8), `Authorization` included.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The status of the answer.
    pub status: StatusCode,
    /// The `oauth_problem` of the answer, if it was a refusal.
    pub problem: Option<OAuthProblem>,
}

impl LoggedRequest {
    /// The first value of a header, by ASCII case-insensitive name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The status Atlassian's servlet sends with each problem, as the net.oauth library it
/// validates with maps them: 400 for `version_rejected`, `parameter_absent`,
/// `parameter_rejected`, `timestamp_refused`, `signature_method_rejected`; 401 for `nonce_used`,
/// `token_*`, `signature_invalid`, `consumer_key_unknown`, `consumer_key_rejected`,
/// `permission_*` and `additional_authorization_required`; 503 for `user_refused` and
/// `consumer_key_refused`; 403 for any other.
#[must_use]
pub fn problem_status(problem: &OAuthProblem) -> StatusCode {
    match problem {
        OAuthProblem::VersionRejected
        | OAuthProblem::ParameterAbsent
        | OAuthProblem::ParameterRejected
        | OAuthProblem::TimestampRefused
        | OAuthProblem::SignatureMethodRejected => StatusCode::BAD_REQUEST,
        OAuthProblem::NonceUsed
        | OAuthProblem::TokenUsed
        | OAuthProblem::TokenExpired
        | OAuthProblem::TokenRevoked
        | OAuthProblem::TokenRejected
        | OAuthProblem::TokenNotAuthorized
        | OAuthProblem::SignatureInvalid
        | OAuthProblem::ConsumerKeyUnknown
        | OAuthProblem::ConsumerKeyRejected
        | OAuthProblem::AdditionalAuthorizationRequired
        | OAuthProblem::PermissionUnknown
        | OAuthProblem::PermissionDenied => StatusCode::UNAUTHORIZED,
        OAuthProblem::UserRefused | OAuthProblem::ConsumerKeyRefused => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::FORBIDDEN,
    }
}

#[derive(Debug, Clone)]
pub(crate) enum RequestState {
    Pending,
    Authorized { user: String, verifier: String },
    Denied,
    Used,
}

/// A request token. Like Atlassian's, a token keeps the consumer it was issued to (key and
/// credential), so its requests verify even after the consumer is removed, and only then get
/// `consumer_key_unknown`.
#[derive(Debug, Clone)]
pub(crate) struct RequestTokenRecord {
    pub(crate) consumer: String,
    pub(crate) credential: Credential,
    pub(crate) secret: String,
    /// `oob` for an `oob` callback or none at all.
    pub(crate) callback: String,
    pub(crate) issued_at: u64,
    pub(crate) state: RequestState,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessTokenRecord {
    pub(crate) consumer: String,
    pub(crate) credential: Credential,
    pub(crate) secret: String,
    pub(crate) user: String,
    pub(crate) session_handle: String,
    pub(crate) issued_at: u64,
    /// When the session began: the user's approval (renewal keeps it).
    pub(crate) authorized_at: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum TokenRecord {
    Request(RequestTokenRecord),
    Access(AccessTokenRecord),
}

/// A browser session: who logged in, and the XSRF token (`atl_token`) its forms carry.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) user: String,
    pub(crate) xsrf: String,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub(crate) refuse: Option<(OAuthProblem, Times)>,
    pub(crate) malform: Option<(Malformed, Times)>,
    pub(crate) delay: Duration,
    pub(crate) clock_offset: i64,
    /// See [`StandIn::fail_next_with`](super::StandIn::fail_next_with).
    pub(crate) fail_next: Option<StatusCode>,
}

/// Everything that changes while the stand-in runs.
#[derive(Debug)]
pub(crate) struct State {
    /// The URL the server reconstructs for arriving requests, when set (a proxy's view);
    /// otherwise `http://` + the `Host` header.
    pub(crate) believed_base: Option<String>,
    /// The real base URL.
    pub(crate) real_base: String,
    /// Bitbucket's "Base URL" setting: the realm and links in JSON. `None`: the believed base
    /// URL, else the real one.
    pub(crate) base_url_setting: Option<String>,
    pub(crate) consumers: HashMap<String, RegisteredConsumer>,
    pub(crate) users: HashMap<String, bool>,
    /// Browser sessions of the authorization page: session id -> who logged in.
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) shared_secret_methods: bool,
    pub(crate) tokens: HashMap<String, TokenRecord>,
    /// (consumer key, nonce) -> the request's timestamp.
    pub(crate) nonces: HashMap<(String, String), u64>,
    pub(crate) decision: UserDecision,
    pub(crate) last_verifier: Option<String>,
    pub(crate) catalog: Catalog,
    pub(crate) faults: Faults,
    pub(crate) log: VecDeque<LoggedRequest>,
    pub(crate) logged: u64,
    pub(crate) request_token_lifetime: u64,
    pub(crate) access_token_lifetime: u64,
    pub(crate) session_lifetime: u64,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) state: Mutex<State>,
    pub(crate) clock: TestClock,
    pub(crate) context_path: String,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The stand-in's notion of now: its clock plus the fault offset.
    pub(crate) fn now(&self, clock: &TestClock) -> u64 {
        let now = i128::from(clock.now()) + i128::from(self.faults.clock_offset);
        u64::try_from(now.max(0)).unwrap_or(u64::MAX)
    }

    /// The base URL of the realm and of links: the "Base URL" setting.
    pub(crate) fn realm_base(&self) -> &str {
        self.base_url_setting
            .as_deref()
            .or(self.believed_base.as_deref())
            .unwrap_or(&self.real_base)
    }

    /// Records that `user` exists and can log in, unless the stand-in already knows them.
    pub(crate) fn know_user(&mut self, user: &str) {
        if !self.users.contains_key(user) {
            self.users.insert(user.to_owned(), true);
        }
    }
}
