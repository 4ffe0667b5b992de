//! Hardware references measured in the same run as the signing benches: the raw primitives our
//! signature methods wrap, over the very base string of the typical request.
//!
//! - `reference/raw-hmac-sha1`: `Hmac<Sha1>` keyed with `enc(cs)&enc(ts)`, over the base string;
//! - `reference/raw-hmac-sha1+base64`: the same plus the base64 of the tag;
//! - `reference/raw-rsa-sha1`: the `rsa` 0.10 crate's blinded PKCS#1 v1.5 signature of the SHA-1
//!   digest, exactly what `RsaSha` calls;
//! - `reference/raw-openssl-rsa-sha1` (feature `openssl`): `openssl::sign::Signer`, SHA-1, RSA-2048.
//!
//! `scripts/bench_reference.sh` puts these beside `openssl speed rsa2048` and prints the ratios.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;

use base64::Engine as _;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{Access, ConsumerSecret, SignOptions, Token, TokenSecret};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use sha1::Digest as _;

use common::*;

fn typical_base_string() -> String {
    let token = Token::<Access>::new(TOKEN, TokenSecret::new(TOKEN_SECRET));
    let opts = SignOptions::new()
        .token(token.as_token_ref())
        .nonce(NONCE)
        .timestamp(TIMESTAMP);
    pinned_signer(HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)))
        .sign(&typical_request(), &opts)
        .unwrap()
        .base_string()
        .unredacted()
        .to_owned()
}

fn bench_reference(c: &mut Criterion) {
    let base = typical_base_string();
    let key = format!(
        "{}&{}",
        bitbucket_oauth::rfc5849::encode(CONSUMER_SECRET),
        bitbucket_oauth::rfc5849::encode(TOKEN_SECRET)
    );
    let mut g = c.benchmark_group("reference");
    g.bench_function("raw-hmac-sha1", |b| {
        b.iter(|| {
            let mut mac =
                hmac::Hmac::<sha1::Sha1>::new_from_slice(black_box(key.as_bytes())).unwrap();
            mac.update(black_box(base.as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    g.bench_function("raw-hmac-sha1+base64", |b| {
        let mut out = String::with_capacity(32);
        b.iter(|| {
            let mut mac =
                hmac::Hmac::<sha1::Sha1>::new_from_slice(black_box(key.as_bytes())).unwrap();
            mac.update(black_box(base.as_bytes()));
            out.clear();
            base64::engine::general_purpose::STANDARD
                .encode_string(mac.finalize().into_bytes(), &mut out);
            black_box(out.len())
        })
    });

    let rsa_key = key_2048();
    g.sample_size(20);
    g.bench_function("raw-rsa-sha1", |b| {
        b.iter(|| {
            let digest = sha1::Sha1::digest(black_box(base.as_bytes()));
            rsa_key
                .as_rsa()
                .sign_with_rng(
                    &mut rand::rngs::SysRng,
                    rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    &digest,
                )
                .unwrap()
        })
    });
    #[cfg(feature = "openssl")]
    {
        use rsa::pkcs8::EncodePrivateKey as _;
        let der = rsa_key.as_rsa().to_pkcs8_der().unwrap();
        let pkey = openssl::pkey::PKey::private_key_from_pkcs8(der.as_bytes()).unwrap();
        g.bench_function("raw-openssl-rsa-sha1", |b| {
            b.iter(|| {
                let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha1(), &pkey)
                    .unwrap();
                s.sign_oneshot_to_vec(black_box(base.as_bytes())).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = bench_reference
}
criterion_main!(benches);
