//! Limits against resource abuse by a hostile or broken peer: every limit fails with a typed error
//! that names it, and the parsers and the normalization sort do work linear in their input (or
//! n log n), never quadratic.
//!
//! The scaling tests time the same operation at a few sizes (the best of several runs, to shrug
//! off a noisy machine) and require the cost per item at the largest size to stay within 10 times
//! the cost at a reference size at least 20 times smaller: there a quadratic algorithm is at least
//! 20 times worse, an n log n one about 1.7 times. The checker refuses sizes too close together
//! for a quadratic algorithm to exceed the bound, and `the_scaling_check_catches_quadratic_work`
//! shows that it fails on quadratic work at every size set used here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::flow::{MAX_TOKEN_RESPONSE_BYTES, MAX_TOKEN_RESPONSE_PARAMS};
use bitbucket_oauth::rfc5849::{
    HeaderParseError, MAX_HEADER_BYTES, MAX_HEADER_PARAMS, parse_oauth_header,
};
use bitbucket_oauth::rfc5849::Parameters;
use bitbucket_oauth::problem::{MAX_PROBLEM_BODY_BYTES, MAX_PROBLEM_PARAMS};
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    BaseString, Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, OAuthProblem, Problem,
    SignOptions, Signer, Token, TokenSecret, Verifier,
};
use http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Uri};

/// Parameter counts of the scaling tests.
const SIZES: [usize; 3] = [10, 1_000, 100_000];
/// How much worse the cost per item may get from the reference size to the largest.
const MAX_GROWTH: f64 = 10.0;
/// The reference size is at least this many times smaller than the largest, so that quadratic
/// work (cost per item growing with the size) exceeds [`MAX_GROWTH`] twice over.
const MIN_SIZE_RATIO: usize = 20;

/// Timing sections run one at a time: the test harness runs tests on parallel threads.
static TIMING: Mutex<()> = Mutex::new(());

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// Runs per size: the largest sizes too are timed more than three times (best of 7).
fn runs_for(n: usize) -> usize {
    match n {
        0..=100 => 200,
        101..=10_000 => 20,
        _ => 7,
    }
}

/// The size the largest one is compared with: the largest of the others that is at least
/// [`MIN_SIZE_RATIO`] times smaller, or `None` when no size is that far below the largest.
fn reference_size(sizes: &[usize]) -> Option<usize> {
    let largest = *sizes.last()?;
    sizes
        .iter()
        .copied()
        .filter(|&n| n * MIN_SIZE_RATIO <= largest)
        .max()
}

/// Times `op(n)` at each size; `Err` with a report when the cost per item grows more than
/// [`MAX_GROWTH`] times from the [`reference_size`] to the largest.
fn check_scaling(
    what: &str,
    sizes: &[usize],
    mut op: impl FnMut(usize) -> Box<dyn FnMut()>,
) -> Result<String, String> {
    let reference = reference_size(sizes).unwrap_or_else(|| {
        panic!(
            "sizes {sizes:?}: none is {MIN_SIZE_RATIO} times smaller than the largest, so \
             quadratic work could pass the {MAX_GROWTH}x bound"
        )
    });
    let _serial = TIMING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let per_item: Vec<(usize, f64)> = sizes
        .iter()
        .map(|&n| {
            let mut f = op(n);
            f(); // warm up: first-touch allocation, page faults
            let t = best_of(runs_for(n), &mut *f);
            (n, t.as_secs_f64() * 1e9 / n as f64)
        })
        .collect();
    let report: Vec<String> = per_item
        .iter()
        .map(|(n, ns)| format!("{n}: {ns:.1} ns each"))
        .collect();
    let report = format!("{what}: {}", report.join(", "));
    let at_reference = per_item.iter().find(|(n, _)| *n == reference).unwrap().1;
    let largest = per_item.last().unwrap().1;
    let growth = largest / at_reference;
    if growth <= MAX_GROWTH {
        Ok(report)
    } else {
        Err(format!(
            "{report}: the cost per item grows {growth:.1} times from {reference} to {}",
            sizes.last().unwrap()
        ))
    }
}

/// [`check_scaling`], failing the test when the cost per item grows too much.
fn assert_scales_linearly(what: &str, sizes: &[usize], op: impl FnMut(usize) -> Box<dyn FnMut()>) {
    match check_scaling(what, sizes, op) {
        Ok(report) => eprintln!("{report}"),
        Err(failure) => panic!("{failure}"),
    }
}

/// Quadratic work, `n * n / scale` units of a few nanoseconds each: `scale` keeps the largest
/// size near a million units, so that the check of the checker stays fast.
fn quadratic(largest: usize) -> impl FnMut(usize) -> Box<dyn FnMut()> {
    let scale = (largest * largest / 1_000_000).max(1);
    move |n| {
        let units = n * n / scale;
        Box::new(move || {
            let mut acc = 0u64;
            for i in 0..units {
                acc = black_box(acc.wrapping_mul(31).wrapping_add(i as u64));
            }
            black_box(acc);
        })
    }
}

/// The checker itself: quadratic work fails it at every size set the tests below use, and
/// sizes too close together are refused rather than checked weakly.
#[test]
fn the_scaling_check_catches_quadratic_work() {
    let header_params = [10, 100, MAX_HEADER_PARAMS - 1];
    for sizes in [
        &SIZES[..],
        &header_params,
        &[10, 1_000, 60_000],
        &[10, 1_000, 16_000],
        &[10, 100, 9_000],
        &[10, 100, 3_900],
    ] {
        let outcome = check_scaling("quadratic", sizes, quadratic(*sizes.last().unwrap()));
        assert!(outcome.is_err(), "{sizes:?}: {outcome:?}");
        eprintln!("caught: {}", outcome.unwrap_err());
    }
    // 100 to 255 (2.55 times): no size is far enough below the largest.
    assert_eq!(reference_size(&[100, MAX_HEADER_PARAMS - 1]), None);
    assert_eq!(reference_size(&header_params), Some(10));
    assert_eq!(reference_size(&SIZES), Some(1_000));
    assert_eq!(reference_size(&[10, 1_000, 16_000]), Some(10));
}

/// `n` distinct names, in an order that gives the sort real work (a stride permutation).
fn shuffled_query(n: usize) -> String {
    let mut q = String::with_capacity(n * 12);
    for i in 0..n {
        let k = (i * 7_919 + 13) % n;
        if i > 0 {
            q.push('&');
        }
        q.push_str(&format!("p{k}=v{}", n - k));
    }
    q
}

/// `n` parameters all named `a`, values shuffled.
fn duplicate_names_query(n: usize) -> String {
    let mut q = String::with_capacity(n * 10);
    for i in 0..n {
        let k = (i * 7_919 + 13) % n;
        if i > 0 {
            q.push('&');
        }
        q.push_str(&format!("a=v{k}"));
    }
    q
}

fn hmac_signer() -> Signer {
    Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("NONCE0123456789abcdefg".into()))
    .build()
}

fn base_string_of_query(query: &str) -> BaseString {
    let uri: Uri = "https://bitbucket.example.com/rest/api/1.0/projects"
        .parse()
        .unwrap();
    let mut params = Parameters::new();
    params.extend_from_query(query).unwrap();
    BaseString::new(&Method::GET, &uri, &mut params).unwrap()
}

#[test]
fn base_string_of_many_query_parameters_scales_linearly() {
    // Correctness first: sorted by name, byte order (p10 before p2).
    let bs = base_string_of_query(&shuffled_query(12));
    assert!(
        bs.normalized_parameters()
            .starts_with("p0=v12&p1=v11&p10=v2&p11=v1&p2=v10"),
        "{bs}"
    );
    assert_scales_linearly("query parameters -> base string", &SIZES, |n| {
        let query = shuffled_query(n);
        Box::new(move || {
            black_box(base_string_of_query(black_box(&query)));
        })
    });
}

#[test]
fn base_string_of_duplicate_names_scales_linearly() {
    let bs = base_string_of_query(&duplicate_names_query(3));
    assert_eq!(bs.normalized_parameters(), "a=v0&a=v1&a=v2");
    assert_scales_linearly("duplicate names -> base string", &SIZES, |n| {
        let query = duplicate_names_query(n);
        Box::new(move || {
            black_box(base_string_of_query(black_box(&query)));
        })
    });
    assert_scales_linearly("identical pairs -> base string", &SIZES, |n| {
        let query = vec!["a=1"; n].join("&");
        Box::new(move || {
            black_box(base_string_of_query(black_box(&query)));
        })
    });
}

#[test]
fn signing_a_form_body_of_many_parameters_scales_linearly() {
    let signer = hmac_signer();
    let uri: Uri = "https://bitbucket.example.com/rest/api/1.0/x"
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    assert_scales_linearly("form body -> signed", &SIZES, |n| {
        let body = shuffled_query(n).into_bytes();
        let (signer, uri, headers) = (signer.clone(), uri.clone(), headers.clone());
        Box::new(move || {
            let signed = signer
                .sign_parts(&Method::POST, &uri, &headers, &body, &SignOptions::new())
                .unwrap();
            black_box(signed);
        })
    });
}

fn header_with(n: usize, name: impl Fn(usize) -> String) -> String {
    let mut h = String::from("OAuth realm=\"https%3A%2F%2Fbitbucket.example.com\"");
    for i in 0..n {
        h.push_str(&format!(", {}=\"value%20{i}\"", name(i)));
    }
    h
}

#[test]
fn oauth_header_limits_are_typed_errors_that_name_them() {
    assert_eq!(MAX_HEADER_PARAMS, 256);
    assert_eq!(MAX_HEADER_BYTES, 64 * 1024);
    // realm + 255 = 256 parameters: accepted; one more is refused.
    let at_limit = header_with(MAX_HEADER_PARAMS - 1, |i| format!("oauth_p{i}"));
    assert_eq!(
        parse_oauth_header(&at_limit).unwrap().len(),
        MAX_HEADER_PARAMS
    );
    let over = header_with(MAX_HEADER_PARAMS, |i| format!("oauth_p{i}"));
    let err = parse_oauth_header(&over).unwrap_err();
    assert_eq!(err, HeaderParseError::TooManyParameters { limit: 256 });
    assert!(
        err.to_string().contains("header::MAX_HEADER_PARAMS"),
        "{err}"
    );
    // Empty list elements do not count as parameters.
    let commas = format!("OAuth {}a=1", ", ".repeat(1_000));
    assert_eq!(parse_oauth_header(&commas).unwrap().len(), 1);

    // Exactly MAX_HEADER_BYTES: parsed; one byte more: refused before any work.
    let prefix = "OAuth oauth_signature=\"";
    let fill = MAX_HEADER_BYTES - prefix.len() - 1;
    let exact = format!("{prefix}{}\"", "A".repeat(fill));
    assert_eq!(exact.len(), MAX_HEADER_BYTES);
    assert_eq!(
        parse_oauth_header(&exact)
            .unwrap()
            .get("oauth_signature")
            .unwrap()
            .len(),
        fill
    );
    let too_long = format!("{prefix}{}\"", "A".repeat(fill + 1));
    let err = parse_oauth_header(&too_long).unwrap_err();
    assert_eq!(err, HeaderParseError::TooLong { limit: 65_536 });
    assert!(
        err.to_string().contains("header::MAX_HEADER_BYTES"),
        "{err}"
    );
    // Even when it is not an OAuth header at all, the length is checked first.
    let err = parse_oauth_header(&"x".repeat(MAX_HEADER_BYTES + 1)).unwrap_err();
    assert_eq!(err, HeaderParseError::TooLong { limit: 65_536 });
}

#[test]
fn oauth_header_parsing_scales_linearly() {
    // Parameter counts stop at the limit, so compare 10 with 255 (+ realm): 25.5 times more.
    let sizes = [10, 100, MAX_HEADER_PARAMS - 1];
    assert_scales_linearly("oauth header, distinct names", &sizes, |n| {
        let h = header_with(n, |i| format!("oauth_p{i}"));
        Box::new(move || {
            black_box(parse_oauth_header(black_box(&h)).unwrap());
        })
    });
    assert_scales_linearly("oauth header, one name repeated", &sizes, |n| {
        let h = header_with(n, |_| "oauth_nonce".to_owned());
        Box::new(move || {
            let p = parse_oauth_header(black_box(&h)).unwrap();
            assert_eq!(p.get("oauth_nonce"), Some("value 0"));
            black_box(p);
        })
    });
    // Long values: 10 bytes to 60 KiB in one quoted value, with escapes and percent-encoding.
    let value_sizes = [10, 1_000, 60_000];
    assert_scales_linearly(
        "oauth header, one long value (per byte)",
        &value_sizes,
        |n| {
            let value: String = "a\\\"%41".repeat(n / 6 + 1)[..n].to_owned();
            let h = format!("OAuth realm=\"{value}\"");
            Box::new(move || {
                black_box(parse_oauth_header(black_box(&h)).unwrap());
            })
        },
    );
}

fn client() -> Consumer {
    Consumer::new(
        hmac_signer(),
        Endpoints::bitbucket("https://bitbucket.example.com").unwrap(),
    )
}

fn token_body(extra_fields: usize) -> String {
    let mut body = String::from("oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=true");
    for i in 0..extra_fields {
        body.push_str(&format!("&x{i}={i}"));
    }
    body
}

fn ok(body: impl Into<Vec<u8>>) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .header(CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(body.into())
        .unwrap()
}

#[test]
fn token_response_limits_are_typed_errors_that_name_them() {
    assert_eq!(MAX_TOKEN_RESPONSE_PARAMS, 64);
    assert_eq!(MAX_TOKEN_RESPONSE_BYTES, 64 * 1024);
    let client = client();

    // 3 + 61 = 64 parameters: accepted, by both steps.
    let (_, pending) = client.request_token("oob").unwrap();
    let token = client
        .finish_request_token(pending, &ok(token_body(MAX_TOKEN_RESPONSE_PARAMS - 3)))
        .unwrap();
    assert_eq!(token.token(), "t");
    let verifier = Verifier::new("v");
    let (_, pending) = client.access_token(&token, &verifier).unwrap();
    let access = client
        .finish_access_token(pending, &ok(token_body(MAX_TOKEN_RESPONSE_PARAMS - 3)))
        .unwrap();
    assert_eq!(access.field("x60"), Some("60"));

    // 65: refused, by both steps, with the limit named.
    let over = ok(token_body(MAX_TOKEN_RESPONSE_PARAMS - 2));
    let (_, pending) = client.request_token("oob").unwrap();
    let err = client.finish_request_token(pending, &over).unwrap_err();
    assert!(
        matches!(err, Error::TooManyParameters { limit: 64 }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("MAX_TOKEN_RESPONSE_PARAMS"),
        "{err}"
    );
    let (_, pending) = client.access_token(&token, &verifier).unwrap();
    let err = client.finish_access_token(pending, &over).unwrap_err();
    assert!(
        matches!(err, Error::TooManyParameters { limit: 64 }),
        "{err:?}"
    );

    // Bytes: exactly the limit is read; one byte more is refused before anything is parsed,
    // whatever the status.
    let mut at_limit = token_body(0).into_bytes();
    at_limit.resize(MAX_TOKEN_RESPONSE_BYTES, b' ');
    let (_, pending) = client.request_token("oob").unwrap();
    assert_eq!(
        client
            .finish_request_token(pending, &ok(at_limit))
            .unwrap()
            .token(),
        "t"
    );
    for status in [200, 401] {
        let mut body = token_body(0).into_bytes();
        body.resize(MAX_TOKEN_RESPONSE_BYTES + 1, b' ');
        let response = Response::builder().status(status).body(body).unwrap();
        let (_, pending) = client.access_token(&token, &verifier).unwrap();
        let err = client.finish_access_token(pending, &response).unwrap_err();
        assert!(
            matches!(err, Error::ResponseTooLarge { limit: 65_536 }),
            "{err:?}"
        );
    }

    // Empty segments do not count as parameters.
    let mut sparse = "&".repeat(60_000);
    sparse.push_str(&token_body(0));
    let (_, pending) = client.request_token("oob").unwrap();
    assert_eq!(
        client
            .finish_request_token(pending, &ok(sparse))
            .unwrap()
            .token(),
        "t"
    );
}

fn www_authenticate(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.append(WWW_AUTHENTICATE, HeaderValue::from_str(value).unwrap());
    h
}

#[test]
fn problem_reports_are_read_within_bounds() {
    assert_eq!(MAX_PROBLEM_BODY_BYTES, 64 * 1024);
    assert_eq!(MAX_PROBLEM_PARAMS, 256);
    let status = StatusCode::UNAUTHORIZED;

    // The body is read up to its limit, and not beyond.
    let mut body = b"oauth_problem=token_rejected&".to_vec();
    body.resize(MAX_PROBLEM_BODY_BYTES, b'x');
    let p = Problem::from_response(status, &HeaderMap::new(), &body).unwrap();
    assert_eq!(p.problem, OAuthProblem::TokenRejected);
    body.push(b'x');
    assert_eq!(
        Problem::from_response(status, &HeaderMap::new(), &body),
        None
    );
    // The header is still read when the body is too large.
    let h = www_authenticate(r#"OAuth realm="r", oauth_problem="token_expired""#);
    let p = Problem::from_response(status, &h, &body).unwrap();
    assert_eq!(p.problem, OAuthProblem::TokenExpired);

    // At most MAX_PROBLEM_PARAMS body parameters are looked at.
    let filler: String = (0..MAX_PROBLEM_PARAMS - 1)
        .map(|i| format!("x{i}=1&"))
        .collect();
    let last = format!("{filler}oauth_problem=nonce_used");
    let p = Problem::from_response(status, &HeaderMap::new(), last.as_bytes()).unwrap();
    assert_eq!(p.problem, OAuthProblem::NonceUsed);
    assert_eq!(p.other.len(), MAX_PROBLEM_PARAMS - 1);
    let beyond = format!("{filler}x=2&oauth_problem=nonce_used");
    assert_eq!(
        Problem::from_response(status, &HeaderMap::new(), beyond.as_bytes()),
        None
    );

    // Headers: many challenges of many parameters; only the first that names a problem is read.
    // Each challenge: realm, 98 parameters, oauth_problem = 100; 50 of them would be 5,000.
    let challenge =
        header_with(98, |i| format!("oauth_p{i}")) + ", oauth_problem=\"permission_denied\"";
    let mut headers = HeaderMap::new();
    for _ in 0..50 {
        headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(&challenge).unwrap());
    }
    let p = Problem::from_response(status, &headers, b"oauth_problem=token_used").unwrap();
    assert_eq!(p.problem, OAuthProblem::PermissionDenied);
    // 100 pairs are kept: realm, oauth_problem and 98 others.
    assert_eq!(p.other.len(), 98);
    assert_eq!(p.other.last().unwrap().0, "oauth_p97");
}

#[test]
fn problem_reports_with_many_duplicate_names_scale_linearly() {
    // A body of n copies of one name (first wins) and of n distinct names, up to the body limit.
    // (Before the limit this was quadratic: each body pair was compared with all earlier ones.)
    let sizes = [10, 1_000, 16_000];
    let headers = www_authenticate(r#"OAuth realm="r", oauth_problem="token_rejected""#);
    assert_scales_linearly("problem body, duplicate names", &sizes, |n| {
        let body = vec!["d=x"; n].join("&");
        assert!(body.len() <= MAX_PROBLEM_BODY_BYTES);
        let headers = headers.clone();
        Box::new(move || {
            let p = Problem::from_response(StatusCode::UNAUTHORIZED, &headers, body.as_bytes());
            assert_eq!(p.unwrap().other, [("d".to_owned(), "x".to_owned())]);
        })
    });
    // 100 to 9,000: a quadratic dedupe grows 90 times here.
    assert_scales_linearly("problem body, distinct names", &[10, 100, 9_000], |n| {
        let body: String = (0..n).map(|i| format!("{i}=&")).collect();
        assert!(body.len() <= MAX_PROBLEM_BODY_BYTES);
        let headers = headers.clone();
        Box::new(move || {
            black_box(Problem::from_response(
                StatusCode::UNAUTHORIZED,
                &headers,
                body.as_bytes(),
            ));
        })
    });
}

#[test]
fn a_long_secret_within_the_byte_limit_is_kept_intact() {
    // A token response at the byte limit with a long secret keeps it intact.
    let secret = "s".repeat(60_000);
    let body = format!("oauth_token=t&oauth_token_secret={secret}");
    assert!(body.len() <= MAX_TOKEN_RESPONSE_BYTES);
    let client = client();
    let token = Token::<bitbucket_oauth::Temporary>::new("rt", TokenSecret::new("rts"));
    let (_, pending) = client.access_token(&token, &Verifier::new("v")).unwrap();
    let access = client.finish_access_token(pending, &ok(body)).unwrap();
    assert_eq!(access.token().secret().secret().len(), 60_000);
}

/// A `signature_invalid` report whose `oauth_signature_base_string` lists `n` parameters.
fn signature_invalid_with(n: usize) -> Response<Vec<u8>> {
    let params: Vec<String> = (0..n).map(|i| format!("p{i}=v")).collect();
    let theirs = BaseString::from_parts(
        "POST",
        "https://bitbucket.example.com/plugins/servlet/oauth/request-token",
        &params.join("&"),
    );
    let mut body = String::from("oauth_problem=signature_invalid&oauth_signature_base_string=");
    bitbucket_oauth::rfc5849::encode_into(&mut body, theirs.as_bytes());
    assert!(body.len() <= MAX_PROBLEM_BODY_BYTES, "{}", body.len());
    Response::builder()
        .status(401)
        .body(body.into_bytes())
        .unwrap()
}

#[test]
fn explaining_a_signature_invalid_report_scales_linearly() {
    // The provider's base string is as long as the body limit allows: about 3,900 parameters.
    let client = client();
    let (_, pending) = client.request_token("oob").unwrap();
    let sent = pending.sent().clone();
    let err = client
        .check_response(&sent, &signature_invalid_with(3))
        .unwrap_err();
    let Error::Provider(p) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(p.problem.problem, OAuthProblem::SignatureInvalid);
    assert!(!p.differences.is_empty());
    assert_scales_linearly("signature_invalid explanation", &[10, 100, 3_900], |n| {
        let response = signature_invalid_with(n);
        let (client, sent) = (client.clone(), sent.clone());
        Box::new(move || {
            black_box(client.check_response(&sent, &response).unwrap_err());
        })
    });
}
