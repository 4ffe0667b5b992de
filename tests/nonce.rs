#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The default nonce source through its public contract: 24 characters of `[0-9A-Za-z]`, never
//! repeated, uniform over the 62 characters, from any thread, even while a thread exits.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread;

use bitbucket_oauth::clock::{NonceSource, RandomNonce};

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn nonce() -> String {
    let mut out = String::new();
    RandomNonce.fill_nonce(&mut out).unwrap();
    out
}

fn assert_well_formed(n: &str) {
    assert_eq!(n.len(), RandomNonce::LEN, "{n:?}");
    assert!(n.bytes().all(|c| c.is_ascii_alphanumeric()), "{n:?}");
}

#[test]
fn nonces_are_24_alphanumeric_characters_appended_to_the_buffer() {
    assert_eq!(RandomNonce::LEN, 24);
    for _ in 0..1000 {
        assert_well_formed(&nonce());
    }
    let mut out = String::from("kept:");
    RandomNonce.fill_nonce(&mut out).unwrap();
    assert!(out.starts_with("kept:"));
    assert_well_formed(&out["kept:".len()..]);
}

#[test]
fn a_hundred_thousand_nonces_from_one_thread_are_distinct() {
    let mut seen = HashSet::with_capacity(100_000);
    for _ in 0..100_000 {
        let n = nonce();
        assert_well_formed(&n);
        assert!(seen.insert(n), "a nonce repeated");
    }
}

#[test]
fn nonces_from_several_threads_are_distinct() {
    let threads: Vec<_> = (0..4)
        .map(|_| thread::spawn(|| (0..25_000).map(|_| nonce()).collect::<Vec<_>>()))
        .collect();
    let mut seen = HashSet::with_capacity(100_000);
    for t in threads {
        for n in t.join().unwrap() {
            assert_well_formed(&n);
            assert!(seen.insert(n), "a nonce repeated across threads");
        }
    }
    assert_eq!(seen.len(), 100_000);
}

/// Pearson's chi-square statistic of `counts` against the uniform distribution.
fn chi_square(counts: &[u64; 62]) -> f64 {
    let total: u64 = counts.iter().sum();
    let expected = total as f64 / 62.0;
    counts
        .iter()
        .map(|&c| (c as f64 - expected).powi(2) / expected)
        .sum()
}

fn index_of(c: u8) -> usize {
    ALPHABET.iter().position(|&a| a == c).unwrap()
}

/// With 61 degrees of freedom, P(chi-square > 150) = 1.9e-9 (regularized upper incomplete
/// gamma Q(30.5, 75), computed with mpmath): the chance that this test fails on a correct
/// generator. The per-position checks use the same threshold, 25 checks in all: below 5e-8.
const THRESHOLD: f64 = 150.0;
const NONCES: usize = 200_000;

#[test]
fn characters_are_uniform_over_the_alphabet() {
    let mut overall = [0u64; 62];
    let mut by_position = [[0u64; 62]; RandomNonce::LEN];
    for _ in 0..NONCES {
        for (pos, c) in nonce().bytes().enumerate() {
            let i = index_of(c);
            overall[i] += 1;
            by_position[pos][i] += 1;
        }
    }
    let stat = chi_square(&overall);
    println!("chi-square over {} characters: {stat:.1}", NONCES * 24);
    assert!(stat < THRESHOLD, "chi-square {stat:.1} >= {THRESHOLD}");
    for (pos, counts) in by_position.iter().enumerate() {
        let stat = chi_square(counts);
        assert!(stat < THRESHOLD, "position {pos}: chi-square {stat:.1}");
    }
}

/// The test above has teeth: the same count of characters made with `b % 62` and no rejection
/// (bytes 248-255 fold onto the first eight characters, which then come 5/4 as often) scores
/// about 31,600, far over the threshold.
#[test]
fn the_uniformity_check_catches_modulo_bias() {
    let mut counts = [0u64; 62];
    let mut bytes = vec![0u8; NONCES * 24];
    rand::TryRng::try_fill_bytes(&mut rand::rngs::SysRng, &mut bytes).unwrap();
    for b in bytes {
        counts[usize::from(b % 62)] += 1;
    }
    let stat = chi_square(&counts);
    println!("chi-square of the biased generator: {stat:.1}");
    assert!(stat > 20.0 * THRESHOLD, "chi-square {stat:.1}");
}

/// A thread-local destructor may sign a last request while its thread exits, when the nonce
/// source's own thread-local state may be gone already: the nonce then comes straight from the
/// operating system, and nothing panics (a panic in a thread-local destructor aborts the
/// process, which fails this test binary).
#[test]
fn a_nonce_can_be_made_while_the_thread_exits() {
    struct SignsOnExit(mpsc::Sender<String>);
    impl Drop for SignsOnExit {
        fn drop(&mut self) {
            let mut out = String::new();
            RandomNonce.fill_nonce(&mut out).unwrap();
            self.0.send(out).unwrap();
        }
    }
    thread_local! {
        static LAST_WORDS: std::cell::RefCell<Option<SignsOnExit>> =
            const { std::cell::RefCell::new(None) };
    }
    let (tx, rx) = mpsc::channel();
    let mut from_threads = Vec::new();
    for order in 0..4 {
        let tx = tx.clone();
        from_threads.push(thread::spawn(move || {
            // Register the two thread-locals in either order: their destructors run in an
            // unspecified order, so both paths are likely exercised over the four threads.
            if order % 2 == 0 {
                LAST_WORDS.with(|w| *w.borrow_mut() = Some(SignsOnExit(tx)));
                nonce()
            } else {
                let n = nonce();
                LAST_WORDS.with(|w| *w.borrow_mut() = Some(SignsOnExit(tx)));
                n
            }
        }));
    }
    drop(tx);
    let mut seen = HashSet::new();
    for t in from_threads {
        let n = t.join().unwrap();
        assert_well_formed(&n);
        assert!(seen.insert(n));
    }
    let last: Vec<String> = rx.iter().collect();
    assert_eq!(last.len(), 4);
    for n in last {
        assert_well_formed(&n);
        assert!(seen.insert(n));
    }
}
