//! Sans-IO tests of the 3-legged dance with canned responses (fixed clock and nonce).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::explain::Difference;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    AccessToken, Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, OAuthProblem,
    RsaPrivateKey, Signer, Token, TokenSecret, Verifier,
};
use http::{Response, StatusCode};

const BASE: &str = "https://git.example.com/bitbucket";

fn hmac_client() -> Consumer {
    let signer = Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("NONCE0123456789abcdefg".into()))
    .build();
    Consumer::new(signer, Endpoints::bitbucket(BASE).unwrap())
}

fn text(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn request_token() -> Token<bitbucket_oauth::Temporary> {
    Token::new("rt", TokenSecret::new("rts"))
}

/// The expected signature was computed independently with Python's hmac module over the
/// RFC 5849 base string of this request (key `cs&`).
#[test]
fn request_token_step_builds_the_exact_request() {
    let client = hmac_client();
    let (req, _pending) = client.request_token("oob").unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://git.example.com/bitbucket/plugins/servlet/oauth/request-token"
    );
    assert!(req.body().is_empty());
    assert_eq!(
        req.headers()["authorization"].to_str().unwrap(),
        "OAuth oauth_consumer_key=\"ck\", oauth_signature_method=\"HMAC-SHA1\", \
         oauth_timestamp=\"1700000000\", oauth_nonce=\"NONCE0123456789abcdefg\", \
         oauth_version=\"1.0\", oauth_callback=\"oob\", oauth_signature=\"WnFm6G3LfHY5VrBsbDsOv8kWfxY%3D\""
    );
    assert!(req.headers()["authorization"].is_sensitive());
}

#[test]
fn request_token_response_as_text_plain() {
    let client = hmac_client();
    let (_, pending) = client.request_token("https://app.example.com/cb").unwrap();
    let token = client
        .finish_request_token(
            pending,
            &text(
                200,
                "oauth_token=abc%2Bdef&oauth_token_secret=s3cr%20t&oauth_callback_confirmed=true",
            ),
        )
        .unwrap();
    assert_eq!(token.token(), "abc+def");
    assert_eq!(token.secret().secret(), "s3cr t");
}

#[test]
fn request_token_response_failures() {
    let client = hmac_client();
    type Check = fn(&Error) -> bool;
    let cases: &[(&str, Check)] = &[
        ("oauth_token=a&oauth_token_secret=b", |e| {
            matches!(e, Error::CallbackNotConfirmed)
        }),
        (
            "oauth_token=a&oauth_token_secret=b&oauth_callback_confirmed=false",
            |e| matches!(e, Error::CallbackNotConfirmed),
        ),
        (
            "oauth_token_secret=b&oauth_callback_confirmed=true",
            |e| matches!(e, Error::InvalidTokenResponse { reason } if *reason == "oauth_token is missing"),
        ),
        (
            "oauth_token=&oauth_token_secret=b&oauth_callback_confirmed=true",
            |e| matches!(e, Error::InvalidTokenResponse { reason } if *reason == "oauth_token is empty"),
        ),
        (
            "oauth_token=a&oauth_callback_confirmed=true",
            |e| matches!(e, Error::InvalidTokenResponse { reason } if *reason == "oauth_token_secret is missing"),
        ),
        (
            "oauth_token=a&oauth_token=b&oauth_token_secret=b&oauth_callback_confirmed=true",
            |e| matches!(e, Error::InvalidTokenResponse { reason } if *reason == "oauth_token appears more than once"),
        ),
        (
            "<html><body>Log in</body></html>",
            |e| matches!(e, Error::UnexpectedResponse { status, .. } if *status == StatusCode::OK),
        ),
        ("oauth_token=a%ZZ&oauth_token_secret=b", |e| {
            matches!(e, Error::InvalidTokenResponse { .. })
        }),
    ];
    for (body, check) in cases {
        let (_, pending) = client.request_token("oob").unwrap();
        let err = client
            .finish_request_token(pending, &text(200, body))
            .unwrap_err();
        assert!(check(&err), "{body}: {err:?}");
    }
    let (_, pending) = client.request_token("oob").unwrap();
    let huge = vec![b'a'; bitbucket_oauth::flow::MAX_TOKEN_RESPONSE_BYTES + 1];
    let err = client
        .finish_request_token(pending, &Response::new(huge))
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 65536 }),
        "{err:?}"
    );
}

#[test]
fn callback_must_be_absolute_or_oob() {
    let client = hmac_client();
    for bad in ["/relative/cb", "example.com/cb", "", "OOB"] {
        let err = client.request_token(bad).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParameter {
                    name: "oauth_callback",
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn authorize_url_encodes_the_token() {
    let client = hmac_client();
    let token = Token::new("a b+c", TokenSecret::new("x"));
    assert_eq!(
        client.authorize_url(&token),
        "https://git.example.com/bitbucket/plugins/servlet/oauth/authorize?oauth_token=a%20b%2Bc"
    );
}

#[test]
fn callback_parsing() {
    let client = hmac_client();
    let pending = request_token();
    let v = client
        .parse_callback(
            "https://app.example.com/cb?x=1&oauth_token=rt&oauth_verifier=v%2B1",
            &pending,
        )
        .unwrap();
    assert_eq!(v.secret(), "v+1");
    let v = client
        .parse_callback("?oauth_verifier=abc&oauth_token=rt", &pending)
        .unwrap();
    assert_eq!(v.secret(), "abc");
    let v = client
        .parse_callback("oauth_token=rt&oauth_verifier=abc#frag", &pending)
        .unwrap();
    assert_eq!(v.secret(), "abc");
    assert!(matches!(
        client.parse_callback("oauth_token=rt&oauth_verifier=denied", &pending),
        Err(Error::UserDenied)
    ));
    assert!(matches!(
        client.parse_callback("oauth_token=evil&oauth_verifier=abc", &pending),
        Err(Error::CallbackTokenMismatch)
    ));
    assert!(matches!(
        client.parse_callback("oauth_verifier=abc", &pending),
        Err(Error::CallbackMissing {
            field: "oauth_token"
        })
    ));
    assert!(matches!(
        client.parse_callback("oauth_token=rt", &pending),
        Err(Error::CallbackMissing {
            field: "oauth_verifier"
        })
    ));
    assert!(matches!(
        client.parse_callback("oauth_token=rt&oauth_token=rt&oauth_verifier=a", &pending),
        Err(Error::CallbackMissing { .. })
    ));
}

#[test]
fn access_token_step_and_fields() {
    let client = hmac_client();
    let (req, pending) = client
        .access_token(&request_token(), &Verifier::new("ver"))
        .unwrap();
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("oauth_token=\"rt\""), "{auth}");
    assert!(auth.contains("oauth_verifier=\"ver\""), "{auth}");
    assert_eq!(
        pending.sent().base_string().unredacted(),
        "POST&https%3A%2F%2Fgit.example.com%2Fbitbucket%2Fplugins%2Fservlet%2Foauth%2Faccess-token&\
         oauth_consumer_key%3Dck%26oauth_nonce%3DNONCE0123456789abcdefg%26oauth_signature_method%3DHMAC-SHA1\
         %26oauth_timestamp%3D1700000000%26oauth_token%3Drt%26oauth_verifier%3Dver%26oauth_version%3D1.0"
    );
    let access = client
        .finish_access_token(
            pending,
            &text(
                200,
                "oauth_token=at&oauth_token_secret=ats&oauth_expires_in=157680000\
                 &oauth_session_handle=sh&oauth_authorization_expires_in=157680000&x_custom=1",
            ),
        )
        .unwrap();
    assert_eq!(access.token().token(), "at");
    assert_eq!(access.token().secret().secret(), "ats");
    assert_eq!(access.expires_in(), Some(157_680_000));
    assert_eq!(access.authorization_expires_in(), Some(157_680_000));
    assert_eq!(access.session_handle(), Some("sh"));
    assert_eq!(access.field("x_custom"), Some("1"));
    let debug = format!("{access:?}");
    assert!(
        !debug.contains("ats") && !debug.contains("\"sh\""),
        "{debug}"
    );
}

#[test]
fn renewal_sends_the_session_handle() {
    let client = hmac_client();
    let access = AccessToken::new(
        Token::new("at", TokenSecret::new("ats")),
        vec![("oauth_session_handle".into(), "h/1".into())],
    );
    let (req, pending) = client.renew(&access).unwrap();
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("oauth_session_handle=\"h%2F1\""), "{auth}");
    assert!(auth.contains("oauth_token=\"at\""), "{auth}");
    assert!(
        pending
            .sent()
            .base_string()
            .unredacted()
            .contains("oauth_session_handle%3Dh%252F1")
    );
    let renewed = client
        .finish_access_token(
            pending,
            &text(
                200,
                "oauth_token=at2&oauth_token_secret=s2&oauth_session_handle=h2",
            ),
        )
        .unwrap();
    assert_eq!(renewed.token().token(), "at2");
    // Bitbucket issues a new session handle with every renewal (and deletes the old token):
    // the renewed token carries the new one.
    assert_eq!(renewed.session_handle(), Some("h2"));

    let no_handle = AccessToken::new(Token::new("at", TokenSecret::new("ats")), vec![]);
    assert!(matches!(
        client.renew(&no_handle),
        Err(Error::InvalidParameter {
            name: "oauth_session_handle",
            ..
        })
    ));
}

#[test]
fn every_problem_name_is_typed() {
    let client = hmac_client();
    let table: &[(&str, u16, OAuthProblem)] = &[
        ("version_rejected", 400, OAuthProblem::VersionRejected),
        ("parameter_absent", 400, OAuthProblem::ParameterAbsent),
        ("parameter_rejected", 400, OAuthProblem::ParameterRejected),
        ("timestamp_refused", 400, OAuthProblem::TimestampRefused),
        (
            "signature_method_rejected",
            400,
            OAuthProblem::SignatureMethodRejected,
        ),
        ("nonce_used", 401, OAuthProblem::NonceUsed),
        ("token_used", 401, OAuthProblem::TokenUsed),
        ("token_expired", 401, OAuthProblem::TokenExpired),
        ("token_revoked", 401, OAuthProblem::TokenRevoked),
        ("token_rejected", 401, OAuthProblem::TokenRejected),
        (
            "token_not_authorized",
            401,
            OAuthProblem::TokenNotAuthorized,
        ),
        ("signature_invalid", 401, OAuthProblem::SignatureInvalid),
        (
            "consumer_key_unknown",
            401,
            OAuthProblem::ConsumerKeyUnknown,
        ),
        (
            "consumer_key_rejected",
            401,
            OAuthProblem::ConsumerKeyRejected,
        ),
        (
            "additional_authorization_required",
            401,
            OAuthProblem::AdditionalAuthorizationRequired,
        ),
        ("permission_unknown", 401, OAuthProblem::PermissionUnknown),
        ("permission_denied", 401, OAuthProblem::PermissionDenied),
        ("user_refused", 503, OAuthProblem::UserRefused),
        (
            "consumer_key_refused",
            503,
            OAuthProblem::ConsumerKeyRefused,
        ),
        (
            "brand_new_problem",
            401,
            OAuthProblem::Other("brand_new_problem".into()),
        ),
    ];
    assert_eq!(OAuthProblem::KNOWN.len(), table.len() - 1);
    for (name, status, expected) in table {
        let (_, pending) = client.request_token("oob").unwrap();
        let response = Response::builder()
            .status(*status)
            .header(
                "www-authenticate",
                format!("OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\", oauth_problem=\"{name}\""),
            )
            .body(format!("oauth_problem={name}").into_bytes())
            .unwrap();
        let err = client.finish_request_token(pending, &response).unwrap_err();
        let problem = err.problem().unwrap_or_else(|| panic!("{name}: {err:?}"));
        assert_eq!(&problem.problem, expected);
        assert_eq!(problem.problem.as_str(), *name);
        assert_eq!(problem.status.as_u16(), *status);
        assert_eq!(
            problem.realm.as_deref(),
            Some("https%3A%2F%2Fgit.example.com%2Fbitbucket")
        );
    }
}

#[test]
fn timestamp_refused_measures_the_offset_and_corrects_the_signer() {
    let client = hmac_client();
    let (_, pending) = client.request_token("oob").unwrap();
    let response = text(
        400,
        "oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1700000700-1700001300",
    );
    let err = client.finish_request_token(pending, &response).unwrap_err();
    let Error::Provider(p) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        p.problem.acceptable_timestamps,
        Some((1_700_000_700, 1_700_001_300))
    );
    assert_eq!(p.clock_offset, Some(1000));
    assert!(
        err.to_string()
            .contains("our clock is 1000 seconds behind the provider's"),
        "{err}"
    );
    assert!(client.apply_clock_correction(&err));
    assert_eq!(client.signer().clock_offset(), 1000);
    let (req, _) = client.request_token("oob").unwrap();
    assert!(
        req.headers()["authorization"]
            .to_str()
            .unwrap()
            .contains("oauth_timestamp=\"1700001000\"")
    );
}

#[test]
fn signature_invalid_is_explained_part_by_part() {
    let client = hmac_client();
    let (_, pending) = client.request_token("oob").unwrap();
    // The server believes it serves http://git.example.com:7990 without the context path.
    let theirs = "POST&http%3A%2F%2Fgit.example.com%3A7990%2Fplugins%2Fservlet%2Foauth%2Frequest-token&\
        oauth_callback%3Doob%26oauth_consumer_key%3Dck%26oauth_nonce%3DNONCE0123456789abcdefg\
        %26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000";
    let body = format!(
        "oauth_problem=signature_invalid&oauth_signature_base_string={}&oauth_signature=abc",
        bitbucket_oauth::rfc5849::encode(theirs)
    );
    let err = client
        .finish_request_token(pending, &text(401, &body))
        .unwrap_err();
    let Error::Provider(p) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        p.differences,
        vec![
            Difference::Scheme {
                ours: "https".into(),
                theirs: "http".into()
            },
            Difference::Port {
                ours: None,
                theirs: Some("7990".into())
            },
            Difference::SignBaseUrl {
                theirs: "http://git.example.com:7990".into()
            },
            Difference::Path {
                ours: "/bitbucket/plugins/servlet/oauth/request-token".into(),
                theirs: "/plugins/servlet/oauth/request-token".into()
            },
            Difference::OnlyOurs {
                name: "oauth_version".into(),
                value: "1.0".into()
            },
        ]
    );
    let message = err.to_string();
    assert!(
        message.contains("signature_invalid (HTTP 401)"),
        "{message}"
    );
    assert!(
        message.contains("scheme: we signed https, the provider saw http"),
        "{message}"
    );
    assert!(
        message.contains("a missing or extra context path?"),
        "{message}"
    );
}

#[test]
fn unexpected_responses_keep_status_and_a_redacted_excerpt() {
    let client = hmac_client();
    let (_, pending) = client.request_token("oob").unwrap();
    let err = client
        .finish_request_token(
            pending,
            &text(500, "Internal error oauth_token_secret=leak&x=1"),
        )
        .unwrap_err();
    match &err {
        Error::UnexpectedResponse {
            status,
            body,
            content_type,
            ..
        } => {
            assert_eq!(*status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(body, "Internal error oauth_token_secret=<redacted>&x=1");
            assert_eq!(content_type.as_deref(), Some("text/plain;charset=UTF-8"));
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("leak"));

    let (_, pending) = client.request_token("oob").unwrap();
    let long = "x".repeat(2000);
    let err = client
        .finish_request_token(pending, &text(502, &long))
        .unwrap_err();
    let Error::UnexpectedResponse { body, .. } = err else {
        panic!()
    };
    assert_eq!(body.chars().count(), 513);
}

#[test]
fn two_legged_with_impersonation() {
    let client = hmac_client();
    let mut req = http::Request::get(format!("{BASE}/rest/api/1.0/projects?limit=10"))
        .body(Vec::new())
        .unwrap();
    let sent = client.sign_two_legged(&mut req, Some("jane doe")).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://git.example.com/bitbucket/rest/api/1.0/projects?limit=10&user_id=jane%20doe"
    );
    assert!(
        sent.base_string()
            .unredacted()
            .contains("oauth_token%3D%26")
    );
    assert!(
        sent.base_string()
            .unredacted()
            .contains("user_id%3Djane%2520doe")
    );
    assert!(
        req.headers()["authorization"]
            .to_str()
            .unwrap()
            .contains("oauth_token=\"\"")
    );
}

#[test]
fn whoami_and_api_calls_with_rsa() {
    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    let signer = Signer::builder(
        ConsumerKey::new("ck"),
        bitbucket_oauth::signature::RsaSha::sha1(key),
    )
    .clock(FixedClock(1))
    .nonce_source(FixedNonce("n".repeat(22)))
    .build();
    let client = Consumer::new(signer, Endpoints::bitbucket(BASE).unwrap());
    let token = Token::new("at", TokenSecret::new("ats"));
    let (req, sent) = client.whoami(&token).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "https://git.example.com/bitbucket/plugins/servlet/applinks/whoami"
    );
    assert!(client.check_response(&sent, &text(200, "alice")).is_ok());
    let err = client
        .check_response(
            &sent,
            &text(
                401,
                "oauth_problem=token_expired&oauth_problem_advice=renew%20it",
            ),
        )
        .unwrap_err();
    let p = err.problem().unwrap();
    assert_eq!(p.problem, OAuthProblem::TokenExpired);
    assert_eq!(p.advice.as_deref(), Some("renew it"));
    let err = client
        .check_response(
            &sent,
            &Response::builder()
                .status(302)
                .header("location", "/login")
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { status, .. } if status == StatusCode::FOUND));

    let plain = Endpoints::new("https://p/rt", "https://p/auth?x=1", "https://p/at").unwrap();
    let other = Consumer::new(client.signer().clone(), plain);
    assert!(matches!(
        other.whoami(&token),
        Err(Error::InvalidParameter { name: "whoami", .. })
    ));
    assert_eq!(
        other.authorize_url(&Token::new("t", TokenSecret::new(""))),
        "https://p/auth?x=1&oauth_token=t"
    );
}

#[test]
fn endpoints_keep_the_context_path() {
    let e = Endpoints::bitbucket("http://localhost:7990/bitbucket/").unwrap();
    assert_eq!(
        e.access_token().to_string(),
        "http://localhost:7990/bitbucket/plugins/servlet/oauth/access-token"
    );
    assert_eq!(
        e.authorize().to_string(),
        "http://localhost:7990/bitbucket/plugins/servlet/oauth/authorize"
    );
    assert_eq!(e.base_url(), Some("http://localhost:7990/bitbucket"));
    for bad in [
        "",
        "localhost:7990",
        "ftp://h/x",
        "https://h/x?y=1",
        "https:///x",
    ] {
        assert!(
            matches!(Endpoints::bitbucket(bad), Err(Error::InvalidUri(_))),
            "{bad}"
        );
    }
}

#[cfg(feature = "serde")]
#[test]
fn tokens_round_trip_through_serde() {
    let access = AccessToken::new(
        Token::new("at", TokenSecret::new("ats")),
        vec![("oauth_session_handle".into(), "sh".into())],
    );
    let json = serde_json::to_string(&access).unwrap();
    assert_eq!(
        json,
        r#"{"token":{"token":"at","secret":"ats"},"fields":[["oauth_session_handle","sh"]]}"#
    );
    let back: AccessToken = serde_json::from_str(&json).unwrap();
    assert_eq!(back.token().secret().secret(), "ats");
    assert_eq!(back.session_handle(), Some("sh"));
    let pending: Token<bitbucket_oauth::Temporary> =
        serde_json::from_str(r#"{"token":"rt","secret":"rts"}"#).unwrap();
    assert_eq!(pending.token(), "rt");
}

#[test]
fn a_successful_answer_is_never_a_refusal() {
    let client = hmac_client();
    let mut req = http::Request::get(format!(
        "{BASE}/rest/api/1.0/projects/P/repos/r/raw/notes.txt"
    ))
    .body(Vec::new())
    .unwrap();
    let sent = client
        .sign_request(&mut req, &Token::new("at", TokenSecret::new("s")))
        .unwrap();
    // A file that happens to contain a problem report's text.
    let file = text(
        200,
        "oauth_problem=token_rejected&oauth_problem_advice=example",
    );
    assert!(client.check_response(&sent, &file).is_ok());
    // The same text on a 401 is a refusal.
    let refusal = text(401, "oauth_problem=token_rejected");
    assert_eq!(
        client
            .check_response(&sent, &refusal)
            .unwrap_err()
            .problem()
            .unwrap()
            .problem,
        OAuthProblem::TokenRejected
    );
    // A token endpoint that answers 200 with a problem report still refused.
    let (_, pending) = client.request_token("oob").unwrap();
    let err = client
        .finish_request_token(pending, &text(200, "oauth_problem=consumer_key_unknown"))
        .unwrap_err();
    assert_eq!(
        err.problem().unwrap().problem,
        OAuthProblem::ConsumerKeyUnknown
    );
}

/// Bitbucket answers a request token asked for without `oauth_callback` (its out-of-band case)
/// without `oauth_callback_confirmed`: that is not an error. With a callback, `oob` included,
/// the confirmation is still required.
#[test]
fn a_request_token_without_a_callback_needs_no_callback_confirmation() {
    let client = hmac_client();
    let (req, pending) = client.request_token_without_callback().unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.uri().to_string(),
        "https://git.example.com/bitbucket/plugins/servlet/oauth/request-token"
    );
    assert_eq!(
        pending.sent().base_string().unredacted(),
        "POST&https%3A%2F%2Fgit.example.com%2Fbitbucket%2Fplugins%2Fservlet%2Foauth%2Frequest-token\
         &oauth_consumer_key%3Dck%26oauth_nonce%3DNONCE0123456789abcdefg%26oauth_signature_method\
         %3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0"
    );
    let token = client
        .finish_request_token(pending, &text(200, "oauth_token=a&oauth_token_secret=b"))
        .unwrap();
    assert_eq!(token.token(), "a");

    for callback in ["oob", "https://app.example.com/cb"] {
        let (_, pending) = client.request_token(callback).unwrap();
        let err = client
            .finish_request_token(pending, &text(200, "oauth_token=e&oauth_token_secret=f"))
            .unwrap_err();
        assert!(
            matches!(err, Error::CallbackNotConfirmed),
            "{callback}: {err:?}"
        );
    }
}

/// Bitbucket's challenge for a refused 2-legged request: the request's own `oauth_*`
/// parameters after the realm, and no `oauth_problem`.
fn echo_challenge(request: &http::Request<Vec<u8>>) -> Response<Vec<u8>> {
    let authorization = request.headers()["authorization"].to_str().unwrap();
    let params = authorization.strip_prefix("OAuth ").unwrap();
    Response::builder()
        .status(401)
        .header(
            "www-authenticate",
            format!("OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\", {params}"),
        )
        .body(Vec::new())
        .unwrap()
}

/// Bitbucket refuses a 2-legged request without an `oauth_problem` when 2-legged OAuth or user
/// impersonation is off for the consumer, or the user cannot log in: a 401 echoing the
/// request's parameters. The client types it and names the Application Link settings.
#[test]
fn a_refused_two_legged_request_is_typed_and_names_the_settings() {
    let client = hmac_client();
    let mut req = http::Request::get(format!("{BASE}/rest/api/1.0/projects"))
        .body(Vec::new())
        .unwrap();
    let sent = client.sign_two_legged(&mut req, Some("jane doe")).unwrap();
    let err = client
        .check_response(&sent, &echo_challenge(&req))
        .unwrap_err();
    assert!(
        matches!(&err, Error::TwoLeggedRefused { consumer_key, user }
            if consumer_key == "ck" && user.as_deref() == Some("jane doe")),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the provider refused the 2-legged request without naming a problem (HTTP 401 echoing \
         the request's OAuth parameters): in the Application Link's Incoming Authentication for \
         consumer `ck`, check \"Allow 2-Legged OAuth\", \"Allow user impersonation\" (the \
         request names a user), and that the user it acts as (`jane doe`) exists and can log in"
    );

    // Without impersonation: the execute-as user.
    let mut req = http::Request::get(format!("{BASE}/rest/api/1.0/projects"))
        .body(Vec::new())
        .unwrap();
    let sent = client.sign_two_legged(&mut req, None).unwrap();
    let err = client
        .check_response(&sent, &echo_challenge(&req))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the provider refused the 2-legged request without naming a problem (HTTP 401 echoing \
         the request's OAuth parameters): in the Application Link's Incoming Authentication for \
         consumer `ck`, check \"Allow 2-Legged OAuth\", and that the user it acts as (the \
         \"Execute as\" user) exists and can log in"
    );

    // The user comes from xoauth_requestor_id when present, else from user_id.
    let mut req = http::Request::get(format!(
        "{BASE}/rest/api/1.0/projects?xoauth_requestor_id=bob&user_id=carol"
    ))
    .body(Vec::new())
    .unwrap();
    let sent = client.sign_two_legged(&mut req, None).unwrap();
    let err = client
        .check_response(&sent, &echo_challenge(&req))
        .unwrap_err();
    assert!(
        matches!(&err, Error::TwoLeggedRefused { user, .. } if user.as_deref() == Some("bob")),
        "{err:?}"
    );

    // The same shape for a 3-legged request: the token's user could not log in.
    let token = Token::new("at", TokenSecret::new("ats"));
    let mut req = http::Request::get(format!("{BASE}/rest/api/1.0/projects"))
        .body(Vec::new())
        .unwrap();
    let sent = client.sign_request(&mut req, &token).unwrap();
    let err = client
        .check_response(&sent, &echo_challenge(&req))
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { status, reason, .. }
            if *status == StatusCode::UNAUTHORIZED && reason.contains("could not log in the token's user")),
        "{err:?}"
    );

    // A bare 401 challenge that echoes nothing stays an unexpected response.
    let bare = Response::builder()
        .status(401)
        .header("www-authenticate", "OAuth realm=\"x\"")
        .body(Vec::new())
        .unwrap();
    let err = client.check_response(&sent, &bare).unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { reason, .. } if reason.contains("without an oauth_problem")),
        "{err:?}"
    );
}
