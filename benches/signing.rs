//! Signing cost: base strings, each signature method, the full signed header, base-string
//! scaling, and the same typical request signed by `oauth1-request` 0.6 in the same process.
//!
//! Run: `cargo bench --all-features --bench signing` (or `scripts/bench_reference.sh`).
//!
//! Response parsing is benched in `benches/parsing.rs`.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod floor;

use std::hint::black_box;

use bitbucket_oauth::rfc5849::BaseString;
use bitbucket_oauth::rfc5849::Parameters;
use bitbucket_oauth::signature::{HmacHash, HmacSha, Plaintext, RsaHash, RsaSha, SignatureMethod};
use bitbucket_oauth::{Access, ConsumerSecret, SignOptions, Signer, Token, TokenSecret};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http::{Method, Uri};
use oauth1_request as oauth;

use common::*;

fn token() -> Token<Access> {
    Token::new(TOKEN, TokenSecret::new(TOKEN_SECRET))
}

fn hmac_sha1() -> HmacSha {
    HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET))
}

/// Collects the parameters of `request` plus the protocol parameters, as the signer does.
fn collect(request: &http::Request<Vec<u8>>, method_name: &str, form: bool) -> Parameters {
    let mut p = Parameters::new();
    if let Some(q) = request.uri().query() {
        p.extend_from_query(q).unwrap();
    }
    if form {
        p.extend_from_form(request.body()).unwrap();
    }
    p.push("oauth_consumer_key", CONSUMER_KEY);
    p.push("oauth_token", TOKEN);
    p.push("oauth_signature_method", method_name);
    p.push("oauth_timestamp", TIMESTAMP.to_string());
    p.push("oauth_nonce", NONCE);
    p.push("oauth_version", "1.0");
    p
}

fn base_string(request: &http::Request<Vec<u8>>, form: bool) -> BaseString {
    let mut p = collect(request, "HMAC-SHA1", form);
    BaseString::new(request.method(), request.uri(), &mut p).unwrap()
}

fn bench_base_string(c: &mut Criterion) {
    let mut g = c.benchmark_group("base_string");
    let typical = typical_request();
    let heavy = heavy_request();
    g.bench_function("typical", |b| {
        b.iter(|| base_string(black_box(&typical), false))
    });
    g.bench_function("heavy", |b| b.iter(|| base_string(black_box(&heavy), true)));
    g.finish();
}

fn bench_methods(c: &mut Criterion) {
    let base = base_string(&typical_request(), false);
    let key = key_2048();
    // Extended below when the `openssl` feature is on.
    #[cfg_attr(not(feature = "openssl"), allow(unused_mut))]
    let mut methods: Vec<(&str, Box<dyn SignatureMethod>)> = vec![
        ("HMAC-SHA1", Box::new(hmac_sha1())),
        (
            "HMAC-SHA256",
            Box::new(HmacSha::new(
                HmacHash::Sha256,
                ConsumerSecret::new(CONSUMER_SECRET),
            )),
        ),
        (
            "HMAC-SHA512",
            Box::new(HmacSha::new(
                HmacHash::Sha512,
                ConsumerSecret::new(CONSUMER_SECRET),
            )),
        ),
        (
            "PLAINTEXT",
            Box::new(Plaintext::new(ConsumerSecret::new(CONSUMER_SECRET))),
        ),
        ("RSA-SHA1", Box::new(RsaSha::sha1(key.clone()))),
        (
            "RSA-SHA256",
            Box::new(RsaSha::new(RsaHash::Sha256, key.clone())),
        ),
        (
            "RSA-SHA512",
            Box::new(RsaSha::new(RsaHash::Sha512, key.clone())),
        ),
    ];
    #[cfg(feature = "openssl")]
    {
        use bitbucket_oauth::signature::OpenSslRsaSha;
        for (name, hash) in [
            ("RSA-SHA1-openssl", RsaHash::Sha1),
            ("RSA-SHA256-openssl", RsaHash::Sha256),
            ("RSA-SHA512-openssl", RsaHash::Sha512),
        ] {
            methods.push((name, Box::new(OpenSslRsaSha::new(hash, &key).unwrap())));
        }
    }
    let mut g = c.benchmark_group("method");
    for (name, method) in &methods {
        if name.starts_with("RSA") {
            g.sample_size(20);
        } else {
            g.sample_size(100);
        }
        g.bench_function(*name, |b| {
            let mut out = String::with_capacity(400);
            b.iter(|| {
                out.clear();
                method
                    .sign(black_box(base.as_bytes()), TOKEN_SECRET, &mut out)
                    .unwrap();
                black_box(out.len())
            })
        });
    }
    g.finish();
}

fn bench_header(c: &mut Criterion) {
    let typical = typical_request();
    let heavy = heavy_request();
    let token = token();
    let pinned = SignOptions::new()
        .token(token.as_token_ref())
        .nonce(NONCE)
        .timestamp(TIMESTAMP);
    let unpinned = SignOptions::new().token(token.as_token_ref());

    let mut g = c.benchmark_group("header");
    let hmac = pinned_signer(hmac_sha1());
    g.bench_function("HMAC-SHA1/typical", |b| {
        b.iter(|| hmac.sign(black_box(&typical), &pinned).unwrap())
    });
    g.bench_function("HMAC-SHA1/typical_authorize", |b| {
        b.iter(|| {
            hmac.authorization_header(black_box(&typical), &pinned)
                .unwrap()
        })
    });
    let live = Signer::new(bitbucket_oauth::ConsumerKey::new(CONSUMER_KEY), hmac_sha1());
    g.bench_function("HMAC-SHA1/typical_random_nonce", |b| {
        b.iter(|| live.sign(black_box(&typical), &unpinned).unwrap())
    });
    g.bench_function("HMAC-SHA1/typical_authorize_random_nonce", |b| {
        b.iter(|| {
            live.authorization_header(black_box(&typical), &unpinned)
                .unwrap()
        })
    });
    g.bench_function("HMAC-SHA1/heavy", |b| {
        b.iter(|| hmac.sign(black_box(&heavy), &pinned).unwrap())
    });
    let key = key_2048();
    g.sample_size(20);
    let rsa = pinned_signer(RsaSha::sha1(key.clone()));
    g.bench_function("RSA-SHA1/typical", |b| {
        b.iter(|| rsa.sign(black_box(&typical), &pinned).unwrap())
    });
    #[cfg(feature = "openssl")]
    {
        let ossl = pinned_signer(bitbucket_oauth::signature::OpenSslRsaSha::sha1(&key).unwrap());
        g.bench_function("RSA-SHA1-openssl/typical", |b| {
            b.iter(|| ossl.sign(black_box(&typical), &pinned).unwrap())
        });
    }
    g.finish();
}

fn bench_peers(c: &mut Criterion) {
    let typical = typical_request();
    let token = token();
    let pinned = SignOptions::new()
        .token(token.as_token_ref())
        .nonce(NONCE)
        .timestamp(TIMESTAMP);
    let params = oauth::ParameterList::new(TYPICAL_QUERY);

    // HMAC-SHA1: both must compute the same signature, or the comparison is meaningless.
    let ours = pinned_signer(hmac_sha1());
    let peer = oauth1_request_builder(oauth::HmacSha1::new());
    let their_header = peer.get(TYPICAL_BASE, &params);
    let our_signed = ours.sign(&typical, &pinned).unwrap();
    assert_eq!(signature_of(&their_header), our_signed.signature());
    assert_eq!(
        &ours.authorization_header(&typical, &pinned).unwrap(),
        our_signed.authorization()
    );

    let mut g = c.benchmark_group("peers");
    g.bench_function("HMAC-SHA1/bitbucket-oauth", |b| {
        b.iter(|| ours.sign(black_box(&typical), &pinned).unwrap())
    });
    g.bench_function("HMAC-SHA1/bitbucket-oauth-authorize", |b| {
        b.iter(|| {
            ours.authorization_header(black_box(&typical), &pinned)
                .unwrap()
        })
    });
    g.bench_function("HMAC-SHA1/oauth1-request", |b| {
        b.iter(|| peer.get(black_box(TYPICAL_BASE), black_box(&params)))
    });

    // The floor (benches/floor/mod.rs): the same header from a signer hand-specialized to this
    // one request, first under issue 10's rules, then with the two shortcuts they rule out.
    let (consumer, uri) = floor::typical();
    let call = floor::typical_call(&uri);
    let keyed = floor::keyed(&consumer, TOKEN_SECRET);
    floor::assert_same_bytes(&consumer, &call, &keyed, &our_signed);
    g.bench_function("HMAC-SHA1/floor", |b| {
        b.iter(|| floor::header(&consumer, black_box(&call)))
    });
    g.bench_function("HMAC-SHA1/floor-keeping-base-string", |b| {
        b.iter(|| floor::header_and_base_string(&consumer, black_box(&call)))
    });
    g.bench_function("HMAC-SHA1/floor-with-shortcuts", |b| {
        b.iter(|| floor::header_with_shortcuts(&consumer, black_box(&call), &keyed))
    });

    // RSA-SHA1: oauth1-request signs with `rsa` 0.9 (no blinding); ours with `rsa` 0.10 (blinded).
    use oauth::signature_method::rsa_sha1_09::{DecodePrivateKey, RsaPrivateKey, RsaSha1};
    let their_key = RsaPrivateKey::from_pkcs8_pem(KEY_2048).unwrap();
    let rsa_peer = oauth1_request_builder(RsaSha1::new(their_key));
    let rsa_ours = pinned_signer(RsaSha::sha1(key_2048()));
    assert_eq!(
        signature_of(&rsa_peer.get(TYPICAL_BASE, &params)),
        rsa_ours.sign(&typical, &pinned).unwrap().signature()
    );
    g.sample_size(20);
    g.bench_function("RSA-SHA1/bitbucket-oauth", |b| {
        b.iter(|| rsa_ours.sign(black_box(&typical), &pinned).unwrap())
    });
    g.bench_function("RSA-SHA1/oauth1-request", |b| {
        b.iter(|| rsa_peer.get(black_box(TYPICAL_BASE), black_box(&params)))
    });
    g.finish();
}

fn bench_scaling(c: &mut Criterion) {
    let base: Uri = TYPICAL_BASE.parse().unwrap();
    let mut g = c.benchmark_group("scaling");
    for n in [10usize, 100, 1_000, 10_000] {
        let query = query_with(n);
        g.throughput(Throughput::Elements(n as u64));
        if n >= 1_000 {
            g.sample_size(30);
        }
        g.bench_with_input(BenchmarkId::new("base_string", n), &query, |b, q| {
            b.iter(|| {
                let mut p = Parameters::new();
                p.extend_from_query(black_box(q)).unwrap();
                p.push("oauth_consumer_key", CONSUMER_KEY);
                p.push("oauth_nonce", NONCE);
                BaseString::new(&Method::GET, &base, &mut p).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = bench_base_string, bench_methods, bench_header, bench_peers, bench_scaling
}
criterion_main!(benches);
