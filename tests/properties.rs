//! Property tests of the signing core: encoding, normalization, base string URI equivalences,
//! and sign/verify round trips.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use bitbucket_oauth::rfc5849::BaseString;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::rfc5849::{decode, decode_form_component, encode};
use bitbucket_oauth::rfc5849::parse_oauth_header;
use bitbucket_oauth::rfc5849::Parameters;
use bitbucket_oauth::signature::{
    self, HmacHash, HmacSha, MethodName, Plaintext, RsaHash, RsaSha, SignatureMethod, VerifyKey,
};
use bitbucket_oauth::{
    ConsumerKey, ConsumerSecret, KeyLoader, RsaPrivateKey, SignOptions, Signer, TokenRef,
};
use http::{Method, Uri};
use proptest::prelude::*;

/// RFC 3986 unreserved, spelled out here rather than taken from the crate.
fn unreserved(b: u8) -> bool {
    b.is_ascii_uppercase()
        || b.is_ascii_lowercase()
        || b.is_ascii_digit()
        || b == b'-'
        || b == b'.'
        || b == b'_'
        || b == b'~'
}

fn upper_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'A'..=b'F').contains(&b)
}

fn sign(method: &dyn SignatureMethod, base: &[u8], token_secret: &str) -> String {
    let mut out = String::new();
    method.sign(base, token_secret, &mut out).unwrap();
    out
}

/// Parameters of a request as plain (decoded) name/value text.
fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((any::<String>(), any::<String>()), 0..12)
}

/// A query string spelling `pairs`, encoded with our encoder.
fn query_of(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

proptest! {
    #[test]
    fn encode_then_decode_is_the_identity(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let encoded = encode(&bytes);
        prop_assert_eq!(decode(&encoded).unwrap(), bytes.clone());
        // The encoder never emits `+`, so form decoding agrees.
        prop_assert_eq!(decode_form_component(&encoded).unwrap(), bytes);
    }

    #[test]
    fn encoder_output_is_unreserved_or_uppercase_escapes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let encoded = encode(&bytes);
        let out = encoded.as_bytes();
        let mut i = 0;
        let mut decoded_len = 0;
        while i < out.len() {
            if out[i] == b'%' {
                prop_assert!(i + 3 <= out.len(), "{}", encoded);
                prop_assert!(upper_hex(out[i + 1]) && upper_hex(out[i + 2]), "{}", encoded);
                let byte = u8::from_str_radix(&encoded[i + 1..i + 3], 16).unwrap();
                // Only what must be escaped is escaped.
                prop_assert!(!unreserved(byte), "{} escapes an unreserved byte", encoded);
                i += 3;
            } else {
                prop_assert!(unreserved(out[i]), "{}", encoded);
                i += 1;
            }
            decoded_len += 1;
        }
        prop_assert_eq!(decoded_len, bytes.len());
    }

    #[test]
    fn normalization_does_not_depend_on_input_order(
        (original, shuffled) in pairs().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle()))
    ) {
        let mut a = Parameters::new();
        a.extend_from_query(&query_of(&original)).unwrap();
        let mut b = Parameters::new();
        b.extend_from_query(&query_of(&shuffled)).unwrap();
        let mut c = Parameters::new();
        for (n, v) in shuffled.iter().rev() {
            c.push(n, v);
        }
        let normalized = a.normalized();
        prop_assert_eq!(&normalized, &b.normalized());
        prop_assert_eq!(&normalized, &c.normalized());
        // And it is sorted by encoded name, then encoded value, with every pair kept.
        let mut expected: Vec<(String, String)> =
            original.iter().map(|(n, v)| (encode(n), encode(v))).collect();
        expected.sort();
        let expected = expected
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        prop_assert_eq!(normalized, expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Equivalent URI spellings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct UriCase {
    https: bool,
    host: String,
    path: Vec<String>,
    /// Plain values made of letters, digits, `~` and spaces.
    query: Vec<(String, String)>,
}

fn uri_case() -> impl Strategy<Value = UriCase> {
    (
        any::<bool>(),
        prop::collection::vec("[a-z0-9]{1,8}", 1..4),
        prop::collection::vec("[A-Za-z0-9._~-]{0,8}", 0..4),
        prop::collection::vec(("[a-z]{1,4}", "[A-Za-z0-9~ ]{0,8}"), 0..5),
    )
        .prop_map(|(https, labels, path, query)| UriCase {
            https,
            host: labels.join("."),
            path,
            query,
        })
}

/// How to spell one URI: case of scheme and host, explicit default port, `~` and space escapes.
#[derive(Debug, Clone)]
struct Spelling {
    upper_scheme: bool,
    host_upper_mask: Vec<bool>,
    explicit_port: bool,
    tilde_escaped: bool,
    lowercase_escape: bool,
    space_as_plus: bool,
}

fn spelling() -> impl Strategy<Value = Spelling> {
    (
        any::<bool>(),
        prop::collection::vec(any::<bool>(), 40),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                upper_scheme,
                host_upper_mask,
                explicit_port,
                tilde_escaped,
                lowercase_escape,
                space_as_plus,
            )| {
                Spelling {
                    upper_scheme,
                    host_upper_mask,
                    explicit_port,
                    tilde_escaped,
                    lowercase_escape,
                    space_as_plus,
                }
            },
        )
}

impl UriCase {
    /// The canonical spelling: lowercase, no port, `~` literal, space as `%20`.
    fn canonical(&self) -> String {
        self.spell(&Spelling {
            upper_scheme: false,
            host_upper_mask: Vec::new(),
            explicit_port: false,
            tilde_escaped: false,
            lowercase_escape: false,
            space_as_plus: false,
        })
    }

    fn spell(&self, s: &Spelling) -> String {
        let scheme = match (self.https, s.upper_scheme) {
            (true, false) => "https",
            (true, true) => "HTTPS",
            (false, false) => "http",
            (false, true) => "Http",
        };
        let host: String = self
            .host
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if s.host_upper_mask.get(i).copied().unwrap_or(false) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        let port = match (s.explicit_port, self.https) {
            (false, _) => "",
            (true, true) => ":443",
            (true, false) => ":80",
        };
        let mut uri = format!("{scheme}://{host}{port}/{}", self.path.join("/"));
        if !self.query.is_empty() {
            uri.push('?');
            let spelled: Vec<String> = self
                .query
                .iter()
                .map(|(n, v)| {
                    let value: String = v
                        .chars()
                        .map(|c| match c {
                            '~' if s.tilde_escaped && s.lowercase_escape => "%7e".to_owned(),
                            '~' if s.tilde_escaped => "%7E".to_owned(),
                            ' ' if s.space_as_plus => "+".to_owned(),
                            ' ' => "%20".to_owned(),
                            other => other.to_string(),
                        })
                        .collect();
                    format!("{n}={value}")
                })
                .collect();
            uri.push_str(&spelled.join("&"));
        }
        uri
    }
}

fn base_string_of(uri: &str) -> String {
    let uri: Uri = uri.parse().unwrap();
    let mut params = Parameters::new();
    if let Some(query) = uri.query() {
        params.extend_from_query(query).unwrap();
    }
    BaseString::new(&Method::GET, &uri, &mut params)
        .unwrap()
        .into_unredacted_string()
}

proptest! {
    #[test]
    fn equivalent_uri_spellings_give_the_same_base_string(case in uri_case(), spelling in spelling()) {
        let canonical = case.canonical();
        let variant = case.spell(&spelling);
        let expected = base_string_of(&canonical);
        prop_assert_eq!(base_string_of(&variant), expected.clone(), "{} vs {}", variant, canonical);

        // The expected base string, built independently from the plain parts.
        let scheme = if case.https { "https" } else { "http" };
        let base_uri = format!("{scheme}://{}/{}", case.host, case.path.join("/"));
        let mut sorted: Vec<(String, String)> =
            case.query.iter().map(|(n, v)| (encode(n), encode(v))).collect();
        sorted.sort();
        let normalized = sorted
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        prop_assert_eq!(
            expected,
            format!("GET&{}&{}", encode(&base_uri), encode(&normalized))
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Sign / verify round trips
// ---------------------------------------------------------------------------------------------

const HMACS: [(HmacHash, MethodName); 3] = [
    (HmacHash::Sha1, MethodName::HmacSha1),
    (HmacHash::Sha256, MethodName::HmacSha256),
    (HmacHash::Sha512, MethodName::HmacSha512),
];

proptest! {
    #[test]
    fn hmac_and_plaintext_sign_verify_round_trip(
        base in prop::collection::vec(any::<u8>(), 0..512),
        consumer_secret in any::<String>(),
        token_secret in any::<String>(),
    ) {
        let secret = ConsumerSecret::new(consumer_secret.as_str());
        let key = VerifyKey::Shared { consumer_secret: &secret, token_secret: &token_secret };
        let other_token = format!("{token_secret}x");
        let wrong_key = VerifyKey::Shared { consumer_secret: &secret, token_secret: &other_token };
        let mut tampered = base.clone();
        tampered.push(b'x');

        for (hash, name) in HMACS {
            let sig = sign(&HmacSha::new(hash, secret.clone()), &base, &token_secret);
            prop_assert!(signature::verify(name, &base, &sig, key), "{}", name);
            prop_assert!(!signature::verify(name, &tampered, &sig, key), "{}", name);
            prop_assert!(!signature::verify(name, &base, &sig, wrong_key), "{}", name);
        }

        let sig = sign(&Plaintext::new(secret.clone()), &base, &token_secret);
        prop_assert_eq!(&sig, &format!("{}&{}", encode(&consumer_secret), encode(&token_secret)));
        prop_assert!(signature::verify(MethodName::Plaintext, &base, &sig, key));
        prop_assert!(!signature::verify(MethodName::Plaintext, &base, &sig, wrong_key));
    }
}

fn rsa_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| {
        KeyLoader::new()
            .load(include_bytes!("data/keys/rsa2048_pkcs8.pem"))
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn rsa_sign_verify_round_trip(base in prop::collection::vec(any::<u8>(), 0..512)) {
        let key = rsa_key();
        let public = key.public_key();
        let mut tampered = base.clone();
        tampered.push(b'x');
        for (hash, name) in [(RsaHash::Sha1, MethodName::RsaSha1), (RsaHash::Sha256, MethodName::RsaSha256)] {
            let sig = sign(&RsaSha::new(hash, key.clone()), &base, "");
            prop_assert!(signature::verify(name, &base, &sig, VerifyKey::Rsa(&public)), "{}", name);
            prop_assert!(!signature::verify(name, &tampered, &sig, VerifyKey::Rsa(&public)), "{}", name);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the signer emits can be read back
// ---------------------------------------------------------------------------------------------

fn plain_signer() -> Signer {
    Signer::builder(
        ConsumerKey::new("consumer key/\u{e9}"),
        Plaintext::new(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("abcdefghijklmnopqrstuvwx".into()))
    .build()
}

proptest! {
    #[test]
    fn header_parses_back_to_the_protocol_parameters(
        token in ".+",
        token_secret in any::<String>(),
        verifier in any::<String>(),
        realm in "[ -~]{0,20}",
    ) {
        let req = http::Request::get("https://example.com/p").body(Vec::new()).unwrap();
        let options = SignOptions::new()
            .token(TokenRef { token: &token, secret: &token_secret })
            .verifier(&verifier)
            .realm(&realm);
        let signed = plain_signer().sign(&req, &options).unwrap();
        let parsed = parse_oauth_header(signed.authorization().to_str().unwrap()).unwrap();
        let mut parsed: Vec<(&str, &str)> = parsed.iter().collect();
        prop_assert_eq!(parsed.remove(0), ("realm", realm.as_str()));
        let expected: Vec<(&str, &str)> = signed.protocol_parameters().collect();
        prop_assert_eq!(parsed, expected);
        prop_assert_eq!(
            signed.protocol_parameters().find(|(n, _)| *n == "oauth_token"),
            Some(("oauth_token", token.as_str()))
        );
    }

    #[test]
    fn apply_query_round_trips_through_a_providers_recomputation(
        query in prop::collection::vec(("[a-z]{1,6}", any::<String>()), 0..6),
        token in "[A-Za-z0-9]{1,12}",
        token_secret in any::<String>(),
    ) {
        let uri = if query.is_empty() {
            "https://example.com/p".to_owned()
        } else {
            format!("https://example.com/p?{}", query_of(&query))
        };
        let mut req = http::Request::get(uri.as_str()).body(Vec::new()).unwrap();
        let signed = plain_signer()
            .sign(&req, &SignOptions::new().token(TokenRef { token: &token, secret: &token_secret }))
            .unwrap();
        signed.apply_query(&mut req).unwrap();

        let mut params = Parameters::new();
        params.extend_from_query(req.uri().query().unwrap()).unwrap();
        let recomputed = BaseString::new(req.method(), req.uri(), &mut params).unwrap();
        prop_assert_eq!(&recomputed, signed.base_string());

        // The signature travels intact: decode it from the query.
        let sent = req
            .uri()
            .query()
            .unwrap()
            .split('&')
            .find_map(|pair| pair.strip_prefix("oauth_signature="))
            .unwrap();
        prop_assert_eq!(
            String::from_utf8(decode(sent).unwrap()).unwrap(),
            signed.signature()
        );

        // A provider parsing the base string text gets the same parts back.
        let parsed = BaseString::parse(signed.base_string().unredacted()).unwrap();
        prop_assert_eq!(&parsed, signed.base_string());
        prop_assert_eq!(parsed.uri(), "https://example.com/p");
    }
}
