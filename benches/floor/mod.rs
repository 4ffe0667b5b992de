//! The floor: the least work an HMAC-SHA1 signer built on this crate's libraries must do for the
//! typical request, measured beside oauth1-request so that the speed targets can be judged
//! against what is reachable at all.
//!
//! This is a measuring stick, not a signer: it handles one request shape (a GET whose query is
//! already in canonical §3.6 form, an access token, `oauth_version`), checks nothing, and the
//! benches assert that it writes the same header bytes as `Signer::authorization_header`.
//!
//! [`header`] follows the rules issue 10 sets for the crate:
//! - the HMAC comes from the `hmac` crate, keyed for each call with `enc(cs)&enc(ts)`;
//! - every per-call value that may need encoding goes through `percent-encoding`'s encoder, once
//!   for the header and again for the base string's outer encoding;
//! - base64 comes from `base64`, and the header is an `http::HeaderValue`.
//!
//! Beyond those rules it takes every shortcut a one-request signer can: constant text (parameter
//! names, separators, the consumer key, the method name) is written pre-encoded; the protocol
//! parameters are written in pre-sorted order and merged with the sorted query; the signing key,
//! the encoded values, the base string and the header are written to buffers on the stack (the
//! base string reaches the MAC in one call), so that the one allocation is the header value's
//! own; the timestamp is written as digits without the encoder; nothing is kept. (The `hmac`
//! crate's `zeroize` feature, which this crate enables, wipes the MAC state when it is dropped;
//! nothing else is wiped.) [`header_and_base_string`] keeps the base string, as `Signer::sign`
//! does: it is written to a `String` and the MAC reads it from there.
//!
//! [`header_with_shortcuts`] also takes the two shortcuts issue 10 rules out for a general
//! signer: it reuses an HMAC state keyed once with the token secret (a cache that outlives the
//! call), and it skips the encoder for text that is all unreserved characters.
#![allow(dead_code)]

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// RFC 5849 §3.6: everything but ALPHA, DIGIT, `-`, `.`, `_` and `~` is escaped.
const RFC5849: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a signer knows before any call: the consumer key and secret, encoded.
pub struct Consumer {
    pub key_encoded: String,
    pub secret_encoded: String,
}

impl Consumer {
    pub fn new(key: &str, secret: &str) -> Self {
        let mut key_encoded = String::new();
        let mut secret_encoded = String::new();
        encode(&mut key_encoded, key, false);
        encode(&mut secret_encoded, secret, false);
        Self {
            key_encoded,
            secret_encoded,
        }
    }
}

/// The per-call inputs.
pub struct Call<'a> {
    pub uri: &'a http::Uri,
    pub token: &'a str,
    pub token_secret: &'a str,
    pub nonce: &'a str,
    pub timestamp: u64,
}

/// The consumer and URI of the benches' typical request.
pub fn typical() -> (Consumer, http::Uri) {
    (
        Consumer::new(super::common::CONSUMER_KEY, super::common::CONSUMER_SECRET),
        super::common::TYPICAL_URI.parse().unwrap(),
    )
}

/// The typical request's call, with the benches' token, nonce and timestamp.
pub fn typical_call(uri: &http::Uri) -> Call<'_> {
    Call {
        uri,
        token: super::common::TOKEN,
        token_secret: super::common::TOKEN_SECRET,
        nonce: super::common::NONCE,
        timestamp: super::common::TIMESTAMP,
    }
}

/// Where the encoder's output goes: a `String`, or a buffer on the stack.
trait Sink {
    fn put(&mut self, bytes: &str);
}

impl Sink for String {
    fn put(&mut self, bytes: &str) {
        self.push_str(bytes);
    }
}

/// A buffer on the stack, so that the floor allocates nothing but the header value.
struct Stack<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Stack<N> {
    fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap()
    }

    /// Appends the decimal digits of `n` (digits need no encoding).
    fn put_decimal(&mut self, n: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put(std::str::from_utf8(&digits[at..]).unwrap());
    }
}

impl<const N: usize> Sink for Stack<N> {
    fn put(&mut self, text: &str) {
        let end = self.len + text.len();
        self.bytes[self.len..end].copy_from_slice(text.as_bytes());
        self.len = end;
    }
}

/// Appends the §3.6 encoding of `text` to `sink`; with `skip_unreserved`, text that is all
/// unreserved characters is appended as it is, without the encoder.
fn encode(sink: &mut impl Sink, text: &str, skip_unreserved: bool) {
    if skip_unreserved && is_unreserved(text) {
        sink.put(text);
    } else {
        for piece in percent_encode(text.as_bytes(), RFC5849) {
            sink.put(piece);
        }
    }
}

fn is_unreserved(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// An HMAC state keyed with `enc(cs)&enc(ts)`: made per call by the floor, kept by
/// [`header_with_shortcuts`].
pub fn keyed(consumer: &Consumer, token_secret: &str) -> HmacSha1 {
    let mut key = Stack::<192>::new();
    key.put(&consumer.secret_encoded);
    key.put("&");
    encode(&mut key, token_secret, false);
    HmacSha1::new_from_slice(key.as_bytes()).unwrap()
}

/// Panics unless every variant writes the bytes `signed` (the crate's signature of the same
/// call) holds: the header, and the base string where it is kept. The benches check this before
/// they measure, so that the floor is known to do the same work.
pub fn assert_same_bytes(
    consumer: &Consumer,
    call: &Call<'_>,
    keyed: &HmacSha1,
    signed: &bitbucket_oauth::Signed,
) {
    assert_eq!(&header(consumer, call), signed.authorization());
    let (kept_header, base_string) = header_and_base_string(consumer, call);
    assert_eq!(&kept_header, signed.authorization());
    assert_eq!(base_string, signed.base_string().unredacted());
    assert_eq!(
        &header_with_shortcuts(consumer, call, keyed),
        signed.authorization()
    );
}

/// The floor under issue 10's rules, header only: the base string is written to a buffer on the
/// stack and handed to the MAC in one call.
pub fn header(consumer: &Consumer, call: &Call<'_>) -> http::HeaderValue {
    let mac = keyed(consumer, call.token_secret);
    sign(consumer, call, mac, false, false).0
}

/// The floor under issue 10's rules, keeping the base string as `Signer::sign` does: it is
/// written to a `String` and the MAC reads it from there.
pub fn header_and_base_string(consumer: &Consumer, call: &Call<'_>) -> (http::HeaderValue, String) {
    let mac = keyed(consumer, call.token_secret);
    let (header, base) = sign(consumer, call, mac, true, false);
    (header, base.unwrap())
}

/// The floor with the two shortcuts issue 10 rules out, header only: `keyed` is an HMAC state
/// keyed once with the token secret and kept, and unreserved text skips the encoder.
pub fn header_with_shortcuts(
    consumer: &Consumer,
    call: &Call<'_>,
    keyed: &HmacSha1,
) -> http::HeaderValue {
    sign(consumer, call, keyed.clone(), false, true).0
}

fn sign(
    consumer: &Consumer,
    call: &Call<'_>,
    mut mac: HmacSha1,
    keep_base_string: bool,
    skip: bool,
) -> (http::HeaderValue, Option<String>) {
    // The per-call protocol values, each encoded once for both the header and the base string.
    let mut values = Stack::<192>::new();
    encode(&mut values, call.nonce, skip);
    let nonce_end = values.len;
    values.put_decimal(call.timestamp);
    let timestamp_end = values.len;
    encode(&mut values, call.token, skip);
    let values = values.as_str();
    let nonce = &values[..nonce_end];
    let timestamp = &values[nonce_end..timestamp_end];
    let token = &values[timestamp_end..];

    // The query, sorted; the protocol parameters are already in name order.
    let mut query: [(&str, &str); 8] = [("", ""); 8];
    let mut n = 0;
    for pair in call.uri.query().unwrap_or_default().split('&') {
        query[n] = pair.split_once('=').unwrap_or((pair, ""));
        n += 1;
    }
    let query = &mut query[..n];
    query.sort_unstable();
    // (name, value in §3.6 form, whether the value varies per call and so is outer-encoded here)
    let protocol = [
        ("oauth_consumer_key", consumer.key_encoded.as_str(), false),
        ("oauth_nonce", nonce, true),
        ("oauth_signature_method", "HMAC-SHA1", false),
        ("oauth_timestamp", timestamp, false),
        ("oauth_token", token, true),
        ("oauth_version", "1.0", false),
    ];
    let kept = if keep_base_string {
        let mut text = String::with_capacity(384);
        write_base_string(&mut text, call, query, &protocol, skip);
        mac.update(text.as_bytes());
        Some(text)
    } else {
        let mut text = Stack::<512>::new();
        write_base_string(&mut text, call, query, &protocol, skip);
        mac.update(text.as_bytes());
        None
    };
    let mut signature = [0u8; 28];
    base64::engine::general_purpose::STANDARD
        .encode_slice(mac.finalize().into_bytes(), &mut signature)
        .unwrap();

    // The header on the stack, then copied once into the value's own exact-size allocation.
    let mut header = Stack::<512>::new();
    header.put("OAuth oauth_consumer_key=\"");
    header.put(&consumer.key_encoded);
    header.put("\", oauth_token=\"");
    header.put(token);
    header.put("\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"");
    header.put(timestamp);
    header.put("\", oauth_nonce=\"");
    header.put(nonce);
    header.put("\", oauth_version=\"1.0\", oauth_signature=\"");
    encode(&mut header, std::str::from_utf8(&signature).unwrap(), skip);
    header.put("\"");
    let mut value = http::HeaderValue::from_bytes(header.as_bytes()).unwrap();
    value.set_sensitive(true);
    (value, kept)
}

/// The base string of the call: the query and protocol parameters merged in name order.
fn write_base_string(
    sink: &mut impl Sink,
    call: &Call<'_>,
    query: &[(&str, &str)],
    protocol: &[(&str, &str, bool)],
    skip: bool,
) {
    sink.put("GET&https%3A%2F%2F");
    encode(sink, call.uri.host().unwrap(), skip);
    encode(sink, call.uri.path(), skip);
    sink.put("&");
    let (mut q, mut p) = (0, 0);
    while q < query.len() || p < protocol.len() {
        if q + p > 0 {
            sink.put("%26");
        }
        if p == protocol.len() || (q < query.len() && query[q].0 < protocol[p].0) {
            encode(sink, query[q].0, skip);
            sink.put("%3D");
            encode(sink, query[q].1, skip);
            q += 1;
        } else {
            let (name, value, per_call) = protocol[p];
            sink.put(name);
            sink.put("%3D");
            if per_call {
                encode(sink, value, skip);
            } else {
                sink.put(value);
            }
            p += 1;
        }
    }
}
