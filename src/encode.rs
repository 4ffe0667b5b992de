//! Percent-encoding and decoding as RFC 5849 §3.6 requires.
//!
//! OAuth 1.0a uses its own encoding, stricter than HTML form encoding
//! ([RFC 5849 §3.6](https://www.rfc-editor.org/rfc/rfc5849#section-3.6)):
//!
//! * the RFC 3986 *unreserved* characters (`A-Z a-z 0-9 - . _ ~`) are never encoded;
//! * every other byte of the UTF-8 representation is written as `%XX` with **uppercase** hex;
//! * a space is `%20`, never `+`; `*` is `%2A`.
//!
//! Encoding is the [`percent_encoding`] crate with one [`AsciiSet`] (`RFC5849`): every byte
//! this crate encodes (base string, `Authorization` header, signing key, form bodies) goes
//! through [`encode_into`].
//!
//! Decoding is strict: a `%` must be followed by two hex digits, or the input is refused with a
//! [`DecodeError`] that says where (`percent_encoding::percent_decode` would pass such a `%`
//! through, and a signer must not guess). Form bodies and query strings treat `+` as a space
//! ([`decode_form_component`]); plain [`decode`] keeps `+` as it is.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

/// The bytes RFC 5849 §3.6 escapes: everything but ALPHA, DIGIT, `-`, `.`, `_` and `~`.
pub(crate) const RFC5849: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Whether `byte` is an RFC 3986 unreserved character, which RFC 5849 §3.6 leaves unencoded.
#[inline]
#[must_use]
pub const fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Appends the RFC 5849 §3.6 encoding of `input` to `out`.
///
/// This is the allocation-free form of [`encode`]: the caller owns the buffer.
pub fn encode_into(out: &mut String, input: &[u8]) {
    out.extend(percent_encode(input, RFC5849));
}

/// The RFC 5849 §3.6 encoding of `input`.
///
/// ```
/// use bitbucket_oauth::rfc5849::encode;
/// assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
/// assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
/// assert_eq!(encode("Dogs, Cats & Mice"), "Dogs%2C%20Cats%20%26%20Mice");
/// assert_eq!(encode("☃"), "%E2%98%83");
/// assert_eq!(encode("-._~*"), "-._~%2A");
/// ```
#[must_use]
pub fn encode(input: impl AsRef<[u8]>) -> String {
    let input = input.as_ref();
    let mut out = String::with_capacity(input.len() + input.len() / 2);
    encode_into(&mut out, input);
    out
}

/// Where and why decoding failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset of the offending `%` in the input.
    pub offset: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed percent-encoding at byte {}: `%` must be followed by two hex digits",
            self.offset
        )
    }
}

impl std::error::Error for DecodeError {}

fn hex_value(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// The strict decoder, the only one in the crate: appends the bytes `input` stands for to `out`.
/// `plus_is_space` is the query/form rule.
pub(crate) fn decode_into(
    out: &mut Vec<u8>,
    input: &[u8],
    plus_is_space: bool,
) -> Result<(), DecodeError> {
    out.reserve(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        match byte {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex_value);
                let lo = input.get(i + 2).copied().and_then(hex_value);
                let (Some(hi), Some(lo)) = (hi, lo) else {
                    return Err(DecodeError { offset: i });
                };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Ok(())
}

/// Strictly percent-decodes `input` into bytes; `+` stays `+`.
///
/// The result is bytes, not text: `%FF` is a valid escape of a byte that is not UTF-8.
///
/// # Errors
///
/// [`DecodeError`] when a `%` is not followed by two hex digits.
///
/// ```
/// use bitbucket_oauth::rfc5849::decode;
/// assert_eq!(decode("a%20b+c").unwrap(), b"a b+c");
/// assert!(decode("100%").is_err());
/// ```
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    decode_into(&mut out, input.as_ref(), false)?;
    Ok(out)
}

/// Decodes one name or value of a query string or an `application/x-www-form-urlencoded` body:
/// `+` is a space, `%XX` a byte.
///
/// # Errors
///
/// [`DecodeError`] when a `%` is not followed by two hex digits.
pub fn decode_form_component(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    decode_into(&mut out, input.as_ref(), true)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_set_escapes_exactly_what_is_not_unreserved() {
        for byte in 0..=255u8 {
            let encoded = encode([byte]);
            if is_unreserved(byte) {
                assert_eq!(encoded.as_bytes(), [byte], "byte {byte:#04x}");
            } else {
                assert_eq!(encoded, format!("%{byte:02X}"), "byte {byte:#04x}");
            }
        }
    }

    #[test]
    fn decoding_inverts_encoding() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(encode(&all)).unwrap(), all);
        assert_eq!(decode_form_component(encode(&all)).unwrap(), all);
    }

    #[test]
    fn plus_is_a_space_only_in_form_components() {
        assert_eq!(decode_form_component("a+b%2B").unwrap(), b"a b+");
        assert_eq!(decode("a+b%2B").unwrap(), b"a+b+");
        assert_eq!(decode("%e2%98%83").unwrap(), "☃".as_bytes());
    }

    #[test]
    fn malformed_escapes_report_their_offset() {
        assert_eq!(decode("ab%"), Err(DecodeError { offset: 2 }));
        assert_eq!(decode("a%4"), Err(DecodeError { offset: 1 }));
        assert_eq!(decode("%G0"), Err(DecodeError { offset: 0 }));
        assert_eq!(decode("%0G"), Err(DecodeError { offset: 0 }));
        assert_eq!(
            decode_form_component("x=%zz"),
            Err(DecodeError { offset: 2 })
        );
        assert_eq!(decode("%%41"), Err(DecodeError { offset: 0 }));
    }
}
