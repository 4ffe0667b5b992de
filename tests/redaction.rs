//! The canary test (issue 14, item 5): distinctive values are planted for every secret
//! (consumer secret, token secret, verifier, session handle, private key), then every public
//! type's `Debug` and `Display` within reach is rendered, and every error path of the dance is
//! driven (sans-IO flow, `Call`, the blocking and async adapters against a refusing server, and
//! the stand-in refusing for real). None of the values may appear in any rendering.
//!
//! Adding a type is one line: `c.debug("label", &value)` (or `c.both`, `c.error`).
//!
//! `testkit::LoggedRequest` is left out: it is a test tool's log of the raw requests,
//! `Authorization` included, by design.
#![cfg(all(feature = "testkit", feature = "reqwest"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/refuser.rs"]
mod refuser;

use std::fmt::{Debug, Display};

use bitbucket_oauth::call::{Call, Next};

use bitbucket_oauth::flow::Step;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::reqwest::{AsyncClient, BlockingClient};
use bitbucket_oauth::signature::{HmacSha, Plaintext, RsaSha};
use bitbucket_oauth::testkit::{RegisteredConsumer, StandIn};
use bitbucket_oauth::{
    Access, AccessToken, Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, Problem,
    RsaPrivateKey, SignOptions, Signer, Token, TokenSecret, Verifier,
};
use refuser::{Refuser, Seen, form};

const CONSUMER_SECRET: &str = "CanaryConsumerSecret7f3a";
const TOKEN_SECRET: &str = "CanaryTokenSecret91bc";
const VERIFIER: &str = "CanaryVerifier55d1";
const SESSION_HANDLE: &str = "CanarySessionHandleC0de";
/// What a provider echoes as *its* verifier (a hostile or confused one): shown no more than ours.
const THEIR_VERIFIER: &str = "CanaryTheirVerifier0aa";
const KEY_PEM: &str = include_str!("data/test_rsa_2048_pkcs8.pem");

/// Every rendering, checked at the end against every secret.
struct Canary {
    secrets: Vec<String>,
    shown: Vec<(String, String)>,
}

impl Canary {
    fn new() -> Self {
        let mut secrets: Vec<String> = [
            CONSUMER_SECRET,
            TOKEN_SECRET,
            VERIFIER,
            SESSION_HANDLE,
            THEIR_VERIFIER,
        ]
        .map(String::from)
        .to_vec();
        // The private key: every full line of its PEM body.
        secrets.extend(
            KEY_PEM
                .lines()
                .filter(|l| l.len() >= 40 && !l.starts_with("-----"))
                .map(String::from),
        );
        Self {
            secrets,
            shown: Vec::new(),
        }
    }

    /// A secret handed out at run time (by the stand-in; its verifier has 6 characters, as
    /// Bitbucket's does).
    fn plant(&mut self, secret: &str) {
        assert!(secret.len() >= 6, "too short to look for: {secret:?}");
        self.secrets.push(secret.to_owned());
    }

    fn text(&mut self, label: &str, text: String) {
        self.shown.push((label.to_owned(), text));
    }

    fn debug(&mut self, label: &str, value: &impl Debug) {
        self.text(&format!("{label} (Debug)"), format!("{value:?}"));
        self.text(
            &format!("{label} (Debug, alternate)"),
            format!("{value:#?}"),
        );
    }

    fn both(&mut self, label: &str, value: &(impl Debug + Display)) {
        self.debug(label, value);
        self.text(&format!("{label} (Display)"), value.to_string());
    }

    /// An error: `Display`, `Debug`, its source chain, and its problem's.
    fn error(&mut self, label: &str, error: &Error) {
        self.both(label, error);
        let mut source = std::error::Error::source(error);
        while let Some(e) = source {
            self.text(&format!("{label} (source)"), format!("{e} / {e:?}"));
            source = e.source();
        }
        if let Some(problem) = error.problem() {
            self.both(&format!("{label} problem"), problem);
        }
        if let Error::Provider(p) = error {
            self.both(&format!("{label} provider error"), &**p);
            for d in &p.differences {
                self.both(&format!("{label} difference"), d);
            }
        }
    }

    fn result<T: Debug>(&mut self, label: &str, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => {
                self.debug(label, &value);
                Some(value)
            }
            Err(e) => {
                self.error(label, &e);
                None
            }
        }
    }

    /// Some rendering shows `text` (the path that could leak was driven).
    fn assert_seen(&self, text: &str) {
        assert!(
            self.shown.iter().any(|(_, shown)| shown.contains(text)),
            "no rendering shows {text:?}"
        );
    }

    /// Panics listing every rendering that shows a secret; returns how many were checked.
    fn assert_clean(self) -> usize {
        let mut leaks = Vec::new();
        for (label, text) in &self.shown {
            for secret in &self.secrets {
                if text.contains(secret.as_str()) {
                    leaks.push(format!("{label} shows {secret:?}:\n  {text}"));
                }
            }
        }
        assert!(
            leaks.is_empty(),
            "{} leaks:\n{}",
            leaks.len(),
            leaks.join("\n")
        );
        self.shown.len()
    }
}

fn hmac_signer() -> Signer {
    Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("abcdefghijklmnopqrst".into()))
    .build()
}

fn plaintext_signer() -> Signer {
    Signer::new(
        ConsumerKey::new("ck"),
        Plaintext::new(ConsumerSecret::new(CONSUMER_SECRET)),
    )
}

fn rsa_signer() -> Signer {
    Signer::rsa_sha1(
        ConsumerKey::new("ck"),
        RsaPrivateKey::from_pem(KEY_PEM).unwrap(),
    )
}

fn request_token() -> Token<bitbucket_oauth::Temporary> {
    Token::new("rt", TokenSecret::new(TOKEN_SECRET))
}

fn access() -> AccessToken {
    AccessToken::new(
        Token::new("at", TokenSecret::new(TOKEN_SECRET)),
        vec![
            ("oauth_session_handle".into(), SESSION_HANDLE.into()),
            ("oauth_expires_in".into(), "157680000".into()),
        ],
    )
}

/// A provider's `signature_invalid` echoing a base string with every secret in it, and a
/// `PLAINTEXT` signature among its fields.
fn echo_body() -> String {
    let theirs = format!(
        "POST&http%3A%2F%2Felsewhere.example%2Fat&oauth_consumer_key%3Dck%26oauth_session_handle%3D{SESSION_HANDLE}%26oauth_token_secret%3D{TOKEN_SECRET}%26oauth_verifier%3D{THEIR_VERIFIER}"
    );
    format!(
        "oauth_problem=signature_invalid&oauth_signature={CONSUMER_SECRET}%26{TOKEN_SECRET}&oauth_signature_base_string={}&oauth_token_secret={TOKEN_SECRET}&oauth_session_handle={SESSION_HANDLE}",
        bitbucket_oauth::rfc5849::encode(&theirs)
    )
}

/// The refusals and odd answers a token endpoint can give.
fn bad_answers() -> Vec<http::Response<Vec<u8>>> {
    let text = |status: u16, body: String| {
        http::Response::builder()
            .status(status)
            .header("content-type", "text/plain")
            .body(body.into_bytes())
            .unwrap()
    };
    vec![
        text(401, echo_body()),
        text(200, echo_body()),
        text(
            401,
            "oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1-2".into(),
        ),
        text(401, "oauth_problem=token_rejected".into()),
        text(
            401,
            format!(
                "oauth_problem=parameter_absent&oauth_parameters_absent=oauth_verifier&oauth_verifier={VERIFIER}"
            ),
        ),
        text(
            500,
            format!(
                "<html>oauth_token_secret={TOKEN_SECRET} oauth_session_handle={SESSION_HANDLE}</html>"
            ),
        ),
        text(
            200,
            format!("oauth_token=t&oauth_token_secret={TOKEN_SECRET}&oauth_token=u"),
        ),
        text(200, format!("oauth_token_secret={TOKEN_SECRET}")),
        text(
            302,
            format!("oauth_token_secret={TOKEN_SECRET}&oauth_session_handle={SESSION_HANDLE}"),
        ),
    ]
}

#[test]
fn no_secret_in_any_debug_display_or_error() {
    let mut c = Canary::new();

    // The credentials and signers themselves.
    c.debug("ConsumerSecret", &ConsumerSecret::new(CONSUMER_SECRET));
    c.debug("TokenSecret", &TokenSecret::new(TOKEN_SECRET));
    c.debug("Token<Temporary>", &request_token());
    c.debug("TokenRef", &request_token().as_token_ref());
    c.debug("Verifier", &Verifier::new(VERIFIER));
    c.debug("AccessToken", &access());
    c.debug("RsaPrivateKey", &RsaPrivateKey::from_pem(KEY_PEM).unwrap());
    c.debug(
        "RsaSha",
        &RsaSha::sha1(RsaPrivateKey::from_pem(KEY_PEM).unwrap()),
    );
    c.debug(
        "HmacSha",
        &HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)),
    );
    c.debug(
        "Plaintext",
        &Plaintext::new(ConsumerSecret::new(CONSUMER_SECRET)),
    );
    for signer in [hmac_signer(), plaintext_signer(), rsa_signer()] {
        c.debug("Signer", &signer);
        // The signer's own working: the access-token step (verifier) and a renewal (session
        // handle), with a token secret.
        let token = access();
        let options = SignOptions::new()
            .token(token.token().as_token_ref())
            .verifier(VERIFIER)
            .extra("oauth_session_handle", SESSION_HANDLE);
        c.debug("SignOptions", &options);
        let request =
            http::Request::post("https://git.example.com/ctx/plugins/servlet/oauth/access-token")
                .body(Vec::new())
                .unwrap();
        let signed = signer.sign(&request, &options).unwrap();
        c.debug("Signed", &signed);
        c.both("BaseString", signed.base_string());
        let client = Consumer::new(
            signer,
            Endpoints::bitbucket("https://git.example.com/ctx").unwrap(),
        );
        c.debug("Consumer", &client);
        c.debug(
            "BlockingClient",
            &BlockingClient::new(client.clone()).unwrap(),
        );
        c.debug("AsyncClient", &AsyncClient::new(client.clone()).unwrap());
        sans_io_paths(&mut c, &client);
        call_paths(&mut c, &client);
    }
    for driven in [
        "oauth_verifier%3D<redacted>",
        "oauth_session_handle%3D<redacted>",
        "oauth_token_secret%3D<redacted>",
        "(\"oauth_signature\", \"<redacted>\")",
        "oauth_token_secret=<redacted>",
        "TooManyRedirects",
    ] {
        c.assert_seen(driven);
    }
    let checked = c.assert_clean();
    assert!(checked > 500, "only {checked} renderings checked");
}

/// The dance as request/response pairs, every bad answer at every token step.
fn sans_io_paths(c: &mut Canary, client: &Consumer) {
    let rt = request_token();
    let verifier = Verifier::new(VERIFIER);
    let access = access();
    for answer in bad_answers() {
        let (request, pending) = client.access_token(&rt, &verifier).unwrap();
        c.debug("access-token request", &request);
        c.debug("PendingAccessToken", &pending);
        c.debug("SentRequest", pending.sent());
        c.result(
            "finish_access_token",
            client.finish_access_token(pending, &answer),
        );

        let (request, pending) = client.renew(&access).unwrap();
        c.debug("renewal request", &request);
        c.debug("PendingAccessToken (renewal)", &pending);
        let sent = pending.sent().clone();
        c.result(
            "finish_access_token (renewal)",
            client.finish_access_token(pending, &answer),
        );
        c.result(
            "check_response (renewal)",
            client.check_response(&sent, &answer),
        );
        c.debug(
            "Problem::from_response",
            &Problem::from_response(answer.status(), answer.headers(), answer.body()),
        );
        let (_, pending) = client.request_token("oob").unwrap();
        c.result(
            "finish_request_token",
            client.finish_request_token(pending, &answer),
        );
        let mut api = http::Request::post("https://git.example.com/ctx/rest/x")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(b"title=hello+world&flag=1".to_vec())
            .unwrap();
        let sent = client.sign_request(&mut api, access.token()).unwrap();
        c.debug("API SentRequest", &sent);
        c.result(
            "check_response (API)",
            client.check_response(&sent, &answer),
        );
    }
    for callback in [
        format!("https://app/cb?oauth_token=rt&oauth_verifier={VERIFIER}"),
        format!("https://app/cb?oauth_token=other&oauth_verifier={VERIFIER}"),
        format!("oauth_verifier={VERIFIER}"),
        format!("oauth_token=rt&oauth_verifier={VERIFIER}&oauth_verifier={VERIFIER}"),
    ] {
        c.result("parse_callback", client.parse_callback(&callback, &rt));
    }
}

/// The same through `Call`: redirects, the retry after `timestamp_refused`, loops.
fn call_paths(c: &mut Canary, client: &Consumer) {
    let rt = request_token();
    let verifier = Verifier::new(VERIFIER);
    let access = access();
    let make = |label: &str| match label {
        "access-token call" => Call::access_token(client, &rt, &verifier),
        "renewal call" => Call::renew(client, &access),
        _ => Call::new(
            client,
            Step::Access(access.token()),
            http::Request::get("https://git.example.com/ctx/rest/x")
                .body(Vec::new())
                .unwrap(),
        ),
    };
    for label in ["access-token call", "renewal call", "API call"] {
        for answer in bad_answers() {
            let mut call = make(label);
            let first = call.start().unwrap();
            c.debug(label, &first);
            c.debug(label, &call);
            let Some(next) = c.result(label, call.receive(answer)) else {
                continue;
            };
            if let Next::Done {
                response,
                sent: Some(sent),
            } = next
            {
                c.result(
                    label,
                    client.finish_access_token(sent.clone().into(), &response),
                );
                c.result(label, client.check_response(&sent, &response));
            }
        }
        // A redirect loop, then a timestamp refusal with a usable window (retried once).
        let mut call = make(label).max_redirects(1);
        call.start().unwrap();
        let hop = |to: &str| {
            http::Response::builder()
                .status(307)
                .header("location", to)
                .body(Vec::new())
                .unwrap()
        };
        c.result(label, call.receive(hop("/ctx/one")));
        c.result(label, call.receive(hop("/ctx/two")));
        let mut call = make(label);
        call.start().unwrap();
        let refused = http::Response::builder()
            .status(401)
            .body(b"oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1699999000-1699999600".to_vec())
            .unwrap();
        c.result(label, call.receive(refused));
        client.signer().set_clock_offset(0);
    }
}

/// The adapters against a server that refuses everything, echoing every secret.
#[test]
fn no_secret_from_the_adapters_against_a_refusing_server() {
    let mut c = Canary::new();
    let server = Refuser::start(|seen: &Seen| {
        if seen.path().ends_with("/redirect") {
            (
                302,
                vec![("Location".to_owned(), "/ctx/redirect".to_owned())],
                Vec::new(),
            )
        } else {
            form(401, &echo_body())
        }
    });
    let base = server.url("/ctx");
    for signer in [hmac_signer(), plaintext_signer(), rsa_signer()] {
        let client = Consumer::new(signer, Endpoints::bitbucket(&base).unwrap());
        let rt = request_token();
        let verifier = Verifier::new(VERIFIER);
        let access = access();
        let api = || {
            http::Request::get(format!("{base}/rest/x"))
                .body(Vec::new())
                .unwrap()
        };
        let looping = || {
            http::Request::get(format!("{base}/redirect"))
                .body(Vec::new())
                .unwrap()
        };

        let adapter = BlockingClient::new(client.clone()).unwrap();
        c.result("blocking request_token", adapter.request_token("oob"));
        c.result(
            "blocking access_token",
            adapter.access_token(&rt, &verifier),
        );
        c.result("blocking renew", adapter.renew(&access));
        c.result("blocking whoami", adapter.whoami(access.token()));
        c.result("blocking send", adapter.send(api(), access.token()));
        c.result(
            "blocking send (loop)",
            adapter.send(looping(), access.token()),
        );
        c.result(
            "blocking send_two_legged",
            adapter.send_two_legged(api(), Some("alice")),
        );

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let adapter = AsyncClient::new(client.clone()).unwrap();
        runtime.block_on(async {
            c.result("async request_token", adapter.request_token("oob").await);
            c.result(
                "async access_token",
                adapter.access_token(&rt, &verifier).await,
            );
            c.result("async renew", adapter.renew(&access).await);
            c.result("async whoami", adapter.whoami(access.token()).await);
            c.result("async send", adapter.send(api(), access.token()).await);
            c.result(
                "async send (loop)",
                adapter.send(looping(), access.token()).await,
            );
        });
    }
    assert!(server.requests().len() > 30);
    c.assert_clean();
}

/// The stand-in refusing for real: behind a "proxy" (another believed base URL) it answers
/// `signature_invalid` with its own base string, which carries our verifier or session handle.
#[test]
fn no_secret_when_the_stand_in_refuses_for_real() {
    let mut c = Canary::new();
    let stand_in = StandIn::builder()
        .allow_shared_secret_methods()
        .start()
        .unwrap();
    stand_in.add_consumer(RegisteredConsumer::hmac("ck", CONSUMER_SECRET));
    let adapter = BlockingClient::new(Consumer::new(
        Signer::new(
            ConsumerKey::new("ck"),
            HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)),
        ),
        Endpoints::bitbucket(stand_in.base_url()).unwrap(),
    ))
    .unwrap();
    let rt = adapter.request_token("oob").unwrap();
    c.plant(rt.secret().secret());
    let verifier = stand_in.approve(rt.token(), "alice").unwrap().verifier;
    c.plant(&verifier);
    let access: AccessToken = adapter.access_token(&rt, &Verifier::new(verifier)).unwrap();
    c.plant(access.token().secret().secret());
    c.plant(access.session_handle().unwrap());
    c.debug("AccessToken from the stand-in", &access);

    // A second authorization, refused at the access-token step; then a refused renewal.
    let rt2 = adapter.request_token("oob").unwrap();
    c.plant(rt2.secret().secret());
    let verifier2 = stand_in.approve(rt2.token(), "alice").unwrap().verifier;
    c.plant(&verifier2);
    stand_in
        .set_believed_base_url(Some("https://elsewhere.example/bitbucket"))
        .unwrap();
    let err = adapter
        .access_token(&rt2, &Verifier::new(verifier2.clone()))
        .unwrap_err();
    let Error::Provider(p) = &err else {
        panic!("{err:?}")
    };
    // The stand-in did echo our verifier; what we kept of it is redacted.
    assert!(
        p.problem
            .provider_base_string
            .as_deref()
            .unwrap()
            .contains("oauth_verifier%3D<redacted>"),
        "{p:?}"
    );
    assert!(p.our_base_string.contains("oauth_verifier%3D<redacted>"));
    c.error("stand-in access_token", &err);
    let err = adapter.renew(&access).unwrap_err();
    assert!(
        err.to_string().contains("Endpoints::sign_base_url"),
        "{err}"
    );
    let Error::Provider(p) = &err else {
        panic!("{err:?}")
    };
    assert!(
        p.our_base_string
            .contains("oauth_session_handle%3D<redacted>")
    );
    c.error("stand-in renew", &err);
    c.assert_clean();
}

/// The comparison still compares the real values, and says when two secret ones differ.
#[test]
fn the_comparison_says_that_secret_values_differ_without_showing_them() {
    let client = Consumer::new(
        hmac_signer(),
        Endpoints::bitbucket("http://elsewhere.example").unwrap(),
    );
    let (_, pending) = client
        .access_token(&request_token(), &Verifier::new(VERIFIER))
        .unwrap();
    let ours = pending.sent().base_string().unredacted().to_owned();
    let same = ours.clone();
    let other = ours.replace(VERIFIER, THEIR_VERIFIER);
    assert_ne!(same, other);
    let answer = |theirs: &str| {
        http::Response::builder()
            .status(401)
            .body(
                format!(
                    "oauth_problem=signature_invalid&oauth_signature_base_string={}",
                    bitbucket_oauth::rfc5849::encode(theirs)
                )
                .into_bytes(),
            )
            .unwrap()
    };
    let sent = pending.sent().clone();
    // Identical: no difference (compared for real, not on the redacted text).
    let err = client.check_response(&sent, &answer(&same)).unwrap_err();
    let Error::Provider(p) = &err else { panic!() };
    assert!(p.differences.is_empty(), "{:?}", p.differences);
    // Only the verifier differs: said, not shown.
    let err = client.check_response(&sent, &answer(&other)).unwrap_err();
    let Error::Provider(p) = &err else { panic!() };
    assert_eq!(
        p.differences
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "parameter oauth_verifier: the value we signed and the one the provider saw differ (secret, not shown)"
        ]
    );
    assert_eq!(
        format!("{:?}", p.differences),
        "[ParameterValue { name: \"oauth_verifier\", ours: [\"<redacted>\"], theirs: [\"<redacted>\"] }]"
    );
    let mut c = Canary::new();
    c.error("verifier differs", &err);
    c.assert_clean();
}

/// The clock correction is shared by clones and moved only by the provider being called.
#[test]
fn only_the_called_providers_timestamp_refusal_moves_the_clock() {
    let signer = hmac_signer();
    let client = Consumer::new(
        signer.clone(),
        Endpoints::bitbucket("https://git.example.com/ctx").unwrap(),
    );
    let other_signer = hmac_signer();
    let token: Token<Access> = Token::new("at", TokenSecret::new(TOKEN_SECRET));
    let refused = |window: &str| {
        http::Response::builder()
            .status(401)
            .body(
                format!("oauth_problem=timestamp_refused&oauth_acceptable_timestamps={window}")
                    .into_bytes(),
            )
            .unwrap()
    };
    let api = || {
        http::Request::get("https://git.example.com/ctx/rest/x")
            .body(Vec::new())
            .unwrap()
    };
    // A window containing the timestamp we sent: no move, no retry.
    let mut call = Call::new(&client, Step::Access(&token), api());
    call.start().unwrap();
    assert!(matches!(
        call.receive(refused("1699999700-1700000300")).unwrap(),
        Next::Done { .. }
    ));
    assert_eq!(signer.clock_offset(), 0);
    // A refusal from another origin the call was redirected to (sent unsigned): no move.
    let mut call = Call::new(&client, Step::Access(&token), api());
    call.start().unwrap();
    let Next::Send(hop) = call
        .receive(
            http::Response::builder()
                .status(302)
                .header("location", "https://elsewhere.example/x")
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap()
    else {
        panic!()
    };
    assert!(hop.headers().get("authorization").is_none());
    assert!(matches!(
        call.receive(refused("1700100000-1700100600")).unwrap(),
        Next::Done { .. }
    ));
    assert_eq!(signer.clock_offset(), 0);
    // Ours, 1000 s behind: moved by 1000 s, for every clone of the signer, not for another signer.
    let mut call = Call::new(&client, Step::Access(&token), api());
    call.start().unwrap();
    assert!(matches!(
        call.receive(refused("1700000700-1700001300")).unwrap(),
        Next::Send(_)
    ));
    assert_eq!(signer.clock_offset(), 1000);
    assert_eq!(client.signer().clock_offset(), 1000);
    assert_eq!(other_signer.clock_offset(), 0);
    // A huge window justifies reaching it, not its middle.
    signer.set_clock_offset(0);
    let mut request = api();
    let sent = client.sign_request(&mut request, &token).unwrap();
    let err = client
        .check_response(&sent, &refused("1700002000-1800000000"))
        .unwrap_err();
    let Error::Provider(p) = &err else { panic!() };
    assert_eq!(p.clock_offset, Some(2300));
    assert!(client.apply_clock_correction(&err));
    assert_eq!(signer.clock_offset(), 2300);
}

mod redact_properties {
    use bitbucket_oauth::BaseString;
    use bitbucket_oauth::rfc5849::encode;
    use bitbucket_oauth::redact::{SECRET_PARAMETERS, redact};
    use proptest::prelude::*;

    fn pair() -> impl Strategy<Value = (String, String, bool)> {
        let secret = (0..SECRET_PARAMETERS.len(), "[A-Za-z0-9%&=+ ._~-]{0,12}")
            .prop_map(|(i, v)| (SECRET_PARAMETERS[i].to_owned(), format!("Zq9{v}"), true));
        let other = (
            "(oauth_[a-z_]{1,16}|[a-z%&= ]{1,8})",
            "[A-Za-z0-9%&=+ ._~-]{0,12}",
        )
            .prop_map(|(n, v)| (n, v, false));
        prop_oneof![secret, other]
    }

    proptest! {
        /// Whatever the other parameters, no secret value survives in a base string or in its
        /// normalized parameters, and every other pair is left as it was.
        #[test]
        fn no_secret_value_survives(pairs in proptest::collection::vec(pair(), 0..8)) {
            let mut encoded: Vec<(String, String, bool)> = pairs
                .iter()
                .map(|(n, v, s)| (encode(n), encode(v), *s))
                .collect();
            encoded.sort();
            let normalized: Vec<String> =
                encoded.iter().map(|(n, v, _)| format!("{n}={v}")).collect();
            let normalized = normalized.join("&");
            let base = BaseString::from_parts("POST", "https://h/p", &normalized);
            let shown_base = redact(base.unredacted());
            let shown_plain = redact(&normalized);
            for (name, value, secret) in &encoded {
                let in_base = encode(format!("{name}={value}"));
                let in_plain = format!("{name}={value}");
                if *secret {
                    prop_assert!(!shown_base.contains(&encode(value)), "{shown_base}");
                    prop_assert!(!shown_plain.contains(value.as_str()), "{shown_plain}");
                    let hidden = format!("{name}=<redacted>");
                    prop_assert!(shown_plain.contains(&hidden), "{}", shown_plain);
                } else if !encoded.iter().any(|(n, _, s)| *s && in_plain.contains(n.as_str())) {
                    prop_assert!(shown_base.contains(&in_base), "{shown_base}");
                    prop_assert!(shown_plain.contains(&in_plain), "{shown_plain}");
                }
            }
        }
    }
}
