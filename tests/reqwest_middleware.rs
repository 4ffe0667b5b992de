//! The `reqwest-middleware` integration against the stand-in: with `reqwest-retry` in front, a
//! transient 503 is retried, and the retry is signed again (a fresh nonce and timestamp) and
//! accepted; with the order reversed, the retry repeats its nonce and is refused.
#![cfg(all(feature = "reqwest-middleware", feature = "testkit"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use bitbucket_oauth::reqwest::middleware::SigningMiddleware;
use bitbucket_oauth::rfc5849::parse_oauth_header;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::testkit::{LoggedRequest, RegisteredConsumer, StandIn};
use bitbucket_oauth::{Consumer, ConsumerKey, ConsumerSecret, OAuthProblem, Signer};
use http::StatusCode;
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_retry::RetryTransientMiddleware;
use reqwest_retry::policies::ExponentialBackoff;

const CONSUMER: &str = "mw-consumer";
const SECRET: &str = "mw-secret";
const WHOAMI: &str = "/plugins/servlet/applinks/whoami";

fn setup() -> (StandIn, Consumer) {
    let stand_in = StandIn::builder()
        .allow_shared_secret_methods()
        .start()
        .unwrap();
    stand_in.add_consumer(
        RegisteredConsumer::hmac(CONSUMER, SECRET)
            .two_legged(true)
            .impersonation(true),
    );
    let signer = Signer::new(
        ConsumerKey::new(CONSUMER),
        HmacSha::sha1(ConsumerSecret::new(SECRET)),
    );
    let client = Consumer::new(signer, stand_in.endpoints());
    (stand_in, client)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn retry() -> RetryTransientMiddleware<ExponentialBackoff> {
    let policy = ExponentialBackoff::builder()
        .retry_bounds(Duration::from_millis(1), Duration::from_millis(5))
        .build_with_max_retries(3);
    RetryTransientMiddleware::new_with_policy(policy)
}

/// The order the module docs prescribe: retry outside, signing inside.
fn retry_then_sign(signing: SigningMiddleware) -> ClientWithMiddleware {
    ClientBuilder::new(http())
        .with(retry())
        .with(signing)
        .build()
}

fn oauth_param(r: &LoggedRequest, name: &str) -> String {
    let header = r.header("authorization").expect("signed");
    parse_oauth_header(header)
        .unwrap()
        .get(name)
        .unwrap()
        .to_owned()
}

fn statuses(log: &[LoggedRequest]) -> Vec<(u16, Option<OAuthProblem>)> {
    log.iter()
        .map(|r| (r.status.as_u16(), r.problem.clone()))
        .collect()
}

/// Sends `GET whoami` through `client` while the stand-in fails the first verified attempt
/// with 503, and returns the stand-in's log: the answer is alice's 200, and the stand-in answers
/// 503 only after the signature and nonce verified, so both attempts verified, the second with
/// a nonce of its own (a repeated one is `nonce_used`).
async fn retried_once(stand_in: &StandIn, client: &ClientWithMiddleware) -> Vec<LoggedRequest> {
    stand_in.fail_next_with(StatusCode::SERVICE_UNAVAILABLE);

    let response = client.get(stand_in.url(WHOAMI)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"alice");

    let log = stand_in.requests();
    assert_eq!(statuses(&log), [(503, None), (200, None)]);
    assert_ne!(
        oauth_param(&log[0], "oauth_nonce"),
        oauth_param(&log[1], "oauth_nonce")
    );
    log
}

#[tokio::test]
async fn a_retry_after_503_is_signed_again_with_an_access_token() {
    let (stand_in, oauth) = setup();
    let access = stand_in.issue_access_token(CONSUMER, "alice").unwrap();
    let client = retry_then_sign(SigningMiddleware::access(oauth, access.token().clone()));
    let log = retried_once(&stand_in, &client).await;
    for r in &log {
        assert_eq!(oauth_param(r, "oauth_token"), access.token().token());
        assert_eq!(oauth_param(r, "oauth_signature_method"), "HMAC-SHA1");
    }
}

#[tokio::test]
async fn a_retry_after_503_is_signed_again_two_legged_with_one_user_id() {
    let (stand_in, oauth) = setup();
    let client = retry_then_sign(SigningMiddleware::two_legged(oauth, Some("alice")));
    let log = retried_once(&stand_in, &client).await;
    for r in &log {
        // Each attempt starts from the caller's request: `user_id` is added once, not per retry.
        assert_eq!(r.query.as_deref(), Some("user_id=alice"));
        assert_eq!(oauth_param(r, "oauth_token"), "");
    }
}

/// The counter-test: signing outside the retry loop signs once, so the retry repeats the nonce
/// and the provider refuses it. This is what the ordering in the module docs prevents.
#[tokio::test]
async fn signing_outside_the_retry_loop_repeats_the_nonce() {
    let (stand_in, oauth) = setup();
    let access = stand_in.issue_access_token(CONSUMER, "alice").unwrap();
    let client = ClientBuilder::new(http())
        .with(SigningMiddleware::access(oauth, access.token().clone()))
        .with(retry())
        .build();
    stand_in.fail_next_with(StatusCode::SERVICE_UNAVAILABLE);

    let response = client.get(stand_in.url(WHOAMI)).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let log = stand_in.requests();
    assert_eq!(
        statuses(&log),
        [(503, None), (401, Some(OAuthProblem::NonceUsed))]
    );
    assert_eq!(
        oauth_param(&log[0], "oauth_nonce"),
        oauth_param(&log[1], "oauth_nonce")
    );
}
