//! Parameter collection and the signature base string (RFC 5849 §3.4.1) from an arbitrary
//! method, URI, `Content-Type` and body, signed with a fixed-clock, fixed-nonce HMAC-SHA1 signer.
//!
//! Properties: never panics; deterministic (two signatures of the same request are the same
//! bytes, and so are two failures); a failure is one of the documented errors; the base string
//! is three canonical §3.6-encoded parts that `BaseString::parse` accepts; its normalized
//! parameters are sorted by (name, value), hold only unreserved characters, `%XX`, `=` and `&`,
//! and are exactly the query (and form body, for a form `Content-Type`) parameters, minus
//! `oauth_signature`, plus the protocol parameters.

use crate::input::RequestInput;
use bitbucket_oauth::rfc5849::base_string_uri;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::rfc5849::{decode_form_component, is_unreserved};
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    BaseString, ConsumerKey, ConsumerSecret, Error, SignOptions, Signer, TokenRef,
};
use http::header::CONTENT_TYPE;

fn signer() -> Signer {
    Signer::builder(
        ConsumerKey::new("dpf43f3p2l4k3l03"),
        HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44")),
    )
    .clock(FixedClock(137_131_201))
    .nonce_source(FixedNonce("7d8f3e4a".into()))
    .build()
}

/// Pairs of a raw query or form body, counted independently: `None` when an escape is malformed.
fn count_params(raw: &[u8]) -> Option<usize> {
    let mut n = 0;
    for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
        let name = match segment.iter().position(|&b| b == b'=') {
            Some(eq) => &segment[..eq],
            None => segment,
        };
        let name = decode_form_component(name).ok()?;
        if name != b"oauth_signature" {
            n += 1;
        }
    }
    Some(n)
}

fn is_upper_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

/// Only unreserved bytes, `%XX` (uppercase), and the bytes in `extra`.
fn assert_charset(text: &str, extra: &[u8]) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            assert!(
                i + 2 < b.len() && is_upper_hex(b[i + 1]) && is_upper_hex(b[i + 2]),
                "bad escape in {text:?}"
            );
            i += 3;
        } else {
            assert!(is_unreserved(b[i]) || extra.contains(&b[i]), "{text:?}");
            i += 1;
        }
    }
}

/// The target's body: checks the properties above on one input.
pub fn run(input: RequestInput<'_>) {
    let Some((method, uri, headers)) = input.http_parts() else {
        return;
    };
    let is_form = headers
        .get(CONTENT_TYPE)
        .is_some_and(|v| bitbucket_oauth::rfc5849::is_form_urlencoded(v.as_bytes()));

    let signer = signer();
    let token = TokenRef {
        token: "nnch734d00sl2jdk",
        secret: "pfkkdhi9sl3r4s00",
    };
    let options = if input.with_token {
        SignOptions::new().token(token)
    } else {
        SignOptions::new()
    };
    let first = signer.sign_parts(&method, &uri, &headers, input.body, &options);
    let second = signer.sign_parts(&method, &uri, &headers, input.body, &options);

    let signed = match (first, second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.base_string(), b.base_string());
            assert_eq!(a.signature(), b.signature());
            assert_eq!(a.authorization(), b.authorization());
            a
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string());
            assert!(
                matches!(
                    a,
                    Error::InvalidUri(_)
                        | Error::MalformedEncoding { .. }
                        | Error::DuplicateProtocolParameter { .. }
                ),
                "unexpected error {a:?}"
            );
            return;
        }
        (a, b) => panic!("signing twice gave different outcomes: {a:?} / {b:?}"),
    };

    // Three canonical parts, which parse back to the same base string.
    let text = signed.base_string().unredacted();
    assert_eq!(text.matches('&').count(), 2, "{text:?}");
    for part in text.split('&') {
        assert_charset(part, b"");
    }
    assert_eq!(&BaseString::parse(text).unwrap(), signed.base_string());
    assert_eq!(signed.base_string().uri(), base_string_uri(&uri).unwrap());

    // Normalized parameters: charset, shape and order.
    let normalized = signed.base_string().normalized_parameters();
    assert_charset(&normalized, b"=&");
    let pairs: Vec<(&str, &str)> = normalized
        .split('&')
        .map(|pair| {
            let mut it = pair.splitn(2, '=');
            let name = it.next().unwrap();
            let value = it.next().expect("every pair has `=`");
            assert!(!value.contains('='), "{pair:?}");
            (name, value)
        })
        .collect();
    assert!(pairs.is_sorted(), "not sorted: {normalized:?}");

    // Exactly the request's parameters plus the protocol ones.
    let protocol = if input.with_token { 6 } else { 5 };
    let query = count_params(uri.query().unwrap_or_default().as_bytes()).unwrap();
    let form = if is_form {
        count_params(input.body).unwrap()
    } else {
        0
    };
    assert_eq!(pairs.len(), query + form + protocol, "{normalized:?}");
    for expected in [
        ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
        ("oauth_nonce", "7d8f3e4a"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_version", "1.0"),
    ] {
        assert_eq!(
            pairs.iter().filter(|p| **p == expected).count(),
            1,
            "{normalized:?}"
        );
    }
    assert!(!pairs.iter().any(|(n, _)| *n == "oauth_signature"));
}
