//! The reqwest adapter against scripted local servers on 127.0.0.1: every attempt and every
//! redirect hop is re-signed, `Authorization` never crosses to another origin, one
//! `timestamp_refused` is corrected and retried, bodies are bounded.
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/hostile.rs"]
mod hostile;

use bitbucket_oauth::rfc5849::BaseString;
use bitbucket_oauth::clock::FixedClock;
use bitbucket_oauth::rfc5849::parse_oauth_header;
use bitbucket_oauth::rfc5849::Parameters;
use bitbucket_oauth::reqwest::{AsyncClient, BlockingClient};
use bitbucket_oauth::signature::{HmacSha, MethodName, VerifyKey, verify};
use bitbucket_oauth::{
    Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, OAuthProblem, Signer, Token, TokenSecret,
};
use hostile::{Act, Recorded, Server, respond};

const NOW: u64 = 1_700_000_000;

fn client(base: &str) -> Consumer {
    let signer = Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(NOW))
    .build();
    Consumer::new(signer, Endpoints::bitbucket(base).unwrap())
}

fn token() -> Token<bitbucket_oauth::Access> {
    Token::new("at", TokenSecret::new("ats"))
}

/// Verifies a recorded request's HMAC-SHA1 signature the way a provider would, for the URL the
/// server serves; returns (nonce, timestamp).
fn verify_recorded(server: &Server, r: &Recorded) -> (String, u64) {
    let auth = parse_oauth_header(r.header("authorization").expect("signed")).unwrap();
    let mut params = Parameters::new();
    let mut signature = None;
    for (n, v) in auth.iter() {
        match n {
            "realm" => {}
            "oauth_signature" => signature = Some(v.to_owned()),
            _ => params.push(n, v),
        }
    }
    let uri: http::Uri = server.url(&r.target).parse().unwrap();
    if let Some(q) = uri.query() {
        params.extend_from_query(q).unwrap();
    }
    if r.header("content-type")
        .is_some_and(|ct| bitbucket_oauth::rfc5849::is_form_urlencoded(ct.as_bytes()))
    {
        params.extend_from_form(&r.body).unwrap();
    }
    let method: http::Method = r.method.parse().unwrap();
    let base = BaseString::new(&method, &uri, &mut params).unwrap();
    let cs = ConsumerSecret::new("cs");
    assert!(
        verify(
            MethodName::HmacSha1,
            base.as_bytes(),
            &signature.unwrap(),
            VerifyKey::Shared {
                consumer_secret: &cs,
                token_secret: "ats"
            }
        ),
        "signature does not verify for {}",
        base
    );
    (
        auth.get("oauth_nonce").unwrap().to_owned(),
        auth.get("oauth_timestamp").unwrap().parse().unwrap(),
    )
}

fn refuse_timestamp_then_ok(n: usize, _: &Recorded) -> Act {
    if n == 0 {
        respond(
            400,
            &[(
                "WWW-Authenticate",
                "OAuth realm=\"x\", oauth_problem=\"timestamp_refused\"",
            )],
            b"oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1700000700-1700001300",
        )
    } else {
        respond(
            200,
            &[("Content-Type", "application/json")],
            b"{\"ok\":true}",
        )
    }
}

#[test]
fn blocking_retry_after_timestamp_refused_is_resigned_with_the_corrected_clock() {
    let server = Server::start(refuse_timestamp_then_ok);
    let adapter = BlockingClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/rest/api/1.0/projects?limit=1"))
        .body(Vec::new())
        .unwrap();
    let response = adapter.send(request, &token()).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), b"{\"ok\":true}");
    let log = server.requests();
    assert_eq!(log.len(), 2);
    let (nonce1, ts1) = verify_recorded(&server, &log[0]);
    let (nonce2, ts2) = verify_recorded(&server, &log[1]);
    assert_ne!(nonce1, nonce2, "a retry must carry a fresh nonce");
    assert_eq!(ts1, NOW);
    assert_eq!(ts2, NOW + 1000);
    assert_eq!(adapter.oauth().signer().clock_offset(), 1000);
}

#[test]
fn blocking_retries_only_once() {
    let server = Server::start(|_, _| {
        respond(
            400,
            &[],
            b"oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1700000700-1700001300",
        )
    });
    let adapter = BlockingClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/x"))
        .body(Vec::new())
        .unwrap();
    let err = adapter.send(request, &token()).unwrap_err();
    assert_eq!(
        err.problem().unwrap().problem,
        OAuthProblem::TimestampRefused
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn blocking_redirect_hops_are_resigned_for_their_own_url() {
    let server = Server::start(|_, r| match r.target.as_str() {
        "/a?x=1" => respond(302, &[("Location", "/b?y=2")], b""),
        "/b?y=2" => respond(307, &[("Location", "c")], b""),
        "/c" => respond(200, &[], b"done"),
        other => respond(404, &[], other.as_bytes()),
    });
    let adapter = BlockingClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/a?x=1"))
        .body(Vec::new())
        .unwrap();
    let response = adapter.send(request, &token()).unwrap();
    assert_eq!(response.body(), b"done");
    let log = server.requests();
    let targets: Vec<&str> = log.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, ["/a?x=1", "/b?y=2", "/c"]);
    let nonces: Vec<String> = log.iter().map(|r| verify_recorded(&server, r).0).collect();
    assert_ne!(nonces[0], nonces[1]);
    assert_ne!(nonces[1], nonces[2]);
}

#[test]
fn blocking_authorization_never_follows_a_redirect_to_another_host() {
    let other = Server::start(|_, _| respond(200, &[], b"elsewhere"));
    let target = other.url("/landing");
    let server = Server::start(move |_, _| respond(302, &[("Location", &target)], b""));
    let adapter = BlockingClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/start"))
        .body(Vec::new())
        .unwrap();
    let response = adapter.send(request, &token()).unwrap();
    assert_eq!(response.body(), b"elsewhere");
    assert!(server.requests()[0].header("authorization").is_some());
    let seen = other.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].header("authorization"), None);
}

#[test]
fn blocking_redirect_loop_ends_in_a_typed_error() {
    let server = Server::start(|_, _| respond(302, &[("Location", "/loop")], b""));
    let adapter = BlockingClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/loop"))
        .body(Vec::new())
        .unwrap();
    let err = adapter.send(request, &token()).unwrap_err();
    assert!(
        matches!(err, Error::TooManyRedirects { limit: 10 }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 11);
}

#[test]
fn blocking_body_limit_is_a_typed_error() {
    let server = Server::start(|_, _| respond(200, &[], &[b'x'; 4096]));
    let adapter = BlockingClient::new(client(&server.url("")))
        .unwrap()
        .max_body_bytes(1000);
    let request = http::Request::get(server.url("/big"))
        .body(Vec::new())
        .unwrap();
    let err = adapter.send(request, &token()).unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1000 }),
        "{err:?}"
    );
}

#[test]
fn blocking_token_steps_and_whoami() {
    let server = Server::start(|_, r| {
        match r.target.as_str() {
        "/ctx/plugins/servlet/oauth/request-token" => respond(
            200,
            &[("Content-Type", "text/plain")],
            b"oauth_token=rt&oauth_token_secret=rts&oauth_callback_confirmed=true",
        ),
        "/ctx/plugins/servlet/oauth/access-token" => respond(
            200,
            &[("Content-Type", "text/plain")],
            b"oauth_token=at&oauth_token_secret=ats&oauth_session_handle=sh&oauth_expires_in=157680000",
        ),
        "/ctx/plugins/servlet/applinks/whoami" => respond(200, &[], b"alice\n"),
        _ => respond(404, &[], b""),
    }
    });
    let adapter = BlockingClient::new(client(&server.url("/ctx"))).unwrap();
    let request_token = adapter.request_token("oob").unwrap();
    assert_eq!(request_token.token(), "rt");
    let access = adapter
        .access_token(&request_token, &bitbucket_oauth::Verifier::new("v"))
        .unwrap();
    assert_eq!(access.session_handle(), Some("sh"));
    assert_eq!(adapter.whoami(access.token()).unwrap(), "alice");
    let renewed = adapter.renew(&access).unwrap();
    assert_eq!(renewed.token().token(), "at");
    let log = server.requests();
    assert_eq!(log.len(), 4);
    assert!(log.iter().take(2).all(|r| r.method == "POST"));
    assert!(
        log[3]
            .header("authorization")
            .unwrap()
            .contains("oauth_session_handle=\"sh\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_retry_redirect_and_cross_host() {
    let server = Server::start(refuse_timestamp_then_ok);
    let adapter = AsyncClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/p"))
        .body(Vec::new())
        .unwrap();
    let response = adapter.send(request, &token()).await.unwrap();
    assert_eq!(response.status(), 200);
    let log = server.requests();
    assert_eq!(log.len(), 2);
    let (n1, t1) = verify_recorded(&server, &log[0]);
    let (n2, t2) = verify_recorded(&server, &log[1]);
    assert_ne!(n1, n2);
    assert_eq!((t1, t2), (NOW, NOW + 1000));

    let other = Server::start(|_, _| respond(200, &[], b"elsewhere"));
    let target = other.url("/landing");
    let hop = Server::start(move |n, _| {
        if n == 0 {
            respond(301, &[("Location", "/moved")], b"")
        } else {
            respond(302, &[("Location", &target)], b"")
        }
    });
    let adapter = AsyncClient::new(client(&hop.url(""))).unwrap();
    let request = http::Request::post(hop.url("/start"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"a=1".to_vec())
        .unwrap();
    let response = adapter.send(request, &token()).await.unwrap();
    assert_eq!(response.body(), b"elsewhere");
    let log = hop.requests();
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[1].method, "GET", "301 after POST continues as GET");
    assert_ne!(
        verify_recorded(&hop, &log[0]).0,
        verify_recorded(&hop, &log[1]).0
    );
    assert_eq!(other.requests()[0].header("authorization"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_refusal_is_typed_and_other_statuses_pass_through() {
    let server = Server::start(|_, r| {
        if r.target == "/missing" {
            respond(404, &[], b"not here")
        } else {
            respond(
                401,
                &[(
                    "WWW-Authenticate",
                    "OAuth realm=\"r\", oauth_problem=\"token_rejected\"",
                )],
                b"oauth_problem=token_rejected",
            )
        }
    });
    let adapter = AsyncClient::new(client(&server.url(""))).unwrap();
    let request = http::Request::get(server.url("/missing"))
        .body(Vec::new())
        .unwrap();
    let response = adapter.send(request, &token()).await.unwrap();
    assert_eq!(response.status(), 404);
    let request = http::Request::get(server.url("/secret"))
        .body(Vec::new())
        .unwrap();
    let err = adapter.send(request, &token()).await.unwrap_err();
    assert_eq!(err.problem().unwrap().problem, OAuthProblem::TokenRejected);
    assert_eq!(err.problem().unwrap().status, 401);
}
