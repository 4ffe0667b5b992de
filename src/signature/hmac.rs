use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};
use zeroize::Zeroize as _;

use super::{SignError, SignatureMethod, shared_secret_key};
use crate::credentials::ConsumerSecret;

/// The digest of an [`HmacSha`] signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HmacHash {
    /// `HMAC-SHA1` (RFC 5849 §3.4.2).
    Sha1,
    /// `HMAC-SHA256`.
    Sha256,
    /// `HMAC-SHA512`.
    Sha512,
}

/// `HMAC-SHA1` (RFC 5849 §3.4.2) and its SHA-2 extensions: base64 of
/// HMAC(`encode(consumer_secret)&encode(token_secret)`, base string).
///
/// For `HMAC-SHA1` the keyed state (the SHA-1 states after the padded inner and outer key
/// blocks) is computed once for the consumer-only key and kept for the last few token secrets,
/// so that a signature costs only the message's compressions. It is wiped on drop.
pub struct HmacSha {
    consumer_secret: ConsumerSecret,
    hash: HmacHash,
    /// `HMAC-SHA1` only: the keyed state for an empty token secret.
    consumer_only: Option<Sha1Keyed>,
    /// `HMAC-SHA1` only: the keyed states of the last few token secrets.
    cache: TokenCache,
}

/// The same text as the derived `Debug` before the cache existed (the cache is left out).
impl fmt::Debug for HmacSha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HmacSha")
            .field("consumer_secret", &self.consumer_secret)
            .field("hash", &self.hash)
            .finish()
    }
}

impl Clone for HmacSha {
    fn clone(&self) -> Self {
        Self::new(self.hash, self.consumer_secret.clone())
    }
}

impl HmacSha {
    /// An HMAC signer with this digest and consumer secret.
    #[must_use]
    pub fn new(hash: HmacHash, consumer_secret: ConsumerSecret) -> Self {
        let consumer_only = (hash == HmacHash::Sha1).then(|| {
            let mut keyed = None;
            with_shared_secret_key(&consumer_secret, "", |key| {
                keyed = Some(Sha1Keyed::new(key));
            });
            keyed.unwrap_or_else(|| Sha1Keyed::new(b""))
        });
        Self {
            consumer_secret,
            hash,
            consumer_only,
            cache: TokenCache::default(),
        }
    }

    /// The keyed `HMAC-SHA1` state for `token_secret`: precomputed, cached, or computed now
    /// (and cached when the cache is free and the secret short enough).
    fn sha1_keyed(&self, token_secret: &str) -> Sha1Keyed {
        if token_secret.is_empty()
            && let Some(keyed) = &self.consumer_only
        {
            return keyed.clone();
        }
        let packed = pack_secret(token_secret.as_bytes());
        if let Some(packed) = &packed
            && let Some(keyed) = self.cache.get(packed)
        {
            return keyed;
        }
        let mut keyed = None;
        with_shared_secret_key(&self.consumer_secret, token_secret, |key| {
            keyed = Some(Sha1Keyed::new(key));
        });
        let keyed = keyed.unwrap_or_else(|| Sha1Keyed::new(b""));
        if let Some(packed) = &packed {
            self.cache.put(packed, &keyed);
        }
        keyed
    }

    /// `HMAC-SHA1`.
    #[must_use]
    pub fn sha1(consumer_secret: ConsumerSecret) -> Self {
        Self::new(HmacHash::Sha1, consumer_secret)
    }

    pub(crate) fn is_sha1(&self) -> bool {
        self.hash == HmacHash::Sha1
    }

    /// The `HMAC-SHA1` signature of `base` as it goes into an `Authorization` header: the
    /// RFC 5849 §3.6 encoding of its base64 (of what [`SignatureMethod::sign`] appends), in one
    /// pass. `None` unless this is `HMAC-SHA1`. The SHA-1 padding is appended to `base` while
    /// it is hashed (the whole message in one call), then cut off again.
    pub(crate) fn sha1_header_signature(
        &self,
        base: &mut Vec<u8>,
        token_secret: &str,
    ) -> Option<EncodedSignature> {
        if !self.is_sha1() {
            return None;
        }
        let keyed = self.sha1_keyed(token_secret);
        let inner = finish_in_place(keyed.inner, 64, base);
        Some(EncodedSignature::of(&finish_outer(keyed.outer, &inner)))
    }
}

fn mac<M: Mac + KeyInit>(key: &[u8], message: &[u8]) -> M {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = <M as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <M as KeyInit>::new(&Default::default()));
    mac.update(message);
    mac
}

fn compute(hash: HmacHash, key: &[u8], message: &[u8], out: &mut String) {
    match hash {
        HmacHash::Sha1 => {
            let tag = mac::<hmac::Hmac<sha1::Sha1>>(key, message)
                .finalize()
                .into_bytes();
            push_base64(out, &tag);
        }
        HmacHash::Sha256 => {
            let tag = mac::<hmac::Hmac<sha2::Sha256>>(key, message)
                .finalize()
                .into_bytes();
            push_base64(out, &tag);
        }
        HmacHash::Sha512 => {
            let tag = mac::<hmac::Hmac<sha2::Sha512>>(key, message)
                .finalize()
                .into_bytes();
            push_base64(out, &tag);
        }
    }
}

/// Standard padded base64 (RFC 4648 §4) of a short tag (at most 64 bytes), without the general
/// engine's per-call setup; longer input goes to the `base64` crate.
fn push_base64(out: &mut String, bytes: &[u8]) {
    if bytes.len() > 64 {
        STANDARD.encode_string(bytes, out);
        return;
    }
    let mut buf = [0u8; 88];
    let n = base64_into(bytes, &mut buf);
    // Only base64 alphabet bytes were written.
    out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
}

/// The §3.6 encoding of the base64 of a 20-byte tag: 27 base64 characters (`+` and `/`
/// escaped) and the `=` pad, escaped.
pub(crate) struct EncodedSignature {
    text: [u8; 27 * 3 + 3],
    len: usize,
}

impl EncodedSignature {
    fn of(tag: &[u8; 20]) -> Self {
        let mut text = [0u8; 27 * 3 + 3];
        let mut n = 0;
        // A branch per digit: `+` and `/` are 2 of 64, so it is well predicted.
        let mut put = |sextet: u32| {
            let digit = ALPHABET[(sextet & 0x3F) as usize];
            let escape = match digit {
                b'+' => b"%2B",
                b'/' => b"%2F",
                _ => {
                    if let Some(slot) = text.get_mut(n) {
                        *slot = digit;
                    }
                    n += 1;
                    return;
                }
            };
            if let Some(slot) = text.get_mut(n..n + 3) {
                slot.copy_from_slice(escape);
            }
            n += 3;
        };
        // Six full groups of three bytes, then two bytes: 18 + 2 = 20.
        for group in tag.chunks_exact(3) {
            let g = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
            put(g >> 18);
            put(g >> 12);
            put(g >> 6);
            put(g);
        }
        let g = u32::from(tag[18]) << 16 | u32::from(tag[19]) << 8;
        put(g >> 18);
        put(g >> 12);
        put(g >> 6);
        if let Some(slot) = text.get_mut(n..n + 3) {
            slot.copy_from_slice(b"%3D");
        }
        Self { text, len: n + 3 }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.text.get(..self.len).unwrap_or_default()
    }
}

/// The standard base64 alphabet (RFC 4648 §4).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Writes the standard padded base64 of `bytes` (at most 64 of them; more are ignored) into
/// `buf`; returns its length.
fn base64_into(bytes: &[u8], buf: &mut [u8; 88]) -> usize {
    let mut n = 0;
    for (chunk, out) in bytes.chunks(3).zip(buf.chunks_exact_mut(4)) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let group = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let sextet = |shift: u32| ALPHABET[((group >> shift) & 0x3F) as usize];
        out[0] = sextet(18);
        out[1] = sextet(12);
        out[2] = if chunk.len() > 1 { sextet(6) } else { b'=' };
        out[3] = if chunk.len() > 2 { sextet(0) } else { b'=' };
        n += 4;
    }
    n
}

impl SignatureMethod for HmacSha {
    fn name(&self) -> &str {
        match self.hash {
            HmacHash::Sha1 => "HMAC-SHA1",
            HmacHash::Sha256 => "HMAC-SHA256",
            HmacHash::Sha512 => "HMAC-SHA512",
        }
    }

    fn sign(&self, base: &[u8], token_secret: &str, out: &mut String) -> Result<(), SignError> {
        if self.hash == HmacHash::Sha1 {
            let tag = self.sha1_keyed(token_secret).mac(base);
            push_base64(out, &tag);
            return Ok(());
        }
        with_shared_secret_key(&self.consumer_secret, token_secret, |key| {
            compute(self.hash, key, base, out);
        });
        Ok(())
    }
}

/// Calls `f` with the key `encode(consumer_secret)&encode(token_secret)`, built on the stack
/// (and wiped afterwards) when it fits, so that signing does not allocate for it.
fn with_shared_secret_key(
    consumer_secret: &ConsumerSecret,
    token_secret: &str,
    f: impl FnOnce(&[u8]),
) {
    use zeroize::Zeroize as _;

    const STACK: usize = 256;
    let c = consumer_secret.secret().as_bytes();
    let t = token_secret.as_bytes();
    // Encoding at most triples the length.
    if (c.len() + t.len()) * 3 + 1 > STACK {
        let key = shared_secret_key(consumer_secret, token_secret);
        f(key.as_bytes());
        return;
    }
    let mut buf = [0u8; STACK];
    let mut n = write_encoded(&mut buf, 0, c);
    buf[n] = b'&';
    n = write_encoded(&mut buf, n + 1, t);
    f(&buf[..n]);
    buf[..n].zeroize();
}

/// Writes the §3.6 encoding of `input` into `buf` at `at` (the caller checked the room);
/// returns the new end.
fn write_encoded(buf: &mut [u8], mut at: usize, input: &[u8]) -> usize {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if crate::encode::is_all_unreserved(input) {
        if let Some(slots) = buf.get_mut(at..at + input.len()) {
            slots.copy_from_slice(input);
        }
        return at + input.len();
    }
    for &b in input {
        if crate::encode::is_unreserved(b) {
            if let Some(slot) = buf.get_mut(at) {
                *slot = b;
            }
            at += 1;
        } else {
            if let Some(slots) = buf.get_mut(at..at + 3) {
                slots.copy_from_slice(&[
                    b'%',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0x0F)],
                ]);
            }
            at += 3;
        }
    }
    at
}

/// Token secrets up to this length are cached (inline, no allocation).
const CACHED_SECRET_MAX: usize = 64;
/// How many token secrets' keyed states are kept.
const CACHE_SLOTS: usize = 4;

/// The SHA-1 states after the inner (`key ^ 0x36..`) and outer (`key ^ 0x5c..`) key blocks
/// of HMAC-SHA1 (RFC 2104).
#[derive(Clone)]
struct Sha1Keyed {
    inner: [u32; 5],
    outer: [u32; 5],
}

const SHA1_H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

impl Sha1Keyed {
    fn new(key: &[u8]) -> Self {
        use sha1::Digest as _;
        let mut block = [0u8; 64];
        if key.len() > 64 {
            let mut digest = sha1::Sha1::digest(key);
            block[..20].copy_from_slice(&digest);
            digest.as_mut_slice().zeroize();
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut pad = [0u8; 64];
        let mut state = |x: u8| {
            for (p, b) in pad.iter_mut().zip(&block) {
                *p = b ^ x;
            }
            let mut h = SHA1_H0;
            sha1::block_api::compress(&mut h, &[pad]);
            h
        };
        let keyed = Self {
            inner: state(0x36),
            outer: state(0x5c),
        };
        pad.zeroize();
        block.zeroize();
        keyed
    }

    /// HMAC-SHA1 of `message` under this key.
    fn mac(&self, message: &[u8]) -> [u8; 20] {
        let inner = finish(self.inner, 64, message);
        finish_outer(self.outer, &inner)
    }
}

impl Drop for Sha1Keyed {
    fn drop(&mut self) {
        self.inner.zeroize();
        self.outer.zeroize();
    }
}

/// SHA-1 from `state` (which has absorbed `done` bytes, a multiple of 64) over `message`.
fn finish(mut state: [u32; 5], done: u64, message: &[u8]) -> [u8; 20] {
    // Whole blocks straight from the message, without a copy, in one call.
    let (blocks, rest) = message.as_chunks::<64>();
    sha1::block_api::compress(&mut state, blocks);
    let bits = (done + message.len() as u64).wrapping_mul(8).to_be_bytes();
    let mut tail = [[0u8; 64]; 2];
    let flat = tail.as_flattened_mut();
    flat[..rest.len()].copy_from_slice(rest);
    flat[rest.len()] = 0x80;
    let n = if rest.len() < 56 { 1 } else { 2 };
    flat[n * 64 - 8..n * 64].copy_from_slice(&bits);
    sha1::block_api::compress(&mut state, &tail[..n]);
    digest(state)
}

/// [`finish`] over a message with room to grow: its padding is appended, the padded message
/// hashed in one call, and the padding cut off again.
fn finish_in_place(mut state: [u32; 5], done: u64, message: &mut Vec<u8>) -> [u8; 20] {
    const ZEROS: [u8; 64] = [0; 64];
    let len = message.len();
    let bits = (done + len as u64).wrapping_mul(8).to_be_bytes();
    // 0x80, zeros up to 56 mod 64, the bit length.
    let zeros = (64 + 55 - len % 64) % 64;
    message.push(0x80);
    message.extend_from_slice(&ZEROS[..zeros]);
    message.extend_from_slice(&bits);
    let (blocks, _) = message.as_chunks::<64>();
    sha1::block_api::compress(&mut state, blocks);
    message.truncate(len);
    digest(state)
}

/// [`finish`] of the outer hash: the inner digest after the outer key block, one block.
fn finish_outer(mut state: [u32; 5], inner: &[u8; 20]) -> [u8; 20] {
    let mut block = [0u8; 64];
    block[..20].copy_from_slice(inner);
    block[20] = 0x80;
    // (64 + 20) bytes, in bits.
    block[56..].copy_from_slice(&((64u64 + 20) * 8).to_be_bytes());
    sha1::block_api::compress(&mut state, &[block]);
    digest(state)
}

/// The SHA-1 digest of a final state.
fn digest(state: [u32; 5]) -> [u8; 20] {
    let mut out = [0u8; 20];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// A token secret packed into words: its length, then its bytes, zero-padded.
type Packed = [u64; 1 + CACHED_SECRET_MAX / 8];

fn pack_secret(secret: &[u8]) -> Option<Packed> {
    if secret.len() > CACHED_SECRET_MAX {
        return None;
    }
    let mut packed = [0u64; 1 + CACHED_SECRET_MAX / 8];
    packed[0] = secret.len() as u64;
    for (word, bytes) in packed[1..].iter_mut().zip(secret.chunks(8)) {
        let mut b = [0u8; 8];
        b[..bytes.len()].copy_from_slice(bytes);
        *word = u64::from_le_bytes(b);
    }
    Some(packed)
}

/// One cached token secret and its keyed state, guarded by a sequence counter (odd while
/// being written). Readers and writers never wait: a reader that sees a write in progress, or
/// a writer that finds another writer, simply computes the state again.
#[derive(Default)]
struct Slot {
    seq: AtomicU64,
    secret: [AtomicU64; 1 + CACHED_SECRET_MAX / 8],
    state: [AtomicU32; 10],
}

impl Slot {
    fn get(&self, packed: &Packed) -> Option<Sha1Keyed> {
        let seq = self.seq.load(Ordering::Acquire);
        if seq == 0 || seq % 2 == 1 {
            return None;
        }
        let mut same = true;
        for (word, want) in self.secret.iter().zip(packed) {
            same &= word.load(Ordering::Relaxed) == *want;
        }
        let mut keyed = Sha1Keyed {
            inner: [0; 5],
            outer: [0; 5],
        };
        for (i, word) in self.state.iter().enumerate() {
            let w = word.load(Ordering::Relaxed);
            if i < 5 {
                keyed.inner[i] = w;
            } else {
                keyed.outer[i - 5] = w;
            }
        }
        fence(Ordering::Acquire);
        (same && self.seq.load(Ordering::Relaxed) == seq).then_some(keyed)
    }

    fn put(&self, packed: &Packed, keyed: &Sha1Keyed) -> bool {
        let seq = self.seq.load(Ordering::Relaxed);
        if seq % 2 == 1
            || self
                .seq
                .compare_exchange(seq, seq + 1, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
        {
            return false;
        }
        fence(Ordering::Release);
        for (word, value) in self.secret.iter().zip(packed) {
            word.store(*value, Ordering::Relaxed);
        }
        for (word, value) in self
            .state
            .iter()
            .zip(keyed.inner.iter().chain(&keyed.outer))
        {
            word.store(*value, Ordering::Relaxed);
        }
        self.seq.store(seq + 2, Ordering::Release);
        true
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        for word in &mut self.secret {
            word.get_mut().zeroize();
        }
        for word in &mut self.state {
            word.get_mut().zeroize();
        }
    }
}

/// The keyed states of the last few token secrets, replaced round-robin.
#[derive(Default)]
struct TokenCache {
    slots: [Slot; CACHE_SLOTS],
    next: AtomicU32,
}

impl TokenCache {
    fn get(&self, packed: &Packed) -> Option<Sha1Keyed> {
        self.slots.iter().find_map(|slot| slot.get(packed))
    }

    fn put(&self, packed: &Packed, keyed: &Sha1Keyed) {
        let i = self.next.fetch_add(1, Ordering::Relaxed) as usize % CACHE_SLOTS;
        if let Some(slot) = self.slots.get(i) {
            slot.put(packed, keyed);
        }
    }
}

pub(super) fn verify(
    hash: HmacHash,
    consumer_secret: &ConsumerSecret,
    token_secret: &str,
    base: &[u8],
    signature: &str,
) -> bool {
    let key = shared_secret_key(consumer_secret, token_secret);
    let mut expected = String::new();
    if hash == HmacHash::Sha1 {
        push_base64(&mut expected, &Sha1Keyed::new(key.as_bytes()).mac(base));
    } else {
        compute(hash, key.as_bytes(), base, &mut expected);
    }
    super::constant_time_eq(expected.as_bytes(), signature.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Padding in place hashes exactly what the copying `finish` hashes, and leaves the
    /// message as it was; the one-block outer finish is `finish` of 20 bytes.
    #[test]
    fn finish_in_place_matches_finish() {
        let digest: [u8; 20] = std::array::from_fn(|i| i as u8 * 13);
        assert_eq!(
            finish_outer([9, 8, 7, 6, 5], &digest),
            finish([9, 8, 7, 6, 5], 64, &digest)
        );
        let data: Vec<u8> = (0..=255u8).cycle().take(400).collect();
        for len in 0..=200 {
            let mut message = data[..len].to_vec();
            let state = [1, 2, 3, 4, 5];
            assert_eq!(
                finish_in_place(state, 64, &mut message),
                finish(state, 64, &data[..len]),
                "{len}"
            );
            assert_eq!(message, &data[..len]);
        }
        let hmac = HmacSha::sha1(ConsumerSecret::new("cs"));
        let mut base = b"GET&x&y".to_vec();
        let mut expected = String::new();
        hmac.sign(&base.clone(), "ts", &mut expected).unwrap();
        assert_eq!(
            hmac.sha1_header_signature(&mut base, "ts")
                .unwrap()
                .as_bytes(),
            crate::encode::encode(&expected).as_bytes()
        );
        assert_eq!(base, b"GET&x&y");
        let sha256 = HmacSha::new(HmacHash::Sha256, ConsumerSecret::new("cs"));
        assert!(sha256.sha1_header_signature(&mut base, "ts").is_none());
    }

    /// The one-pass encoded base64 of a tag is the encoding of its base64, for tags made of
    /// every sextet value (so every digit, `+` and `/` among them) and random ones.
    #[test]
    fn encoded_signature_is_the_encoding_of_the_base64() {
        let mut tags: Vec<[u8; 20]> = vec![[0; 20], [0xFF; 20], [0xFB; 20], [0x3E; 20]];
        for start in 0..=255u8 {
            tags.push(std::array::from_fn(|i| {
                start.wrapping_add((i as u8).wrapping_mul(37))
            }));
        }
        for tag in tags {
            let base64 = STANDARD.encode(tag);
            assert_eq!(
                EncodedSignature::of(&tag).as_bytes(),
                crate::encode::encode(&base64).as_bytes(),
                "{base64}"
            );
        }
    }

    /// The hand-rolled HMAC-SHA1 agrees with the `hmac` crate on every key and message length
    /// around the block and padding boundaries, including keys longer than a block.
    #[test]
    fn keyed_sha1_matches_the_hmac_crate() {
        let data: Vec<u8> = (0..=255u8).cycle().take(400).collect();
        for key_len in [0, 1, 19, 20, 55, 56, 63, 64, 65, 100, 130] {
            let key = &data[7..7 + key_len];
            let keyed = Sha1Keyed::new(key);
            for msg_len in (0..=200).chain([255, 256, 330, 383]) {
                let msg = &data[msg_len % 3..msg_len % 3 + msg_len];
                let expected = mac::<hmac::Hmac<sha1::Sha1>>(key, msg)
                    .finalize()
                    .into_bytes();
                assert_eq!(
                    keyed.mac(msg)[..],
                    expected[..],
                    "key {key_len} msg {msg_len}"
                );
            }
        }
    }

    /// RFC 2202 test case 2 (`Jefe`), through the cache: the same token secret twice, more
    /// token secrets than slots, a secret too long to cache, and the consumer-only state.
    #[test]
    fn cached_states_give_the_same_signatures() {
        let signer = HmacSha::sha1(ConsumerSecret::new("Jefe"));
        let uncached = |secret: &str| {
            let key = super::super::shared_secret_key(&ConsumerSecret::new("Jefe"), secret);
            let mut s = String::new();
            compute(
                HmacHash::Sha1,
                key.as_bytes(),
                b"what do ya want for nothing?",
                &mut s,
            );
            s
        };
        let long = "x".repeat(CACHED_SECRET_MAX + 1);
        let secrets = [
            "",
            "a",
            "b c",
            "a",
            "d",
            "e",
            "f",
            "a",
            "",
            long.as_str(),
            long.as_str(),
        ];
        for _ in 0..2 {
            for secret in secrets {
                let mut out = String::new();
                signer
                    .sign(b"what do ya want for nothing?", secret, &mut out)
                    .unwrap();
                assert_eq!(out, uncached(secret), "{secret:?}");
            }
        }
        // HMAC-SHA1(key = "Jefe&", ...) computed independently: `printf %s 'what do ya want for
        // nothing?' | openssl dgst -sha1 -hmac 'Jefe&' -binary | base64`.
        let mut out = String::new();
        signer
            .sign(b"what do ya want for nothing?", "", &mut out)
            .unwrap();
        assert_eq!(out, "/k0g9aDVnhS67tsWyuxJqU4jDC0=");
    }

    #[test]
    fn short_base64_matches_the_base64_crate() {
        let data: Vec<u8> = (0..=255u8).rev().chain(0..=255u8).collect();
        for len in 0..=70 {
            for start in [0, 1, 100, 300] {
                let input = &data[start..start + len];
                let mut ours = String::from("x");
                push_base64(&mut ours, input);
                assert_eq!(ours[1..], STANDARD.encode(input), "len {len} start {start}");
            }
        }
    }
}
