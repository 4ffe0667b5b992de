//! The stand-in, driven through the sans-IO `Consumer` and the testkit's HTTP helper: the dance
//! (oob and callback, with context paths), renewal, resources, 2-legged OAuth, and every refusal
//! the stand-in produces, in Atlassian's exact form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "testkit")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::explain::Difference;
use bitbucket_oauth::signature::{HmacSha, Plaintext, RsaSha};
use bitbucket_oauth::testkit::http::{send, send_with_timeout};
use bitbucket_oauth::testkit::{
    RegisteredConsumer, Malformed, StandIn, StandInBuilder, TestClock, Times, UserDecision, browser,
    oob_verifier, problem_status,
};
use bitbucket_oauth::{
    AccessToken, Consumer, ConsumerKey, ConsumerSecret, Error, OAuthProblem, Problem, RsaPrivateKey,
    SignOptions, Signer, Token, TokenSecret, Verifier,
};
use http::{Request, Response, StatusCode};

const CONSUMER: &str = "test-consumer";
const T0: u64 = 1_700_000_000;

fn key() -> RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap()
    })
    .clone()
}

fn public_pem() -> String {
    key().public_key_pem().unwrap()
}

/// A stand-in on a frozen clock at T0 with the test consumer registered, and a client whose
/// signer shares that clock.
fn setup(builder: StandInBuilder) -> (StandIn, Consumer) {
    let clock = TestClock::frozen(T0);
    let stand_in = builder.clock(clock.clone()).start().unwrap();
    stand_in
        .register_consumer(CONSUMER, public_pem().as_bytes())
        .unwrap();
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
        .clock(clock)
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    (stand_in, client)
}

fn get(url: &str) -> Request<Vec<u8>> {
    Request::get(url).body(Vec::new()).unwrap()
}

/// A request token asked for out of band.
fn oob_request_token(client: &Consumer) -> Token<bitbucket_oauth::Temporary> {
    let (request, pending) = client.request_token("oob").unwrap();
    client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap()
}

/// An out-of-band request token approved by alice on the authorization page, and the code it
/// showed her.
fn approved_oob(client: &Consumer) -> (Token<bitbucket_oauth::Temporary>, String) {
    let token = oob_request_token(client);
    let code = oob_verifier(
        browser::approve(&client.authorize_url(&token), "alice")
            .unwrap()
            .body(),
    )
    .unwrap();
    (token, code)
}

/// Request token (oob), approval by the stand-in, access token.
fn oob_dance(stand_in: &StandIn, client: &Consumer) -> AccessToken {
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/plain;charset=UTF-8"
    );
    let token = client.finish_request_token(pending, &response).unwrap();
    let page = browser::approve(&client.authorize_url(&token), "alice").unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html;charset=UTF-8");
    let code = oob_verifier(page.body()).unwrap();
    assert_eq!(stand_in.last_verifier(), Some(code.clone()));
    let (request, pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap()
}

fn signed_get(
    client: &Consumer,
    url: &str,
    token: &Token<bitbucket_oauth::Access>,
) -> Response<Vec<u8>> {
    let mut request = get(url);
    let sent = client.sign_request(&mut request, token).unwrap();
    let response = send(&request).unwrap();
    client.check_response(&sent, &response).unwrap();
    response
}

fn json(response: &Response<Vec<u8>>) -> serde_json::Value {
    assert_eq!(
        response.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    serde_json::from_slice(response.body()).unwrap()
}

fn realm_of(stand_in: &StandIn) -> String {
    // Written out by hand rather than with the crate's encoder.
    format!(
        "http%3A%2F%2F127.0.0.1%3A{}{}",
        stand_in.addr().port(),
        stand_in.context_path().replace('/', "%2F")
    )
}

/// Asserts a token-endpoint refusal's exact status, single `WWW-Authenticate` challenge and
/// `application/x-www-form-urlencoded;charset=UTF-8` body, as net.oauth's servlet writes them,
/// and that `Problem::from_response` reads it back from the header and from the body alone.
fn expect_refusal(
    response: &Response<Vec<u8>>,
    realm: &str,
    status: u16,
    fields: &[(&str, &str)],
) -> Problem {
    refusal(response, realm, status, fields, false)
}

/// As [`expect_refusal`] for a resource: Bitbucket adds a second, bare `OAuth realm="…"`
/// challenge to a 401.
fn expect_resource_refusal(
    response: &Response<Vec<u8>>,
    realm: &str,
    status: u16,
    fields: &[(&str, &str)],
) -> Problem {
    refusal(response, realm, status, fields, true)
}

fn refusal(
    response: &Response<Vec<u8>>,
    realm: &str,
    status: u16,
    fields: &[(&str, &str)],
    resource: bool,
) -> Problem {
    assert_eq!(
        response.status().as_u16(),
        status,
        "body: {}",
        String::from_utf8_lossy(response.body())
    );
    let mut header = format!("OAuth realm=\"{realm}\"");
    let mut body = String::new();
    for (name, value) in fields {
        let value = bitbucket_oauth::rfc5849::encode(value);
        header.push_str(&format!(", {name}=\"{value}\""));
        if !body.is_empty() {
            body.push('&');
        }
        body.push_str(&format!("{name}={value}"));
    }
    let challenges: Vec<&str> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let bare = format!("OAuth realm=\"{realm}\"");
    if resource && status == 401 {
        assert_eq!(challenges, [header.as_str(), bare.as_str()]);
    } else {
        assert_eq!(challenges, [header.as_str()]);
    }
    assert_eq!(
        response.headers()["content-type"],
        "application/x-www-form-urlencoded;charset=UTF-8"
    );
    assert_eq!(String::from_utf8_lossy(response.body()), body);
    let problem =
        Problem::from_response(response.status(), response.headers(), response.body()).unwrap();
    assert_eq!(problem.problem.as_str(), fields[0].1);
    assert_eq!(problem.realm.as_deref(), Some(realm));
    assert_eq!(problem.status.as_u16(), status);
    let from_body =
        Problem::from_response(response.status(), &http::HeaderMap::new(), response.body())
            .unwrap();
    assert_eq!(from_body.problem, problem.problem);
    assert_eq!(from_body.realm, None);
    problem
}

// ---------------------------------------------------------------------------------------------
// The dance

#[test]
fn oob_dance_under_the_default_context_path() {
    let (stand_in, client) = setup(StandIn::builder());
    assert_eq!(
        stand_in.base_url(),
        format!("http://127.0.0.1:{}/bitbucket", stand_in.addr().port())
    );
    let access = oob_dance(&stand_in, &client);
    // Bitbucket: oauth_expires_in is the access token's lifetime (5 years),
    // oauth_authorization_expires_in the session's (5 years and 30 days).
    assert_eq!(access.expires_in(), Some(157_680_000));
    assert_eq!(access.authorization_expires_in(), Some(160_272_000));
    assert!(access.session_handle().is_some_and(|h| h.len() == 24));
    assert_eq!(
        stand_in.token_user(access.token().token()).as_deref(),
        Some("alice")
    );

    let (request, sent) = client.whoami(access.token()).unwrap();
    let response = send(&request).unwrap();
    client.check_response(&sent, &response).unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/plain;charset=UTF-8"
    );
    assert_eq!(response.body(), b"alice");
}

/// Bitbucket issues the access token with the request token's secret, and its verification
/// code has 6 letters and digits.
#[test]
fn the_access_token_reuses_the_request_tokens_secret() {
    let (_stand_in, client) = setup(StandIn::builder());
    let (token, code) = approved_oob(&client);
    assert_eq!(code.len(), bitbucket_oauth::testkit::VERIFIER_LEN);
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
    let (request, pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    let access = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_ne!(access.token().token(), token.token());
    assert_eq!(access.token().secret().secret(), token.secret().secret());
}

#[test]
fn oob_dance_at_the_root_context_path_as_another_user() {
    let (stand_in, client) = setup(
        StandIn::builder()
            .context_path("/")
            .user_decision(UserDecision::ApproveAs("carol".into())),
    );
    assert_eq!(
        stand_in.base_url(),
        format!("http://127.0.0.1:{}", stand_in.addr().port())
    );
    let access = oob_dance(&stand_in, &client);
    let body = signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        access.token(),
    );
    assert_eq!(body.body(), b"carol");
}

#[test]
fn a_client_that_drops_the_context_path_gets_404() {
    let (stand_in, _) = setup(StandIn::builder().context_path("git"));
    assert_eq!(stand_in.context_path(), "/git");
    let signer = Signer::rsa_sha1(ConsumerKey::new(CONSUMER), key());
    let root = format!("http://127.0.0.1:{}", stand_in.addr().port());
    let client = Consumer::new(
        signer,
        bitbucket_oauth::Endpoints::bitbucket(&root).unwrap(),
    );
    let (request, _pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[test]
fn callback_dance_keeps_the_callback_query_and_fragment() {
    let (stand_in, client) = setup(StandIn::builder().context_path("/tools/bitbucket"));
    assert!(stand_in.base_url().ends_with("/tools/bitbucket"));
    let callback = "https://app.example.com/oauth/cb?state=s%201&x=#frag";
    let (request, pending) = client.request_token(callback).unwrap();
    let token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();

    let response = browser::approve(&client.authorize_url(&token), "alice").unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let verifier = stand_in.last_verifier().unwrap();
    assert_eq!(
        location,
        format!(
            "https://app.example.com/oauth/cb?state=s%201&x=&oauth_token={}&oauth_verifier={verifier}#frag",
            token.token()
        )
    );
    let parsed = client.parse_callback(&location, &token).unwrap();
    assert_eq!(parsed.secret(), verifier);

    // The page answers the same decision again.
    let again = send(&get(&client.authorize_url(&token))).unwrap();
    assert_eq!(again.headers()["location"], location.as_str());

    let (request, pending) = client.access_token(&token, &parsed).unwrap();
    let access = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    let response = signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        access.token(),
    );
    assert_eq!(response.body(), b"alice");
}

#[test]
fn protocol_parameters_in_the_form_body_or_the_query_verify_too() {
    let (stand_in, client) = setup(StandIn::builder());
    let signer = client.signer();

    // Request token with the protocol parameters in a form body.
    let mut request = Request::post(stand_in.endpoints().request_token().to_string())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"extra=a+b".to_vec())
        .unwrap();
    let signed = signer
        .sign(&request, &SignOptions::new().callback("oob"))
        .unwrap();
    signed.apply_form(&mut request).unwrap();
    assert!(request.headers().get("authorization").is_none());
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{response:?}");
    assert!(response.body().ends_with(b"&oauth_callback_confirmed=true"));

    // A resource with the protocol parameters in the query.
    let access = oob_dance(&stand_in, &client);
    let mut request = get(&stand_in.url("/rest/api/1.0/projects?limit=1"));
    let signed = signer
        .sign(&request, &SignOptions::new().token(access.token().as_token_ref()))
        .unwrap();
    signed.apply_query(&mut request).unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(&response)["size"], 1);
}

#[test]
fn hmac_and_plaintext_consumers_dance_with_token_secrets() {
    let stand_in = StandIn::builder()
        .allow_shared_secret_methods()
        .start()
        .unwrap();
    stand_in.register_hmac_consumer("hmac-consumer", "consumer secret");
    for method in ["HMAC-SHA1", "PLAINTEXT"] {
        let secret = ConsumerSecret::new("consumer secret");
        let signer = if method == "PLAINTEXT" {
            Signer::new(ConsumerKey::new("hmac-consumer"), Plaintext::new(secret))
        } else {
            Signer::new(ConsumerKey::new("hmac-consumer"), HmacSha::sha1(secret))
        };
        let client = Consumer::new(signer, stand_in.endpoints());
        let access = oob_dance(&stand_in, &client);
        let response = signed_get(
            &client,
            &stand_in.url("/plugins/servlet/applinks/whoami"),
            access.token(),
        );
        assert_eq!(response.body(), b"alice", "{method}");

        // The token secret is part of the key: a wrong one is signature_invalid.
        let wrong = Token::<bitbucket_oauth::Access>::new(
            access.token().token(),
            TokenSecret::new("not the secret"),
        );
        let mut request = get(&stand_in.url("/plugins/servlet/applinks/whoami"));
        client.sign_request(&mut request, &wrong).unwrap();
        let response = send(&request).unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let problem =
            Problem::from_response(response.status(), response.headers(), response.body()).unwrap();
        assert_eq!(problem.problem, OAuthProblem::SignatureInvalid, "{method}");
    }
}

#[test]
fn manual_decisions_through_approve_and_deny() {
    let (stand_in, client) = setup(StandIn::builder().user_decision(UserDecision::Manual));
    let (request, pending) = client.request_token("http://localhost:9/cb").unwrap();
    let token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let page = send(&get(&client.authorize_url(&token))).unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(String::from_utf8_lossy(page.body()).contains("<p id=\"oauth_pending\">"));

    let decision = stand_in.approve(token.token(), "dave").unwrap();
    assert_eq!(decision.token, token.token());
    assert_eq!(
        decision.redirect.as_deref(),
        Some(
            format!(
                "http://localhost:9/cb?oauth_token={}&oauth_verifier={}",
                token.token(),
                decision.verifier
            )
            .as_str()
        )
    );
    // Decided once: a second decision is refused, and the page now redirects.
    assert_eq!(stand_in.deny(token.token()), None);
    let page = send(&get(&client.authorize_url(&token))).unwrap();
    assert_eq!(
        page.headers()["location"],
        decision.redirect.clone().unwrap().as_str()
    );
    let (request, pending) = client
        .access_token(&token, &Verifier::new(decision.verifier))
        .unwrap();
    let access = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_eq!(
        stand_in.token_user(access.token().token()).as_deref(),
        Some("dave")
    );

    // deny() on an oob token: no redirect, the verifier is "denied".
    let token = oob_request_token(&client);
    let decision = stand_in.deny(token.token()).unwrap();
    assert_eq!(
        (decision.verifier.as_str(), decision.redirect),
        ("denied", None)
    );
    let page = send(&get(&client.authorize_url(&token))).unwrap();
    assert_eq!(oob_verifier(page.body()).as_deref(), Some("denied"));
    assert_eq!(stand_in.approve("no-such-token", "x"), None);
}

// ---------------------------------------------------------------------------------------------
// The authorization page

/// The header value's first `name=value` of a `Set-Cookie`.
fn cookie_of(response: &Response<Vec<u8>>) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

fn post_form(url: &str, body: &str, cookie: Option<&str>) -> Response<Vec<u8>> {
    let mut request =
        Request::post(url).header("content-type", "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    send(&request.body(body.as_bytes().to_vec()).unwrap()).unwrap()
}

/// What a person meets on Bitbucket's authorization page: a login page, then (logged in) an
/// approval form protected by the session's XSRF token (`atl_token`); the `oob` flow then shows
/// a 6-character verification code.
#[test]
fn the_authorize_page_is_a_login_then_an_xsrf_protected_approval_form() {
    let (stand_in, client) = setup(StandIn::builder());
    let token = oob_request_token(&client);
    let url = client.authorize_url(&token);
    let next = format!(
        "/bitbucket/plugins/servlet/oauth/authorize?oauth_token={}",
        token.token()
    );
    let login_url = stand_in.url("/j_atl_security_check");

    // 1. The login page.
    let page = send(&get(&url)).unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-type"], "text/html;charset=UTF-8");
    let html = String::from_utf8_lossy(page.body()).into_owned();
    assert!(
        html.contains(
            "<form id=\"login-form\" method=\"post\" action=\"/bitbucket/j_atl_security_check\">"
        ),
        "{html}"
    );
    assert!(html.contains("<input type=\"text\" name=\"j_username\" id=\"j_username\">"));
    assert!(html.contains(&format!(
        "<input type=\"hidden\" name=\"next\" value=\"{next}\">"
    )));
    assert_eq!(stand_in.last_verifier(), None);

    // A wrong password, an unknown user: the login page again, with an error.
    for body in [
        "j_username=alice&j_password=wrong",
        "j_username=mallory&j_password=mallory",
    ] {
        let refused = post_form(&login_url, body, None);
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(refused.headers().get("set-cookie").is_none());
        assert!(String::from_utf8_lossy(refused.body()).contains("id=\"login-error\""));
    }

    // 2. Logged in: a session cookie and back to the page.
    let body = format!(
        "j_username=alice&j_password=alice&next={}",
        bitbucket_oauth::rfc5849::encode(&next)
    );
    let logged_in = post_form(&login_url, &body, None);
    assert_eq!(logged_in.status(), StatusCode::FOUND);
    assert_eq!(logged_in.headers()["location"], next.as_str());
    let cookie = cookie_of(&logged_in);
    assert!(cookie.starts_with("BITBUCKETSESSIONID="), "{cookie}");
    assert!(
        logged_in.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .ends_with("; Path=/bitbucket; HttpOnly")
    );

    // 3. The approval form, with the XSRF token.
    let mut request = get(&url);
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let form = send(&request).unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    let html = String::from_utf8_lossy(form.body()).into_owned();
    assert!(
        html.contains("<span id=\"oauth_user\">alice</span>"),
        "{html}"
    );
    assert!(html.contains(&format!("<span id=\"oauth_consumer\">{CONSUMER}</span>")));
    assert!(html.contains(
        "<form id=\"oauth-approve\" method=\"post\" action=\"/bitbucket/plugins/servlet/oauth/authorize\">"
    ));
    let marker = "name=\"atl_token\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let xsrf = &html[start..start + html[start..].find('"').unwrap()];
    assert_eq!(xsrf.len(), 24);

    // Without the XSRF token, or with another: refused, nothing decided.
    let authorize = stand_in.url("/plugins/servlet/oauth/authorize");
    for atl in ["", "&atl_token=forged"] {
        let body = format!("oauth_token={}{atl}&approve=Allow", token.token());
        let refused = post_form(&authorize, &body, Some(&cookie));
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(String::from_utf8_lossy(refused.body()).contains("XSRF Security Token Missing"));
    }
    // Without the session: the login page.
    let body = format!(
        "oauth_token={}&atl_token={xsrf}&approve=Allow",
        token.token()
    );
    let anonymous = post_form(&authorize, &body, None);
    assert!(String::from_utf8_lossy(anonymous.body()).contains("id=\"login-form\""));
    assert_eq!(stand_in.last_verifier(), None);

    // 4. Allow: the oob page shows a 6-character code.
    let approved = post_form(&authorize, &body, Some(&cookie));
    assert_eq!(approved.status(), StatusCode::OK);
    let code = oob_verifier(approved.body()).unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_alphanumeric()), "{code}");
    assert_eq!(stand_in.last_verifier().as_deref(), Some(code.as_str()));
    let (request, pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    let access = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_eq!(
        stand_in.token_user(access.token().token()).as_deref(),
        Some("alice")
    );
}

/// The browser helper logs in and presses Allow or Deny; a callback flow then redirects.
#[test]
fn the_browser_helper_approves_or_denies_as_a_user() {
    let (stand_in, client) = setup(StandIn::builder().user("bob"));
    let (request, pending) = client.request_token("https://app.example.com/cb").unwrap();
    let token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let redirect = browser::approve(&client.authorize_url(&token), "bob").unwrap();
    assert_eq!(redirect.status(), StatusCode::FOUND);
    let location = redirect.headers()["location"].to_str().unwrap();
    let verifier = client.parse_callback(location, &token).unwrap();
    let (request, pending) = client.access_token(&token, &verifier).unwrap();
    let access = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_eq!(
        stand_in.token_user(access.token().token()).as_deref(),
        Some("bob")
    );

    let (request, pending) = client.request_token("https://app.example.com/cb").unwrap();
    let token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let redirect = browser::deny(&client.authorize_url(&token), "alice").unwrap();
    let location = redirect.headers()["location"].to_str().unwrap();
    assert!(location.ends_with("&oauth_verifier=denied"), "{location}");

    // A user who cannot log in gets no further than the login page.
    let token = oob_request_token(&client);
    assert!(stand_in.deactivate_user("bob"));
    let err = browser::approve(&client.authorize_url(&token), "bob").unwrap_err();
    assert_eq!(err.to_string(), "the login as bob was refused (HTTP 401)");
}

// ---------------------------------------------------------------------------------------------
// Renewal, whoami, REST

/// Bitbucket's renewal: a new access token with a new session handle, the same token secret,
/// and the old token deleted (its next use, and a second renewal with it, is `token_rejected`).
#[test]
fn renewal_issues_a_new_token_and_session_handle_and_deletes_the_old_token() {
    let (stand_in, client) = setup(StandIn::builder());
    let first = oob_dance(&stand_in, &client);
    stand_in.clock().advance(3600);

    let (request, pending) = client.renew(&first).unwrap();
    let renewed = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_ne!(renewed.token().token(), first.token().token());
    assert!(renewed.session_handle().is_some_and(|h| h.len() == 24));
    assert_ne!(renewed.session_handle(), first.session_handle());
    assert_eq!(
        renewed.token().secret().secret(),
        first.token().secret().secret()
    );
    assert_eq!(renewed.expires_in(), Some(157_680_000));
    assert_eq!(renewed.authorization_expires_in(), Some(160_272_000));

    let response = signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        renewed.token(),
    );
    assert_eq!(response.body(), b"alice");

    // The old token is gone, for calls and for a second renewal.
    let (request, sent) = client.whoami(first.token()).unwrap();
    let response = send(&request).unwrap();
    expect_resource_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_rejected")],
    );
    let err = client.check_response(&sent, &response).unwrap_err();
    assert_eq!(err.problem().unwrap().problem, OAuthProblem::TokenRejected);
    let (request, _pending) = client.renew(&first).unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_rejected")],
    );

    // The renewed token renews with its own, new handle; the first handle is refused.
    let stale = AccessToken::new(
        renewed.token().clone(),
        vec![(
            "oauth_session_handle".into(),
            first.session_handle().unwrap().into(),
        )],
    );
    let (request, _pending) = client.renew(&stale).unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[
            ("oauth_problem", "token_rejected"),
            (
                "oauth_problem_advice",
                "the session handle does not belong to this token",
            ),
        ],
    );
    let (request, pending) = client.renew(&renewed).unwrap();
    let again = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_ne!(again.session_handle(), renewed.session_handle());
}

/// Bitbucket checks only the session at renewal: an access token past its own lifetime still
/// renews while the session lives; once the session has expired, renewal is
/// `permission_denied`.
#[test]
fn renewal_checks_the_session_not_the_access_token() {
    let (stand_in, client) = setup(
        StandIn::builder()
            .access_token_lifetime(100)
            .session_lifetime(1000),
    );
    let first = oob_dance(&stand_in, &client);
    assert_eq!(first.expires_in(), Some(100));
    assert_eq!(first.authorization_expires_in(), Some(1000));
    stand_in.clock().advance(101);
    let (request, _sent) = client.whoami(first.token()).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_expired")],
    );
    let (request, pending) = client.renew(&first).unwrap();
    let renewed = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        renewed.token(),
    );

    stand_in.clock().advance(900);
    let (request, pending) = client.renew(&renewed).unwrap();
    let response = send(&request).unwrap();
    expect_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[
            ("oauth_problem", "permission_denied"),
            (
                "oauth_problem_advice",
                "the session has expired; authorize again",
            ),
        ],
    );
    let err = client.finish_access_token(pending, &response).unwrap_err();
    assert!(
        err.to_string()
            .contains("the session behind the access token has expired"),
        "{err}"
    );
}

#[test]
fn paged_projects_and_repositories() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    let base = stand_in.base_url().to_owned();

    let page = json(&signed_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects?limit=2"),
        access.token(),
    ));
    assert_eq!(page["size"], 2);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["start"], 0);
    assert_eq!(page["isLastPage"], false);
    assert_eq!(page["nextPageStart"], 2);
    assert_eq!(page["values"][0]["key"], "ENG");
    assert_eq!(page["values"][0]["name"], "Engineering");
    assert_eq!(page["values"][0]["public"], false);
    assert_eq!(
        page["values"][0]["links"]["self"][0]["href"],
        format!("{base}/projects/ENG")
    );
    assert_eq!(page["values"][1]["key"], "OPS");

    let page = json(&signed_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects?limit=2&start=2"),
        access.token(),
    ));
    assert_eq!(page["size"], 1);
    assert_eq!(page["isLastPage"], true);
    assert!(page.get("nextPageStart").is_none());
    assert_eq!(page["values"][0]["key"], "PUB");

    stand_in.add_project("MINE", "My project");
    assert!(stand_in.add_repository("MINE", "Shiny Thing"));
    assert!(!stand_in.add_repository("NOPE", "x"));
    let page = json(&signed_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects"),
        access.token(),
    ));
    assert_eq!(page["limit"], 25);
    assert_eq!(page["size"], 4);
    assert_eq!(page["values"][3]["key"], "MINE");

    let repos = json(&signed_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects/MINE/repos"),
        access.token(),
    ));
    assert_eq!(repos["size"], 1);
    assert_eq!(repos["isLastPage"], true);
    let repo = &repos["values"][0];
    assert_eq!(repo["slug"], "shiny-thing");
    assert_eq!(repo["name"], "Shiny Thing");
    assert_eq!(repo["scmId"], "git");
    assert_eq!(repo["project"]["key"], "MINE");
    assert_eq!(
        repo["links"]["clone"][0]["href"],
        format!("{base}/scm/mine/shiny-thing.git")
    );

    let repos = json(&signed_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects/ENG/repos?start=1&limit=1"),
        access.token(),
    ));
    assert_eq!(repos["values"][0]["slug"], "web-app");
    assert_eq!(repos["nextPageStart"], 2);

    // Unknown project, bad paging: Bitbucket's JSON errors.
    let mut request = get(&stand_in.url("/rest/api/1.0/projects/NOPE/repos"));
    client.sign_request(&mut request, access.token()).unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json(&response)["errors"][0]["message"],
        "Project NOPE does not exist."
    );
    let mut request = get(&stand_in.url("/rest/api/1.0/projects?limit=many"));
    client.sign_request(&mut request, access.token()).unwrap();
    assert_eq!(send(&request).unwrap().status(), StatusCode::BAD_REQUEST);

    stand_in.clear_projects();
    let page = json(&signed_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects"),
        access.token(),
    ));
    assert_eq!(page["size"], 0);
    assert_eq!(page["isLastPage"], true);
}

// ---------------------------------------------------------------------------------------------
// 2-legged OAuth

fn two_legged_client(stand_in: &StandIn, consumer: RegisteredConsumer) -> Consumer {
    stand_in.add_consumer(consumer);
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
        .clock(stand_in.clock())
        .build();
    Consumer::new(signer, stand_in.endpoints())
}

fn two_legged_get(client: &Consumer, url: &str, user: Option<&str>) -> Response<Vec<u8>> {
    let mut request = get(url);
    client.sign_two_legged(&mut request, user).unwrap();
    send(&request).unwrap()
}

#[test]
fn two_legged_without_impersonation_is_anonymous_or_the_execute_as_user() {
    let stand_in = StandIn::builder()
        .clock(TestClock::frozen(T0))
        .start()
        .unwrap();
    let consumer = RegisteredConsumer::rsa(CONSUMER, public_pem().as_bytes())
        .unwrap()
        .two_legged(true);
    let client = two_legged_client(&stand_in, consumer.clone());
    let whoami = stand_in.url("/plugins/servlet/applinks/whoami");

    // Anonymous: empty whoami, public projects only.
    let response = two_legged_get(&client, &whoami, None);
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), b"");
    let page = json(&two_legged_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects"),
        None,
    ));
    assert_eq!(page["size"], 1);
    assert_eq!(page["values"][0]["key"], "PUB");
    stand_in.add_public_project("OSS", "More open source");
    stand_in.add_project("SECRET", "Private");
    let page = json(&two_legged_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects"),
        None,
    ));
    let keys: Vec<&str> = page["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["PUB", "OSS"]);
    assert_eq!(page["values"][1]["public"], true);
    let response = two_legged_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects/ENG/repos"),
        None,
    );
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("www-authenticate").is_none());

    // "Execute as" a service user.
    stand_in.add_user("svc-ci");
    let client = two_legged_client(&stand_in, consumer.clone().execute_as("svc-ci"));
    let response = two_legged_get(&client, &whoami, None);
    assert_eq!(response.body(), b"svc-ci");

    // An execute-as user who cannot log in: refused, as Bitbucket does, without a problem.
    assert!(stand_in.deactivate_user("svc-ci"));
    let mut request = get(&whoami);
    let sent = client.sign_two_legged(&mut request, None).unwrap();
    let response = send(&request).unwrap();
    expect_echo(&stand_in, &request, &response);
    let err = client.check_response(&sent, &response).unwrap_err();
    assert!(
        matches!(&err, Error::TwoLeggedRefused { consumer_key, user: None } if consumer_key == CONSUMER),
        "{err:?}"
    );
    let client = two_legged_client(&stand_in, consumer.execute_as("nobody-by-that-name"));
    let mut request = get(&whoami);
    client.sign_two_legged(&mut request, None).unwrap();
    expect_echo(&stand_in, &request, &send(&request).unwrap());
}

/// Asserts Bitbucket's refusal without a problem: 401, one challenge that echoes the request's
/// own `oauth_*` parameters after the realm, an empty body.
fn expect_echo(stand_in: &StandIn, request: &Request<Vec<u8>>, response: &Response<Vec<u8>>) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let params = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .strip_prefix("OAuth ")
        .unwrap();
    let challenges: Vec<&str> = response
        .headers()
        .get_all("www-authenticate")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        challenges,
        [format!("OAuth realm=\"{}\", {params}", realm_of(stand_in))]
    );
    assert_eq!(response.body(), b"");
    assert_eq!(stand_in.requests().pop().unwrap().problem, None);
}

/// Bitbucket acts as the user named by `xoauth_requestor_id`, else by `user_id`, when the
/// consumer allows impersonation; a user it does not know is served as anonymous, and one who
/// cannot log in is refused (the echo).
#[test]
fn two_legged_with_impersonation_acts_as_the_named_user() {
    let stand_in = StandIn::builder()
        .clock(TestClock::frozen(T0))
        .user("bob smith")
        .start()
        .unwrap();
    stand_in.add_user("bob");
    stand_in.add_user("carol");
    let consumer = RegisteredConsumer::rsa(CONSUMER, public_pem().as_bytes())
        .unwrap()
        .two_legged(true)
        .impersonation(true);
    let client = two_legged_client(&stand_in, consumer);
    let whoami = stand_in.url("/plugins/servlet/applinks/whoami");
    let response = two_legged_get(&client, &whoami, Some("bob smith"));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), b"bob smith");
    let logged = stand_in.requests().pop().unwrap();
    assert_eq!(logged.query.as_deref(), Some("user_id=bob%20smith"));
    assert!(
        logged
            .header("authorization")
            .unwrap()
            .contains("oauth_token=\"\"")
    );
    let page = json(&two_legged_get(
        &client,
        &stand_in.url("/rest/api/1.0/projects"),
        Some("bob"),
    ));
    assert_eq!(page["size"], 3);

    // xoauth_requestor_id wins over user_id.
    let response = two_legged_get(
        &client,
        &format!("{whoami}?xoauth_requestor_id=carol"),
        Some("bob"),
    );
    assert_eq!(response.body(), b"carol");

    // An unknown user is anonymous, not refused.
    let response = two_legged_get(&client, &whoami, Some("mallory"));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.body(), b"");

    // A user who cannot log in is refused.
    assert!(stand_in.deactivate_user("bob"));
    let mut request = get(&whoami);
    let sent = client.sign_two_legged(&mut request, Some("bob")).unwrap();
    let response = send(&request).unwrap();
    expect_echo(&stand_in, &request, &response);
    let err = client.check_response(&sent, &response).unwrap_err();
    assert!(
        matches!(&err, Error::TwoLeggedRefused { user, .. } if user.as_deref() == Some("bob")),
        "{err:?}"
    );
}

/// Bitbucket refuses a 2-legged request from a consumer without "Allow 2-Legged OAuth", and one
/// naming a user from a consumer without "Allow user impersonation", without an
/// `oauth_problem`: a 401 whose challenge echoes the request's parameters. The client types it.
#[test]
fn two_legged_refusals_echo_the_request_without_a_problem() {
    let (stand_in, client) = setup(StandIn::builder());
    for user in [None, Some("alice")] {
        let mut request = get(&stand_in.url("/plugins/servlet/applinks/whoami"));
        let sent = client.sign_two_legged(&mut request, user).unwrap();
        let response = send(&request).unwrap();
        expect_echo(&stand_in, &request, &response);
        let err = client.check_response(&sent, &response).unwrap_err();
        assert!(
            matches!(&err, Error::TwoLeggedRefused { consumer_key, user: u }
                if consumer_key == CONSUMER && u.as_deref() == user),
            "{err:?}"
        );
    }

    let client = two_legged_client(
        &stand_in,
        RegisteredConsumer::rsa(CONSUMER, public_pem().as_bytes())
            .unwrap()
            .two_legged(true),
    );
    let mut request = get(&stand_in.url("/plugins/servlet/applinks/whoami"));
    client.sign_two_legged(&mut request, Some("alice")).unwrap();
    expect_echo(&stand_in, &request, &send(&request).unwrap());
}

/// A 3-legged token whose user can no longer log in gets the same echo.
#[test]
fn a_deactivated_users_token_gets_the_echo() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    assert!(stand_in.deactivate_user("alice"));
    let (request, sent) = client.whoami(access.token()).unwrap();
    let response = send(&request).unwrap();
    expect_echo(&stand_in, &request, &response);
    let err = client.check_response(&sent, &response).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { reason, .. } if reason.contains("could not log in the token's user")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Refusals, one per problem the stand-in produces

/// An unsigned resource request: Bitbucket's 401 challenge naming the absent parameters, with
/// the second, bare `OAuth realm` challenge of a resource 401.
#[test]
fn unsigned_resource_request_is_a_401_challenge_with_parameter_absent() {
    let (stand_in, _) = setup(StandIn::builder());
    let response = send(&get(&stand_in.url("/rest/api/1.0/projects"))).unwrap();
    expect_resource_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[
            ("oauth_problem", "parameter_absent"),
            (
                "oauth_parameters_absent",
                "oauth_consumer_key&oauth_token&oauth_signature_method&oauth_signature&oauth_timestamp&oauth_nonce",
            ),
        ],
    );
}

/// Bitbucket issues a request token asked for without `oauth_callback` as out-of-band, and
/// answers without `oauth_callback_confirmed`; the client accepts it and the dance goes on.
#[test]
fn a_request_token_without_a_callback_is_oob_without_callback_confirmed() {
    let (_stand_in, client) = setup(StandIn::builder());
    let (request, pending) = client.request_token_without_callback().unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = String::from_utf8(response.body().clone()).unwrap();
    assert!(!body.contains("oauth_callback_confirmed"), "{body}");
    let token = client.finish_request_token(pending, &response).unwrap();
    assert_eq!(
        body,
        format!(
            "oauth_token={}&oauth_token_secret={}",
            token.token(),
            token.secret().secret()
        )
    );
    let page = browser::approve(&client.authorize_url(&token), "alice").unwrap();
    let code = oob_verifier(page.body()).unwrap();
    let (request, pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();

    // With oob, the callback is confirmed.
    let (request, _pending) = client.request_token("oob").unwrap();
    let body = String::from_utf8(send(&request).unwrap().body().clone()).unwrap();
    assert!(body.ends_with("&oauth_callback_confirmed=true"), "{body}");
}

/// Bitbucket accepts only `oauth_version=1.0`: `400 version_rejected` with the acceptable range.
#[test]
fn version_rejected() {
    let (stand_in, client) = setup(StandIn::builder());
    let mut request = Request::post(format!(
        "{}?oauth_version=2.0",
        stand_in.endpoints().request_token()
    ))
    .body(Vec::new())
    .unwrap();
    client
        .signer()
        .sign(&request, &SignOptions::new().callback("oob").version(false))
        .unwrap()
        .apply_header(&mut request);
    let problem = expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        400,
        &[
            ("oauth_problem", "version_rejected"),
            ("oauth_acceptable_versions", "1.0-1.0"),
        ],
    );
    assert_eq!(problem.acceptable_versions.as_deref(), Some("1.0-1.0"));
}

/// Bitbucket refuses a callback that is neither a URL nor `oob`, and a protocol parameter sent
/// twice, with `400 parameter_rejected`.
#[test]
fn parameter_rejected_for_a_relative_callback_and_a_repeated_parameter() {
    let (stand_in, client) = setup(StandIn::builder());
    let realm = realm_of(&stand_in);
    // A callback that is not an absolute URL (the signer would refuse it, so it rides in the
    // query).
    let mut request = Request::post(format!(
        "{}?oauth_callback=relative%2Fpath",
        stand_in.endpoints().request_token()
    ))
    .body(Vec::new())
    .unwrap();
    client
        .signer()
        .sign(&request, &SignOptions::new())
        .unwrap()
        .apply_header(&mut request);
    let problem = expect_refusal(
        &send(&request).unwrap(),
        &realm,
        400,
        &[
            ("oauth_problem", "parameter_rejected"),
            ("oauth_parameters_rejected", "oauth_callback"),
            (
                "oauth_problem_advice",
                "oauth_callback must be an absolute URL or oob",
            ),
        ],
    );
    assert_eq!(problem.parameters_rejected, ["oauth_callback"]);

    // The same protocol parameter in the header and the query.
    let (mut request, _pending) = client.request_token("oob").unwrap();
    *request.uri_mut() = format!("{}?oauth_nonce=again", stand_in.endpoints().request_token())
        .parse()
        .unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm,
        400,
        &[
            ("oauth_problem", "parameter_rejected"),
            ("oauth_parameters_rejected", "oauth_nonce"),
            (
                "oauth_problem_advice",
                "a protocol parameter may appear only once, in one place",
            ),
        ],
    );
}

/// Bitbucket's answer to a consumer key it does not know, byte for byte: 401, the challenge, the
/// form-encoded body.
#[test]
fn consumer_key_unknown() {
    let (stand_in, _) = setup(StandIn::builder());
    let signer = Signer::rsa_sha1(ConsumerKey::new("stranger"), key());
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, _pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    // Exactly, byte for byte.
    let realm = format!(
        "http%3A%2F%2F127.0.0.1%3A{}%2Fbitbucket",
        stand_in.addr().port()
    );
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()["www-authenticate"],
        format!("OAuth realm=\"{realm}\", oauth_problem=\"consumer_key_unknown\"").as_str()
    );
    assert_eq!(response.body(), b"oauth_problem=consumer_key_unknown");
    expect_refusal(
        &response,
        &realm,
        401,
        &[("oauth_problem", "consumer_key_unknown")],
    );
}

/// Bitbucket accepts only RSA-SHA1: anything else is 400 `signature_method_rejected`, from an
/// RSA consumer and (by default) from a shared-secret one too.
#[test]
fn signature_method_rejected_for_anything_but_rsa_sha1() {
    let (stand_in, _) = setup(StandIn::builder());
    let signer = Signer::builder(
        ConsumerKey::new(CONSUMER),
        HmacSha::sha1(ConsumerSecret::new("guess")),
    )
    .clock(stand_in.clock())
    .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, _pending) = client.request_token("oob").unwrap();
    let problem = expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        400,
        &[
            ("oauth_problem", "signature_method_rejected"),
            ("oauth_acceptable_signature_methods", "RSA-SHA1"),
        ],
    );
    assert_eq!(problem.acceptable_signature_methods, ["RSA-SHA1"]);

    // A shared-secret consumer gets the same unless the stand-in allows those methods.
    stand_in.register_hmac_consumer("hmac-consumer", "s");
    for signer in [
        Signer::builder(
            ConsumerKey::new("hmac-consumer"),
            HmacSha::sha1(ConsumerSecret::new("s")),
        ),
        Signer::builder(
            ConsumerKey::new("hmac-consumer"),
            Plaintext::new(ConsumerSecret::new("s")),
        ),
    ] {
        let client = Consumer::new(signer.clock(stand_in.clock()).build(), stand_in.endpoints());
        let (request, _pending) = client.request_token("oob").unwrap();
        expect_refusal(
            &send(&request).unwrap(),
            &realm_of(&stand_in),
            400,
            &[
                ("oauth_problem", "signature_method_rejected"),
                ("oauth_acceptable_signature_methods", "RSA-SHA1"),
            ],
        );
    }
}

/// With `allow_shared_secret_methods` (for testing other providers), a shared-secret consumer
/// signs with HMAC-SHA1 or PLAINTEXT, and may not use RSA.
#[test]
fn shared_secret_methods_only_with_the_builder_option() {
    let (stand_in, _) = setup(StandIn::builder().allow_shared_secret_methods());
    stand_in.register_hmac_consumer("hmac-consumer", "s");
    let client = Consumer::new(
        Signer::builder(
            ConsumerKey::new("hmac-consumer"),
            HmacSha::sha1(ConsumerSecret::new("s")),
        )
        .clock(stand_in.clock())
        .build(),
        stand_in.endpoints(),
    );
    let (request, pending) = client.request_token("oob").unwrap();
    client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let client = Consumer::new(
        Signer::builder(ConsumerKey::new("hmac-consumer"), RsaSha::sha1(key()))
            .clock(stand_in.clock())
            .build(),
        stand_in.endpoints(),
    );
    let (request, _pending) = client.request_token("oob").unwrap();
    let problem = expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        400,
        &[
            ("oauth_problem", "signature_method_rejected"),
            ("oauth_acceptable_signature_methods", "HMAC-SHA1&PLAINTEXT"),
        ],
    );
    assert_eq!(
        problem.acceptable_signature_methods,
        ["HMAC-SHA1", "PLAINTEXT"]
    );
}

/// Bitbucket's ±5 minute window: `400 timestamp_refused` with `oauth_acceptable_timestamps`,
/// from which the client measures its clock offset.
#[test]
fn timestamp_refused_gives_the_window_and_the_clock_offset() {
    let stand_in = StandIn::builder()
        .clock(TestClock::frozen(T0))
        .start()
        .unwrap();
    stand_in
        .register_consumer(CONSUMER, public_pem().as_bytes())
        .unwrap();
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
        .clock(FixedClock(T0 - 1000))
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    let problem = expect_refusal(
        &response,
        &realm_of(&stand_in),
        400,
        &[
            ("oauth_problem", "timestamp_refused"),
            ("oauth_acceptable_timestamps", "1699999700-1700000300"),
        ],
    );
    assert_eq!(problem.acceptable_timestamps, Some((T0 - 300, T0 + 300)));
    let err = client.finish_request_token(pending, &response).unwrap_err();
    let Error::Provider(provider) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(provider.clock_offset, Some(1000));

    // Applying the measured offset fixes the next request.
    assert!(client.apply_clock_correction(&err));
    let (request, pending) = client.request_token("oob").unwrap();
    client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();

    // A server whose clock is off (the fault knob) refuses the same way.
    stand_in.set_clock_offset(-600);
    let (request, _pending) = client.request_token("oob").unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        400,
        &[
            ("oauth_problem", "timestamp_refused"),
            ("oauth_acceptable_timestamps", "1699999100-1699999700"),
        ],
    );
}

/// Bitbucket keeps nonces per consumer and nonce: the same nonce is refused whatever the
/// timestamp.
#[test]
fn nonce_replay_is_nonce_used() {
    let (stand_in, _) = setup(StandIn::builder());
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
        .clock(stand_in.clock())
        .nonce_source(FixedNonce("sameNonceEveryTime1234".into()))
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, pending) = client.request_token("oob").unwrap();
    client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    expect_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "nonce_used")],
    );
    let err = client.finish_request_token(pending, &response).unwrap_err();
    assert_eq!(err.problem().unwrap().problem, OAuthProblem::NonceUsed);

    // One second later, another timestamp: still the same (consumer, nonce).
    stand_in.clock().advance(1);
    let (request, _pending) = client.request_token("oob").unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "nonce_used")],
    );

    // Another consumer may use the same nonce.
    stand_in
        .register_consumer("other-consumer", public_pem().as_bytes())
        .unwrap();
    let signer = Signer::builder(ConsumerKey::new("other-consumer"), RsaSha::sha1(key()))
        .clock(stand_in.clock())
        .nonce_source(FixedNonce("sameNonceEveryTime1234".into()))
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, _pending) = client.request_token("oob").unwrap();
    assert_eq!(send(&request).unwrap().status(), StatusCode::OK);
}

/// Bitbucket's order of checks: the token first, then the timestamp, then the nonce, then the
/// signature (method included). So a request with an unknown token is `token_rejected`
/// whatever else is wrong, a stale timestamp wins over a replayed nonce, and a nonce is used
/// up even by a request whose signature fails.
#[test]
fn checks_run_in_bitbuckets_order_token_timestamp_nonce_signature() {
    let (stand_in, client) = setup(StandIn::builder());
    let realm = realm_of(&stand_in);
    let access = oob_dance(&stand_in, &client);
    let whoami = stand_in.url("/plugins/servlet/applinks/whoami");
    let sign = |token: &Token<bitbucket_oauth::Access>, nonce: &str, ts: u64, wrong_key: bool| {
        let key = if wrong_key {
            RsaPrivateKey::from_pem(include_str!("data/keys/rsa2048_pkcs1.pem")).unwrap()
        } else {
            key()
        };
        let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key))
            .clock(FixedClock(ts))
            .nonce_source(FixedNonce(nonce.into()))
            .build();
        let client = Consumer::new(signer, stand_in.endpoints());
        let mut request = get(&whoami);
        client.sign_request(&mut request, token).unwrap();
        send(&request).unwrap()
    };
    let unknown = Token::<bitbucket_oauth::Access>::new("no-such-token", TokenSecret::new(""));

    // Unknown token, stale timestamp, bad signature: token_rejected.
    expect_resource_refusal(
        &sign(&unknown, "order-1", T0 - 1000, true),
        &realm,
        401,
        &[("oauth_problem", "token_rejected")],
    );
    // Good token, stale timestamp, bad signature: timestamp_refused.
    expect_resource_refusal(
        &sign(access.token(), "order-2", T0 - 1000, true),
        &realm,
        400,
        &[
            ("oauth_problem", "timestamp_refused"),
            ("oauth_acceptable_timestamps", "1699999700-1700000300"),
        ],
    );
    // Good token and timestamp, bad signature: signature_invalid, and the nonce is used up...
    let response = sign(access.token(), "order-3", T0, true);
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        stand_in.requests().pop().unwrap().problem,
        Some(OAuthProblem::SignatureInvalid)
    );
    // ...so the same nonce with a good signature is nonce_used.
    expect_resource_refusal(
        &sign(access.token(), "order-3", T0, false),
        &realm,
        401,
        &[("oauth_problem", "nonce_used")],
    );
    // A replayed nonce with a bad signature: nonce_used before the signature.
    expect_resource_refusal(
        &sign(access.token(), "order-3", T0 + 1, true),
        &realm,
        401,
        &[("oauth_problem", "nonce_used")],
    );
    assert_eq!(
        sign(access.token(), "order-4", T0, false).status(),
        StatusCode::OK
    );
}

#[test]
fn signature_invalid_carries_the_base_string_and_names_the_proxy_differences() {
    let stand_in = StandIn::builder()
        .clock(TestClock::frozen(T0))
        .believed_base_url("https://git.example.com:8443/bitbucket")
        .start()
        .unwrap();
    stand_in
        .register_consumer(CONSUMER, public_pem().as_bytes())
        .unwrap();
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
        .clock(FixedClock(T0))
        .nonce_source(FixedNonce("abcdefghijklmnopqrstuv".into()))
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, pending) = client.request_token("oob").unwrap();
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let signature = bitbucket_oauth::rfc5849::parse_oauth_header(authorization)
        .unwrap()
        .get("oauth_signature")
        .unwrap()
        .to_owned();
    let theirs = "POST&https%3A%2F%2Fgit.example.com%3A8443%2Fbitbucket%2Fplugins%2Fservlet%2Foauth%2Frequest-token\
                  &oauth_callback%3Doob%26oauth_consumer_key%3Dtest-consumer%26oauth_nonce%3Dabcdefghijklmnopqrstuv\
                  %26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0";
    let response = send(&request).unwrap();
    let problem = expect_refusal(
        &response,
        "https%3A%2F%2Fgit.example.com%3A8443%2Fbitbucket",
        401,
        &[
            ("oauth_problem", "signature_invalid"),
            ("oauth_signature", &signature),
            ("oauth_signature_base_string", theirs),
            ("oauth_signature_method", "RSA-SHA1"),
        ],
    );
    assert_eq!(problem.provider_base_string.as_deref(), Some(theirs));

    let checked = client
        .check_response(pending.sent(), &response)
        .unwrap_err();
    let err = client.finish_request_token(pending, &response).unwrap_err();
    let (Error::Provider(provider), Error::Provider(checked)) = (&err, &checked) else {
        panic!("{err:?} {checked:?}")
    };
    assert_eq!(checked.differences, provider.differences);
    let message = checked.to_string();
    assert!(
        message.contains("scheme: we signed http, the provider saw https"),
        "{message}"
    );
    assert!(
        message.contains("host: we signed 127.0.0.1, the provider saw git.example.com"),
        "{message}"
    );
    let port = stand_in.addr().port().to_string();
    assert_eq!(
        provider.differences,
        [
            Difference::Scheme {
                ours: "http".into(),
                theirs: "https".into()
            },
            Difference::Host {
                ours: "127.0.0.1".into(),
                theirs: "git.example.com".into()
            },
            Difference::Port {
                ours: Some(port),
                theirs: Some("8443".into())
            },
            Difference::SignBaseUrl {
                theirs: "https://git.example.com:8443".into()
            },
        ]
    );

    // Back to the real base URL, the same client gets through.
    stand_in.set_believed_base_url(None).unwrap();
    stand_in.clock().advance(1);
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
        .clock(stand_in.clock())
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, pending) = client.request_token("oob").unwrap();
    client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
}

/// Bitbucket checks signatures against the URL the request arrived at (`http://`, its `Host`
/// header, its path), and its Base URL setting only names the realm: a Base URL setting that
/// differs does not break signatures, and `signature_invalid` echoes the base string of the
/// arrival URL, not of the realm.
#[test]
fn signature_invalid_echoes_the_base_string_of_the_arrival_url_not_the_realm() {
    let (stand_in, client) =
        setup(StandIn::builder().base_url_setting("https://bitbucket.example.com/bb"));
    let realm = "https%3A%2F%2Fbitbucket.example.com%2Fbb";
    let access = oob_dance(&stand_in, &client);
    signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        access.token(),
    );

    // A signature made with another key: the echoed base string is the arrival URL's.
    let other = RsaPrivateKey::from_pem(include_str!("data/keys/rsa2048_pkcs1.pem")).unwrap();
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(other))
        .clock(FixedClock(T0))
        .nonce_source(FixedNonce("arrivalNonce".into()))
        .build();
    let wrong = Consumer::new(signer, stand_in.endpoints());
    let (request, sent) = wrong.whoami(access.token()).unwrap();
    let signature = bitbucket_oauth::rfc5849::parse_oauth_header(
        request.headers()["authorization"].to_str().unwrap(),
    )
    .unwrap()
    .get("oauth_signature")
    .unwrap()
    .to_owned();
    let ours = sent.base_string().unredacted().to_owned();
    assert!(
        ours.starts_with(&format!(
            "GET&http%3A%2F%2F127.0.0.1%3A{}%2Fbitbucket%2Fplugins%2Fservlet%2Fapplinks%2Fwhoami&",
            stand_in.addr().port()
        )),
        "{ours}"
    );
    expect_resource_refusal(
        &send(&request).unwrap(),
        realm,
        401,
        &[
            ("oauth_problem", "signature_invalid"),
            ("oauth_signature", &signature),
            ("oauth_signature_base_string", &ours),
            ("oauth_signature_method", "RSA-SHA1"),
        ],
    );
}

/// The arrival URL's host and port are the request's `Host` header, as a servlet container
/// reads them: a client that signs the name it called the server by gets through.
#[test]
fn the_host_header_names_the_arrival_url() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    let url = "http://bitbucket.internal:7990/bitbucket/plugins/servlet/applinks/whoami";
    let mut request = get(url);
    client.sign_request(&mut request, access.token()).unwrap();
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let raw = format!(
        "GET /bitbucket/plugins/servlet/applinks/whoami HTTP/1.1\r\nHost: bitbucket.internal:7990\r\n\
         Authorization: {authorization}\r\nConnection: close\r\n\r\n"
    );
    let answer = stand_in.respond_raw(raw.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200 "), "{text}");
    assert!(text.ends_with("\r\n\r\nalice"), "{text}");

    // Signed for that name but sent with another Host: signature_invalid.
    let mut request = get(url);
    client.sign_request(&mut request, access.token()).unwrap();
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let raw = format!(
        "GET /bitbucket/plugins/servlet/applinks/whoami HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\
         Authorization: {authorization}\r\nConnection: close\r\n\r\n",
        stand_in.addr().port()
    );
    let answer = stand_in.respond_raw(raw.as_bytes());
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 401 "), "{text}");
    assert!(
        text.contains("oauth_problem=\"signature_invalid\""),
        "{text}"
    );
}

#[test]
fn signature_invalid_with_another_key() {
    let (stand_in, _) = setup(StandIn::builder());
    let other = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    // Register a different public key under the consumer: the test key no longer matches.
    let generated = RsaPrivateKey::generate(bitbucket_oauth::KeyBits::B2048).unwrap();
    stand_in
        .register_consumer(CONSUMER, generated.public_key_pem().unwrap().as_bytes())
        .unwrap();
    let signer = Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(other))
        .clock(stand_in.clock())
        .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    let err = client.finish_request_token(pending, &response).unwrap_err();
    let Error::Provider(provider) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(provider.problem.problem, OAuthProblem::SignatureInvalid);
    // Same URL, same parameters: the base strings agree, so the key is what differs.
    assert_eq!(
        provider.problem.provider_base_string.as_deref(),
        Some(provider.our_base_string.as_str())
    );
    assert!(provider.differences.is_empty());
}

/// Bitbucket's `token_rejected`: an unknown token, a wrong verifier, a request token used on a
/// resource. A wrong verifier does not use the token up.
#[test]
fn token_rejected_for_an_unknown_token_and_a_wrong_verifier() {
    let (stand_in, client) = setup(StandIn::builder());
    let realm = realm_of(&stand_in);
    let stranger = Token::<bitbucket_oauth::Access>::new("no-such-token", TokenSecret::new(""));
    let (request, _sent) = client.whoami(&stranger).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm,
        401,
        &[("oauth_problem", "token_rejected")],
    );

    let token = oob_request_token(&client);
    let page = browser::approve(&client.authorize_url(&token), "alice").unwrap();
    let code = oob_verifier(page.body()).unwrap();
    let (request, _pending) = client
        .access_token(&token, &Verifier::new("wrong-code"))
        .unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm,
        401,
        &[
            ("oauth_problem", "token_rejected"),
            (
                "oauth_problem_advice",
                "the verifier does not match this request token",
            ),
        ],
    );
    let (request, pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();

    // A request token cannot call resources.
    let as_access = Token::<bitbucket_oauth::Access>::new(token.token(), token.secret().clone());
    let (request, _sent) = client.whoami(&as_access).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm,
        401,
        &[
            ("oauth_problem", "token_rejected"),
            (
                "oauth_problem_advice",
                "a request token cannot access resources; exchange it for an access token",
            ),
        ],
    );

    // Another consumer's token.
    stand_in
        .register_consumer("other-consumer", public_pem().as_bytes())
        .unwrap();
    let other = Consumer::new(
        Signer::builder(ConsumerKey::new("other-consumer"), RsaSha::sha1(key()))
            .clock(stand_in.clock())
            .build(),
        stand_in.endpoints(),
    );
    let access = oob_dance(&stand_in, &client);
    let (request, _sent) = other.whoami(access.token()).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm,
        401,
        &[("oauth_problem", "token_rejected")],
    );
}

/// Bitbucket's request tokens live 10 minutes: then `token_expired`, at the exchange and on the
/// authorization page.
#[test]
fn request_token_expires_after_600_seconds() {
    let (stand_in, client) = setup(StandIn::builder());
    let (token, code) = approved_oob(&client);
    stand_in.clock().advance(601);
    let (request, _pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_expired")],
    );
    // The authorization page refuses it too.
    expect_refusal(
        &send(&get(&client.authorize_url(&token))).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_expired")],
    );
}

#[test]
fn request_token_at_600_seconds_still_works() {
    let (stand_in, client) = setup(StandIn::builder());
    let (token, code) = approved_oob(&client);
    stand_in.clock().advance(600);
    let (request, pending) = client.access_token(&token, &Verifier::new(code)).unwrap();
    client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
}

/// Bitbucket answers a second exchange of a request token with `token_rejected`; only its
/// authorization page says `token_used`.
#[test]
fn request_token_used_twice_is_token_rejected_and_token_used_on_the_page() {
    let (stand_in, client) = setup(StandIn::builder());
    let (token, code) = approved_oob(&client);
    let verifier = Verifier::new(code);
    let (request, pending) = client.access_token(&token, &verifier).unwrap();
    client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    let (request, pending) = client.access_token(&token, &verifier).unwrap();
    let response = send(&request).unwrap();
    expect_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[
            ("oauth_problem", "token_rejected"),
            (
                "oauth_problem_advice",
                "this request token was already exchanged",
            ),
        ],
    );
    let err = client.finish_access_token(pending, &response).unwrap_err();
    assert_eq!(err.problem().unwrap().problem, OAuthProblem::TokenRejected);
    expect_refusal(
        &send(&get(&client.authorize_url(&token))).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_used")],
    );
}

/// Bitbucket answers an exchange before the user approved with `permission_unknown`.
#[test]
fn exchanging_before_approval_is_permission_unknown() {
    let (stand_in, client) = setup(StandIn::builder().user_decision(UserDecision::Manual));
    let token = oob_request_token(&client);
    let (request, pending) = client
        .access_token(&token, &Verifier::new("guessed"))
        .unwrap();
    let response = send(&request).unwrap();
    expect_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[
            ("oauth_problem", "permission_unknown"),
            (
                "oauth_problem_advice",
                "the user has not approved this request token yet",
            ),
        ],
    );
    let err = client.finish_access_token(pending, &response).unwrap_err();
    assert!(
        err.to_string().contains("wait until the user has approved"),
        "{err}"
    );
}

/// Bitbucket redirects a denial with `oauth_verifier=denied` and answers the exchange after it
/// with `permission_denied`.
#[test]
fn denied_authorization_redirects_with_denied_and_the_exchange_is_permission_denied() {
    let (stand_in, client) = setup(StandIn::builder().user_decision(UserDecision::Deny));
    let (request, pending) = client.request_token("https://app.example.com/cb").unwrap();
    let token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let response = send(&get(&client.authorize_url(&token))).unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!(
            "https://app.example.com/cb?oauth_token={}&oauth_verifier=denied",
            token.token()
        )
    );
    assert!(matches!(
        client.parse_callback(location, &token),
        Err(Error::UserDenied)
    ));
    assert_eq!(stand_in.last_verifier(), None);

    let (request, pending) = client
        .access_token(&token, &Verifier::new("denied"))
        .unwrap();
    let response = send(&request).unwrap();
    expect_refusal(
        &response,
        &realm_of(&stand_in),
        401,
        &[
            ("oauth_problem", "permission_denied"),
            ("oauth_problem_advice", "the user denied access"),
        ],
    );
    let err = client.finish_access_token(pending, &response).unwrap_err();
    assert!(
        err.to_string()
            .contains("denied access on the authorization page (an exchange after denial)"),
        "{err}"
    );
}

/// Bitbucket deletes a revoked token: its next use is `token_rejected`.
#[test]
fn revoked_access_token_is_token_rejected() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    assert!(stand_in.revoke(access.token().token()));
    let (request, _sent) = client.whoami(access.token()).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_rejected")],
    );
    assert!(!stand_in.revoke("no-such-token"));
}

/// Bitbucket refuses an access token past its lifetime with `token_expired` (renewal still
/// works while the session lives, see `renewal_checks_the_session_not_the_access_token`).
#[test]
fn access_token_expires_after_its_lifetime() {
    let (stand_in, client) = setup(StandIn::builder().access_token_lifetime(3600));
    let access = oob_dance(&stand_in, &client);
    assert_eq!(access.expires_in(), Some(3600));
    stand_in.clock().advance(3600);
    signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        access.token(),
    );
    stand_in.clock().advance(1);
    let (request, _sent) = client.whoami(access.token()).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "token_expired")],
    );
}

/// The status of each problem as net.oauth maps them (Bitbucket validates with it): 400 for
/// `version_*`, `parameter_*`, `timestamp_refused`, `signature_method_rejected`; 401 for
/// `nonce_used`, `token_*`, `signature_invalid`, `consumer_key_*` (but `consumer_key_refused`),
/// `permission_*` and `additional_authorization_required`; 503 for `user_refused` and
/// `consumer_key_refused`; 403 for anything else.
#[test]
fn forced_refusals_follow_the_status_table_then_stop() {
    let (stand_in, client) = setup(StandIn::builder());
    let realm = realm_of(&stand_in);
    // The table written out independently of `problem_status`.
    let expected = |name: &str| -> u16 {
        match name {
            "version_rejected"
            | "parameter_absent"
            | "parameter_rejected"
            | "timestamp_refused"
            | "signature_method_rejected" => 400,
            "user_refused" | "consumer_key_refused" => 503,
            "nonce_used"
            | "token_used"
            | "token_expired"
            | "token_revoked"
            | "token_rejected"
            | "token_not_authorized"
            | "signature_invalid"
            | "consumer_key_unknown"
            | "consumer_key_rejected"
            | "additional_authorization_required"
            | "permission_unknown"
            | "permission_denied" => 401,
            _ => 403,
        }
    };
    assert_eq!(OAuthProblem::KNOWN.len(), 19);
    for problem in OAuthProblem::KNOWN {
        let name = problem.as_str();
        assert_eq!(problem_status(problem).as_u16(), expected(name), "{name}");
        stand_in.refuse(problem.clone(), Times::Next(1));
        let (request, _pending) = client.request_token("oob").unwrap();
        let response = send(&request).unwrap();
        let now = stand_in.now();
        let window = format!("{}-{}", now - 300, now + 300);
        let fields: Vec<(&str, &str)> = match name {
            "timestamp_refused" => vec![
                ("oauth_problem", name),
                ("oauth_acceptable_timestamps", &window),
            ],
            "signature_method_rejected" => vec![
                ("oauth_problem", name),
                ("oauth_acceptable_signature_methods", "RSA-SHA1"),
            ],
            "version_rejected" => vec![
                ("oauth_problem", name),
                ("oauth_acceptable_versions", "1.0-1.0"),
            ],
            _ => vec![
                ("oauth_problem", name),
                (
                    "oauth_problem_advice",
                    "refused on purpose by the stand-in (StandIn::refuse)",
                ),
            ],
        };
        expect_refusal(&response, &realm, expected(name), &fields);
        let (request, _pending) = client.request_token("oob").unwrap();
        assert_eq!(send(&request).unwrap().status(), StatusCode::OK, "{name}");
    }

    // Always, until cleared; unknown names too.
    stand_in.refuse(OAuthProblem::Other("rate_limited".into()), Times::Always);
    for _ in 0..2 {
        let (request, _pending) = client.request_token("oob").unwrap();
        let response = send(&request).unwrap();
        let problem =
            Problem::from_response(response.status(), response.headers(), response.body()).unwrap();
        assert_eq!(problem.status, StatusCode::FORBIDDEN);
        assert_eq!(problem.problem, OAuthProblem::Other("rate_limited".into()));
    }
    stand_in.clear_faults();
    let (request, _pending) = client.request_token("oob").unwrap();
    assert_eq!(send(&request).unwrap().status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[test]
fn malformed_token_responses() {
    let (stand_in, client) = setup(StandIn::builder());

    stand_in.malform(Malformed::LoginPage, Times::Next(1));
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/html;charset=UTF-8"
    );
    match client.finish_request_token(pending, &response) {
        Err(Error::UnexpectedResponse {
            status,
            content_type,
            ..
        }) => {
            assert_eq!(status, StatusCode::OK);
            assert_eq!(content_type.as_deref(), Some("text/html;charset=UTF-8"));
        }
        other => panic!("{other:?}"),
    }

    stand_in.malform(Malformed::TruncatedBody, Times::Next(1));
    let (request, _pending) = client.request_token("oob").unwrap();
    let err = send(&request).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");

    stand_in.malform(Malformed::Garbage, Times::Always);
    for _ in 0..2 {
        let (request, pending) = client.request_token("oob").unwrap();
        let response = send(&request).unwrap();
        assert!(matches!(
            client.finish_request_token(pending, &response),
            Err(Error::UnexpectedResponse { .. })
        ));
    }
    stand_in.clear_faults();

    stand_in.malform(Malformed::Empty, Times::Next(1));
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    assert!(response.body().is_empty());
    assert!(matches!(
        client.finish_request_token(pending, &response),
        Err(Error::UnexpectedResponse { .. })
    ));

    // Resources are never malformed; the token endpoints are back to normal.
    let access = oob_dance(&stand_in, &client);
    stand_in.malform(Malformed::Garbage, Times::Always);
    let response = signed_get(
        &client,
        &stand_in.url("/plugins/servlet/applinks/whoami"),
        access.token(),
    );
    assert_eq!(response.body(), b"alice");
}

#[test]
fn slow_responses_hit_client_timeouts() {
    let (stand_in, client) = setup(StandIn::builder());
    stand_in.set_delay(Duration::from_millis(400));
    let (request, _pending) = client.request_token("oob").unwrap();
    let err = send_with_timeout(&request, Duration::from_millis(100)).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ),
        "{err:?}"
    );
    let started = Instant::now();
    let (request, pending) = client.request_token("oob").unwrap();
    let response = send(&request).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400));
    client.finish_request_token(pending, &response).unwrap();
}

#[test]
fn the_request_log_keeps_headers_bodies_and_outcomes() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    let log = stand_in.requests();
    let paths: Vec<&str> = log.iter().map(|r| r.path.as_str()).collect();
    // The browser: the login page, the login, the approval form, Allow.
    assert_eq!(
        paths,
        [
            "/bitbucket/plugins/servlet/oauth/request-token",
            "/bitbucket/plugins/servlet/oauth/authorize",
            "/bitbucket/j_atl_security_check",
            "/bitbucket/plugins/servlet/oauth/authorize",
            "/bitbucket/plugins/servlet/oauth/authorize",
            "/bitbucket/plugins/servlet/oauth/access-token",
        ]
    );
    let statuses: Vec<u16> = log.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 200, 302, 200, 200, 200]);
    let methods: Vec<&str> = log.iter().map(|r| r.method.as_str()).collect();
    assert_eq!(methods, ["POST", "GET", "POST", "GET", "POST", "POST"]);
    assert_eq!(log[0].method, "POST");
    assert!(
        log[0]
            .header("Authorization")
            .unwrap()
            .starts_with("OAuth oauth_consumer_key=\"test-consumer\", ")
    );
    assert_eq!(log[1].method, "GET");
    assert_eq!(
        log[1].query.as_deref(),
        Some(format!("oauth_token={}", log_token(&log[1])).as_str())
    );
    assert!(log.iter().all(|r| r.problem.is_none()));

    stand_in.clear_requests();
    let stranger = Token::<bitbucket_oauth::Access>::new("nope", TokenSecret::new(""));
    let (request, _sent) = client.whoami(&stranger).unwrap();
    send(&request).unwrap();
    let mut form = Request::post(stand_in.url("/plugins/servlet/oauth/request-token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"a=1".to_vec())
        .unwrap();
    client
        .signer()
        .sign(&form, &SignOptions::new().callback("oob"))
        .unwrap()
        .apply_header(&mut form);
    send(&form).unwrap();
    let log = stand_in.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, StatusCode::UNAUTHORIZED);
    assert_eq!(log[0].problem, Some(OAuthProblem::TokenRejected));
    assert_eq!(log[1].body, b"a=1");
    assert_eq!(log[1].status, StatusCode::OK);
    assert_eq!(log[1].header("content-length"), Some("3"));
    assert_eq!(log[1].seq, 8);
    assert_eq!(stand_in.requests_since(7).len(), 1);
    assert!(stand_in.requests_since(8).is_empty());
    let _ = access;
}

fn log_token(entry: &bitbucket_oauth::testkit::LoggedRequest) -> String {
    entry
        .query
        .as_deref()
        .unwrap()
        .trim_start_matches("oauth_token=")
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// Registration, HTTP edge cases, lifecycle

#[test]
fn a_pkcs1_public_key_is_refused_like_bitbucket_does() {
    let stand_in = StandIn::start().unwrap();
    let spki_der = key().public_key_der().unwrap();
    // SPKI DER is accepted.
    stand_in.register_consumer("der", &spki_der).unwrap();
    let pkcs1 = "-----BEGIN RSA PUBLIC KEY-----\nMAA=\n-----END RSA PUBLIC KEY-----\n";
    let err = stand_in
        .register_consumer("pkcs1", pkcs1.as_bytes())
        .unwrap_err();
    assert!(err.to_string().contains("SPKI"), "{err}");
    assert!(stand_in.register_consumer("junk", b"not a key").is_err());
}

/// Without a token, Bitbucket looks the consumer up first. With one, the consumer comes with the
/// token, so a removed consumer's token is checked in full (timestamp, nonce, signature) and
/// `consumer_key_unknown` comes last.
#[test]
fn removed_consumer_is_unknown_first_without_a_token_and_last_with_one() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    assert!(stand_in.remove_consumer(CONSUMER));
    assert!(!stand_in.remove_consumer(CONSUMER));
    let (request, _pending) = client.request_token("oob").unwrap();
    expect_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "consumer_key_unknown")],
    );

    let stale = Consumer::new(
        Signer::builder(ConsumerKey::new(CONSUMER), RsaSha::sha1(key()))
            .clock(FixedClock(T0 - 1000))
            .build(),
        stand_in.endpoints(),
    );
    let (request, _sent) = stale.whoami(access.token()).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        400,
        &[
            ("oauth_problem", "timestamp_refused"),
            ("oauth_acceptable_timestamps", "1699999700-1700000300"),
        ],
    );
    let forged = Token::<bitbucket_oauth::Access>::new(
        access.token().token(),
        TokenSecret::new("irrelevant for RSA"),
    );
    let mut request = get(&stand_in.url("/plugins/servlet/applinks/whoami"));
    client.sign_request(&mut request, &forged).unwrap();
    let tampered = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .replace("oauth_signature=\"", "oauth_signature=\"AAAA");
    request
        .headers_mut()
        .insert("authorization", tampered.parse().unwrap());
    let response = send(&request).unwrap();
    assert_eq!(
        Problem::from_response(response.status(), response.headers(), response.body())
            .unwrap()
            .problem,
        OAuthProblem::SignatureInvalid
    );
    let (request, _sent) = client.whoami(access.token()).unwrap();
    expect_resource_refusal(
        &send(&request).unwrap(),
        &realm_of(&stand_in),
        401,
        &[("oauth_problem", "consumer_key_unknown")],
    );
}

fn raw(stand_in: &StandIn, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(stand_in.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may answer (and close) before reading everything: ignore write errors.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn hostile_http_gets_4xx_and_the_server_keeps_serving() {
    let stand_in = StandIn::start().unwrap();
    let status_line = |s: &str| s.lines().next().unwrap_or_default().to_owned();

    assert_eq!(
        status_line(&raw(&stand_in, b"\x00\x01\x02 garbage\r\n\r\n")),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        status_line(&raw(&stand_in, b"GET http://x/ HTTP/1.1\r\n\r\n")),
        "HTTP/1.1 400 Bad Request"
    );
    let mut big_head = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    big_head.extend(std::iter::repeat_n(b'a', 20 * 1024));
    big_head.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
        status_line(&raw(&stand_in, &big_head)),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    let mut many = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..100 {
        many.extend_from_slice(format!("X-{i}: 1\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(
        status_line(&raw(&stand_in, &many)),
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    assert_eq!(
        status_line(&raw(
            &stand_in,
            b"POST /bitbucket/plugins/servlet/oauth/request-token HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n"
        )),
        "HTTP/1.1 413 Content Too Large"
    );
    assert_eq!(
        status_line(&raw(
            &stand_in,
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"
        )),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        status_line(&raw(
            &stand_in,
            b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"
        )),
        "HTTP/1.1 400 Bad Request"
    );
    assert_eq!(
        status_line(&raw(
            &stand_in,
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        )),
        "HTTP/1.1 501 Not Implemented"
    );
    // A body shorter than announced, then EOF.
    assert_eq!(
        status_line(&raw(
            &stand_in,
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"
        )),
        "HTTP/1.1 400 Bad Request"
    );
    // Nonsense OAuth headers, bad escapes, odd methods and paths: OAuth refusals or 404/405, never
    // a crash.
    for request in [
        &b"GET /bitbucket/plugins/servlet/applinks/whoami HTTP/1.1\r\nAuthorization: OAuth oauth_consumer_key=\"unterminated\r\n\r\n"[..],
        b"GET /bitbucket/plugins/servlet/applinks/whoami HTTP/1.1\r\nAuthorization: OAuth a=\"%zz\"\r\n\r\n",
        b"GET /bitbucket/plugins/servlet/applinks/whoami?x=%G0 HTTP/1.1\r\n\r\n",
        b"GET /bitbucket/rest/api/1.0/projects/%FF%00/repos HTTP/1.1\r\n\r\n",
        b"DELETE /bitbucket/plugins/servlet/oauth/request-token HTTP/1.1\r\n\r\n",
        b"GET /bitbucket/plugins/servlet/oauth/authorize?oauth_token=%FF HTTP/1.1\r\n\r\n",
        b"GET /elsewhere HTTP/1.1\r\n\r\n",
        b"GET /bitbucketx HTTP/1.1\r\n\r\n",
    ] {
        let answer = status_line(&raw(&stand_in, request));
        assert!(
            ["400", "401", "404", "405"]
                .iter()
                .any(|code| answer.starts_with(&format!("HTTP/1.1 {code} "))),
            "{answer} for {}",
            String::from_utf8_lossy(request)
        );
    }
    // A client that connects and leaves.
    drop(TcpStream::connect(stand_in.addr()).unwrap());

    let response = send(&get(&stand_in.url("/plugins/servlet/applinks/whoami"))).unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let logged = stand_in.requests();
    assert!(
        logged
            .iter()
            .any(|r| r.status == StatusCode::PAYLOAD_TOO_LARGE)
    );
}

#[test]
fn the_http_helper_refuses_anything_but_loopback_http() {
    for url in [
        "https://127.0.0.1/",
        "http://example.com/",
        "http://10.0.0.1:80/",
    ] {
        let err = send(&get(url)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{url}");
    }
}

#[test]
fn dropping_the_stand_in_stops_it() {
    // A port the system never hands out for port 0 (just below the ephemeral range), so that
    // once the stand-in lets it go no other test can be listening there: a refused connection
    // then means the stand-in stopped, and an accepted one cannot come from a port reused by
    // another test.
    let ephemeral_low: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768);
    let stand_in = (ephemeral_low.saturating_sub(2_000)..ephemeral_low)
        .rev()
        .find_map(|port| StandIn::builder().port(port).start().ok())
        .expect("no free port below the ephemeral range");
    let addr = stand_in.addr();
    assert!(addr.port() < ephemeral_low, "{addr}");
    assert!(send(&get(&stand_in.url("/"))).is_ok());
    drop(stand_in);
    let err = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{err}");
}

#[test]
fn builder_validates_its_urls() {
    let err = StandIn::builder()
        .believed_base_url("not a url")
        .start()
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let err = StandIn::builder().context_path("/a b").start().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    let stand_in = StandIn::start().unwrap();
    assert!(stand_in.set_believed_base_url(Some("ftp://x/")).is_err());
}

#[test]
fn concurrent_clients() {
    let (stand_in, client) = setup(StandIn::builder());
    let access = oob_dance(&stand_in, &client);
    let url = stand_in.url("/rest/api/1.0/projects");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    for _ in 0..5 {
                        let response = signed_get(&client, &url, access.token());
                        assert_eq!(json(&response)["size"], 3);
                    }
                })
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
    });
}
