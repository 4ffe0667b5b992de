//! A table of real-world refusal shapes (Atlassian's servlet, other OAuth 1.0a stacks, proxies)
//! parsed to exact values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::{OAuthProblem, Problem};
use http::{HeaderMap, HeaderValue, StatusCode};

fn headers(values: &[&str]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for v in values {
        map.append("www-authenticate", HeaderValue::from_str(v).unwrap());
    }
    map
}

struct Case {
    name: &'static str,
    status: u16,
    www_authenticate: &'static [&'static str],
    body: &'static str,
}

#[test]
fn atlassian_timestamp_refused_header_and_body() {
    // The shape Bitbucket/Jira Server send: realm is the percent-encoded base URL.
    let case = Case {
        name: "timestamp_refused",
        status: 400,
        www_authenticate: &[
            "OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\", oauth_problem=\"timestamp_refused\", oauth_acceptable_timestamps=\"1764115200-1764115800\"",
        ],
        body: "oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1764115200-1764115800",
    };
    let p = parse(&case);
    assert_eq!(p.problem, OAuthProblem::TimestampRefused);
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        p.realm.as_deref(),
        Some("https%3A%2F%2Fgit.example.com%2Fbitbucket")
    );
    assert_eq!(
        p.acceptable_timestamps,
        Some((1_764_115_200, 1_764_115_800))
    );
    assert_eq!(p.clock_offset(1_764_114_000), Some(1500));
    assert_eq!(p.clock_offset(1_764_117_000), Some(-1500));
    assert!(p.other.is_empty());
}

fn parse(case: &Case) -> Problem {
    Problem::from_response(
        StatusCode::from_u16(case.status).unwrap(),
        &headers(case.www_authenticate),
        case.body.as_bytes(),
    )
    .unwrap_or_else(|| panic!("{}: no problem parsed", case.name))
}

#[test]
fn parameter_absent_lists_are_split() {
    let p = parse(&Case {
        name: "parameter_absent",
        status: 400,
        www_authenticate: &[],
        body: "oauth_problem=parameter_absent&oauth_parameters_absent=oauth_nonce%26oauth_timestamp",
    });
    assert_eq!(p.problem, OAuthProblem::ParameterAbsent);
    assert_eq!(p.parameters_absent, ["oauth_nonce", "oauth_timestamp"]);
    assert_eq!(p.realm, None);
}

#[test]
fn parameter_rejected_and_advice() {
    let p = parse(&Case {
        name: "parameter_rejected",
        status: 400,
        www_authenticate: &[
            "OAuth realm=\"http%3A%2F%2Flocalhost%3A7990\", oauth_problem=\"parameter_rejected\", oauth_parameters_rejected=\"oauth_token\", oauth_problem_advice=\"Parameter%20oauth_token%20appears%20twice\"",
        ],
        body: "",
    });
    assert_eq!(p.problem, OAuthProblem::ParameterRejected);
    assert_eq!(p.parameters_rejected, ["oauth_token"]);
    assert_eq!(
        p.advice.as_deref(),
        Some("Parameter oauth_token appears twice")
    );
}

#[test]
fn signature_method_rejected_lists_acceptable_methods() {
    let p = parse(&Case {
        name: "signature_method_rejected",
        status: 400,
        www_authenticate: &[
            "OAuth realm=\"http%3A%2F%2Flocalhost%3A7990\", oauth_problem=\"signature_method_rejected\", oauth_acceptable_signature_methods=\"RSA-SHA1\"",
        ],
        body: "oauth_problem=signature_method_rejected&oauth_acceptable_signature_methods=RSA-SHA1",
    });
    assert_eq!(p.problem, OAuthProblem::SignatureMethodRejected);
    assert_eq!(p.acceptable_signature_methods, ["RSA-SHA1"]);
    assert!(
        p.to_string()
            .contains("acceptable signature methods: RSA-SHA1")
    );
}

#[test]
fn signature_invalid_carries_the_provider_base_string_from_the_body() {
    let p = parse(&Case {
        name: "signature_invalid",
        status: 401,
        www_authenticate: &[
            "OAuth realm=\"http%3A%2F%2Flocalhost%3A7990\", oauth_problem=\"signature_invalid\", oauth_signature=\"abc%3D\", oauth_signature_method=\"RSA-SHA1\"",
        ],
        body: "oauth_problem=signature_invalid&oauth_signature=abc%3D&oauth_signature_base_string=GET%26http%253A%252F%252Flocalhost%253A7990%252Frest%26oauth_nonce%253Dx&oauth_signature_method=RSA-SHA1",
    });
    assert_eq!(p.problem, OAuthProblem::SignatureInvalid);
    assert_eq!(
        p.provider_base_string.as_deref(),
        Some("GET&http%3A%2F%2Flocalhost%3A7990%2Frest&oauth_nonce%3Dx")
    );
    // The header wins for parameters both carry; the rest are kept in order. An echoed
    // signature is not kept (with PLAINTEXT it is the shared secret).
    assert_eq!(
        p.other,
        [
            ("oauth_signature".to_owned(), "<redacted>".to_owned()),
            ("oauth_signature_method".to_owned(), "RSA-SHA1".to_owned())
        ]
    );
}

#[test]
fn body_only_problem_served_as_text_plain() {
    let p = parse(&Case {
        name: "token_rejected",
        status: 401,
        www_authenticate: &[],
        body: "oauth_problem=token_rejected\n",
    });
    assert_eq!(p.problem, OAuthProblem::TokenRejected);
}

#[test]
fn several_challenges_and_a_lowercase_scheme() {
    let p = parse(&Case {
        name: "consumer_key_unknown",
        status: 401,
        www_authenticate: &[
            "Basic realm=\"Atlassian Bitbucket\"",
            "oauth realm=\"https%3A%2F%2Fjira.example.com\",oauth_problem=consumer_key_unknown",
        ],
        body: "<html><body>Unauthorized</body></html>",
    });
    assert_eq!(p.problem, OAuthProblem::ConsumerKeyUnknown);
    assert_eq!(p.realm.as_deref(), Some("https%3A%2F%2Fjira.example.com"));
}

#[test]
fn unknown_problem_names_survive() {
    let p = parse(&Case {
        name: "other",
        status: 401,
        www_authenticate: &["OAuth oauth_problem=\"x_custom_problem\", x_extra=\"1\""],
        body: "",
    });
    assert_eq!(p.problem, OAuthProblem::Other("x_custom_problem".into()));
    assert_eq!(p.problem.as_str(), "x_custom_problem");
    assert_eq!(p.other, [("x_extra".to_owned(), "1".to_owned())]);
}

#[test]
fn user_refused_and_consumer_key_refused_are_503() {
    for (name, problem) in [
        ("user_refused", OAuthProblem::UserRefused),
        ("consumer_key_refused", OAuthProblem::ConsumerKeyRefused),
    ] {
        let body = format!("oauth_problem={name}");
        let p = Problem::from_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &HeaderMap::new(),
            body.as_bytes(),
        )
        .unwrap();
        assert_eq!(p.problem, problem);
        assert_eq!(p.status.as_u16(), 503);
    }
}

#[test]
fn not_problems() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[],
            "<html><head><title>Log in - Bitbucket</title></head></html>",
        ),
        (
            &[],
            "{\"errors\":[{\"message\":\"Authentication failed\"}]}",
        ),
        (&["Basic realm=\"Bitbucket\""], ""),
        (
            &["OAuth realm=\"x\""],
            "oauth_token=abc&oauth_token_secret=def",
        ),
        (&["OAuth broken=\"unterminated"], "not a form"),
        (&[], ""),
    ];
    for (www, body) in cases {
        assert!(
            Problem::from_response(StatusCode::UNAUTHORIZED, &headers(www), body.as_bytes())
                .is_none(),
            "{www:?} {body}"
        );
    }
}

#[test]
fn malformed_acceptable_timestamps_are_kept_verbatim() {
    let p = parse(&Case {
        name: "timestamp_refused",
        status: 400,
        www_authenticate: &[],
        body: "oauth_problem=timestamp_refused&oauth_acceptable_timestamps=soon",
    });
    assert_eq!(p.acceptable_timestamps, None);
    assert_eq!(p.clock_offset(0), None);
    assert_eq!(
        p.other,
        [("oauth_acceptable_timestamps".to_owned(), "soon".to_owned())]
    );
}

#[test]
fn display_says_what_to_check() {
    let p = Problem::new(StatusCode::UNAUTHORIZED, OAuthProblem::SignatureInvalid);
    assert_eq!(
        p.to_string(),
        "the provider refused the request: signature_invalid (HTTP 401). The provider computed a different signature: check that the base URL you use is exactly the one the server believes it serves (scheme, host, port and context path; a reverse proxy often changes these), that the key is the one whose public key was registered, and compare the base strings"
    );
}

/// A refused resource request on Bitbucket: the problem challenge, a second, bare
/// `OAuth realm="…"` challenge, and the parameters again in an
/// `application/x-www-form-urlencoded;charset=UTF-8` body. The problem is read from the
/// challenge that names it, whichever comes first, and from the body alone.
#[test]
fn resource_refusal_reads_the_problem_challenge_and_the_form_body() {
    const REALM: &str = "https%3A%2F%2Fgit.example.com%2Fbitbucket";
    let problem = "OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\", oauth_problem=\"token_rejected\"";
    let bare = "OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\"";
    for order in [[problem, bare], [bare, problem]] {
        let mut map = headers(&order);
        map.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded;charset=UTF-8"),
        );
        let p = Problem::from_response(
            StatusCode::UNAUTHORIZED,
            &map,
            b"oauth_problem=token_rejected",
        )
        .unwrap();
        assert_eq!(p.problem, OAuthProblem::TokenRejected);
        assert_eq!(p.realm.as_deref(), Some(REALM));
        assert!(p.other.is_empty(), "{:?}", p.other);
    }
    let p = Problem::from_response(
        StatusCode::UNAUTHORIZED,
        &headers(&[bare]),
        b"oauth_problem=token_expired",
    )
    .unwrap();
    assert_eq!(p.problem, OAuthProblem::TokenExpired);
    assert_eq!(p.realm.as_deref(), Some(REALM));
}

/// Bitbucket's refusal of a 2-legged request echoes the request's own `oauth_*` parameters in
/// its challenge and names no problem: not a problem report, and nothing of it leaks into one.
#[test]
fn an_echoed_request_challenge_is_not_a_problem_report() {
    let echo = "OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\", oauth_consumer_key=\"ck\", oauth_token=\"\", oauth_signature_method=\"RSA-SHA1\", oauth_signature=\"c2ln\", oauth_timestamp=\"1700000000\", oauth_nonce=\"n\", oauth_version=\"1.0\"";
    assert!(Problem::from_response(StatusCode::UNAUTHORIZED, &headers(&[echo]), b"").is_none());
    let p = Problem::from_response(
        StatusCode::UNAUTHORIZED,
        &headers(&[echo, "OAuth realm=\"r\", oauth_problem=\"nonce_used\""]),
        b"",
    )
    .unwrap();
    assert_eq!(p.problem, OAuthProblem::NonceUsed);
    assert_eq!(p.realm.as_deref(), Some("r"));
    assert!(p.other.is_empty(), "{:?}", p.other);
}

/// What Bitbucket means by the problems its exchange endpoints send: the advice says it.
#[test]
fn advice_says_what_bitbucket_means() {
    assert_eq!(
        OAuthProblem::PermissionUnknown.advice(),
        "the user has not approved the request token yet (Bitbucket's answer to an exchange before approval): wait until the user has approved on the authorization page, then exchange it"
    );
    assert_eq!(
        OAuthProblem::PermissionDenied.advice(),
        "the user denied access on the authorization page (an exchange after denial), or the session behind the access token has expired (a renewal after the authorization expired): authorize again"
    );
    assert_eq!(
        OAuthProblem::TokenRejected.advice(),
        "the provider does not accept this token: it is unknown or mistyped, was already exchanged, was replaced by a renewal, was revoked, or was issued to another consumer; or the oauth_verifier or session handle does not belong to it. Start the dance again"
    );
}
