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

/// `UNRESERVED[b]` is [`is_unreserved`]`(b)`, as a table for the hot loops.
static UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = is_unreserved(i as u8);
        i += 1;
    }
    table
};

/// Appends the RFC 5849 §3.6 encoding of `input` to `out`.
///
/// This is the allocation-free form of [`encode`]: the caller owns the buffer.
pub fn encode_into(out: &mut String, input: &[u8]) {
    out.reserve(input.len());
    let mut start = 0;
    for (i, &byte) in input.iter().enumerate() {
        if !UNRESERVED[usize::from(byte)] {
            push_unreserved_run(out, &input[start..i]);
            push_escaped(out, byte);
            start = i + 1;
        }
    }
    push_unreserved_run(out, &input[start..]);
}

/// For each byte: its §3.6 encoding in the first bytes (the byte itself, or `%XX`) and, in the
/// last, how many of them count. Lets the encoder write four bytes and advance by 1 or 3,
/// without a branch.
static ENCODED: [[u8; 4]; 256] = {
    let mut table = [[0u8; 4]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = if is_unreserved(i as u8) {
            [i as u8, 0, 0, 1]
        } else {
            [b'%', HEX_UPPER[i >> 4], HEX_UPPER[i & 0x0F], 3]
        };
        i += 1;
    }
    table
};

/// [`encode_into`] into a byte buffer (the hot paths build bytes and check UTF-8 once).
#[inline]
pub(crate) fn encode_to_vec(out: &mut Vec<u8>, input: &[u8]) {
    // Room for the worst case (every byte escaped) plus the slack of the last 4-byte write,
    // written in place: one 4-byte store per input byte, no branch, and nothing copied again.
    let start = out.len();
    out.resize(start + input.len() * 3 + 1, 0);
    let mut n = start;
    for &byte in input {
        // The entry's last byte (its length) lands past the encoding, where the next write or
        // the final cut drops it.
        let entry = &ENCODED[usize::from(byte)];
        if let Some(slot) = out.get_mut(n..n + 4) {
            slot.copy_from_slice(entry);
        }
        n += usize::from(entry[3]);
    }
    out.truncate(n);
}

/// [`encode_to_vec`] for a buffer sized exactly beforehand (with [`encoded_len`]): it never
/// asks for more room than the encoding takes. A branch per byte, well predicted on text that
/// is mostly unreserved, such as base64.
pub(crate) fn encode_exact(out: &mut Vec<u8>, input: &[u8]) {
    for &b in input {
        if UNRESERVED[usize::from(b)] {
            out.push(b);
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX_UPPER[usize::from(b >> 4)],
                HEX_UPPER[usize::from(b & 0x0F)],
            ]);
        }
    }
}

/// [`encode_to_vec`] for text, as a `fn(&mut Vec<u8>, &str)`.
pub(crate) fn encode_to_vec_str(out: &mut Vec<u8>, input: &str) {
    encode_to_vec(out, input.as_bytes());
}

/// Length of the RFC 5849 §3.6 encoding of `input`.
#[inline]
pub(crate) fn encoded_len(input: &[u8]) -> usize {
    input.len()
        + 2 * input
            .iter()
            .filter(|&&b| !UNRESERVED[usize::from(b)])
            .count()
}

/// Whether `input` is its own RFC 5849 §3.6 encoding (every byte unreserved).
#[inline]
pub(crate) fn is_all_unreserved(input: &[u8]) -> bool {
    // Branch-free and table-free, so that the compiler turns it into vector compares: no early
    // exit to mispredict, no lookups that would keep it to one byte at a time.
    input.iter().fold(true, |all, &b| all & unreserved_arith(b))
}

/// [`is_unreserved`] in arithmetic only (vectorizes; the table does not).
#[inline]
const fn unreserved_arith(b: u8) -> bool {
    // `| 0x20` folds `A-Z` onto `a-z` and maps nothing else there.
    ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b == b'-')
        | (b == b'.')
        | (b == b'_')
        | (b == b'~')
}

#[inline]
fn push_unreserved_run(out: &mut String, run: &[u8]) {
    // Every byte of `run` is ASCII unreserved, so the run is UTF-8.
    match std::str::from_utf8(run) {
        Ok(text) => out.push_str(text),
        Err(_) => out.extend(run.iter().map(|&b| char::from(b))),
    }
}

/// `%00%01...%FF`: the escape of byte `b` is `ESCAPE_BYTES[3 * b..3 * b + 3]`.
const ESCAPE_BYTES: [u8; 768] = {
    let mut table = [0u8; 768];
    let mut i = 0;
    while i < 256 {
        table[3 * i] = b'%';
        table[3 * i + 1] = HEX_UPPER[i >> 4];
        table[3 * i + 2] = HEX_UPPER[i & 0x0F];
        i += 1;
    }
    table
};

/// [`ESCAPE_BYTES`] as text.
static ESCAPES: &str = match std::str::from_utf8(&ESCAPE_BYTES) {
    Ok(text) => text,
    Err(_) => "",
};

#[inline]
fn push_escaped(out: &mut String, byte: u8) {
    let at = 3 * usize::from(byte);
    out.push_str(ESCAPES.get(at..at + 3).unwrap_or_default());
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

/// Whether a raw query or form component (as sent) is already exactly its RFC 5849 §3.6
/// re-encoding, so that [`reencode_form_component`] would copy it unchanged: every byte is
/// unreserved, or a `%` with two *uppercase* hex digits escaping a byte that must be escaped.
/// `+`, lowercase hex, needless escapes (`%41`) and malformed escapes all answer `false`.
#[cfg(test)]
pub(crate) fn is_canonical_component(raw: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&byte) = raw.get(i) {
        if UNRESERVED[usize::from(byte)] {
            i += 1;
            continue;
        }
        if byte != b'%' {
            return false;
        }
        let upper_hex = |b: Option<&u8>| match b {
            Some(&b @ b'0'..=b'9') => Some(b - b'0'),
            Some(&b @ b'A'..=b'F') => Some(b - b'A' + 10),
            _ => None,
        };
        match (upper_hex(raw.get(i + 1)), upper_hex(raw.get(i + 2))) {
            (Some(hi), Some(lo)) if !UNRESERVED[usize::from(hi << 4 | lo)] => i += 3,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
/// Whether a whole raw query string or form body is canonical: every `name[=value]` segment's
/// name and value pass [`is_canonical_component`] (a second `=` in a segment does not).
pub(crate) fn is_canonical_urlencoded(raw: &[u8]) -> bool {
    let mut i = 0;
    let mut seen_eq = false;
    while let Some(&byte) = raw.get(i) {
        i += 1;
        if UNRESERVED[usize::from(byte)] {
            continue;
        }
        match byte {
            b'&' => seen_eq = false,
            b'=' if !seen_eq => seen_eq = true,
            b'%' => match (raw.get(i), raw.get(i + 1)) {
                (Some(&hi), Some(&lo)) => match (upper_hex(hi), upper_hex(lo)) {
                    (Some(hi), Some(lo)) if !UNRESERVED[usize::from(hi << 4 | lo)] => i += 2,
                    _ => return false,
                },
                _ => return false,
            },
            _ => return false,
        }
    }
    true
}

/// Splits a canonical query string or form body (see [`is_canonical_urlencoded`]) into its
/// non-empty `name[=value]` segments in one pass, calling `emit` for each. Returns `None` when
/// the input is not canonical (segments emitted so far are then to be discarded), else whether
/// it contains a `%`.
#[inline]
pub(crate) fn split_canonical<'a>(
    input: &'a str,
    mut emit: impl FnMut(&'a str, &'a str),
) -> Option<bool> {
    let bytes = input.as_bytes();
    let mut has_percent = false;
    let (mut start, mut eq) = (0, None);
    let mut segment = |start: usize, eq: Option<usize>, end: usize| {
        if end > start {
            let (name, value) = match eq {
                Some(eq) => (input.get(start..eq), input.get(eq + 1..end)),
                None => (input.get(start..end), Some("")),
            };
            emit(name.unwrap_or_default(), value.unwrap_or_default());
        }
    };
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        i += 1;
        if UNRESERVED[usize::from(byte)] {
            continue;
        }
        match byte {
            b'&' => {
                segment(start, eq, i - 1);
                (start, eq) = (i, None);
            }
            b'=' if eq.is_none() => eq = Some(i - 1),
            b'%' => match (
                bytes.get(i).copied().and_then(upper_hex),
                bytes.get(i + 1).copied().and_then(upper_hex),
            ) {
                (Some(hi), Some(lo)) if !UNRESERVED[usize::from(hi << 4 | lo)] => {
                    i += 2;
                    has_percent = true;
                }
                _ => return None,
            },
            _ => return None,
        }
    }
    segment(start, eq, bytes.len());
    Some(has_percent)
}

#[inline]
fn upper_hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends `text` as it is: the §3.6 encoding of text that has no `%` and is already §3.6
/// output (unreserved bytes only).
#[inline]
pub(crate) fn push_verbatim(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
}

/// Appends the §3.6 encoding of `text`, which must already be §3.6 output (unreserved bytes and
/// `%XX`): only its `%` signs change, to `%25`.
#[inline]
pub(crate) fn push_escaping_percent(out: &mut Vec<u8>, text: &str) {
    let mut rest = text.as_bytes();
    while let Some(i) = rest.iter().position(|&b| b == b'%') {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(b"%25");
        rest = &rest[i + 1..];
    }
    out.extend_from_slice(rest);
}

/// Decimal text of `n` (a timestamp, a port), written at the end of `buf`.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    // Two digits per division: half the chain of dependent divisions of a digit at a time.
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    let mut i = buf.len();
    while n >= 10 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    // A last single digit (or the `0` of zero).
    if n > 0 || i == buf.len() {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_writes_decimal() {
        for n in [
            0,
            7,
            9,
            10,
            42,
            99,
            100,
            101,
            999,
            1000,
            137_131_202,
            1_700_000_000,
            u64::MAX,
        ] {
            assert_eq!(decimal(n, &mut [0u8; 20]), n.to_string());
        }
    }

    #[test]
    fn arithmetic_unreserved_matches_the_definition() {
        for b in 0..=255u8 {
            assert_eq!(unreserved_arith(b), is_unreserved(b), "byte {b:#04x}");
            assert_eq!(
                UNRESERVED[usize::from(b)],
                is_unreserved(b),
                "byte {b:#04x}"
            );
        }
    }

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
    fn canonical_components_are_their_own_reencoding() {
        for raw in [
            "",
            "a",
            "a+b",
            "%7e",
            "%7E",
            "%2B",
            "%2b",
            "%252B",
            "caf%C3%A9",
            "*!'()",
            "%ff%00",
            "%FF%00",
            "100%",
            "%2",
            "%G1",
            "~-._",
            "a%20b",
            "%41",
            "\u{e9}",
        ] {
            let mut once = String::new();
            let same = reencode_form_component(&mut once, raw.as_bytes()).is_ok() && once == raw;
            assert_eq!(is_canonical_component(raw.as_bytes()), same, "{raw}");
        }
    }

    #[test]
    fn canonical_urlencoded_is_canonical_segment_by_segment() {
        // Canonical and not: `+`, a short escape, a repeated `=`, empty segments.
        let samples = [
            "",
            "a=1&b=2",
            "a=b=c",
            "a&&b",
            "=x",
            "a=%2B&b=%7E",
            "a=+",
            "&",
            "a=%2",
            "x=%C3%A9&y",
            "a=1&a=%2F%3D",
        ];
        for raw in samples {
            let each = raw.split('&').all(|seg| {
                let (n, v) = seg.split_once('=').unwrap_or((seg, ""));
                is_canonical_component(n.as_bytes()) && is_canonical_component(v.as_bytes())
            });
            assert_eq!(is_canonical_urlencoded(raw.as_bytes()), each, "{raw}");
        }
        for raw in samples {
            let mut got = Vec::new();
            let split = split_canonical(raw, |n, v| got.push((n, v)));
            assert_eq!(
                split.is_some(),
                is_canonical_urlencoded(raw.as_bytes()),
                "{raw}"
            );
            if let Some(has_percent) = split {
                assert_eq!(has_percent, raw.contains('%'), "{raw}");
                let expected: Vec<_> = raw
                    .split('&')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.split_once('=').unwrap_or((s, "")))
                    .collect();
                assert_eq!(got, expected, "{raw}");
            }
        }
        let mut out = Vec::new();
        push_escaping_percent(&mut out, "a%2Fb%25%%");
        assert_eq!(out, encode("a%2Fb%25%%").as_bytes());
        for b in 0..=255u8 {
            let mut one = String::new();
            push_escaped(&mut one, b);
            assert_eq!(one, format!("%{b:02X}"));
        }
    }

    #[test]
    fn encode_to_vec_and_encoded_len_match_encode() {
        for raw in ["", "abc", "a b", "ü~*", "ü", "€x", "%%", "a\u{1F980}b"] {
            let mut out = b"x".to_vec();
            encode_to_vec(&mut out, raw.as_bytes());
            assert_eq!(out[1..], *encode(raw).as_bytes(), "{raw}");
            assert_eq!(encoded_len(raw.as_bytes()), encode(raw).len(), "{raw}");
            let mut exact = Vec::with_capacity(encoded_len(raw.as_bytes()));
            encode_exact(&mut exact, raw.as_bytes());
            assert_eq!(exact, encode(raw).as_bytes(), "{raw}");
            assert_eq!(exact.capacity(), exact.len(), "{raw}");
            assert_eq!(
                is_all_unreserved(raw.as_bytes()),
                encode(raw) == raw,
                "{raw}"
            );
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
