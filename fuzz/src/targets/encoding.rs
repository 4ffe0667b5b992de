//! Percent-encoding and decoding (RFC 5849 §3.6), and the one-pass re-encoding that parameter
//! collection uses.
//!
//! Properties: `decode(encode(b)) == b` for every `b`; `encode` writes only unreserved bytes and
//! uppercase `%XX`; for every decodable `x`, `encode(decode(x))` decodes to the same bytes; a
//! decode error points at a `%` that is not followed by two hex digits, the first such; `+` is a
//! space only in form components; `Parameters::extend_from_query` equals splitting on `&` and
//! `=`, form-decoding and encoding each part.

use bitbucket_oauth::rfc5849::{decode, decode_form_component, encode, encode_into, is_unreserved};
use bitbucket_oauth::rfc5849::Parameters;

fn is_hex(b: Option<&u8>) -> bool {
    b.is_some_and(u8::is_ascii_hexdigit)
}

fn is_upper_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// Only unreserved bytes and `%` + two uppercase hex digits.
fn assert_canonical(encoded: &str) {
    let b = encoded.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            assert!(i + 2 < b.len(), "truncated escape in {encoded:?}");
            assert!(
                is_upper_hex(b[i + 1]) && is_upper_hex(b[i + 2]),
                "{encoded:?}"
            );
            // An escaped byte is never an unreserved one.
            let byte = u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap();
            assert!(
                !is_unreserved(byte),
                "unreserved byte escaped in {encoded:?}"
            );
            i += 3;
        } else {
            assert!(is_unreserved(b[i]), "reserved byte left in {encoded:?}");
            i += 1;
        }
    }
}

/// The first `%` not followed by two hex digits, computed independently.
fn first_bad_escape(data: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'%' {
            if is_hex(data.get(i + 1)) && is_hex(data.get(i + 2)) {
                i += 3;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The target's body: checks the properties above on one input.
pub fn run(data: &[u8]) {
    // Encoding: canonical output, exact inverse, `encode_into` appends the same text.
    let encoded = encode(data);
    assert_canonical(&encoded);
    let unreserved = data.iter().filter(|&&b| is_unreserved(b)).count();
    assert_eq!(encoded.len(), unreserved + 3 * (data.len() - unreserved));
    assert_eq!(decode(&encoded).unwrap(), data);
    assert_eq!(decode_form_component(&encoded).unwrap(), data);
    let mut appended = String::from("prefix&");
    encode_into(&mut appended, data);
    assert_eq!(&appended["prefix&".len()..], encoded);

    // Decoding: errors exactly where an independent scan says, for both flavours.
    let strict = decode(data);
    let form = decode_form_component(data);
    match first_bad_escape(data) {
        Some(offset) => {
            assert_eq!(strict.as_ref().unwrap_err().offset, offset);
            assert_eq!(form.as_ref().unwrap_err().offset, offset);
        }
        None => {
            let decoded = strict.unwrap();
            // encode(decode(x)) decodes to the same bytes.
            let again = encode(&decoded);
            assert_canonical(&again);
            assert_eq!(decode(&again).unwrap(), decoded);
            // A form component is the strict decoding with each literal `+` read as a space.
            let mut spaced = Vec::with_capacity(data.len() * 3);
            for &b in data {
                if b == b'+' {
                    spaced.extend_from_slice(b"%20");
                } else {
                    spaced.push(b);
                }
            }
            assert_eq!(decode(&spaced).unwrap(), form.unwrap());
        }
    }

    // Query parsing equals an independent split + form-decode + encode.
    if let Ok(query) = std::str::from_utf8(data) {
        let mut params = Parameters::new();
        let got = params.extend_from_query(query);
        let mut expected = Vec::new();
        let mut failed = false;
        for segment in query.split('&').filter(|s| !s.is_empty()) {
            let (n, v) = segment.split_once('=').unwrap_or((segment, ""));
            // The name first: an `oauth_signature` is skipped whatever its value.
            let Ok(n) = decode_form_component(n) else {
                failed = true;
                break;
            };
            if n == b"oauth_signature" {
                continue;
            }
            let Ok(v) = decode_form_component(v) else {
                failed = true;
                break;
            };
            expected.push((encode(n), encode(v)));
        }
        assert_eq!(got.is_err(), failed, "{query:?}");
        if !failed {
            let pairs: Vec<(String, String)> = params
                .iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect();
            assert_eq!(pairs, expected, "{query:?}");
        }
    }
}
