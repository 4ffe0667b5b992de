//! Paired measurements of the ratios the performance targets are stated in.
//!
//! A criterion bench measures one function at a time, and two benches run minutes apart on a
//! host whose speed drifts (a shared virtual machine's does, by a fifth or more within a run)
//! give a ratio that measures the drift as much as the code. Here the two sides of each ratio
//! alternate in short rounds, the order flipping every round, so that a drift slows both alike;
//! the median of the per-round ratios is reported with its spread.
//!
//! `scripts/bench_reference.sh` runs this after the criterion benches and judges the targets by
//! these ratios. Each result is one line on stdout, `paired {json}`; a readable summary goes to
//! stderr. `PAIRED_FILTER=rsa cargo bench --bench paired` runs only the pairs whose name
//! contains `rsa` (ignoring case); command-line arguments are ignored.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod floor;

use std::hint::black_box;
use std::time::{Duration, Instant};

use bitbucket_oauth::signature::{HmacSha, RsaSha};
use bitbucket_oauth::{Access, ConsumerSecret, SignOptions, Token, TokenSecret};
use sha1::Digest as _;

use common::*;

/// One side of a pair: runs `n` calls and returns how long they took.
type Side<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// Times `n` calls of `f`.
fn timed<T>(mut f: impl FnMut() -> T) -> impl FnMut(u64) -> Duration {
    move |n| {
        let start = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        start.elapsed()
    }
}

/// How many calls of `side` take about `round`.
fn calls_per(round: Duration, side: &mut Side<'_>) -> u64 {
    side(3); // warm up
    let mut n = 1;
    loop {
        let t = side(n);
        if t >= round / 4 || n >= 1 << 30 {
            let per_call = t.as_secs_f64() / n as f64;
            return ((round.as_secs_f64() / per_call) as u64).max(1);
        }
        n *= 4;
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Measures `reference` time / `ours` time per call, in `rounds` alternating rounds of about
/// `round` each side; `reference_calls` fixes the reference side's calls per round instead.
fn pair(
    name: &str,
    what: &str,
    rounds: usize,
    round: Duration,
    mut ours: Side<'_>,
    mut reference: Side<'_>,
    reference_calls: Option<u64>,
) {
    let filter = std::env::var("PAIRED_FILTER").unwrap_or_default();
    if !name.to_lowercase().contains(&filter.to_lowercase()) {
        return;
    }
    let n_ours = calls_per(round, &mut ours);
    let n_ref = reference_calls.unwrap_or_else(|| calls_per(round, &mut reference));
    let (mut ratios, mut ours_ns, mut ref_ns) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..rounds {
        let (a, b) = if r % 2 == 0 {
            let a = ours(n_ours);
            (a, reference(n_ref))
        } else {
            let b = reference(n_ref);
            (ours(n_ours), b)
        };
        let a = a.as_secs_f64() * 1e9 / n_ours as f64;
        let b = b.as_secs_f64() * 1e9 / n_ref as f64;
        ratios.push(b / a);
        ours_ns.push(a);
        ref_ns.push(b);
    }
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
    let ratio = median(&mut ratios);
    let (ours_ns, ref_ns) = (median(&mut ours_ns), median(&mut ref_ns));
    eprintln!(
        "{name}: {what}: {ratio:.2}x (rounds {lo:.2}x..{hi:.2}x; {ours_ns:.0} ns vs {ref_ns:.0} ns)"
    );
    println!(
        "paired {{\"name\":\"{name}\",\"ratio\":{ratio},\"min\":{lo},\"max\":{hi},\
         \"ours_ns\":{ours_ns},\"reference_ns\":{ref_ns},\"rounds\":{rounds}}}"
    );
}

fn main() {
    let hmac_round = Duration::from_millis(20);
    let typical = typical_request();
    let token = Token::<Access>::new(TOKEN, TokenSecret::new(TOKEN_SECRET));
    let pinned = SignOptions::new()
        .token(token.as_token_ref())
        .nonce(NONCE)
        .timestamp(TIMESTAMP);
    let ours = pinned_signer(HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)));
    let peer = oauth1_request_builder(oauth1_request::HmacSha1::new());
    let params = oauth1_request::ParameterList::new(TYPICAL_QUERY);
    let peer_header = || peer.get(black_box(TYPICAL_BASE), black_box(&params));
    assert_eq!(
        signature_of(&peer_header()),
        ours.sign(&typical, &pinned).unwrap().signature()
    );

    // Each HMAC-SHA1 side against oauth1-request on the same request.
    let against_oauth1_request = |name: &str, what: &str, ours: Side<'_>| {
        let what = format!("oauth1-request time / {what}");
        pair(
            name,
            &what,
            61,
            hmac_round,
            ours,
            Box::new(timed(peer_header)),
            None,
        );
    };
    against_oauth1_request(
        "hmac-sha1-authorization-header",
        "`Signer::authorization_header` time",
        Box::new(timed(|| {
            ours.authorization_header(black_box(&typical), &pinned)
                .unwrap()
        })),
    );
    against_oauth1_request(
        "hmac-sha1-sign",
        "`Signer::sign` time",
        Box::new(timed(|| ours.sign(black_box(&typical), &pinned).unwrap())),
    );

    let (consumer, uri) = floor::typical();
    let call = floor::typical_call(&uri);
    let keyed = floor::keyed(&consumer, TOKEN_SECRET);
    floor::assert_same_bytes(
        &consumer,
        &call,
        &keyed,
        &ours.sign(&typical, &pinned).unwrap(),
    );
    against_oauth1_request(
        "floor",
        "the floor's time",
        Box::new(timed(|| floor::header(&consumer, black_box(&call)))),
    );
    against_oauth1_request(
        "floor-keeping-base-string",
        "the floor's, keeping the base string",
        Box::new(timed(|| {
            floor::header_and_base_string(&consumer, black_box(&call))
        })),
    );
    against_oauth1_request(
        "floor-with-shortcuts",
        "the floor's, with the shortcuts ruled out",
        Box::new(timed(|| {
            floor::header_with_shortcuts(&consumer, black_box(&call), &keyed)
        })),
    );

    // RSA-SHA1: the signed header against the raw signature it wraps.
    let key = key_2048();
    let rsa = pinned_signer(RsaSha::sha1(key.clone()));
    let base = rsa
        .sign(&typical, &pinned)
        .unwrap()
        .base_string()
        .unredacted()
        .to_owned();
    pair(
        "rsa-backend",
        "raw rsa signature time / RSA-SHA1 signed header time (rate ratio)",
        61,
        Duration::from_millis(100),
        Box::new(timed(|| rsa.sign(black_box(&typical), &pinned).unwrap())),
        Box::new(timed(|| {
            let digest = sha1::Sha1::digest(black_box(base.as_bytes()));
            key.as_rsa()
                .sign_with_rng(
                    &mut rand::rngs::SysRng,
                    rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    &digest,
                )
                .unwrap()
        })),
        None,
    );

    #[cfg(feature = "openssl")]
    {
        use rsa::pkcs8::EncodePrivateKey as _;
        let ossl = pinned_signer(bitbucket_oauth::signature::OpenSslRsaSha::sha1(&key).unwrap());
        let der = key.as_rsa().to_pkcs8_der().unwrap();
        let pkey = openssl::pkey::PKey::private_key_from_pkcs8(der.as_bytes()).unwrap();
        pair(
            "openssl-backend",
            "raw openssl::sign::Signer time / RSA-SHA1 signed header time, openssl backend",
            41,
            Duration::from_millis(100),
            Box::new(timed(|| ossl.sign(black_box(&typical), &pinned).unwrap())),
            Box::new(timed(|| {
                let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha1(), &pkey)
                    .unwrap();
                s.sign_oneshot_to_vec(black_box(base.as_bytes())).unwrap()
            })),
            None,
        );
        // `openssl speed -elapsed -seconds 1 rsa2048` as the reference side: one run of it per
        // round, which reports its time per signature.
        pair(
            "openssl-speed",
            "`openssl speed -elapsed rsa2048` time per signature / openssl backend time",
            15,
            Duration::from_secs(1),
            Box::new(timed(|| ossl.sign(black_box(&typical), &pinned).unwrap())),
            Box::new(|n| openssl_speed_per_sign() * u32::try_from(n).unwrap()),
            Some(1),
        );
    }
}

/// One second of `openssl speed -elapsed -seconds 1 rsa2048`: the time per signature it reports.
#[cfg(feature = "openssl")]
fn openssl_speed_per_sign() -> Duration {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-elapsed", "-seconds", "1", "rsa2048"])
        .output()
        .expect("`openssl speed` runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("rsa 2048 bits"))
        .expect("`openssl speed` prints an `rsa 2048 bits` line");
    // rsa 2048 bits 0.000266s 0.000008s   3754.4  125000.0
    let per_sign: f64 = line
        .split_whitespace()
        .nth(3)
        .and_then(|s| s.trim_end_matches('s').parse().ok())
        .expect("`openssl speed` prints the time per signature");
    Duration::from_secs_f64(per_sign)
}
