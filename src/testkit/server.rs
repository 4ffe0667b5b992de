//! [`StandIn`]: the server, its builder, and the knobs tests turn.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http::{StatusCode, Uri};

use super::clock::TestClock;
use super::data::Catalog;
use super::provider;
use super::wire::{self, ReadError, Reply};
use crate::bitbucket::Endpoints;
use crate::credentials::ConsumerSecret;
use crate::flow::AccessToken;
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
/// The most connections served at once; more are closed unanswered.
const MAX_CONNECTIONS: usize = 256;

/// The user the stand-in knows from the start (password: `alice`; a user's password in the
/// stand-in is their name).
pub const DEFAULT_USER: &str = "alice";
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
    /// [`StandInBuilder::allow_shared_secret_methods`].
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
    /// ([`StandIn::deactivate_user`]); a user the stand-in does not know is served as anonymous.
    #[must_use]
    pub fn impersonation(mut self, allow: bool) -> Self {
        self.impersonation = allow;
        self
    }

    /// "Execute as": the user a 2-legged request that names no user acts as. Without it such
    /// requests are anonymous: `whoami` answers an empty body and only public projects are
    /// visible. A user who cannot log in (unknown to the stand-in, or
    /// [deactivated](StandIn::deactivate_user)) gets the request refused (the 401 echo).
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
    /// [`StandInBuilder::allow_shared_secret_methods`]).
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
    /// calls [`StandIn::approve`] or [`StandIn::deny`]; the page then shows the decision.
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
    /// Every request until [`StandIn::clear_faults`].
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
    /// See [`StandIn::fail_next_with`].
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

/// Configures a [`StandIn`] before it starts.
#[derive(Debug, Clone)]
#[must_use = "call start() to run the stand-in"]
pub struct StandInBuilder {
    port: u16,
    context_path: String,
    believed_base_url: Option<String>,
    base_url_setting: Option<String>,
    clock: TestClock,
    decision: UserDecision,
    request_token_lifetime: u64,
    access_token_lifetime: u64,
    session_lifetime: u64,
    shared_secret_methods: bool,
    users: Vec<String>,
    sample_data: bool,
    consumers: Vec<RegisteredConsumer>,
    delay: Duration,
    clock_offset: i64,
}

impl Default for StandInBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            context_path: DEFAULT_CONTEXT_PATH.to_owned(),
            believed_base_url: None,
            base_url_setting: None,
            clock: TestClock::system(),
            decision: UserDecision::default(),
            request_token_lifetime: REQUEST_TOKEN_LIFETIME_SECS,
            access_token_lifetime: ACCESS_TOKEN_LIFETIME_SECS,
            session_lifetime: SESSION_LIFETIME_SECS,
            shared_secret_methods: false,
            users: Vec::new(),
            sample_data: true,
            consumers: Vec::new(),
            delay: Duration::ZERO,
            clock_offset: 0,
        }
    }
}

impl StandInBuilder {
    /// The port to listen on, on 127.0.0.1. Default 0: an ephemeral port chosen by the system.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The context path, as in `http://host:7990/bitbucket`: default [`DEFAULT_CONTEXT_PATH`]
    /// (`/bitbucket`), so that a client which forgets it fails; `""` or `"/"` serves at the root.
    /// A missing leading `/` is added, a trailing one dropped.
    pub fn context_path(mut self, path: &str) -> Self {
        let trimmed = path.trim().trim_end_matches('/');
        self.context_path = if trimmed.is_empty() {
            String::new()
        } else if trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// The base URL the server believes requests arrive at, as a servlet container behind a
    /// proxy reconstructs it (Tomcat's `scheme`, `proxyName`, `proxyPort`): used for every base
    /// string it computes, and unless [`base_url_setting`](Self::base_url_setting) says
    /// otherwise for the `realm` and links in JSON. By default the stand-in builds it as
    /// Bitbucket does, from `http://`, the request's `Host` header and its path. Set it to
    /// another scheme, host, port or context path to play a server behind a proxy: clients
    /// signing the URL they actually call then get `signature_invalid`.
    pub fn believed_base_url(mut self, url: &str) -> Self {
        self.believed_base_url = Some(url.trim().trim_end_matches('/').to_owned());
        self
    }

    /// Bitbucket's "Base URL" setting (Administration -> Server settings): the `realm` of every
    /// challenge and the links in JSON, and nothing else. Signatures are checked against the URL
    /// the request arrived at, not against this. Default: the
    /// [believed base URL](Self::believed_base_url), else the real one.
    pub fn base_url_setting(mut self, url: &str) -> Self {
        self.base_url_setting = Some(url.trim().trim_end_matches('/').to_owned());
        self
    }

    /// Accepts HMAC-SHA1 and PLAINTEXT from shared-secret consumers ([`RegisteredConsumer::hmac`]), for
    /// testing against providers other than Bitbucket. Off by default: like Bitbucket, the
    /// stand-in then accepts only RSA-SHA1 and refuses anything else with
    /// `signature_method_rejected` (400).
    pub fn allow_shared_secret_methods(mut self) -> Self {
        self.shared_secret_methods = true;
        self
    }

    /// Session lifetime in seconds (default [`SESSION_LIFETIME_SECS`]): how long after the
    /// user's approval an access token can still be renewed, sent as
    /// `oauth_authorization_expires_in`. A renewal after it gets `permission_denied`.
    pub fn session_lifetime(mut self, seconds: u64) -> Self {
        self.session_lifetime = seconds;
        self
    }

    /// A user who exists and can log in, besides [`DEFAULT_USER`] and the users who approve.
    /// Only known users can be impersonated (others are served as anonymous).
    pub fn user(mut self, name: &str) -> Self {
        self.users.push(name.to_owned());
        self
    }

    /// The clock (default: [`TestClock::system`]). Keep a clone to move time in the test.
    pub fn clock(mut self, clock: TestClock) -> Self {
        self.clock = clock;
        self
    }

    /// What the user does on the authorization page (default: [`UserDecision::Interactive`]).
    pub fn user_decision(mut self, decision: UserDecision) -> Self {
        self.decision = decision;
        self
    }

    /// Request token lifetime in seconds (default [`REQUEST_TOKEN_LIFETIME_SECS`]).
    pub fn request_token_lifetime(mut self, seconds: u64) -> Self {
        self.request_token_lifetime = seconds;
        self
    }

    /// Access token lifetime in seconds (default [`ACCESS_TOKEN_LIFETIME_SECS`]), sent as
    /// `oauth_expires_in`. An expired access token can still be renewed while its session
    /// lives (see [`session_lifetime`](Self::session_lifetime)).
    pub fn access_token_lifetime(mut self, seconds: u64) -> Self {
        self.access_token_lifetime = seconds;
        self
    }

    /// Starts without the built-in projects and repositories.
    pub fn without_sample_data(mut self) -> Self {
        self.sample_data = false;
        self
    }

    /// Registers a consumer from the start.
    pub fn consumer(mut self, consumer: RegisteredConsumer) -> Self {
        self.consumers.push(consumer);
        self
    }

    /// Delays every response (see [`StandIn::set_delay`]).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Shifts the stand-in's clock (see [`StandIn::set_clock_offset`]).
    pub fn clock_offset(mut self, seconds: i64) -> Self {
        self.clock_offset = seconds;
        self
    }

    /// Binds 127.0.0.1 and starts serving on a background thread. Callable from sync or async
    /// code: it only binds a socket and spawns a thread.
    ///
    /// # Errors
    ///
    /// The bind or spawn failure; [`io::ErrorKind::InvalidInput`] for a believed base URL that
    /// is not an absolute `http`/`https` URL or a context path with characters outside
    /// `A-Z a-z 0-9 - . _ ~ /`.
    pub fn start(self) -> io::Result<StandIn> {
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_owned());
        if !self
            .context_path
            .bytes()
            .all(|b| b == b'/' || crate::encode::is_unreserved(b))
        {
            return Err(invalid(
                "the context path may contain only A-Z a-z 0-9 - . _ ~ /",
            ));
        }
        for url in self.believed_base_url.iter().chain(&self.base_url_setting) {
            let ok = url.parse::<Uri>().ok().is_some_and(|u| {
                matches!(u.scheme_str(), Some("http" | "https"))
                    && u.host().is_some_and(|h| !h.is_empty())
                    && u.query().is_none()
            });
            if !ok {
                return Err(invalid(
                    "the believed base URL must be an absolute http or https URL without query",
                ));
            }
        }
        let listener = TcpListener::bind(("127.0.0.1", self.port))?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}{}", self.context_path);
        let endpoints = Endpoints::bitbucket(&base_url)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let mut consumers = HashMap::new();
        for c in self.consumers {
            consumers.insert(c.key.clone(), c);
        }
        let mut users = HashMap::new();
        users.insert(DEFAULT_USER.to_owned(), true);
        for user in self.users {
            users.insert(user, true);
        }
        let state = State {
            believed_base: self.believed_base_url,
            real_base: base_url.clone(),
            base_url_setting: self.base_url_setting,
            consumers,
            users,
            sessions: HashMap::new(),
            shared_secret_methods: self.shared_secret_methods,
            tokens: HashMap::new(),
            nonces: HashMap::new(),
            decision: self.decision,
            last_verifier: None,
            catalog: if self.sample_data {
                Catalog::sample()
            } else {
                Catalog::default()
            },
            faults: Faults {
                delay: self.delay,
                clock_offset: self.clock_offset,
                ..Faults::default()
            },
            log: VecDeque::new(),
            logged: 0,
            request_token_lifetime: self.request_token_lifetime,
            access_token_lifetime: self.access_token_lifetime,
            session_lifetime: self.session_lifetime,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            clock: self.clock,
            context_path: self.context_path,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            thread::Builder::new()
                .name(format!("bitbucket-oauth-standin-{}", addr.port()))
                .spawn(move || accept_loop(&listener, &shared, &stop))?
        };
        Ok(StandIn {
            shared,
            addr,
            base_url,
            endpoints,
            stop,
            thread: Some(thread),
        })
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, stop: &AtomicBool) {
    let active = Arc::new(AtomicUsize::new(0));
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok((stream, _)) = accepted else {
            // Out of file descriptors and the like: do not spin.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            drop(stream);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let shared = Arc::clone(shared);
        let guard = ActiveGuard(Arc::clone(&active));
        let spawned = thread::Builder::new()
            .name("bitbucket-oauth-standin-conn".into())
            .spawn(move || {
                let _guard = guard;
                serve_connection(&shared, stream);
            });
        // On a failed spawn the closure, its guard and the stream are dropped: the connection
        // closes and the count goes back down.
        drop(spawned);
    }
}

struct ActiveGuard(Arc<AtomicUsize>);

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn serve_connection(shared: &Shared, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let Some((reply, entry)) = answer(shared, &mut stream, true) else {
        return;
    };
    let delay = shared.lock().faults.delay;
    if !delay.is_zero() {
        thread::sleep(delay);
    }
    log_request(shared, entry);
    let _ = wire::write_reply(&mut stream, &reply);
}

fn log_request(shared: &Shared, mut entry: LoggedRequest) {
    let mut state = shared.lock();
    if state.log.len() >= MAX_LOGGED_REQUESTS {
        state.log.pop_front();
    }
    state.logged += 1;
    entry.seq = state.logged;
    state.log.push_back(entry);
}

/// Reads one request from `source` and answers it; `None` when nothing arrived. With
/// `contain_panics`, a panic in the handler becomes a 500 (the server thread survives);
/// without, it propagates (fuzzing wants to see it).
fn answer<S: wire::Source>(
    shared: &Shared,
    source: &mut S,
    contain_panics: bool,
) -> Option<(Reply, LoggedRequest)> {
    let (reply, entry) = match wire::read_request(source) {
        Err(ReadError::Gone) => return None,
        Err(ReadError::Bad {
            status,
            message,
            method,
            target,
        }) => {
            let (path, query) = match target.split_once('?') {
                Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
                None => (target.clone(), None),
            };
            let reply = Reply::text(status, format!("{message}\n"));
            let entry = LoggedRequest {
                seq: 0,
                method,
                path,
                query,
                headers: Vec::new(),
                body: Vec::new(),
                status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
                problem: None,
            };
            (reply, entry)
        }
        Ok(request) => {
            let handled = if contain_panics {
                catch_unwind(AssertUnwindSafe(|| provider::handle(shared, &request)))
                    .unwrap_or_else(|_| provider::Handled {
                        reply: Reply::text(500, "the stand-in failed on this request\n"),
                        problem: None,
                    })
            } else {
                provider::handle(shared, &request)
            };
            let entry = LoggedRequest {
                seq: 0,
                method: request.method.clone(),
                path: request.path().to_owned(),
                query: request.query().map(str::to_owned),
                headers: request.headers.clone(),
                body: request.body.clone(),
                status: StatusCode::from_u16(handled.reply.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                problem: handled.problem,
            };
            (handled.reply, entry)
        }
    };
    Some((reply, entry))
}

/// A running local stand-in for Bitbucket Server's OAuth 1.0a provider. Stops when dropped.
///
/// See the [module documentation](super) for what it serves and how it refuses.
pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    endpoints: Endpoints,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for StandIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandIn")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag. Should that fail, leave the thread
        // detached rather than hang: it stops at its next connection.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(thread) = self.thread.take()
            && woke
        {
            let _ = thread.join();
        }
    }
}

impl StandIn {
    /// Starts a stand-in with the defaults: an ephemeral port on 127.0.0.1, context path
    /// `/bitbucket`, the system clock, the interactive authorization page (user `alice`), the
    /// sample projects.
    ///
    /// # Errors
    ///
    /// See [`StandInBuilder::start`].
    pub fn start() -> io::Result<Self> {
        Self::builder().start()
    }

    /// A builder for a configured stand-in.
    pub fn builder() -> StandInBuilder {
        StandInBuilder::default()
    }

    /// The base URL it serves, context path included, without trailing `/`:
    /// `http://127.0.0.1:PORT/bitbucket`.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    #[cfg(test)]
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The socket address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `base_url() + path` (`path` starting with `/`, e.g. `/rest/api/1.0/projects`).
    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// [`Endpoints::bitbucket`] of [`base_url`](Self::base_url).
    #[must_use]
    pub fn endpoints(&self) -> Endpoints {
        self.endpoints.clone()
    }

    /// The context path (`/bitbucket`, or empty).
    #[must_use]
    pub fn context_path(&self) -> &str {
        &self.shared.context_path
    }

    /// The base URL the server believes it serves (see
    /// [`StandInBuilder::believed_base_url`]).
    #[must_use]
    pub fn believed_base_url(&self) -> String {
        let state = self.shared.lock();
        state
            .believed_base
            .clone()
            .unwrap_or_else(|| state.real_base.clone())
    }

    /// Changes the believed base URL while running; `None` restores the real one.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] unless it is an absolute `http`/`https` URL.
    pub fn set_believed_base_url(&self, url: Option<&str>) -> io::Result<()> {
        let value = match url {
            None => None,
            Some(url) => {
                let url = url.trim().trim_end_matches('/');
                let ok = url.parse::<Uri>().ok().is_some_and(|u| {
                    matches!(u.scheme_str(), Some("http" | "https"))
                        && u.host().is_some_and(|h| !h.is_empty())
                        && u.query().is_none()
                });
                if !ok {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the believed base URL must be an absolute http or https URL without query",
                    ));
                }
                Some(url.to_owned())
            }
        };
        self.shared.lock().believed_base = value;
        Ok(())
    }

    /// The stand-in's clock (a shared handle: moving it moves the stand-in's time).
    #[must_use]
    pub fn clock(&self) -> TestClock {
        self.shared.clock.clone()
    }

    /// The time the stand-in checks timestamps and lifetimes against: its clock plus the
    /// [clock offset](Self::set_clock_offset).
    #[must_use]
    pub fn now(&self) -> u64 {
        self.shared.lock().now(&self.shared.clock)
    }

    /// Registers an RSA-SHA1 consumer (no 2-legged OAuth) with its SPKI public key; see
    /// [`RegisteredConsumer::rsa`]. Replaces a consumer with the same key.
    ///
    /// # Errors
    ///
    /// See [`RegisteredConsumer::rsa`].
    pub fn register_consumer(&self, key: &str, public_key: &[u8]) -> Result<(), KeyError> {
        self.add_consumer(RegisteredConsumer::rsa(key, public_key)?);
        Ok(())
    }

    /// Registers a shared-secret consumer (HMAC-SHA1 or PLAINTEXT; no 2-legged OAuth). Its
    /// requests are refused with `signature_method_rejected` unless the stand-in was started
    /// with [`StandInBuilder::allow_shared_secret_methods`].
    pub fn register_hmac_consumer(&self, key: &str, secret: &str) {
        self.add_consumer(RegisteredConsumer::hmac(key, secret));
    }

    /// Registers a consumer with its options. Replaces a consumer with the same key.
    pub fn add_consumer(&self, consumer: RegisteredConsumer) {
        self.shared
            .lock()
            .consumers
            .insert(consumer.key.clone(), consumer);
    }

    /// Removes a consumer: its requests then get `consumer_key_unknown`. Whether it existed.
    pub fn remove_consumer(&self, key: &str) -> bool {
        self.shared.lock().consumers.remove(key).is_some()
    }

    /// Adds a user who exists and can log in (or lets a deactivated one log in again).
    pub fn add_user(&self, name: &str) {
        self.shared.lock().users.insert(name.to_owned(), true);
    }

    /// Deactivates a user: they can no longer log in, so 2-legged requests acting as them, and
    /// 3-legged ones with their tokens, are refused (the 401 echo without `oauth_problem`).
    /// Whether the user existed.
    pub fn deactivate_user(&self, name: &str) -> bool {
        match self.shared.lock().users.get_mut(name) {
            Some(active) => {
                *active = false;
                true
            }
            None => false,
        }
    }

    /// Changes what the user does on the authorization page.
    pub fn set_user_decision(&self, decision: UserDecision) {
        self.shared.lock().decision = decision;
    }

    /// Approves a pending request token as `user`, as the user would on the authorization page
    /// (for [`UserDecision::Manual`], but it works in any mode). `None` when the token is not a
    /// pending, unexpired request token.
    pub fn approve(&self, request_token: &str, user: &str) -> Option<Decision> {
        let mut state = self.shared.lock();
        let now = state.now(&self.shared.clock);
        provider::decide(&mut state, now, request_token, Some(user))
    }

    /// Denies a pending request token, as the user would on the authorization page. `None` when
    /// the token is not a pending, unexpired request token.
    pub fn deny(&self, request_token: &str) -> Option<Decision> {
        let mut state = self.shared.lock();
        let now = state.now(&self.shared.clock);
        provider::decide(&mut state, now, request_token, None)
    }

    /// The verification code most recently issued by an approval (page or [`approve`](Self::approve)).
    #[must_use]
    pub fn last_verifier(&self) -> Option<String> {
        self.shared.lock().last_verifier.clone()
    }

    /// Revokes a token (as a user or admin would): Bitbucket deletes it, so its next use gets
    /// `token_rejected`. Whether it existed.
    pub fn revoke(&self, token: &str) -> bool {
        self.shared.lock().tokens.remove(token).is_some()
    }

    /// Issues an access token for `consumer` acting as `user` without the dance, as if the
    /// user had approved just now: for tests of code that starts from a stored token. The
    /// fields match a real access-token response (`oauth_expires_in`, `oauth_session_handle`,
    /// `oauth_authorization_expires_in`), so it can be renewed. `None` when the consumer is not
    /// registered (or no randomness is available).
    #[must_use]
    pub fn issue_access_token(&self, consumer: &str, user: &str) -> Option<AccessToken> {
        let mut state = self.shared.lock();
        let credential = state.consumers.get(consumer)?.credential.clone();
        let now = state.now(&self.shared.clock);
        state.know_user(user);
        provider::mint_access_token(&mut state, now, consumer, credential, user)
    }

    /// The user an access token acts for, if it is a known access token.
    #[must_use]
    pub fn token_user(&self, access_token: &str) -> Option<String> {
        match self.shared.lock().tokens.get(access_token) {
            Some(TokenRecord::Access(a)) => Some(a.user.clone()),
            _ => None,
        }
    }

    /// Adds a private project (or renames the project with that key). Projects are listed in
    /// insertion order, after the sample ones unless
    /// [`without_sample_data`](StandInBuilder::without_sample_data) or
    /// [`clear_projects`](Self::clear_projects).
    pub fn add_project(&self, key: &str, name: &str) {
        self.shared.lock().catalog.add_project(key, name, "", false);
    }

    /// Adds a public project (visible to anonymous 2-legged requests).
    pub fn add_public_project(&self, key: &str, name: &str) {
        self.shared.lock().catalog.add_project(key, name, "", true);
    }

    /// Adds a repository named `name` (slug: lowercase, other characters as `-`) to a project.
    /// `false` when there is no such project.
    pub fn add_repository(&self, project_key: &str, name: &str) -> bool {
        self.shared.lock().catalog.add_repository(project_key, name)
    }

    /// Removes every project and repository.
    pub fn clear_projects(&self) {
        self.shared.lock().catalog = Catalog::default();
    }

    /// Refuses OAuth requests (token endpoints and resources, not the authorization page) with
    /// `problem`, before looking at them, `times` times. Its status follows
    /// [`problem_status`]; `timestamp_refused` carries the acceptable window and
    /// `signature_method_rejected` the acceptable methods, as real ones do.
    pub fn refuse(&self, problem: OAuthProblem, times: Times) {
        self.shared.lock().faults.refuse = Some((problem, times));
    }

    /// Answers the token endpoints (`request-token`, `access-token`) with a broken response,
    /// without processing the request, `times` times. Applies after a pending
    /// [`refuse`](Self::refuse).
    pub fn malform(&self, kind: Malformed, times: Times) {
        self.shared.lock().faults.malform = Some((kind, times));
    }

    /// Delays every response by `delay` (zero: no delay).
    pub fn set_delay(&self, delay: Duration) {
        self.shared.lock().faults.delay = delay;
    }

    /// Shifts the stand-in's time by `seconds` relative to its clock: a server whose clock is
    /// wrong. Clients then get `timestamp_refused` with the window they should aim for.
    pub fn set_clock_offset(&self, seconds: i64) {
        self.shared.lock().faults.clock_offset = seconds;
    }

    /// Answers the next request whose signature verifies with `status` (a 503, say) instead
    /// of serving it: a transient failure after the request was checked (its nonce is used), so
    /// a client that retries must sign again. Once.
    pub fn fail_next_with(&self, status: StatusCode) {
        self.shared.lock().faults.fail_next = Some(status);
    }

    /// Removes every fault: refusals, malformed responses, delay, clock offset.
    pub fn clear_faults(&self) {
        self.shared.lock().faults = Faults::default();
    }

    /// Every request answered so far (at most [`MAX_LOGGED_REQUESTS`], oldest first). A request
    /// is logged before its response is written.
    #[must_use]
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// The logged requests numbered after `seq` (see [`LoggedRequest::seq`]): what arrived since
    /// the last one seen.
    #[must_use]
    pub fn requests_since(&self, seq: u64) -> Vec<LoggedRequest> {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|r| r.seq > seq)
            .cloned()
            .collect()
    }

    /// Forgets the logged requests (numbering continues).
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// Answers one raw HTTP/1.1 request given as bytes, without a socket, exactly as the server
    /// would (same verification, same limits, logged the same way), and returns the raw
    /// response. For fuzzing the request verifier and for tests that craft bytes by hand. Unlike
    /// the network path, a panic in the handler is not turned into a 500: it propagates.
    /// Empty input gets an empty answer (the server would see a closed connection).
    #[must_use]
    pub fn respond_raw(&self, request: &[u8]) -> Vec<u8> {
        match answer(&self.shared, &mut wire::Bytes(request), false) {
            Some((reply, entry)) => {
                log_request(&self.shared, entry);
                wire::reply_bytes(&reply)
            }
            None => Vec::new(),
        }
    }
}
