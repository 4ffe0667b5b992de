//! Interop: the same client runs against two providers and must pass against both.
//!
//! - **oauthlib**: `tests/python/oauthlib_provider.py`, a provider on Python's oauthlib (its
//!   `RequestTokenEndpoint`, `AuthorizationEndpoint`, `AccessTokenEndpoint` and
//!   `ResourceEndpoint`, RSA-SHA1), which we did not write. The test builds the pinned
//!   virtualenv (`tests/support/python.rs`, `tests/python/requirements.txt`), starts the
//!   provider as a child process on an ephemeral port of 127.0.0.1, and fails loudly, with the
//!   provider's standard error, if it cannot.
//! - **stand-in**: this crate's `testkit::StandIn`, with the same consumer registered.
//!
//! Both serve the Bitbucket paths under the context path `/bitbucket`. Each scenario is written
//! once, as a function over a [`Target`], and runs as two tests, `<scenario>::oauthlib` and
//! `<scenario>::stand_in`.
//!
//! Where the two providers legitimately differ, the scenario says so and asserts each side
//! exactly:
//!
//! - refusals: the stand-in answers Atlassian's OAuth Problem Reporting (`oauth_problem` in
//!   `WWW-Authenticate` and the body), which this crate types as `Error::Provider`; oauthlib
//!   implements only RFC 5849, whose §3.2 asks for a 400 or 401 status and nothing more, so its
//!   refusals reach us as `Error::UnexpectedResponse` with that status;
//! - access-token fields: Atlassian's `oauth_expires_in`, `oauth_session_handle`,
//!   `oauth_authorization_expires_in` against oauthlib's `oauth_authorized_realms` (empty);
//! - renewal (Atlassian's session extension) exists only on the stand-in: against oauthlib the
//!   scenario checks that the library refuses to renew a token without a session handle before
//!   sending anything; nothing is faked;
//! - 2-legged OAuth (an empty `oauth_token`, an Atlassian extension) is refused by both with the
//!   same consumer registration (the stand-in because the consumer does not allow it, as
//!   Bitbucket does: a 401 without `oauth_problem` whose challenge echoes the request's
//!   `oauth_*` parameters; oauthlib because its `ResourceEndpoint` requires a token);
//! - the echo resource (`/rest/api/1.0/echo`, which answers the decoded query and form
//!   parameters it saw) exists only on the oauthlib provider; on the stand-in the same awkward
//!   parameters go to `/rest/api/1.0/projects` (signed, verified and ignored) or to the
//!   request-token endpoint (a signed form POST).
#![cfg(all(feature = "reqwest", feature = "testkit"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/oauthlib_provider.rs"]
mod oauthlib_provider;
#[path = "support/python.rs"]
mod python;

use oauthlib_provider::{OauthlibProvider, START_TIMEOUT, STOP_TIMEOUT};

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use bitbucket_oauth::call::{Call, Next};

use bitbucket_oauth::flow::Step;
use bitbucket_oauth::flow::{MAX_TOKEN_RESPONSE_BYTES, PendingRequestToken};
use bitbucket_oauth::reqwest::{AsyncClient, BlockingClient};
use bitbucket_oauth::testkit::{self, RegisteredConsumer, StandIn};
use bitbucket_oauth::{
    AccessToken, Consumer, ConsumerKey, Endpoints, Error, OAuthProblem, RsaPrivateKey, Signer, Token,
    TokenSecret, Verifier,
};
use serde_json::{Value, json};

/// oauthlib's default `check_client_key` wants 20 to 30 ASCII letters and digits.
const CONSUMER_KEY: &str = "bitbucketOauthInterop";
const KEY_PEM: &str = include_str!("data/test_rsa_2048_pkcs8.pem");
const CONTEXT_PATH: &str = "/bitbucket";
/// The bound on any one scenario's async part.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(120);

fn private_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(KEY_PEM).unwrap()
}

fn public_key_pem() -> String {
    private_key().public_key_pem().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The oauthlib provider, as a child process.

// ---------------------------------------------------------------------------------------------
// Targets.

enum Provider {
    Oauthlib(OauthlibProvider),
    StandIn(Box<StandIn>),
}

/// One provider to run the client against: its base URL and how its user approves.
struct Target {
    provider: Provider,
    base_url: String,
}

impl Target {
    fn oauthlib() -> Self {
        let provider = OauthlibProvider::start(&public_key_pem(), CONSUMER_KEY, CONTEXT_PATH);
        Self {
            base_url: provider.base_url.clone(),
            provider: Provider::Oauthlib(provider),
        }
    }

    fn stand_in() -> Self {
        let consumer = RegisteredConsumer::rsa(CONSUMER_KEY, public_key_pem().as_bytes()).unwrap();
        let stand_in = StandIn::builder()
            .context_path(CONTEXT_PATH)
            .consumer(consumer)
            .start()
            .unwrap();
        Self {
            base_url: stand_in.base_url().to_owned(),
            provider: Provider::StandIn(Box::new(stand_in)),
        }
    }

    /// What the provider logged, for failure messages: oauthlib's stderr (one line per
    /// request, and its "[Failure] request verification failed" details), or the stand-in's
    /// request log.
    fn diagnostics(&self) -> String {
        match &self.provider {
            Provider::Oauthlib(p) => format!("--- oauthlib provider stderr ---\n{}", p.log()),
            Provider::StandIn(s) => {
                let mut out = String::from("--- stand-in requests ---\n");
                for r in s.requests() {
                    out.push_str(&format!(
                        "{} {}?{} -> {} {:?}\n",
                        r.method,
                        r.path,
                        r.query.as_deref().unwrap_or(""),
                        r.status,
                        r.problem
                    ));
                }
                out
            }
        }
    }

    fn is_stand_in(&self) -> bool {
        matches!(self.provider, Provider::StandIn(_))
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn client(&self) -> Consumer {
        Consumer::new(
            Signer::rsa_sha1(ConsumerKey::new(CONSUMER_KEY), private_key()),
            Endpoints::bitbucket(&self.base_url).unwrap(),
        )
    }

    fn blocking(&self) -> BlockingClient {
        BlockingClient::new(self.client()).unwrap()
    }

    /// The user opens the authorization URL and reads the code off the `oob` page,
    /// `<code id="oauth_verifier">`. The stand-in, as Bitbucket, asks the user to log in and
    /// allow access (`testkit::browser` does both, as `alice`); oauthlib's page approves as
    /// `alice` at once (the browser passes it through).
    fn oob_verifier(&self, authorize_url: &str) -> Verifier {
        let page = browse(authorize_url);
        assert_eq!(page.status(), 200, "{}", text(page.body()));
        let code = testkit::oob_verifier(page.body())
            .unwrap_or_else(|| panic!("no verification code on the page: {}", text(page.body())));
        match &self.provider {
            // The stand-in can say what it issued: Bitbucket's 6 letters and digits.
            Provider::StandIn(s) => {
                assert_eq!(s.last_verifier().as_deref(), Some(code.as_str()));
                assert_eq!(code.len(), 6, "{code}");
            }
            // oauthlib's generate_token: 30 ASCII letters and digits.
            Provider::Oauthlib(_) => {
                assert_eq!(code.len(), 30, "{code}");
                assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
            }
        }
        Verifier::new(code)
    }

    /// The user opens the authorization URL; the provider redirects the browser to the
    /// callback. Returns the `Location`.
    fn approve_in_browser(&self, authorize_url: &str) -> String {
        let page = browse(authorize_url);
        assert_eq!(page.status(), 302, "{}", text(page.body()));
        page.headers()["location"].to_str().unwrap().to_owned()
    }
}

/// The user at the authorization page: logs in and allows where asked.
fn browse(url: &str) -> http::Response<Vec<u8>> {
    testkit::browser::approve(url, "alice").unwrap_or_else(|e| panic!("authorize {url}: {e}"))
}

fn get(url: &str) -> http::Response<Vec<u8>> {
    testkit::http::send(&http::Request::get(url).body(Vec::new()).unwrap())
        .unwrap_or_else(|e| panic!("GET {url}: {e}"))
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

// Runs a scenario against both providers, as `<scenario>::oauthlib` and
// `<scenario>::stand_in`.
oauthlib_provider::on_both!(
    dance_oob_blocking,
    dance_callback_async,
    refusals,
    awkward_query,
    signed_form_posts,
    renewal,
    two_legged,
);

/// How a refusal must look on each side (see the module docs).
struct Refused {
    /// The stand-in's typed problem and status.
    stand_in: (OAuthProblem, u16),
    /// oauthlib's status and body (it reports no `oauth_problem`; the resource body names the
    /// checks of oauthlib's `validator_log` that failed).
    oauthlib: (u16, &'static str),
}

fn assert_refused<T: std::fmt::Debug>(target: &Target, result: Result<T, Error>, want: &Refused) {
    let error = match result {
        Ok(value) => panic!(
            "the provider accepted what it must refuse: {value:?}\n{}",
            target.diagnostics()
        ),
        Err(error) => error,
    };
    if target.is_stand_in() {
        let problem = error
            .problem()
            .unwrap_or_else(|| panic!("not a typed refusal: {error}"));
        assert_eq!(
            (problem.problem.clone(), problem.status.as_u16()),
            (want.stand_in.0.clone(), want.stand_in.1),
            "{error}"
        );
    } else {
        match &error {
            Error::UnexpectedResponse { status, body, .. } => {
                assert_eq!(
                    (status.as_u16(), body.as_str()),
                    want.oauthlib,
                    "{error}\n{}",
                    target.diagnostics()
                );
            }
            other => panic!("expected an untyped refusal {:?}: {other}", want.oauthlib),
        }
        assert!(error.problem().is_none());
    }
}

/// The out-of-band dance with the blocking adapter; returns the adapter and the access token.
fn login_oob(target: &Target) -> (BlockingClient, AccessToken) {
    let http = target.blocking();
    let request_token = http.request_token("oob").unwrap();
    let verifier = target.oob_verifier(&http.oauth().authorize_url(&request_token));
    let access = http.access_token(&request_token, &verifier).unwrap();
    (http, access)
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

/// The whole dance, out of band, with the blocking adapter; then `whoami` and a REST call.
fn dance_oob_blocking(target: &Target) {
    let http = target.blocking();
    let request_token = http.request_token("oob").unwrap();
    let authorize_url = http.oauth().authorize_url(&request_token);
    assert_eq!(
        authorize_url,
        format!(
            "{}/plugins/servlet/oauth/authorize?oauth_token={}",
            target.base_url,
            request_token.token()
        )
    );
    let verifier = target.oob_verifier(&authorize_url);
    let access = http.access_token(&request_token, &verifier).unwrap();
    assert_ne!(access.token().token(), request_token.token());

    let fields: Vec<(&str, &str)> = access.fields().collect();
    if target.is_stand_in() {
        // Bitbucket: the access token's lifetime and the session's (30 days longer).
        assert_eq!(access.expires_in(), Some(157_680_000));
        assert_eq!(access.authorization_expires_in(), Some(160_272_000));
        assert!(access.session_handle().is_some());
        assert_eq!(fields.len(), 3, "{fields:?}");
    } else {
        // oauthlib's create_access_token: the realms the token covers (none asked for).
        assert_eq!(fields, [("oauth_authorized_realms", "")]);
    }

    assert_eq!(http.whoami(access.token()).unwrap(), "alice");
    let resource = if target.is_stand_in() {
        "/rest/api/1.0/projects?limit=1"
    } else {
        "/rest/api/1.0/echo?limit=1"
    };
    let response = http
        .send(
            http::Request::get(target.url(resource))
                .body(Vec::new())
                .unwrap(),
            access.token(),
        )
        .unwrap();
    assert_eq!(response.status(), 200, "{}", text(response.body()));
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    if target.is_stand_in() {
        assert_eq!(body["limit"], 1);
        assert_eq!(body["values"].as_array().unwrap().len(), 1);
    } else {
        assert_eq!(body["query"], json!([["limit", "1"]]));
        assert_eq!(body["user"], "alice");
    }

    // A request token is exchanged once (Bitbucket: token_rejected; token_used is only for its
    // authorization page).
    assert_refused(
        target,
        http.access_token(&request_token, &verifier),
        &Refused {
            stand_in: (OAuthProblem::TokenRejected, 401),
            oauthlib: (401, ""),
        },
    );
}

/// The dance with a callback on localhost (with a query of its own), with the async adapter:
/// the test plays the browser and catches the redirect on its own listener.
fn dance_callback_async(target: &Target) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        tokio::time::timeout(SCENARIO_TIMEOUT, callback_dance(target))
            .await
            .expect("the callback dance timed out");
    });
}

async fn callback_dance(target: &Target) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let callback = format!("http://127.0.0.1:{port}/cb?state=s%201");
    let http = AsyncClient::new(target.client()).unwrap();

    let request_token = http.request_token(&callback).await.unwrap();
    let authorize_url = http.oauth().authorize_url(&request_token);
    let location = target.approve_in_browser(&authorize_url);
    // RFC 5849 §2.2: "If the callback URI already includes a query component, the server MUST
    // append the OAuth parameters to the end of the existing query." The stand-in appends to
    // the query as registered; oauthlib (add_params_to_uri) decodes and re-encodes it, so
    // `s%201` arrives as `s+1`. Both decode to the same pairs.
    let (path, query) = location.split_once('?').unwrap();
    assert_eq!(path, format!("http://127.0.0.1:{port}/cb"));
    let state = if target.is_stand_in() {
        "state=s%201"
    } else {
        "state=s+1"
    };
    assert!(
        query.starts_with(&format!(
            "{state}&oauth_token={}&oauth_verifier=",
            request_token.token()
        )),
        "{location}"
    );
    let pairs = form_pairs(query);
    assert_eq!(pairs.len(), 3, "{pairs:?}");
    assert_eq!(
        (pairs[0].clone(), pairs[1].clone(), pairs[2].0.as_str()),
        (
            ("state".to_owned(), "s 1".to_owned()),
            ("oauth_token".to_owned(), request_token.token().to_owned()),
            "oauth_verifier"
        )
    );

    // The browser follows the redirect to our listener.
    let location_target = location
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .map(str::to_owned);
    let browser = thread::spawn(move || get(&location));
    let (mut stream, _) = listener.accept().await.unwrap();
    let target_line = read_request_line(&mut stream).await;
    let page = "caught";
    tokio::io::AsyncWriteExt::write_all(
        &mut stream,
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
            page.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    drop(stream);
    let seen = tokio::task::spawn_blocking(move || browser.join().unwrap())
        .await
        .unwrap();
    assert_eq!(seen.body(), page.as_bytes());

    assert_eq!(Some(target_line.as_str()), location_target.as_deref());
    let verifier = http
        .oauth()
        .parse_callback(&target_line, &request_token)
        .unwrap();
    // A callback for another request token is refused.
    let other = Token::new("someOtherRequestToken000", TokenSecret::new("x"));
    assert!(matches!(
        http.oauth().parse_callback(&target_line, &other),
        Err(Error::CallbackTokenMismatch)
    ));

    let access = http.access_token(&request_token, &verifier).await.unwrap();
    assert_eq!(http.whoami(access.token()).await.unwrap(), "alice");
    let resource = if target.is_stand_in() {
        "/rest/api/1.0/projects/ENG/repos"
    } else {
        "/rest/api/1.0/echo?from=async"
    };
    let response = http
        .send(
            http::Request::get(target.url(resource))
                .body(Vec::new())
                .unwrap(),
            access.token(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", text(response.body()));
}

/// `a=1&b=x+y` as decoded pairs (application/x-www-form-urlencoded, UTF-8).
fn form_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |raw: &str| {
        String::from_utf8(bitbucket_oauth::rfc5849::decode_form_component(raw.as_bytes()).unwrap())
            .unwrap()
    };
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), decode(value))
        })
        .collect()
}

/// Reads an HTTP request head from the callback connection; returns its request target.
async fn read_request_line(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt as _;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the browser closed the connection early");
        head.extend_from_slice(&buf[..n]);
        assert!(head.len() < 16 * 1024, "request head too large");
    }
    let head = String::from_utf8(head).unwrap();
    let line = head.lines().next().unwrap();
    let mut parts = line.split(' ');
    assert_eq!(parts.next(), Some("GET"), "{line}");
    parts.next().unwrap().to_owned()
}

const RESOURCE_OWNER_REFUSED: &str =
    "oauthlib's ResourceEndpoint refused the request (failed: resource_owner)\n";
const SIGNATURE_REFUSED: &str =
    "oauthlib's ResourceEndpoint refused the request (failed: signature)\n";
const NONCE_REFUSED: &str =
    "oauthlib's ResourceEndpoint refused the request (failed: nonce already used)\n";

/// `whoami` and refusals: a realm is sent and not signed; a wrong token secret does not matter
/// to RSA-SHA1; an unknown token, another key, a replayed request, a query changed after signing
/// and an unsigned request are refused.
fn refusals(target: &Target) {
    let (http, access) = login_oob(target);

    // A realm goes in the header and is excluded from the base string (RFC 5849 §3.4.1.3.1).
    let with_realm = BlockingClient::new(target.client().with_realm(&target.base_url)).unwrap();
    assert_eq!(with_realm.whoami(access.token()).unwrap(), "alice");

    // The right token with a wrong secret: RSA-SHA1 signs with the consumer's private key and
    // does not use the token secret (RFC 5849 §3.4.3), so both providers accept it.
    let forged = Token::new(access.token().token(), TokenSecret::new("wrong"));
    assert_eq!(http.whoami(&forged).unwrap(), "alice");

    // A token the provider never issued (oauthlib's format: 30 letters and digits).
    let unknown = Token::new("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", TokenSecret::new(""));
    assert_refused(
        target,
        http.whoami(&unknown),
        &Refused {
            stand_in: (OAuthProblem::TokenRejected, 401),
            oauthlib: (401, RESOURCE_OWNER_REFUSED),
        },
    );

    // Another consumer's signature (another key under our consumer key).
    let other_key = RsaPrivateKey::from_pem(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/keys/rsa2048_pkcs1.pem"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_ne!(
        other_key.public_key_pem().unwrap(),
        public_key_pem(),
        "the other key must differ"
    );
    let impostor = BlockingClient::new(Consumer::new(
        Signer::rsa_sha1(ConsumerKey::new(CONSUMER_KEY), other_key),
        Endpoints::bitbucket(&target.base_url).unwrap(),
    ))
    .unwrap();
    assert_refused(
        target,
        impostor.whoami(access.token()),
        &Refused {
            stand_in: (OAuthProblem::SignatureInvalid, 401),
            oauthlib: (401, SIGNATURE_REFUSED),
        },
    );

    // The same signed request twice: the nonce is spent.
    let client = target.client();
    let (request, sent) = client.whoami(access.token()).unwrap();
    let first = testkit::http::send(&request).unwrap();
    client.check_response(&sent, &first).unwrap();
    assert_eq!(first.body(), b"alice");
    let replay = testkit::http::send(&request).unwrap();
    assert_refused(
        target,
        client.check_response(&sent, &replay),
        &Refused {
            stand_in: (OAuthProblem::NonceUsed, 401),
            oauthlib: (401, NONCE_REFUSED),
        },
    );

    // A query changed after signing: both providers verify the signature over the query.
    let mut request = http::Request::get(target.url("/plugins/servlet/applinks/whoami?x=1"))
        .body(Vec::new())
        .unwrap();
    let sent = client.sign_request(&mut request, access.token()).unwrap();
    *request.uri_mut() = target
        .url("/plugins/servlet/applinks/whoami?x=2")
        .parse()
        .unwrap();
    let result = client.check_response(&sent, &testkit::http::send(&request).unwrap());
    if let Err(Error::Provider(refusal)) = &result {
        // The stand-in sends its base string; the library names the difference.
        assert_eq!(
            refusal
                .differences
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["parameter x: we signed 1, the provider saw 2"]
        );
    }
    assert_refused(
        target,
        result,
        &Refused {
            stand_in: (OAuthProblem::SignatureInvalid, 401),
            oauthlib: (401, SIGNATURE_REFUSED),
        },
    );

    // No OAuth at all.
    let anonymous = get(&target.url("/plugins/servlet/applinks/whoami"));
    assert_eq!(anonymous.status(), 401);
    let challenge = anonymous.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("OAuth realm="), "{challenge}");
}

/// The awkward query used against both providers, as written on the wire, and what it decodes
/// to (application/x-www-form-urlencoded, UTF-8), in order.
const AWKWARD_QUERY: &str = concat!(
    "a=1&a=2&a=1", // duplicates, one repeated exactly
    "&b=%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D", // every reserved character
    "&c=caf%C3%A9", // non-ASCII as %XX UTF-8
    "&%E2%82%AC=%e2%82%ac", // in a name, and in lowercase hex
    "&d=a+b",      // `+` is a space
    "&e=%2B",      // an encoded `+` is a plus
    "&f=",         // an empty value
    "&g",          // no `=` at all
    "&h=x%20y%2520z", // `%2520` decodes once, to `%20`
    "&i=!*'()",    // sub-delimiters a query may carry raw
    "&j=:@/?",     // so may these
    "&k=~-._",     // unreserved
    "&l=a;b",      // `;` is not a separator
    "&a%20b=%3D",  // a space in a name, `=` in a value
);

fn awkward_query_decoded() -> Value {
    json!([
        ["a", "1"],
        ["a", "2"],
        ["a", "1"],
        ["b", "!#$&'()*+,/:;=?@[]"],
        ["c", "café"],
        ["€", "€"],
        ["d", "a b"],
        ["e", "+"],
        ["f", ""],
        ["g", ""],
        ["h", "x y%20z"],
        ["i", "!*'()"],
        ["j", ":@/?"],
        ["k", "~-._"],
        ["l", "a;b"],
        ["a b", "="],
    ])
}

/// A signed GET with the awkward query. oauthlib echoes what it saw (and verified the signature
/// over it); the stand-in verifies it on `/projects`, where the extra parameters are ignored.
fn awkward_query(target: &Target) {
    let (http, access) = login_oob(target);
    if target.is_stand_in() {
        let url = target.url(&format!("/rest/api/1.0/projects?{AWKWARD_QUERY}&limit=2"));
        let response = http
            .send(
                http::Request::get(url).body(Vec::new()).unwrap(),
                access.token(),
            )
            .unwrap();
        assert_eq!(response.status(), 200, "{}", text(response.body()));
        let page: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(page["limit"], 2);
        assert_eq!(page["size"], 2);
    } else {
        let url = target.url(&format!("/rest/api/1.0/echo?{AWKWARD_QUERY}"));
        let response = http
            .send(
                http::Request::get(url).body(Vec::new()).unwrap(),
                access.token(),
            )
            .unwrap();
        assert_eq!(response.status(), 200, "{}", text(response.body()));
        let seen: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            seen,
            json!({
                "method": "GET",
                "path": "/bitbucket/rest/api/1.0/echo",
                "query": awkward_query_decoded(),
                "form": [],
                "content_type": null,
                "body": "",
                "user": "alice",
            })
        );
    }
}

const FORM: &str = "application/x-www-form-urlencoded";
const AWKWARD_FORM: &str = concat!(
    "a=1&a=2&a=1",
    "&b=x+y",
    "&c=%2B",
    "&d=caf%C3%A9",
    "&e=",
    "&%E2%82%AC=%21%2A%27%28%29",
    "&f=%2520",
    "&g=%5B%5D%26%3D",
);

fn awkward_form_decoded() -> Value {
    json!([
        ["a", "1"],
        ["a", "2"],
        ["a", "1"],
        ["b", "x y"],
        ["c", "+"],
        ["d", "café"],
        ["e", ""],
        ["€", "!*'()"],
        ["f", "%20"],
        ["g", "[]&="],
    ])
}

/// Signed form POSTs. On both providers: the request-token step sent with an awkward form body
/// and query, whose parameters the provider must include in the base string it verifies (the
/// content type carries `; charset=UTF-8`, which must not stop the body from being signed). On
/// oauthlib also the echo resource, which shows what it decoded, and a JSON body, which is never
/// signed.
fn signed_form_posts(target: &Target) {
    let http = target.blocking();
    for content_type in [FORM, "application/x-www-form-urlencoded; charset=UTF-8"] {
        let request = http::Request::post(format!(
            "{}?q=1&q=%C3%A9",
            target.url("/plugins/servlet/oauth/request-token")
        ))
        .header("content-type", content_type)
        .body(AWKWARD_FORM.as_bytes().to_vec())
        .unwrap();
        let call = Call::new(
            http.oauth(),
            Step::RequestToken { callback: "oob" },
            request,
        );
        let (response, sent) = http.drive(call, MAX_TOKEN_RESPONSE_BYTES).unwrap();
        let sent = sent.expect("signed");
        assert!(
            sent.base_string()
                .unredacted()
                .contains("%26q%3D%25C3%25A9"),
            "{}",
            sent.base_string().unredacted()
        );
        let request_token = http
            .oauth()
            .finish_request_token(PendingRequestToken::from(sent), &response)
            .unwrap_or_else(|e| panic!("{content_type}: {e}"));
        assert!(!request_token.token().is_empty());
    }

    // The same POST with the form body changed after signing: refused by both, so the body
    // really is part of what they verify.
    let request = http::Request::post(target.url("/plugins/servlet/oauth/request-token"))
        .header("content-type", FORM)
        .body(b"a=1".to_vec())
        .unwrap();
    let mut call = Call::new(
        http.oauth(),
        Step::RequestToken { callback: "oob" },
        request,
    );
    let mut signed = call.start().unwrap();
    *signed.body_mut() = b"a=2".to_vec();
    let Next::Done { response, sent } =
        call.receive(testkit::http::send(&signed).unwrap()).unwrap()
    else {
        panic!("no redirect expected");
    };
    let pending = PendingRequestToken::from(sent.unwrap());
    assert_refused(
        target,
        http.oauth().finish_request_token(pending, &response),
        &Refused {
            stand_in: (OAuthProblem::SignatureInvalid, 401),
            // RequestTokenEndpoint: a request that fails validation gets 401 and no body.
            oauthlib: (401, ""),
        },
    );

    if target.is_stand_in() {
        return;
    }
    let (http, access) = login_oob(target);
    let echo = target.url("/rest/api/1.0/echo?q=1&q=%C3%A9");
    for content_type in [FORM, "application/x-www-form-urlencoded; charset=UTF-8"] {
        let request = http::Request::post(&echo)
            .header("content-type", content_type)
            .body(AWKWARD_FORM.as_bytes().to_vec())
            .unwrap();
        let response = http.send(request, access.token()).unwrap();
        assert_eq!(response.status(), 200, "{}", text(response.body()));
        let seen: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            seen,
            json!({
                "method": "POST",
                "path": "/bitbucket/rest/api/1.0/echo",
                "query": [["q", "1"], ["q", "é"]],
                "form": awkward_form_decoded(),
                "content_type": content_type,
                "body": AWKWARD_FORM,
                "user": "alice",
            })
        );
    }

    // A JSON body that looks like a form: not signed by us, not read by oauthlib.
    let json_body = r#"{"a":"1&b=2","c":[1,2]}"#;
    let request = http::Request::post(&echo)
        .header("content-type", "application/json")
        .body(json_body.as_bytes().to_vec())
        .unwrap();
    let response = http.send(request, access.token()).unwrap();
    assert_eq!(response.status(), 200, "{}", text(response.body()));
    let seen: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(seen["form"], json!([]));
    assert_eq!(seen["body"], json_body);
    assert_eq!(seen["content_type"], "application/json");
}

/// Renewal with `oauth_session_handle` (Atlassian's session extension). oauthlib has none: its
/// access tokens carry no session handle, and the library refuses to renew such a token
/// locally, without sending anything. (Not faked: there is no renewal to test there.)
fn renewal(target: &Target) {
    let (http, access) = login_oob(target);
    if !target.is_stand_in() {
        assert_eq!(access.session_handle(), None);
        match http.renew(&access) {
            Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, "oauth_session_handle"),
            other => panic!("expected a local refusal to renew, got {other:?}"),
        }
        // The token is unharmed.
        assert_eq!(http.whoami(access.token()).unwrap(), "alice");
        return;
    }
    let renewed = http.renew(&access).unwrap();
    assert_ne!(renewed.token().token(), access.token().token());
    // Bitbucket issues a new session handle with each renewal.
    assert!(renewed.session_handle().is_some());
    assert_ne!(renewed.session_handle(), access.session_handle());
    assert_eq!(http.whoami(renewed.token()).unwrap(), "alice");
    assert_refused(
        target,
        http.whoami(access.token()),
        &Refused {
            stand_in: (OAuthProblem::TokenRejected, 401),
            oauthlib: (401, "not reached: oauthlib has no renewal"),
        },
    );
}

/// Atlassian 2-legged OAuth (an empty `oauth_token`) with the consumer as registered here:
/// refused by both (see the module docs). The stand-in answers as Bitbucket does, a 401 that
/// echoes the request's parameters without a problem, which the adapter types as
/// `Error::TwoLeggedRefused`; oauthlib's 401 is bare, so it comes back as the response.
fn two_legged(target: &Target) {
    let http = target.blocking();
    let request = http::Request::get(target.url("/plugins/servlet/applinks/whoami"))
        .body(Vec::new())
        .unwrap();
    let result = http.send_two_legged(request, None);
    if target.is_stand_in() {
        match result {
            Err(Error::TwoLeggedRefused { consumer_key, user }) => {
                assert_eq!(consumer_key, CONSUMER_KEY);
                assert_eq!(user, None);
            }
            other => panic!("expected TwoLeggedRefused, got {other:?}"),
        }
    } else {
        let response = result.unwrap();
        assert_eq!(response.status(), 401, "{}", text(response.body()));
        assert_eq!(
            text(response.body()),
            "oauthlib's ResourceEndpoint refused the request (failed: missing, duplicated or \
             malformed OAuth parameters, or no token)\n"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The provider process itself.

/// The provider exits with status 0 when its standard input closes (what Drop relies on) and
/// on SIGTERM, and starts again on another ephemeral port.
#[test]
fn oauthlib_provider_stops_cleanly() {
    let mut first = OauthlibProvider::start(&public_key_pem(), CONSUMER_KEY, CONTEXT_PATH);
    let mut second = OauthlibProvider::start(&public_key_pem(), CONSUMER_KEY, CONTEXT_PATH);
    assert_ne!(first.base_url, second.base_url);

    let status = first.stop().expect("it did not exit after stdin closed");
    assert!(status.success(), "{status:?}\n{}", first.log());

    let pid = second.child.id().to_string();
    let kill = Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .expect("cannot run sh -c kill");
    assert!(kill.success());
    let deadline = Instant::now() + STOP_TIMEOUT;
    let status = loop {
        if let Some(status) = second.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}\n{}", second.log());
}

/// Without a public key on standard input the provider refuses to start, and the harness
/// reports that loudly with its stderr.
#[test]
fn oauthlib_provider_without_a_key_fails_loudly() {
    let venv = python::venv();
    let mut child = venv
        .command()
        .arg(python::script("oauthlib_provider.py"))
        .args(["--consumer-key", CONSUMER_KEY])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n")
        .unwrap();
    let deadline = Instant::now() + START_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the provider did not exit");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(stdout, "", "no port may be printed");
    assert!(stderr.contains("SPKI PEM public key"), "{stderr}");
}
