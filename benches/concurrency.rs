//! One `Signer` shared by every thread: throughput with 1 and 2 threads.
//!
//! Each sample signs `iters` requests in total, split evenly across the threads, and reports the
//! wall time per signature; the 1-thread / 2-thread ratio is the speedup
//! (`scripts/bench_reference.sh` prints it). A lock or per-call key parsing on the hot path would
//! show here as a speedup well under 2.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bitbucket_oauth::signature::{HmacSha, RsaSha};
use bitbucket_oauth::{Access, ConsumerSecret, SignOptions, Signer, Token, TokenSecret};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use common::*;

/// Signs `iters` requests with `threads` threads; `authorize`: the header-only path.
fn run(signer: &Signer, authorize: bool, threads: usize, iters: u64) -> Duration {
    let request = typical_request();
    let token = Token::<Access>::new(TOKEN, TokenSecret::new(TOKEN_SECRET));
    let per_thread = iters.div_ceil(threads as u64);
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let opts = SignOptions::new()
                    .token(token.as_token_ref())
                    .nonce(NONCE)
                    .timestamp(TIMESTAMP);
                for _ in 0..per_thread {
                    if authorize {
                        black_box(signer.authorization_header(black_box(&request), &opts).unwrap());
                    } else {
                        black_box(signer.sign(black_box(&request), &opts).unwrap());
                    }
                }
            });
        }
    });
    // Normalize to exactly `iters` signatures.
    start
        .elapsed()
        .mul_f64(iters as f64 / (per_thread * threads as u64) as f64)
}

fn bench_concurrency(c: &mut Criterion) {
    let key = key_2048();
    let hmac = pinned_signer(HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)));
    // Extended below when the `openssl` feature is on.
    #[cfg_attr(not(feature = "openssl"), allow(unused_mut))]
    let mut signers: Vec<(&str, Signer)> = vec![
        ("HMAC-SHA1", hmac.clone()),
        ("HMAC-SHA1-authorize", hmac),
        ("RSA-SHA1", pinned_signer(RsaSha::sha1(key.clone()))),
    ];
    #[cfg(feature = "openssl")]
    signers.push((
        "RSA-SHA1-openssl",
        pinned_signer(bitbucket_oauth::signature::OpenSslRsaSha::sha1(&key).unwrap()),
    ));
    let mut g = c.benchmark_group("concurrency");
    g.throughput(Throughput::Elements(1));
    for (name, signer) in &signers {
        g.sample_size(if name.starts_with("RSA") { 20 } else { 50 });
        for threads in [1usize, 2] {
            g.bench_with_input(BenchmarkId::new(*name, threads), &threads, |b, &t| {
                b.iter_custom(|iters| run(signer, name.ends_with("authorize"), t, iters))
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = criterion_config();
    targets = bench_concurrency
}
criterion_main!(benches);
