//! [`StandIn`]: the server, its builder, and the knobs tests turn.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http::{StatusCode, Uri};

use super::clock::TestClock;
use super::data::Catalog;
use super::provider;
use super::state::{
    ACCESS_TOKEN_LIFETIME_SECS, DEFAULT_CONTEXT_PATH, DEFAULT_USER, Decision, Faults,
    LoggedRequest, MAX_LOGGED_REQUESTS, Malformed, REQUEST_TOKEN_LIFETIME_SECS, RegisteredConsumer,
    SESSION_LIFETIME_SECS, Shared, State, Times, TokenRecord, UserDecision,
};
use super::wire::{self, ReadError, Reply};
use crate::bitbucket::Endpoints;
use crate::flow::AccessToken;
use crate::keys::KeyError;
use crate::problem::OAuthProblem;

/// The most connections served at once; more are closed unanswered.
const MAX_CONNECTIONS: usize = 256;

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
    demo_data: bool,
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
            demo_data: false,
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

    /// Starts with the demo data instead of the sample data, for demos and browser tests:
    /// users `alice`, `bob` and `carol` (see [`DEMO_USERS`](super::DEMO_USERS)) who see
    /// different repositories, enough for several pages of `GET /rest/api/1.0/repos` at
    /// Bitbucket's default page size (25). Besides the sample projects (`ENG`, `OPS`, every
    /// user; the public `PUB`): `PLAT` "Platform" for alice and bob (`service-01` to
    /// `service-30`), `DATA` "Data" for alice (`pipeline-01` to `pipeline-25`) and `MKT`
    /// "Marketing" for carol (`website`, `campaigns`, `brand-assets`, `newsletter`). So alice
    /// sees 60 repositories, bob 35, carol 9 and anonymous callers 1.
    pub fn demo_data(mut self) -> Self {
        self.demo_data = true;
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
        if self.demo_data {
            for user in super::DEMO_USERS {
                users.insert((*user).to_owned(), true);
            }
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
            catalog: if self.demo_data {
                Catalog::demo()
            } else if self.sample_data {
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

    /// Restricts a project to the users granted read access: once a project has a grant, only
    /// those users see it and its repositories (and, if it is public, anonymous callers too);
    /// without grants every user who can log in sees it. The user becomes one who can log in.
    /// `false` when there is no such project.
    pub fn grant_project(&self, project_key: &str, user: &str) -> bool {
        let mut state = self.shared.lock();
        state.know_user(user);
        state.catalog.grant(project_key, user)
    }

    /// Removes every project and repository.
    pub fn clear_projects(&self) {
        self.shared.lock().catalog = Catalog::default();
    }

    /// Refuses OAuth requests (token endpoints and resources, not the authorization page) with
    /// `problem`, before looking at them, `times` times. Its status follows
    /// [`problem_status`](super::problem_status); `timestamp_refused` carries the acceptable window and
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
