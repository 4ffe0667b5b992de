//! Token-endpoint responses (RFC 5849 §2.1, §2.3) and provider problem reports: an arbitrary
//! status, headers and body through `Consumer::finish_request_token`,
//! `Consumer::finish_access_token` and `Problem::from_response`.
//!
//! Properties: never panics; a failure is one of the documented errors; success only for a 2xx
//! within the size limit, with the token the body carries; a token secret or session handle from
//! the body never shows in an error message; `Problem::from_response` is deterministic and keeps
//! the status.

use crate::input::{HeaderChoice, ResponseInput};
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::rfc5849::decode_form_component;
use bitbucket_oauth::flow::MAX_TOKEN_RESPONSE_BYTES;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, Problem, Signer, Temporary, Token,
    TokenSecret, Verifier,
};
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderName, HeaderValue, Response};

fn client() -> Consumer {
    let signer = Signer::builder(
        ConsumerKey::new("consumer"),
        HmacSha::sha1(ConsumerSecret::new("consumer-secret")),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("abcdefghijklmnopqrstuv".into()))
    .build();
    let endpoints = Endpoints::bitbucket("https://bitbucket.example.com/context").unwrap();
    Consumer::new(signer, endpoints)
}

/// Raw, plain-looking values of the secret fields of a body (decoded name `oauth_token_secret` or
/// `oauth_session_handle`), long enough and appearing once in the whole response (not in any
/// header, once in the body), so that finding one in an error message means it leaked.
fn secrets<'a>(body: &'a [u8], headers: &http::HeaderMap) -> Vec<&'a str> {
    let mut out = Vec::new();
    for segment in body.split(|&b| b == b'&') {
        let Some(eq) = segment.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (name, value) = (&segment[..eq], &segment[eq + 1..]);
        let Ok(name) = decode_form_component(name) else {
            continue;
        };
        if name != b"oauth_token_secret" && name != b"oauth_session_handle" {
            continue;
        }
        if value.len() < 6 || !value.iter().all(u8::is_ascii_alphanumeric) {
            continue;
        }
        let count = |hay: &[u8]| hay.windows(value.len()).filter(|w| *w == value).count();
        // Once in the raw body, and once after decoding (`%61bc` elsewhere is `abc` too).
        let decoded = decode_form_component(body).unwrap_or_default();
        let in_headers = headers.values().any(|v| count(v.as_bytes()) > 0);
        if count(body) == 1 && count(&decoded) <= 1 && !in_headers {
            out.push(std::str::from_utf8(value).unwrap());
        }
    }
    out
}

/// The plain value of the one `oauth_token` segment, decoded independently.
fn token_in(body: &[u8]) -> Option<String> {
    let mut found = None;
    for segment in body.trim_ascii().split(|&b| b == b'&') {
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(eq) => (&segment[..eq], &segment[eq + 1..]),
            None => (segment, &b""[..]),
        };
        if decode_form_component(name).ok().as_deref() == Some(b"oauth_token") {
            assert!(found.is_none(), "a duplicated oauth_token was accepted");
            found = Some(String::from_utf8(decode_form_component(value).ok()?).ok()?);
        }
    }
    found
}

fn check_error(error: &Error, body: &[u8], headers: &http::HeaderMap) {
    assert!(
        matches!(
            error,
            Error::Provider(_)
                | Error::UnexpectedResponse { .. }
                | Error::InvalidTokenResponse { .. }
                | Error::CallbackNotConfirmed
                | Error::ResponseTooLarge { .. }
                | Error::TooManyParameters { .. }
        ),
        "undocumented error {error:?}"
    );
    if body.len() > MAX_TOKEN_RESPONSE_BYTES {
        assert!(matches!(error, Error::ResponseTooLarge { .. }), "{error:?}");
    }
    let shown = error.to_string();
    if !matches!(error, Error::Provider(_)) {
        for secret in secrets(body, headers) {
            assert!(
                !shown.contains(secret),
                "secret {secret:?} leaked into {shown:?}"
            );
        }
    }
}

/// The target's body: checks the properties above on one input.
pub fn run(input: ResponseInput<'_>) {
    let Ok(mut response) = Response::builder().status(input.status).body(input.body) else {
        return;
    };
    for (name, value) in &input.headers {
        let name = match name {
            HeaderChoice::WwwAuthenticate => WWW_AUTHENTICATE,
            HeaderChoice::ContentType => CONTENT_TYPE,
            HeaderChoice::Other(raw) => match HeaderName::from_bytes(raw.as_bytes()) {
                Ok(name) => name,
                Err(_) => continue,
            },
        };
        let Ok(value) = HeaderValue::from_bytes(value) else {
            continue;
        };
        response.headers_mut().append(name, value);
    }
    let status = response.status();
    let body = input.body;

    // The problem report alone.
    let problem = Problem::from_response(status, response.headers(), body);
    assert_eq!(
        problem,
        Problem::from_response(status, response.headers(), body)
    );
    if let Some(problem) = &problem {
        assert_eq!(problem.status, status);
        let _ = problem.to_string();
        let _ = problem.clock_offset(1_700_000_000);
        let _ = problem.clock_offset(u64::MAX);
    }

    let client = client();

    // Step 1's response.
    let (_request, pending) = client.request_token("oob").unwrap();
    match client.finish_request_token(pending, &response) {
        Ok(token) => {
            assert!(status.is_success() && body.len() <= MAX_TOKEN_RESPONSE_BYTES);
            assert!(problem.is_none());
            assert!(!token.token().is_empty());
            assert_eq!(token_in(body).as_deref(), Some(token.token()));
        }
        Err(error) => check_error(&error, body, response.headers()),
    }

    // Step 3's response.
    let request_token = Token::<Temporary>::new("request-token", TokenSecret::new("request-secret"));
    let (_request, pending) = client
        .access_token(&request_token, &Verifier::new("verifier"))
        .unwrap();
    match client.finish_access_token(pending, &response) {
        Ok(access) => {
            assert!(status.is_success() && body.len() <= MAX_TOKEN_RESPONSE_BYTES);
            assert!(problem.is_none());
            assert_eq!(token_in(body).as_deref(), Some(access.token().token()));
            let _ = (access.expires_in(), access.authorization_expires_in());
            let shown = format!("{access:?}");
            for secret in secrets(body, response.headers()) {
                assert!(
                    !shown.contains(secret),
                    "secret {secret:?} in Debug {shown:?}"
                );
            }
        }
        Err(error) => check_error(&error, body, response.headers()),
    }
}
