//! Percent-encoding and decoding as RFC 5849 §3.6 requires.
//!
//! OAuth 1.0a uses its own encoding, stricter than HTML form encoding
//! ([RFC 5849 §3.6](https://www.rfc-editor.org/rfc/rfc5849#section-3.6)):
//!
//! * the RFC 3986 *unreserved* characters (`A-Z a-z 0-9 - . _ ~`) are never encoded;
//! * every other byte of the UTF-8 representation is written as `%XX` with **uppercase** hex;
//! * a space is `%20`, never `+`; `*` is `%2A`.
//!
//! Decoding is strict: a `%` must be followed by two hex digits, or the input is refused with a
//! [`DecodeError`] that says where. Form bodies and query strings treat `+` as a space
//! ([`decode_form_component`]); plain [`decode`] keeps `+` as it is.

use std::fmt;

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

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
    let mut start = 0;
    for (i, &byte) in input.iter().enumerate() {
        if !is_unreserved(byte) {
            push_unreserved_run(out, &input[start..i]);
            push_escaped(out, byte);
            start = i + 1;
        }
    }
    push_unreserved_run(out, &input[start..]);
}

#[inline]
fn push_unreserved_run(out: &mut String, run: &[u8]) {
    // Every byte of `run` is ASCII unreserved, so each is one `char`.
    out.extend(run.iter().map(|&b| char::from(b)));
}

#[inline]
fn push_escaped(out: &mut String, byte: u8) {
    out.push('%');
    out.push(char::from(HEX_UPPER[usize::from(byte >> 4)]));
    out.push(char::from(HEX_UPPER[usize::from(byte & 0x0F)]));
}

/// Encodes `input` per RFC 5849 §3.6.
///
/// ```
/// use bitbucket_oauth::encode::encode;
/// assert_eq!(encode("Ladies + Gentlemen"), "Ladies%20%2B%20Gentlemen");
/// assert_eq!(encode("An encoded string!"), "An%20encoded%20string%21");
/// assert_eq!(encode("~-._*"), "~-._%2A");
/// assert_eq!(encode("ü"), "%C3%BC");
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

#[inline]
fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes the `%XX` sequence starting at `input[i]` (which is `%`).
#[inline]
fn escaped_byte(input: &[u8], i: usize) -> Result<u8, DecodeError> {
    let hi = input.get(i + 1).copied().and_then(hex_value);
    let lo = input.get(i + 2).copied().and_then(hex_value);
    match (hi, lo) {
        (Some(hi), Some(lo)) => Ok(hi << 4 | lo),
        _ => Err(DecodeError { offset: i }),
    }
}

fn decode_impl(input: &[u8], plus_is_space: bool) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&byte) = input.get(i) {
        match byte {
            b'%' => {
                out.push(escaped_byte(input, i)?);
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
    Ok(out)
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
/// use bitbucket_oauth::encode::decode;
/// assert_eq!(decode("a%20b+c").unwrap(), b"a b+c");
/// assert!(decode("100%").is_err());
/// ```
pub fn decode(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    decode_impl(input.as_ref(), false)
}

/// Decodes one name or value of a query string or an `application/x-www-form-urlencoded` body:
/// `+` is a space, `%XX` a byte.
///
/// # Errors
///
/// [`DecodeError`] when a `%` is not followed by two hex digits.
pub fn decode_form_component(input: impl AsRef<[u8]>) -> Result<Vec<u8>, DecodeError> {
    decode_impl(input.as_ref(), true)
}

/// Re-encodes one raw query or form component (as sent, `+` meaning space) straight into its
/// RFC 5849 §3.6 form, without an intermediate buffer.
///
/// This is `encode(decode_form_component(raw))` in one pass.
pub(crate) fn reencode_form_component(out: &mut String, raw: &[u8]) -> Result<(), DecodeError> {
    let mut i = 0;
    while let Some(&byte) = raw.get(i) {
        let (decoded, width) = match byte {
            b'%' => (escaped_byte(raw, i)?, 3),
            b'+' => (b' ', 1),
            other => (other, 1),
        };
        if is_unreserved(decoded) {
            out.push(char::from(decoded));
        } else {
            push_escaped(out, decoded);
        }
        i += width;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reencode_matches_decode_then_encode() {
        for raw in ["a+b", "%7e", "%2B", "%252B", "caf%C3%A9", "*!'()", "%ff%00"] {
            let mut once = String::new();
            reencode_form_component(&mut once, raw.as_bytes()).unwrap();
            let twice = encode(decode_form_component(raw).unwrap());
            assert_eq!(once, twice, "{raw}");
        }
    }

    #[test]
    fn malformed_escapes_report_their_offset() {
        assert_eq!(decode("ab%2"), Err(DecodeError { offset: 2 }));
        assert_eq!(decode("%zz"), Err(DecodeError { offset: 0 }));
        let mut out = String::new();
        assert_eq!(
            reencode_form_component(&mut out, b"x%G1"),
            Err(DecodeError { offset: 1 })
        );
    }
}
