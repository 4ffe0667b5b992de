use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

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
#[derive(Debug, Clone)]
pub struct HmacSha {
    consumer_secret: ConsumerSecret,
    hash: HmacHash,
}

impl HmacSha {
    /// An HMAC signer with this digest and consumer secret.
    #[must_use]
    pub fn new(hash: HmacHash, consumer_secret: ConsumerSecret) -> Self {
        Self {
            consumer_secret,
            hash,
        }
    }

    /// `HMAC-SHA1`.
    #[must_use]
    pub fn sha1(consumer_secret: ConsumerSecret) -> Self {
        Self::new(HmacHash::Sha1, consumer_secret)
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
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut buf = [0u8; 88];
    if bytes.len() > 64 {
        STANDARD.encode_string(bytes, out);
        return;
    }
    let mut n = 0;
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let group = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let sextet = |shift: u32| ALPHABET[((group >> shift) & 0x3F) as usize];
        buf[n] = sextet(18);
        buf[n + 1] = sextet(12);
        buf[n + 2] = if chunk.len() > 1 { sextet(6) } else { b'=' };
        buf[n + 3] = if chunk.len() > 2 { sextet(0) } else { b'=' };
        n += 4;
    }
    // Only base64 alphabet bytes were written.
    out.push_str(std::str::from_utf8(&buf[..n]).unwrap_or_default());
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

pub(super) fn verify(
    hash: HmacHash,
    consumer_secret: &ConsumerSecret,
    token_secret: &str,
    base: &[u8],
    signature: &str,
) -> bool {
    let key = shared_secret_key(consumer_secret, token_secret);
    let mut expected = String::new();
    compute(hash, key.as_bytes(), base, &mut expected);
    super::constant_time_eq(expected.as_bytes(), signature.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

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
