//! A hostile-provider battery: the flow and the reqwest adapter (blocking and async) against a
//! local server on 127.0.0.1 that misbehaves on purpose (HTML login pages, truncated and endless
//! bodies, redirect loops and cross-host redirects, dropped and silent connections, monstrous
//! headers, quadratic-bait bodies).
//!
//! Every case must
//! - end in a specific typed outcome (the exact [`Error`] variant and its key fields),
//! - leak nothing: neither the consumer secret, nor our token secrets, nor any
//!   `oauth_token_secret` the server sent appear in the error's `Display` or `Debug` (nor in
//!   those of its sources),
//! - and finish: each test runs under a watchdog ([`WATCHDOG`]) and fails, rather than hangs,
//!   when the library does not return.
//!
//! Adapter timeouts are set through `with_http_client`: [`SHORT_TIMEOUT`] where the case is about
//! the timeout, so that it ends in seconds, and the long [`TIMEOUT`] elsewhere. Every time bound
//! is a generous multiple of the configured timeout, so that a busy 2-core machine does not fail
//! a case that behaves, and none is a fixed "within N s" tighter than that.
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/hostile.rs"]
mod hostile;

use std::fmt::Write as _;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ::reqwest::redirect::Policy;
use bitbucket_oauth::clock::FixedClock;
use bitbucket_oauth::flow::{MAX_ERROR_BODY_EXCERPT, MAX_TOKEN_RESPONSE_BYTES};
use bitbucket_oauth::reqwest::{AsyncClient, BlockingClient, DEFAULT_MAX_BODY_BYTES};
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    Access, AccessToken, Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, OAuthProblem,
    Signer, Temporary, Token, TokenSecret, Verifier,
};
use hostile::{Act, Server, StreamEnd, head, respond};

// ---------------------------------------------------------------------------------------------
// Secrets and fixed values
// ---------------------------------------------------------------------------------------------

const CONSUMER_SECRET: &str = "cs-HOSTILE-consumer-secret-7f3a";
const REQUEST_SECRET: &str = "rts-HOSTILE-request-secret-19c2";
const ACCESS_SECRET: &str = "ats-HOSTILE-access-secret-5d8e";
/// What a hostile server sends as `oauth_token_secret`; it must never reach an error message.
const SERVER_SECRET: &str = "SRV-SENT-token-secret-b41f";
const VERIFIER: &str = "verifier-HOSTILE-0c1d";
const NOW: u64 = 1_700_000_000;

/// Every test fails after this long instead of hanging (only a hang waits for it).
const WATCHDOG: Duration = Duration::from_secs(120);
/// The adapter's timeouts in cases that do not depend on them.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The adapter's timeouts in cases that are about them.
const SHORT_TIMEOUT: Duration = Duration::from_secs(1);
/// How late a timeout may end on a busy machine: it must end before this many timeouts pass
/// (a deadline that never fires runs into the watchdog, or past this bound).
const TIMEOUT_SLACK: u32 = 10;
/// "Fast": a bounded case ends well before the adapter's [`TIMEOUT`] (the server is local), so
/// it did not end by waiting for the timeout.
const FAST: Duration = Duration::from_secs(10);
/// How long the server may take to notice that the client hung up.
const HANG_UP_NOTICED: Duration = Duration::from_secs(30);

const NOT_A_TOKEN_RESPONSE: &str =
    "not a token response (an HTML login page from a proxy? a JSON error?)";
const NOT_SIGNED_THERE: &str =
    "the token endpoint redirected to another host; the request was not signed there";
const UNREADABLE: &str = bitbucket_oauth::flow::UNREADABLE_PROBLEM;
const UNAUTHORIZED_WITHOUT_PROBLEM: &str =
    "HTTP 401 without an oauth_problem (is the request reaching the OAuth-aware server?)";
const REDIRECT_INSTEAD: &str =
    "a redirect instead of an answer (a login page, or a base URL that is not the server's own?)";

// ---------------------------------------------------------------------------------------------
// Harness: watchdog, adapters in both modes, assertions
// ---------------------------------------------------------------------------------------------

/// Runs `f` on its own thread; fails the test if it has not returned after [`WATCHDOG`], and
/// passes a panic of `f` through. (A hung thread is left behind; the test binary exits anyway.)
fn bounded(name: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            f();
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the closure returned without reporting"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: HUNG: no outcome after {WATCHDOG:?} (the library did not return)")
        }
    }
}

/// Generates a `blocking` and an `asynchronous` test from one body, each under the watchdog.
macro_rules! both_modes {
    ($($(#[$meta:meta])* fn $name:ident($mode:ident) $body:block)*) => {$(
        $(#[$meta])*
        mod $name {
            use super::*;

            fn case($mode: Mode) $body

            #[test]
            fn blocking() {
                bounded(concat!(stringify!($name), "::blocking"), || case(Mode::Blocking));
            }

            #[test]
            fn asynchronous() {
                bounded(concat!(stringify!($name), "::asynchronous"), || case(Mode::Async));
            }
        }
    )*};
}

/// A single test under the watchdog.
macro_rules! watched {
    ($($(#[$meta:meta])* fn $name:ident() $body:block)*) => {$(
        $(#[$meta])*
        #[test]
        fn $name() {
            fn case() $body
            bounded(stringify!($name), case);
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Blocking,
    Async,
}

/// What to ask the adapter.
#[derive(Debug)]
enum Step {
    RequestToken,
    AccessToken,
    Whoami,
    /// `send` of a GET to this URL with the access token.
    Api(String),
}

#[derive(Debug)]
#[allow(dead_code)] // the payloads are read only through Debug when a test fails
enum Outcome {
    RequestToken(Token<Temporary>),
    AccessToken(AccessToken),
    Whoami(String),
    Api(http::Response<Vec<u8>>),
}

impl Outcome {
    fn api(self) -> http::Response<Vec<u8>> {
        match self {
            Self::Api(r) => r,
            other => panic!("not an API response: {other:?}"),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Config {
    timeout: Duration,
    max_body: Option<usize>,
}

impl Config {
    fn new() -> Self {
        Self {
            timeout: TIMEOUT,
            max_body: None,
        }
    }

    fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    fn max_body(mut self, limit: usize) -> Self {
        self.max_body = Some(limit);
        self
    }
}

fn oauth_client(base: &str) -> Consumer {
    let signer = Signer::builder(
        ConsumerKey::new("hostile-consumer"),
        HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)),
    )
    .clock(FixedClock(NOW))
    .build();
    Consumer::new(signer, Endpoints::bitbucket(base).unwrap())
}

fn request_token() -> Token<Temporary> {
    Token::new("rt-pending", TokenSecret::new(REQUEST_SECRET))
}

fn access_token() -> Token<Access> {
    Token::new("at-live", TokenSecret::new(ACCESS_SECRET))
}

fn get(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).unwrap()
}

/// Runs one step through the adapter of `mode` against `base` (the Bitbucket base URL).
fn run(mode: Mode, base: &str, step: Step, config: Config) -> Result<Outcome, Error> {
    let oauth = oauth_client(base);
    let pending = request_token();
    let verifier = Verifier::new(VERIFIER);
    let access = access_token();
    match mode {
        Mode::Blocking => {
            let http = ::reqwest::blocking::Client::builder()
                .redirect(Policy::none())
                .connect_timeout(config.timeout)
                .timeout(config.timeout)
                .build()
                .unwrap();
            let mut adapter =
                BlockingClient::with_http_client(oauth, http).body_timeout(config.timeout);
            if let Some(limit) = config.max_body {
                adapter = adapter.max_body_bytes(limit);
            }
            match step {
                Step::RequestToken => adapter.request_token("oob").map(Outcome::RequestToken),
                Step::AccessToken => adapter
                    .access_token(&pending, &verifier)
                    .map(Outcome::AccessToken),
                Step::Whoami => adapter.whoami(&access).map(Outcome::Whoami),
                Step::Api(url) => adapter.send(get(&url), &access).map(Outcome::Api),
            }
        }
        Mode::Async => {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let http = ::reqwest::Client::builder()
                    .redirect(Policy::none())
                    .connect_timeout(config.timeout)
                    .timeout(config.timeout)
                    .build()
                    .unwrap();
                let mut adapter = AsyncClient::with_http_client(oauth, http);
                if let Some(limit) = config.max_body {
                    adapter = adapter.max_body_bytes(limit);
                }
                match step {
                    Step::RequestToken => adapter
                        .request_token("oob")
                        .await
                        .map(Outcome::RequestToken),
                    Step::AccessToken => adapter
                        .access_token(&pending, &verifier)
                        .await
                        .map(Outcome::AccessToken),
                    Step::Whoami => adapter.whoami(&access).await.map(Outcome::Whoami),
                    Step::Api(url) => adapter.send(get(&url), &access).await.map(Outcome::Api),
                }
            })
        }
    }
}

/// Runs a step that must fail; returns the error and how long it took.
fn fail(mode: Mode, base: &str, step: Step, config: Config) -> (Error, Duration) {
    let started = Instant::now();
    let result = run(mode, base, step, config);
    let took = started.elapsed();
    match result {
        Ok(outcome) => panic!("expected an error, got {outcome:?}"),
        Err(e) => (e, took),
    }
}

/// Every text an error shows: Display, Debug, alternate Debug, and the same for each source.
fn error_texts(err: &Error) -> Vec<String> {
    let mut texts = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        texts.push(s.to_string());
        texts.push(format!("{s:?}"));
        source = s.source();
    }
    texts
}

/// Asserts that no secret of ours, and none of `sent` (secrets the server sent), shows.
fn assert_no_leak(err: &Error, sent: &[&str]) {
    let texts = error_texts(err);
    for secret in [CONSUMER_SECRET, REQUEST_SECRET, ACCESS_SECRET, VERIFIER]
        .iter()
        .chain(sent)
    {
        for text in &texts {
            assert!(
                !text.contains(secret),
                "the error shows the secret {secret:?}: {}",
                excerpt(text)
            );
        }
    }
}

/// The first 2000 bytes of a long text, for failure messages.
fn excerpt(text: &str) -> String {
    let mut end = text.len().min(2000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}… ({} bytes)", &text[..end], text.len())
    } else {
        text.to_owned()
    }
}

/// The `reqwest::Error` inside a transport error, whether the adapter boxed it directly (async)
/// or inside the `std::io::Error` that reqwest's blocking body reader returns.
fn reqwest_error(err: &Error) -> Option<&::reqwest::Error> {
    let Error::Transport(inner) = err else {
        return None;
    };
    if let Some(r) = inner.downcast_ref::<::reqwest::Error>() {
        return Some(r);
    }
    inner
        .downcast_ref::<std::io::Error>()?
        .get_ref()?
        .downcast_ref::<::reqwest::Error>()
}

fn assert_transport(err: &Error) -> &::reqwest::Error {
    assert!(
        matches!(err, Error::Transport(_)),
        "not a transport error: {err:?}"
    );
    reqwest_error(err).unwrap_or_else(|| panic!("no reqwest::Error inside: {err:?}"))
}

/// Asserts an `UnexpectedResponse` with this status and reason; returns (content type, body).
fn assert_unexpected(err: &Error, want_status: u16, want_reason: &str) -> (Option<String>, String) {
    match err {
        Error::UnexpectedResponse {
            status,
            reason,
            content_type,
            body,
        } => {
            assert_eq!(status.as_u16(), want_status, "{err:?}");
            assert_eq!(*reason, want_reason, "{err:?}");
            assert!(
                body.len() <= MAX_ERROR_BODY_EXCERPT + '…'.len_utf8(),
                "the body excerpt is {} bytes",
                body.len()
            );
            (content_type.clone(), body.clone())
        }
        other => {
            panic!("expected UnexpectedResponse({want_status}, {want_reason:?}), got {other:?}")
        }
    }
}

fn assert_invalid_token_response(err: &Error, want: &str) {
    match err {
        Error::InvalidTokenResponse { reason } => assert_eq!(*reason, want),
        other => panic!("expected InvalidTokenResponse({want:?}), got {other:?}"),
    }
}

fn assert_too_large(err: &Error, want: usize) {
    assert!(
        matches!(err, Error::ResponseTooLarge { limit } if *limit == want),
        "expected ResponseTooLarge {{ limit: {want} }}, got {err:?}"
    );
}

fn assert_fast(took: Duration) {
    const { assert!(FAST.as_secs() * 2 <= TIMEOUT.as_secs()) };
    assert!(took < FAST, "took {took:?}, more than {FAST:?}");
}

/// A text/plain token response.
fn token_body(body: &[u8]) -> Act {
    respond(200, &[("Content-Type", "text/plain;charset=UTF-8")], body)
}

/// A well-formed token response carrying the server's secret and a session handle.
fn good_token_response() -> Vec<u8> {
    format!(
        "oauth_token=tok&oauth_token_secret={SERVER_SECRET}&oauth_callback_confirmed=true&oauth_session_handle=sh"
    )
    .into_bytes()
}

/// A corporate-SSO login page of about 6 KB, with a server-sent `oauth_token_secret` in a link
/// early on (inside the excerpt).
fn login_page() -> Vec<u8> {
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><title>Log in - Corporate SSO</title></head><body>\n\
         <form method=\"post\" action=\"/sso/login?continue=%2Fplugins%2Fservlet%2Foauth&oauth_token_secret={SERVER_SECRET}\">\n\
         <input name=\"username\"><input name=\"password\" type=\"password\">\n"
    );
    for i in 0..100 {
        let _ = writeln!(
            page,
            "<p class=\"legal\">Paragraph {i}: authorized use only; activity is monitored.</p>"
        );
    }
    page.push_str("</form></body></html>\n");
    page.into_bytes()
}

/// `n` bytes of a form-like body with distinct names: `k0000001=v&k0000002=v&...`.
fn distinct_pairs(n: usize) -> Vec<u8> {
    let mut out = String::with_capacity(n + 16);
    let mut i = 0u64;
    while out.len() < n {
        let _ = write!(out, "k{i:07}=v&");
        i += 1;
    }
    out.truncate(n);
    out.into_bytes()
}

/// An encoded provider base string of about `n` bytes with distinct parameters, for a GET to
/// `url`.
fn huge_base_string(url: &str, n: usize) -> String {
    let mut params = String::new();
    let mut i = 0u64;
    while params.len() < n {
        if !params.is_empty() {
            params.push_str("%26");
        }
        let _ = write!(params, "p{i:07}%3Dv");
        i += 1;
    }
    format!(
        "GET&{}&{params}",
        bitbucket_oauth::rfc5849::encode(url.as_bytes())
    )
}

fn base(server: &Server) -> String {
    server.url("/ctx")
}

/// A stream that never ends: `piece` (at least 4 KiB) forever.
fn endless(head: Vec<u8>, piece: &[u8], chunked: bool) -> Act {
    let piece = piece.repeat(4096_usize.div_ceil(piece.len()));
    Act::Stream {
        head,
        piece,
        chunked,
        pause: Duration::ZERO,
        total: None,
    }
}

/// Asserts the server's one stream ended because the client hung up, having written less
/// than `bound` body bytes.
fn assert_client_hung_up(server: &Server, bound: u64) {
    let ends = server.wait_stream_ends(1, HANG_UP_NOTICED);
    assert_eq!(ends.len(), 1, "the stream did not end: {ends:?}");
    let (end, written) = ends[0];
    assert_eq!(
        end,
        StreamEnd::PeerClosed,
        "the client kept the connection open"
    );
    assert!(
        written < bound,
        "the server wrote {written} body bytes before the client hung up (bound {bound})"
    );
}

// ---------------------------------------------------------------------------------------------
// HTML instead of a token response
// ---------------------------------------------------------------------------------------------

fn check_login_page_error(err: &Error) {
    let (content_type, body) = assert_unexpected(err, 200, NOT_A_TOKEN_RESPONSE);
    assert_eq!(content_type.as_deref(), Some("text/html; charset=utf-8"));
    assert!(body.starts_with("<!DOCTYPE html>"), "{body}");
    assert!(body.ends_with('…'), "a 6 KB page is cut: {body}");
    assert!(body.contains("oauth_token_secret=<redacted>"), "{body}");
    assert_no_leak(err, &[SERVER_SECRET]);
}

both_modes! {
    /// A proxy's HTML login page, 200 OK, on the request-token endpoint.
    fn html_login_page_on_request_token(mode) {
        let server = Server::always(|| {
            respond(200, &[("Content-Type", "text/html; charset=utf-8")], &login_page())
        });
        let (err, took) = fail(mode, &base(&server), Step::RequestToken, Config::new());
        check_login_page_error(&err);
        assert_fast(took);
        assert_eq!(server.requests().len(), 1);
    }

    /// The same page on the access-token endpoint.
    fn html_login_page_on_access_token(mode) {
        let server = Server::always(|| {
            respond(200, &[("Content-Type", "text/html; charset=utf-8")], &login_page())
        });
        let (err, took) = fail(mode, &base(&server), Step::AccessToken, Config::new());
        check_login_page_error(&err);
        assert_fast(took);
        let log = server.requests();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].target, "/ctx/plugins/servlet/oauth/access-token");
    }
}

// ---------------------------------------------------------------------------------------------
// Truncated and dropped responses
// ---------------------------------------------------------------------------------------------

both_modes! {
    /// `Content-Length` larger than what is sent, then close; and a chunked body cut inside a
    /// chunk.
    fn truncated_body_is_a_transport_error(mode) {
        let cut_plain = {
            let body = good_token_response();
            let mut bytes = head(200, &[("Content-Type", "text/plain"), ("Content-Length", "1000")]);
            bytes.extend_from_slice(&body);
            bytes
        };
        let cut_chunked = {
            let mut bytes = head(200, &[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]);
            bytes.extend_from_slice(b"400\r\noauth_token=tok&oauth_token_secret=");
            bytes.extend_from_slice(SERVER_SECRET.as_bytes());
            bytes
        };
        for (what, bytes) in [("content-length", cut_plain), ("chunked", cut_chunked)] {
            for step in [Step::RequestToken, Step::AccessToken] {
                let bytes = bytes.clone();
                let server = Server::always(move || Act::Send(bytes.clone()));
                let (err, took) = fail(mode, &base(&server), step, Config::new());
                let cause = assert_transport(&err);
                eprintln!("{mode:?} {what}: {err} / {cause:?}");
                assert!(cause.is_body() || cause.is_decode(), "{what}: {cause:?}");
                assert!(!cause.is_timeout(), "{what}: {cause:?}");
                assert_no_leak(&err, &[SERVER_SECRET]);
                assert_fast(took);
            }
        }
    }

    /// The connection closes after the headers, after part of the status line, at once
    /// (no response at all), or after a line that is not HTTP.
    fn dropped_connection_is_a_transport_error(mode) {
        let cases: [(&str, Vec<u8>); 4] = [
            ("headers, then close", head(200, &[("Content-Type", "text/plain"), ("Content-Length", "100")])),
            ("half a status line", b"HTTP/1.1 20".to_vec()),
            ("nothing at all", Vec::new()),
            ("not HTTP", b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()),
        ];
        for (what, bytes) in cases {
            let server = Server::always(move || Act::Send(bytes.clone()));
            for step in [Step::RequestToken, Step::Api(server.url("/ctx/rest/api/1.0/projects"))] {
                let (err, took) = fail(mode, &base(&server), step, Config::new());
                let cause = assert_transport(&err);
                eprintln!("{mode:?} {what}: {err} / {cause:?}");
                assert!(!cause.is_timeout(), "{what}: {cause:?}");
                assert_no_leak(&err, &[]);
                assert_fast(took);
            }
        }
    }
}

both_modes! {
    /// Framing a client cannot trust: more headers than hyper takes (100), two different
    /// `Content-Length`s, a negative one.
    fn malformed_framing_is_a_transport_error(mode) {
        let many: String = (0..200).map(|i| format!("X-Junk-{i}: {i}\r\n")).collect();
        let mut too_many = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n".to_vec();
        too_many.extend_from_slice(many.as_bytes());
        too_many.extend_from_slice(b"\r\nok");
        let cases: [(&str, Vec<u8>); 3] = [
            ("200 headers", too_many),
            ("two Content-Lengths", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 70000\r\n\r\nok".to_vec()),
            ("negative Content-Length", b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok".to_vec()),
        ];
        for (what, bytes) in cases {
            let server = Server::always(move || Act::Send(bytes.clone()));
            let (err, took) = fail(mode, &base(&server), Step::RequestToken, Config::new());
            let cause = assert_transport(&err);
            eprintln!("{mode:?} {what}: {err} / {cause:?}");
            assert!(!cause.is_timeout(), "{what}: {cause:?}");
            assert_no_leak(&err, &[]);
            assert_fast(took);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Silence and slowness: timeouts
// ---------------------------------------------------------------------------------------------

fn assert_timed_out(err: &Error, took: Duration) {
    assert!(
        matches!(err, Error::Transport(_)),
        "not a transport error: {err:?}"
    );
    eprintln!("after {took:?}: {err}");
    assert!(err.is_timeout(), "not a timeout: {err:?}");
    assert!(
        took >= SHORT_TIMEOUT - Duration::from_millis(50),
        "ended after {took:?}, before the timeout"
    );
    assert!(
        took < SHORT_TIMEOUT * TIMEOUT_SLACK,
        "ended after {took:?}, not within {TIMEOUT_SLACK} timeouts of {SHORT_TIMEOUT:?}"
    );
    assert_no_leak(err, &[]);
}

both_modes! {
    /// The server accepts, reads the request, and never answers.
    fn silent_server_times_out(mode) {
        let server = Server::always(|| Act::Stall);
        let config = Config::new().timeout(SHORT_TIMEOUT);
        let (err, took) = fail(mode, &base(&server), Step::RequestToken, config);
        assert_timed_out(&err, took);
        let (err, took) = fail(mode, &base(&server), Step::Api(server.url("/ctx/x")), config);
        assert_timed_out(&err, took);
    }

    /// Headers, then silence: the body never comes.
    fn silent_body_times_out(mode) {
        let server = Server::always(|| Act::Stream {
            head: head(200, &[("Content-Type", "text/plain"), ("Content-Length", "100")]),
            piece: Vec::new(),
            chunked: false,
            pause: Duration::from_millis(50),
            total: None,
        });
        let (err, took) = fail(
            mode,
            &base(&server),
            Step::RequestToken,
            Config::new().timeout(SHORT_TIMEOUT),
        );
        assert_timed_out(&err, took);
    }

    /// A slow drip (a few bytes every 200 ms, chunked, never ending, far below the 64 KiB
    /// limit): only a deadline on the whole exchange ends it. The configured timeout is that
    /// deadline.
    fn slow_drip_body_times_out(mode) {
        let server = Server::always(|| Act::Stream {
            head: head(200, &[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]),
            piece: b"oauth_x=1&".to_vec(),
            chunked: true,
            pause: Duration::from_millis(200),
            total: None,
        });
        let (err, took) = fail(
            mode,
            &base(&server),
            Step::RequestToken,
            Config::new().timeout(SHORT_TIMEOUT),
        );
        assert_timed_out(&err, took);
    }
}

// ---------------------------------------------------------------------------------------------
// Endless and huge bodies
// ---------------------------------------------------------------------------------------------

/// Bytes the server may write (into socket buffers) after the client's limit before it
/// notices the client hung up: loopback buffers are a few MiB.
const SOCKET_SLACK: u64 = 16 << 20;

both_modes! {
    /// A chunked body that never ends, on both token endpoints: 64 KiB, then stop.
    fn endless_token_body_is_too_large(mode) {
        for step in [Step::RequestToken, Step::AccessToken] {
            let server = Server::always(|| {
                endless(
                    head(200, &[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]),
                    b"oauth_token=tok&",
                    true,
                )
            });
            let (err, took) = fail(mode, &base(&server), step, Config::new());
            assert_too_large(&err, MAX_TOKEN_RESPONSE_BYTES);
            assert_eq!(MAX_TOKEN_RESPONSE_BYTES, 65_536);
            assert_fast(took);
            assert_no_leak(&err, &[]);
            assert_client_hung_up(&server, MAX_TOKEN_RESPONSE_BYTES as u64 + SOCKET_SLACK);
        }
    }

    /// A huge advertised `Content-Length`, streamed slowly: refused on the header alone. At 16
    /// bytes every 100 ms, reading up to the 64 KiB limit would take 400 s, far past the
    /// adapter's timeout: `ResponseTooLarge` before it can only come from the header.
    fn huge_content_length_streamed_slowly_is_too_large_at_once(mode) {
        let server = Server::always(|| Act::Stream {
            head: head(200, &[("Content-Type", "text/plain"), ("Content-Length", "1099511627776")]),
            piece: b"oauth_token=tok&".to_vec(),
            chunked: false,
            pause: Duration::from_millis(100),
            total: None,
        });
        let (err, took) = fail(mode, &base(&server), Step::RequestToken, Config::new());
        assert_too_large(&err, MAX_TOKEN_RESPONSE_BYTES);
        assert_fast(took);
        assert_client_hung_up(&server, 1 << 20);
    }

    /// An API body that never ends stops at the adapter's `max_body_bytes`, set or default.
    fn endless_api_body_is_too_large_at_max_body_bytes(mode) {
        for (limit, config) in [
            (256 * 1024, Config::new().max_body(256 * 1024)),
            (DEFAULT_MAX_BODY_BYTES, Config::new()),
        ] {
            let server = Server::always(|| {
                endless(
                    head(200, &[("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]),
                    b"[0,1,2,3,4,5,6,7],",
                    true,
                )
            });
            let (err, took) = fail(mode, &base(&server), Step::Api(server.url("/ctx/rest/api/1.0/repos")), config);
            assert_too_large(&err, limit);
            assert_fast(took);
            assert_client_hung_up(&server, limit as u64 + SOCKET_SLACK);
        }
    }

    /// 100 MB, advertised: refused on the header, without reading it, on a token endpoint and
    /// on an API call.
    fn hundred_megabytes_advertised_is_refused_unread(mode) {
        const HUNDRED_MB: u64 = 100 * 1024 * 1024;
        for (step_is_api, limit) in [(false, MAX_TOKEN_RESPONSE_BYTES), (true, DEFAULT_MAX_BODY_BYTES)] {
            let server = Server::always(|| Act::Stream {
                head: head(200, &[("Content-Type", "text/plain"), ("Content-Length", &HUNDRED_MB.to_string())]),
                piece: vec![b'x'; 64 * 1024],
                chunked: false,
                pause: Duration::ZERO,
                total: Some(HUNDRED_MB),
            });
            let step = if step_is_api {
                Step::Api(server.url("/ctx/rest/api/1.0/projects"))
            } else {
                Step::RequestToken
            };
            let (err, took) = fail(mode, &base(&server), step, Config::new());
            assert_too_large(&err, limit);
            assert_fast(took);
            assert_client_hung_up(&server, SOCKET_SLACK);
        }
    }

    /// 100 MB, chunked without a length: read up to the limit, then refused.
    fn hundred_megabytes_chunked_is_refused_at_the_limit(mode) {
        const HUNDRED_MB: u64 = 100 * 1024 * 1024;
        for (step_is_api, limit) in [(false, MAX_TOKEN_RESPONSE_BYTES), (true, DEFAULT_MAX_BODY_BYTES)] {
            let server = Server::always(|| Act::Stream {
                head: head(200, &[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]),
                piece: vec![b'x'; 64 * 1024],
                chunked: true,
                pause: Duration::ZERO,
                total: Some(HUNDRED_MB),
            });
            let step = if step_is_api {
                Step::Api(server.url("/ctx/rest/api/1.0/projects"))
            } else {
                Step::RequestToken
            };
            let (err, took) = fail(mode, &base(&server), step, Config::new());
            assert_too_large(&err, limit);
            assert_fast(took);
            assert_client_hung_up(&server, limit as u64 + SOCKET_SLACK);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed token responses
// ---------------------------------------------------------------------------------------------

/// What a token-response body must end in.
enum Want {
    Invalid(&'static str),
    TooManyParameters(usize),
    CallbackNotConfirmed,
    Unexpected(u16, &'static str),
}

fn check_token_cases(mode: Mode, cases: &[(&str, Act, Want)], steps: &[fn() -> Step]) {
    for (what, act, want) in cases {
        let Act::Send(bytes) = act else {
            panic!("{what}: a token case is a complete response")
        };
        for step in steps {
            let bytes = bytes.clone();
            let server = Server::always(move || Act::Send(bytes.clone()));
            let (err, took) = fail(mode, &base(&server), step(), Config::new());
            match want {
                Want::Invalid(reason) => assert_invalid_token_response(&err, reason),
                Want::TooManyParameters(limit) => assert!(
                    matches!(err, Error::TooManyParameters { limit: l } if l == *limit),
                    "{what}: {err:?}"
                ),
                Want::CallbackNotConfirmed => {
                    assert!(
                        matches!(err, Error::CallbackNotConfirmed),
                        "{what}: {err:?}"
                    );
                }
                Want::Unexpected(status, reason) => {
                    assert_unexpected(&err, *status, reason);
                }
            }
            assert_no_leak(&err, &[SERVER_SECRET]);
            assert_fast(took);
            eprintln!("{mode:?} {what}: {err}");
        }
    }
}

fn step_request_token() -> Step {
    Step::RequestToken
}

fn step_access_token() -> Step {
    Step::AccessToken
}

both_modes! {
    /// Bodies that look like token responses but are not valid ones.
    fn malformed_token_responses_are_typed(mode) {
        let s = SERVER_SECRET;
        let invalid_utf8 = {
            let mut b = b"oauth_token=t\xff\xfe&oauth_token_secret=".to_vec();
            b.extend_from_slice(s.as_bytes());
            b.extend_from_slice(b"&oauth_callback_confirmed=true");
            b
        };
        let many: String = (0..70).map(|i| format!("x{i}=1&")).collect();
        let cases = [
            ("raw invalid UTF-8", token_body(&invalid_utf8), Want::Invalid("the body is not UTF-8")),
            (
                "percent-encoded invalid UTF-8",
                token_body(format!("oauth_token=t%FF%FE&oauth_token_secret={s}&oauth_callback_confirmed=true").as_bytes()),
                Want::Invalid("malformed percent-encoding or non-UTF-8 text in the body"),
            ),
            (
                "duplicate oauth_token",
                token_body(format!("oauth_token=a&oauth_token=b&oauth_token_secret={s}&oauth_callback_confirmed=true").as_bytes()),
                Want::Invalid("oauth_token appears more than once"),
            ),
            (
                "duplicate oauth_token_secret",
                token_body(format!("oauth_token=a&oauth_token_secret={s}&oauth_token_secret={s}x&oauth_callback_confirmed=true").as_bytes()),
                Want::Invalid("oauth_token_secret appears more than once"),
            ),
            (
                "empty oauth_token",
                token_body(format!("oauth_token=&oauth_token_secret={s}&oauth_callback_confirmed=true").as_bytes()),
                Want::Invalid("oauth_token is empty"),
            ),
            (
                "missing oauth_token",
                token_body(format!("oauth_token_secret={s}&oauth_callback_confirmed=true").as_bytes()),
                Want::Invalid("oauth_token is missing"),
            ),
            (
                "missing oauth_token_secret",
                token_body(b"oauth_token=t&oauth_callback_confirmed=true"),
                Want::Invalid("oauth_token_secret is missing"),
            ),
            (
                "more than 64 parameters",
                token_body(format!("oauth_token=t&oauth_token_secret={s}&{many}").as_bytes()),
                Want::TooManyParameters(64),
            ),
            (
                "JSON instead of a form",
                respond(200, &[("Content-Type", "application/json")], b"{\"error\":\"nope\"}"),
                Want::Unexpected(200, NOT_A_TOKEN_RESPONSE),
            ),
            (
                "empty body",
                token_body(b""),
                Want::Unexpected(200, NOT_A_TOKEN_RESPONSE),
            ),
            (
                "a 302 without Location",
                respond(302, &[], b""),
                Want::Unexpected(302, REDIRECT_INSTEAD),
            ),
        ];
        check_token_cases(mode, &cases, &[step_request_token, step_access_token]);
    }

    /// `oauth_callback_confirmed` other than `true` on the request-token endpoint.
    fn callback_not_confirmed(mode) {
        let s = SERVER_SECRET;
        let cases = [
            (
                "false",
                token_body(format!("oauth_token=t&oauth_token_secret={s}&oauth_callback_confirmed=false").as_bytes()),
                Want::CallbackNotConfirmed,
            ),
            (
                "absent (an OAuth 1.0 provider)",
                token_body(format!("oauth_token=t&oauth_token_secret={s}").as_bytes()),
                Want::CallbackNotConfirmed,
            ),
            (
                "TRUE",
                token_body(format!("oauth_token=t&oauth_token_secret={s}&oauth_callback_confirmed=TRUE").as_bytes()),
                Want::CallbackNotConfirmed,
            ),
        ];
        check_token_cases(mode, &cases, &[step_request_token]);
    }
}

// ---------------------------------------------------------------------------------------------
// Redirects
// ---------------------------------------------------------------------------------------------

both_modes! {
    /// A server that redirects to itself forever: 10 hops are followed, then a typed error.
    fn redirect_loop_is_too_many_redirects(mode) {
        for status in [302_u16, 307] {
            let server = Server::always(move || respond(status, &[("Location", "/ctx/loop")], b""));
            let steps = [
                Step::RequestToken,
                Step::AccessToken,
                Step::Api(server.url("/ctx/rest/api/1.0/projects")),
            ];
            let mut expected_requests = 0;
            for step in steps {
                let (err, took) = fail(mode, &base(&server), step, Config::new());
                assert!(matches!(err, Error::TooManyRedirects { limit: 10 }), "{status}: {err:?}");
                assert_no_leak(&err, &[]);
                assert_fast(took);
                expected_requests += 11;
                assert_eq!(server.requests().len(), expected_requests);
            }
        }
    }

    /// A `Location` that is not a URI.
    fn unusable_location_is_invalid_uri(mode) {
        use bitbucket_oauth::UriProblem::{BadPort, Unparsable};
        for (location, problem) in [("http://[::1", Unparsable), ("http://", Unparsable), ("http://h:99999/x", BadPort)] {
            let server = Server::always(move || respond(302, &[("Location", location)], b""));
            let (err, _) = fail(mode, &base(&server), Step::RequestToken, Config::new());
            assert!(
                matches!(err, Error::InvalidUri(p) if p == problem),
                "{location}: want InvalidUri({problem:?}), got {err:?}"
            );
            assert_eq!(server.requests().len(), 1);
        }
    }

    /// An API call redirected to another host: that host sees no Authorization, no oauth_
    /// parameter anywhere.
    fn api_redirect_to_another_host_is_not_signed_there(mode) {
        let other = Server::always(|| respond(200, &[], b"elsewhere"));
        let target = format!("http://localhost:{}/landing?x=1", other.port);
        let server = Server::always(move || respond(302, &[("Location", &target)], b""));
        let response = run(mode, &base(&server), Step::Api(server.url("/ctx/start")), Config::new())
            .unwrap()
            .api();
        assert_eq!(response.body(), b"elsewhere");
        assert!(server.requests()[0].header("authorization").is_some());
        let seen = other.requests();
        assert_eq!(seen.len(), 1);
        assert_unsigned(&seen[0]);
    }

    /// A token endpoint redirected to another host: the exchange stops at the redirect, with the
    /// typed error that says the request was not signed there, and the other host sees nothing.
    fn token_redirect_to_another_host_is_refused(mode) {
        for (status, step) in [(302_u16, step_request_token as fn() -> Step), (307, step_access_token), (307, step_request_token)] {
            let other = Server::always(|| token_body(&good_token_response()));
            let target = format!("http://localhost:{}/plugins/servlet/oauth/token", other.port);
            let server = Server::always(move || respond(status, &[("Location", &target)], b""));
            let (err, took) = fail(mode, &base(&server), step(), Config::new());
            let (_, body) = assert_unexpected(&err, status, NOT_SIGNED_THERE);
            assert_eq!(body, "");
            assert_no_leak(&err, &[SERVER_SECRET]);
            assert_fast(took);
            assert_eq!(other.requests().len(), 0, "the other host was contacted");
        }
    }
}

/// Nothing of the OAuth exchange reached this request.
fn assert_unsigned(r: &hostile::Recorded) {
    assert_eq!(r.header("authorization"), None, "{r:?}");
    let all = format!(
        "{} {:?} {}",
        r.target,
        r.headers,
        String::from_utf8_lossy(&r.body)
    );
    for needle in ["oauth_", VERIFIER, "rt-pending", "at-live"] {
        assert!(
            !all.contains(needle),
            "{needle} reached the other host: {all}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// WWW-Authenticate: unparsable, monstrous
// ---------------------------------------------------------------------------------------------

/// A 401 whose challenges cannot be parsed, with an HTML body.
fn unparsable_challenge() -> Act {
    let page = b"<html><body><h1>401 Unauthorized</h1></body></html>";
    let mut bytes = head(
        401,
        &[
            ("Content-Type", "text/html"),
            ("Content-Length", &page.len().to_string()),
            (
                "WWW-Authenticate",
                "OAuth realm=\"unterminated, oauth_problem=token_rejected",
            ),
            ("WWW-Authenticate", "OAuth oauth_problem"),
            ("WWW-Authenticate", "Basic realm=\"Bitbucket\""),
            ("WWW-Authenticate", "OAuth ,,,=,\"\\"),
        ],
    );
    // A challenge with bytes that are not UTF-8 (obs-text), inserted before the empty line.
    let at = bytes.len() - 2;
    bytes.splice(
        at..at,
        b"WWW-Authenticate: OAuth oauth_problem=\"\xff\xfe\"\r\n"
            .iter()
            .copied(),
    );
    bytes.extend_from_slice(page);
    Act::Send(bytes)
}

both_modes! {
    /// A 401 with unparsable challenges and HTML: not a panic, not a Provider error.
    fn unparsable_www_authenticate_with_html(mode) {
        let server = Server::always(unparsable_challenge);
        for step in [Step::RequestToken, Step::AccessToken, Step::Whoami] {
            let (err, took) = fail(mode, &base(&server), step, Config::new());
            // The challenges name oauth_problem but cannot be parsed: "unreadable report".
            let (content_type, body) = assert_unexpected(&err, 401, UNREADABLE);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(body.contains("401 Unauthorized"), "{body}");
            assert!(err.problem().is_none());
            assert_no_leak(&err, &[]);
            assert_fast(took);
        }
        // An API call refused with an unreadable oauth_problem report is an error too.
        let (err, _) = fail(mode, &base(&server), Step::Api(server.url("/ctx/rest/x")), Config::new());
        assert_unexpected(&err, 401, UNREADABLE);
    }

    /// A 1 MB challenge does not fit reqwest's (hyper's) header buffer: a transport error, at
    /// once.
    fn megabyte_www_authenticate_is_a_transport_error(mode) {
        let server = Server::always(|| {
            let mut value = String::from("OAuth realm=\"r\", oauth_problem=\"token_rejected\", oauth_problem_advice=\"");
            value.push_str(&"a".repeat(1 << 20));
            value.push('"');
            respond(401, &[("WWW-Authenticate", &value)], b"")
        });
        for step in [Step::RequestToken, Step::Api(server.url("/ctx/rest/x"))] {
            let (err, took) = fail(mode, &base(&server), step, Config::new());
            assert_transport(&err);
            assert_no_leak(&err, &[]);
            assert_fast(took);
        }
    }

    /// 100,000 parameters in one challenge (just under hyper's header buffer), with
    /// `oauth_problem` last: over the header limits, so the typed "unreadable report" outcome,
    /// quickly.
    fn hundred_thousand_challenge_parameters(mode) {
        let server = Server::always(|| {
            let mut value = String::from("OAuth ");
            value.push_str(&"a=1,".repeat(100_000));
            value.push_str("oauth_problem=token_rejected");
            respond(401, &[("WWW-Authenticate", &value)], b"")
        });
        for step in [Step::RequestToken, Step::Api(server.url("/ctx/rest/x"))] {
            let (err, took) = fail(mode, &base(&server), step, Config::new());
            assert_unexpected(&err, 401, UNREADABLE);
            assert_no_leak(&err, &[]);
            assert_fast(took);
        }
    }

    /// The same 100,000-parameter challenge with a small form-like body (2,000 pairs, 6 KB, far
    /// below the 64 KiB a token step reads): merging body and header parameters must not cost
    /// header × body comparisons.
    fn challenge_parameters_times_body_pairs(mode) {
        let server = Server::always(|| {
            let mut value = String::from("OAuth ");
            value.push_str(&"a=1,".repeat(100_000));
            value.push_str("oauth_problem=token_rejected");
            respond(401, &[("WWW-Authenticate", &value)], &b"z=&".repeat(2_000))
        });
        let (err, took) = fail(mode, &base(&server), Step::RequestToken, Config::new());
        assert_unexpected(&err, 401, UNREADABLE);
        assert_no_leak(&err, &[]);
        assert_fast(took);
    }
}

// ---------------------------------------------------------------------------------------------
// Quadratic bait in bodies
// ---------------------------------------------------------------------------------------------

/// A `signature_invalid` refusal whose body carries a provider base string of about `size`
/// bytes, for a GET or POST to `url`.
fn signature_invalid_body(url: &str, size: usize) -> Vec<u8> {
    let mut body = b"oauth_problem=signature_invalid&oauth_signature_base_string=".to_vec();
    body.extend_from_slice(
        bitbucket_oauth::rfc5849::encode(huge_base_string(url, size).as_bytes()).as_bytes(),
    );
    body
}

fn assert_signature_invalid_with_differences(err: &Error) {
    let Error::Provider(p) = err else {
        panic!("{}", excerpt(&format!("{err:?}")))
    };
    assert_eq!(p.problem.problem, OAuthProblem::SignatureInvalid);
    assert!(p.problem.provider_base_string.is_some());
    assert!(!p.differences.is_empty());
    assert_no_leak(err, &[]);
}

both_modes! {
    /// A 200 API answer whose 384 KiB body happens to look like a form with distinct names
    /// (every response is searched for `oauth_problem`): handed back, quickly. (The adapter
    /// reads up to 16 MiB by default.)
    fn large_form_like_api_body_is_returned_quickly(mode) {
        let body = distinct_pairs(384 << 10);
        let sent = body.clone();
        let server = Server::always(move || respond(200, &[("Content-Type", "text/plain")], &sent));
        let started = Instant::now();
        let response = run(mode, &base(&server), Step::Api(server.url("/ctx/rest/x")), Config::new())
            .unwrap()
            .api();
        assert_fast(started.elapsed());
        assert_eq!(response.status(), 200);
        assert_eq!(response.body(), &body);
    }

    /// `signature_invalid` with a 40 KiB provider base string in the body of a token step
    /// (what fits its 64 KiB): a Provider error with the comparison, quickly.
    fn provider_base_string_on_a_token_step(mode) {
        let body = signature_invalid_body("http://127.0.0.1/ctx/plugins/servlet/oauth/request-token", 40 << 10);
        assert!(body.len() <= MAX_TOKEN_RESPONSE_BYTES, "{}", body.len());
        let server = Server::always(move || respond(401, &[("Content-Type", "text/plain")], &body));
        let (err, took) = fail(mode, &base(&server), Step::RequestToken, Config::new());
        assert_signature_invalid_with_differences(&err);
        assert_fast(took);
    }

    /// `signature_invalid` with a 256 KiB provider base string in the challenge header of a
    /// token step (hyper takes headers up to about 400 KB): over the header limit, so the typed
    /// "unreadable report" outcome, with bounded work.
    fn provider_base_string_in_the_challenge(mode) {
        let theirs = huge_base_string("http://127.0.0.1/ctx/plugins/servlet/oauth/request-token", 256 << 10);
        let value = format!(
            "OAuth realm=\"r\", oauth_problem=\"signature_invalid\", oauth_signature_base_string=\"{}\"",
            bitbucket_oauth::rfc5849::encode(theirs.as_bytes())
        );
        assert!(value.len() < 400_000, "{}", value.len());
        let server = Server::always(move || respond(401, &[("WWW-Authenticate", &value)], b""));
        let (err, took) = fail(mode, &base(&server), Step::RequestToken, Config::new());
        assert_unexpected(&err, 401, UNREADABLE);
        assert_no_leak(&err, &[]);
        assert_fast(took);
    }

    /// `signature_invalid` with a 320 KiB provider base string in the body of an API answer
    /// (the adapter reads up to 16 MiB; a problem report is read up to 64 KiB): the typed
    /// "unreadable report" outcome, not the 401 handed back as if it were no refusal.
    fn provider_base_string_on_an_api_call(mode) {
        let body = signature_invalid_body("http://127.0.0.1/ctx/rest/x", 320 << 10);
        let server = Server::always(move || respond(401, &[("Content-Type", "text/plain")], &body));
        let (err, took) = fail(mode, &base(&server), Step::Api(server.url("/ctx/rest/x")), Config::new());
        assert_unexpected(&err, 401, UNREADABLE);
        assert_no_leak(&err, &[]);
        assert_fast(took);
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets a server sends back in an error, through the flow (sans-IO)
// ---------------------------------------------------------------------------------------------

fn sent_request(client: &Consumer) -> bitbucket_oauth::flow::PendingRequestToken {
    client.request_token("oob").unwrap().1
}

fn response(status: u16, content_type: &str, body: &[u8]) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.to_vec())
        .unwrap()
}

watched! {
    /// Token responses in shapes the excerpt's redaction must also recognize: whatever the
    /// shape, the secret the server sent stays out of the error.
    fn server_sent_secret_never_shows_in_an_unexpected_response() {
        let s = SERVER_SECRET;
        let client = oauth_client("http://127.0.0.1:9/ctx");
        let cases: Vec<(&str, http::Response<Vec<u8>>)> = vec![
            ("form on a 500", response(500, "text/plain", format!("oauth_token=t&oauth_token_secret={s}").as_bytes())),
            ("HTML with a link", response(200, "text/html", format!("<a href=\"/x?oauth_token_secret={s}\">x</a>").as_bytes())),
            ("JSON token response", response(200, "application/json", format!("{{\"oauth_token\":\"t\",\"oauth_token_secret\":\"{s}\"}}").as_bytes())),
            ("JSON with spaces", response(200, "application/json", format!("{{ \"oauth_token_secret\" : \"{s}\" }}").as_bytes())),
            ("XML", response(200, "application/xml", format!("<token><oauth_token_secret>{s}</oauth_token_secret></token>").as_bytes())),
            ("percent-encoded name on a 500", response(500, "text/plain", format!("oauth_token=t&oauth%5Ftoken%5Fsecret={s}").as_bytes())),
        ];
        let mut leaks = Vec::new();
        for (what, response) in &cases {
            let err = client
                .finish_request_token(sent_request(&client), response)
                .unwrap_err();
            assert!(matches!(err, Error::UnexpectedResponse { .. }), "{what}: {err:?}");
            if error_texts(&err).iter().any(|t| t.contains(s)) {
                leaks.push(format!("{what}: {err}"));
            }
        }
        assert!(leaks.is_empty(), "the server's secret shows in:\n{}", leaks.join("\n"));
    }

    /// A refusal that also carries an `oauth_token_secret` (a confused or hostile provider):
    /// the Provider error must not show it.
    fn server_sent_secret_never_shows_in_a_provider_error() {
        let s = SERVER_SECRET;
        let client = oauth_client("http://127.0.0.1:9/ctx");
        let body = format!("oauth_problem=token_rejected&oauth_token=t&oauth_token_secret={s}&oauth_session_handle={s}-handle");
        let err = client
            .finish_request_token(sent_request(&client), &response(401, "text/plain", body.as_bytes()))
            .unwrap_err();
        assert_eq!(err.problem().unwrap().problem, OAuthProblem::TokenRejected);
        assert_no_leak(&err, &[s]);
    }

    /// The sans-IO check of 1 MB challenges (no HTTP client in front to refuse them): 150,000
    /// parameters, or one 1 MB value; over the header limits, so the typed "unreadable report"
    /// outcome, quickly.
    fn megabyte_challenge_through_the_flow() {
        let client = oauth_client("http://127.0.0.1:9/ctx");
        let mut many = String::from("OAuth ");
        many.push_str(&"abc=1, ".repeat(150_000));
        many.push_str("oauth_problem=\"token_expired\"");
        let mut single = String::from("OAuth oauth_problem=\"token_expired\", oauth_problem_advice=\"");
        single.push_str(&"b".repeat(1 << 20));
        single.push('"');
        for value in [many, single] {
            assert!(value.len() >= 1 << 20);
            let response = http::Response::builder()
                .status(401)
                .header("www-authenticate", value)
                .body(b"<html>401</html>".to_vec())
                .unwrap();
            let started = Instant::now();
            let err = client
                .finish_request_token(sent_request(&client), &response)
                .unwrap_err();
            assert_unexpected(&err, 401, UNREADABLE);
            assert_no_leak(&err, &[]);
            assert_fast(started.elapsed());
        }
    }

    /// The sans-IO check of an API answer with a 320 KiB provider base string (over the 64 KiB
    /// a problem report is read to): the typed "unreadable report" outcome, with bounded work.
    fn huge_provider_base_string_through_the_flow() {
        let client = oauth_client("http://127.0.0.1:9/ctx");
        let mut request = get("http://127.0.0.1:9/ctx/rest/x");
        let sent = client.sign_request(&mut request, &access_token()).unwrap();
        let body = signature_invalid_body("http://127.0.0.1/ctx/rest/x", 320 << 10);
        let started = Instant::now();
        let err = client
            .check_response(&sent, &response(401, "text/plain", &body))
            .unwrap_err();
        assert_fast(started.elapsed());
        assert_unexpected(&err, 401, UNREADABLE);
        assert_no_leak(&err, &[]);
    }

    /// Whatever size the provider's fields have, an error's message stays bounded (it goes to
    /// logs): a 100 KB Content-Type, a 1 MB `oauth_problem_advice`, 10,000 absent parameters.
    fn error_messages_stay_bounded() {
        const BOUND: usize = 4096;
        let client = oauth_client("http://127.0.0.1:9/ctx");
        let mut request = get("http://127.0.0.1:9/ctx/rest/x");
        let sent = client.sign_request(&mut request, &access_token()).unwrap();
        let content_type = format!("text/html; x={}", "c".repeat(100_000));
        let advice = format!(
            "oauth_problem=token_rejected&oauth_problem_advice={}",
            "d".repeat(1 << 20)
        );
        let absent: Vec<String> = (0..10_000).map(|i| format!("oauth_x{i}")).collect();
        let absent = format!(
            "oauth_problem=parameter_absent&oauth_parameters_absent={}",
            bitbucket_oauth::rfc5849::encode(absent.join("&").as_bytes())
        );
        let cases = [
            ("huge Content-Type", response(500, &content_type, b"<html></html>")),
            ("huge advice", response(401, "text/plain", advice.as_bytes())),
            ("10,000 absent parameters", response(400, "text/plain", absent.as_bytes())),
        ];
        let mut unbounded = Vec::new();
        for (what, response) in &cases {
            let err = client.check_response(&sent, response).unwrap_err();
            let shown = err.to_string();
            if shown.len() > BOUND {
                let mut cut = 200;
                while !shown.is_char_boundary(cut) {
                    cut -= 1;
                }
                unbounded.push(format!("{what}: {} bytes: {}…", shown.len(), &shown[..cut]));
            }
        }
        assert!(unbounded.is_empty(), "unbounded messages:\n{}", unbounded.join("\n"));
    }
}

/// A 401 that names no `oauth_problem` at all (a Basic challenge and an HTML page, as a proxy in
/// front of the server answers): the typed "401 without an oauth_problem" outcome.
#[test]
fn unauthorized_without_any_oauth_problem() {
    let client = oauth_client("http://127.0.0.1:9/ctx");
    let response = http::Response::builder()
        .status(401)
        .header("www-authenticate", "Basic realm=\"proxy\"")
        .header("content-type", "text/html")
        .body(b"<html><body>401 Unauthorized</body></html>".to_vec())
        .unwrap();
    let err = client
        .finish_request_token(sent_request(&client), &response)
        .unwrap_err();
    assert_unexpected(&err, 401, UNAUTHORIZED_WITHOUT_PROBLEM);
    assert!(err.problem().is_none());
}
