//! Response parsing cost: a token response, an Atlassian `oauth_problem` refusal (header and
//! body), a `WWW-Authenticate` challenge, and the base-string comparison behind a
//! `signature_invalid` explanation.
//!
//! Run: `cargo bench --all-features --bench parsing`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use bitbucket_oauth::rfc5849::BaseString;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::rfc5849::parse_oauth_header;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{Consumer, ConsumerKey, ConsumerSecret, Endpoints, Problem, Signer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, Response, StatusCode};

const ACCESS_TOKEN_RESPONSE: &str = "oauth_token=Qg8cF1xkUhhkzvhQYtbsUjyoyNmaT6Wd\
    &oauth_token_secret=bA9vRXkKmZCA7QUPDIAUGVbeIX5ZmPvk&oauth_expires_in=157680000\
    &oauth_session_handle=vVmKf0l6hHU3nqT5aX8Ux0gHnRRaCpoo&oauth_authorization_expires_in=157680000";

const CHALLENGE: &str = "OAuth realm=\"https%3A%2F%2Fgit.example.com%2Fbitbucket\", \
    oauth_problem=\"timestamp_refused\", oauth_acceptable_timestamps=\"1764115200-1764115800\"";

fn client() -> Consumer {
    let signer = Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(1_764_115_500))
    .nonce_source(FixedNonce("kllo9940pd9333jh1234567".into()))
    .build();
    Consumer::new(
        signer,
        Endpoints::bitbucket("https://git.example.com/bitbucket").unwrap(),
    )
}

fn text(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn bench_parsing(c: &mut Criterion) {
    let client = client();
    let mut g = c.benchmark_group("parse");

    let response = text(200, ACCESS_TOKEN_RESPONSE);
    let request_token = bitbucket_oauth::Token::new("rt", bitbucket_oauth::TokenSecret::new("rts"));
    let verifier = bitbucket_oauth::Verifier::new("v");
    g.throughput(Throughput::Bytes(ACCESS_TOKEN_RESPONSE.len() as u64));
    g.bench_function("access_token_response", |b| {
        b.iter_batched(
            || client.access_token(&request_token, &verifier).unwrap().1,
            |pending| {
                client
                    .finish_access_token(pending, black_box(&response))
                    .unwrap()
            },
            criterion::BatchSize::SmallInput,
        );
    });

    let mut headers = HeaderMap::new();
    headers.insert("www-authenticate", HeaderValue::from_static(CHALLENGE));
    let body = b"oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1764115200-1764115800";
    g.throughput(Throughput::Bytes((CHALLENGE.len() + body.len()) as u64));
    g.bench_function("problem_header_and_body", |b| {
        b.iter(|| {
            Problem::from_response(
                StatusCode::BAD_REQUEST,
                black_box(&headers),
                black_box(body),
            )
            .unwrap()
        });
    });

    g.throughput(Throughput::Bytes(CHALLENGE.len() as u64));
    g.bench_function("www_authenticate", |b| {
        b.iter(|| parse_oauth_header(black_box(CHALLENGE)).unwrap());
    });

    let (_, pending) = client.request_token("oob").unwrap();
    let ours = pending.sent().base_string().clone();
    let theirs = BaseString::parse(&ours.unredacted().replace(
        "https%3A%2F%2Fgit.example.com%2Fbitbucket",
        "http%3A%2F%2Fgit.example.com%3A7990",
    ))
    .unwrap();
    g.throughput(Throughput::Elements(1));
    g.bench_function("explain_signature_invalid", |b| {
        b.iter(|| bitbucket_oauth::explain::compare(black_box(&ours), black_box(&theirs)));
    });
    g.finish();
}

criterion_group!(benches, bench_parsing);
criterion_main!(benches);
