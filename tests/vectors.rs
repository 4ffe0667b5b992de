//! Known-answer tests over every published vector in `tests/data/vectors/` (see its README.md for
//! where each value comes from: RFC 5849, the oauth.net wiki TestCases, oauthlib).
//!
//! Every assertion compares exact bytes: encoded text, base strings, signatures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use bitbucket_oauth::rfc5849::{BaseString, base_string_uri};
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::rfc5849::{decode, decode_form_component, encode, encode_into};
use bitbucket_oauth::rfc5849::parse_oauth_header;
use bitbucket_oauth::rfc5849::Parameters;
use bitbucket_oauth::signature::{
    self, HmacHash, HmacSha, MethodName, Plaintext, RsaHash, RsaSha, SignatureMethod, VerifyKey,
};
use bitbucket_oauth::{
    ConsumerKey, ConsumerSecret, KeyError, KeyLoader, RsaPrivateKey, RsaPublicKey, SignOptions,
    Signed, Signer, TokenRef,
};
use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Uri};

// ---------------------------------------------------------------------------------------------
// Reading the vectors
// ---------------------------------------------------------------------------------------------

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/vectors")
}

/// The exact bytes of a vector file (never trimmed).
fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(vectors_dir().join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

fn text(name: &str) -> String {
    String::from_utf8(bytes(name)).unwrap_or_else(|e| panic!("{name} is not UTF-8: {e}"))
}

/// The `input<TAB>expected` rows of a `.tsv` vector, after its `#` comment line.
fn tsv(name: &str) -> Vec<(String, String)> {
    let content = text(name);
    let mut lines = content.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with('#'),
        "{name}: first line must be a comment"
    );
    let rows: Vec<(String, String)> = lines
        .map(|line| {
            let (a, b) = line
                .split_once('\t')
                .unwrap_or_else(|| panic!("{name}: no tab in {line:?}"));
            (a.to_owned(), b.to_owned())
        })
        .collect();
    assert!(!rows.is_empty(), "{name} has no rows");
    rows
}

/// Splits an HMAC/PLAINTEXT key `enc(consumer_secret)&enc(token_secret)` into its decoded halves.
fn split_key(name: &str) -> (String, String) {
    let key = text(name);
    let (c, t) = key.split_once('&').unwrap();
    (
        String::from_utf8(decode(c).unwrap()).unwrap(),
        String::from_utf8(decode(t).unwrap()).unwrap(),
    )
}

fn legacy_key(name: &str) -> RsaPrivateKey {
    KeyLoader::new()
        .insecure_allow_legacy_1024_bit_keys()
        .load(&bytes(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn public_key(name: &str) -> RsaPublicKey {
    RsaPublicKey::from_pem_or_der(&bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sign_with(method: &dyn SignatureMethod, base: &[u8], token_secret: &str) -> String {
    let mut out = String::new();
    method.sign(base, token_secret, &mut out).unwrap();
    out
}

// ---------------------------------------------------------------------------------------------
// Every file is used
// ---------------------------------------------------------------------------------------------

/// Every file of the vector directory, each used by a test below. A vector added without a test
/// makes this fail.
const COVERED: &[&str] = &[
    "README.md",
    "oauthlib_base_string.txt",
    "oauthlib_client_secret.txt",
    "oauthlib_hmac_key_encoded.txt",
    "oauthlib_hmac_sha1_signature.txt",
    "oauthlib_hmac_sha256_signature.txt",
    "oauthlib_hmac_sha512_signature.txt",
    "oauthlib_other_rsa_private_key_pkcs1_NEGATIVE.pem",
    "oauthlib_plaintext_signature.txt",
    "oauthlib_resource_owner_secret.txt",
    "oauthlib_rsa_private_key_pkcs1.pem",
    "oauthlib_rsa_public_key_pkcs1.pem",
    "oauthlib_rsa_sha1_signature.txt",
    "oauthlib_rsa_sha256_signature.txt",
    "oauthlib_rsa_sha512_signature.txt",
    "rfc5849_1.2_initiate_base_string.txt",
    "rfc5849_1.2_initiate_hmac_sha1_key.txt",
    "rfc5849_1.2_initiate_hmac_sha1_signature.txt",
    "rfc5849_1.2_photos_base_string.txt",
    "rfc5849_1.2_photos_hmac_sha1_key.txt",
    "rfc5849_1.2_photos_hmac_sha1_signature.txt",
    "rfc5849_1.2_token_base_string.txt",
    "rfc5849_1.2_token_hmac_sha1_key.txt",
    "rfc5849_1.2_token_hmac_sha1_signature.txt",
    "rfc5849_3.1_hmac_sha1_key.txt",
    "rfc5849_3.1_hmac_sha1_signature_AS_PUBLISHED_WRONG.txt",
    "rfc5849_3.1_hmac_sha1_signature_errata2550.txt",
    "rfc5849_3.1_http_request.txt",
    "rfc5849_3.4.1.1_base_string.txt",
    "rfc5849_3.4.1.2_base_string_uri.tsv",
    "rfc5849_3.4.1.3.1_decoded_params.tsv",
    "rfc5849_3.4.1.3.2_normalized_parameters.txt",
    "wiki_concat_1_base_string.txt",
    "wiki_concat_1_request.txt",
    "wiki_concat_2_base_string.txt",
    "wiki_concat_2_request.txt",
    "wiki_concat_3_base_string.txt",
    "wiki_concat_3_request.txt",
    "wiki_hmac_sha1_1_base_string.txt",
    "wiki_hmac_sha1_1_consumer_secret.txt",
    "wiki_hmac_sha1_1_signature.txt",
    "wiki_hmac_sha1_1_token_secret.txt",
    "wiki_hmac_sha1_2_base_string.txt",
    "wiki_hmac_sha1_2_consumer_secret.txt",
    "wiki_hmac_sha1_2_signature.txt",
    "wiki_hmac_sha1_2_token_secret.txt",
    "wiki_hmac_sha1_3_base_string.txt",
    "wiki_hmac_sha1_3_consumer_secret.txt",
    "wiki_hmac_sha1_3_signature.txt",
    "wiki_hmac_sha1_3_token_secret.txt",
    "wiki_normalize_parameters.tsv",
    "wiki_parameter_encoding.tsv",
    "wiki_rsa_sha1_base_string.txt",
    "wiki_rsa_sha1_certificate.pem",
    "wiki_rsa_sha1_private_key_pkcs8.pem",
    "wiki_rsa_sha1_public_key_spki.pem",
    "wiki_rsa_sha1_request.txt",
    "wiki_rsa_sha1_signature.txt",
];

#[test]
fn every_vector_file_is_covered_and_txt_files_have_no_trailing_newline() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let covered: BTreeSet<String> = COVERED.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(on_disk, covered);
    for name in on_disk.iter().filter(|n| n.ends_with(".txt")) {
        assert!(
            !bytes(name).ends_with(b"\n"),
            "{name} gained a trailing newline"
        );
    }
    // The README keeps its provenance text.
    let readme = text("README.md");
    assert!(readme.contains("RFC 5849"));
    assert!(readme.contains("oauthlib"));
    assert!(readme.contains("TestCases"));
}

// ---------------------------------------------------------------------------------------------
// Parameter encoding (wiki "Parameter Encoding (section 5.1)")
// ---------------------------------------------------------------------------------------------

fn tsv_raw_value(raw: &str) -> String {
    match raw.strip_prefix("U+") {
        Some(hex) => char::from_u32(u32::from_str_radix(hex, 16).unwrap())
            .unwrap()
            .to_string(),
        None => raw.to_owned(),
    }
}

#[test]
fn wiki_parameter_encoding_table() {
    let rows = tsv("wiki_parameter_encoding.tsv");
    assert_eq!(rows.len(), 10);
    for (raw, expected) in rows {
        let value = tsv_raw_value(&raw);
        assert_eq!(encode(&value), expected, "encode({raw})");
        let mut appended = String::from("prefix&");
        encode_into(&mut appended, value.as_bytes());
        assert_eq!(appended, format!("prefix&{expected}"), "encode_into({raw})");
        assert_eq!(
            decode(&expected).unwrap(),
            value.as_bytes(),
            "decode({expected})"
        );
        // The encoder never writes `+`, so form decoding gives the same bytes back.
        assert_eq!(
            decode_form_component(&expected).unwrap(),
            value.as_bytes(),
            "decode_form_component({expected})"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Normalization
// ---------------------------------------------------------------------------------------------

#[test]
fn wiki_normalize_parameters_table() {
    let rows = tsv("wiki_normalize_parameters.tsv");
    assert_eq!(rows.len(), 5);
    for (input, expected) in rows {
        let mut from_form = Parameters::new();
        from_form.extend_from_form(input.as_bytes()).unwrap();
        assert_eq!(from_form.normalized(), expected, "form body {input}");

        let mut from_query = Parameters::new();
        from_query.extend_from_query(&input).unwrap();
        assert_eq!(from_query.normalized(), expected, "query {input}");
    }
}

fn rfc_decoded_params() -> Vec<(String, String)> {
    let rows = tsv("rfc5849_3.4.1.3.1_decoded_params.tsv");
    assert_eq!(rows.len(), 11);
    rows
}

#[test]
fn rfc5849_decoded_params_normalize_to_the_published_string() {
    let mut params = Parameters::new();
    for (name, value) in rfc_decoded_params() {
        params.push(&name, &value);
    }
    assert_eq!(params.len(), 11, "the duplicate a3 is kept");
    assert_eq!(
        params.normalized(),
        text("rfc5849_3.4.1.3.2_normalized_parameters.txt")
    );
}

// ---------------------------------------------------------------------------------------------
// The RFC 5849 §3.1 request
// ---------------------------------------------------------------------------------------------

/// A raw HTTP/1.1 request as the vector file holds it.
struct RawRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// Parses `METHOD target HTTP/1.1\r\nHeader: v\r\n...\r\n\r\nbody`. The RFC example is sent over
/// plain HTTP (its base string starts with `http://`), so the URI is `http://{Host}{target}`.
fn parse_http_request(raw: &[u8]) -> RawRequest {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap().split(' ');
    let method: Method = request_line.next().unwrap().parse().unwrap();
    let target = request_line.next().unwrap().to_owned();
    assert_eq!(request_line.next(), Some("HTTP/1.1"));
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(": ").unwrap();
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let host = headers[HOST].to_str().unwrap();
    let uri: Uri = format!("http://{host}{target}").parse().unwrap();
    RawRequest {
        method,
        uri,
        headers,
        body,
    }
}

/// The protocol parameters of a published request, pinned in our signer to reproduce it.
#[derive(Debug, Default)]
struct Protocol {
    consumer_key: String,
    token: Option<String>,
    method: String,
    timestamp: u64,
    nonce: String,
    version: bool,
    callback: Option<String>,
    verifier: Option<String>,
}

impl Protocol {
    /// From decoded `oauth_*` pairs; `oauth_signature` is ignored (it is never signed).
    fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut p = Self::default();
        for (name, value) in pairs {
            let value = value.to_owned();
            match name {
                "oauth_consumer_key" => p.consumer_key = value,
                "oauth_token" => p.token = Some(value),
                "oauth_signature_method" => p.method = value,
                "oauth_timestamp" => p.timestamp = value.parse().unwrap(),
                "oauth_nonce" => p.nonce = value,
                "oauth_version" => {
                    assert_eq!(value, "1.0");
                    p.version = true;
                }
                "oauth_callback" => p.callback = Some(value),
                "oauth_verifier" => p.verifier = Some(value),
                "oauth_signature" => {}
                other => panic!("unexpected protocol parameter {other}"),
            }
        }
        assert!(!p.consumer_key.is_empty() && !p.nonce.is_empty() && p.timestamp > 0);
        p
    }

    /// Signs with a signer whose clock and nonce source are pinned to this request's values.
    fn sign(
        &self,
        method: Box<dyn SignatureMethod>,
        token_secret: &str,
        request: &RawRequest,
    ) -> Signed {
        let signer = Signer::builder_boxed(ConsumerKey::new(self.consumer_key.as_str()), method)
            .clock(FixedClock(self.timestamp))
            .nonce_source(FixedNonce(self.nonce.clone()))
            .build();
        assert_eq!(signer.method_name(), self.method);
        let mut options = SignOptions::new().version(self.version);
        if let Some(token) = &self.token {
            options = options.token(TokenRef {
                token,
                secret: token_secret,
            });
        }
        if let Some(callback) = &self.callback {
            options = options.callback(callback);
        }
        if let Some(verifier) = &self.verifier {
            options = options.verifier(verifier);
        }
        let signed = signer
            .sign_parts(
                &request.method,
                &request.uri,
                &request.headers,
                &request.body,
                &options,
            )
            .unwrap();
        assert_eq!(signed.nonce(), self.nonce);
        assert_eq!(signed.timestamp(), self.timestamp);
        signed
    }
}

/// The §3.1 request and the protocol parameters of its `Authorization` header (without `realm`
/// and `oauth_signature`, which the test checks were there).
fn rfc_3_1() -> (RawRequest, Protocol) {
    let request = parse_http_request(&bytes("rfc5849_3.1_http_request.txt"));
    assert_eq!(request.method, Method::POST);
    assert_eq!(
        request.uri.to_string(),
        "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
    );
    assert_eq!(
        request.headers[CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(request.body, b"c2&a3=2+q");
    let header = parse_oauth_header(request.headers[AUTHORIZATION].to_str().unwrap()).unwrap();
    assert_eq!(header.get("realm"), Some("Example"));
    assert!(header.get("oauth_signature").is_some());
    let protocol = Protocol::from_pairs(
        header
            .iter()
            .filter(|(name, _)| *name != "realm" && *name != "oauth_signature"),
    );
    assert!(!protocol.version, "the RFC example has no oauth_version");
    (request, protocol)
}

#[test]
fn rfc5849_3_1_parameters_collected_from_the_request_match_the_decoded_table() {
    let (request, _) = rfc_3_1();
    let header = parse_oauth_header(request.headers[AUTHORIZATION].to_str().unwrap()).unwrap();

    let mut collected = Parameters::new();
    collected
        .extend_from_query(request.uri.query().unwrap())
        .unwrap();
    collected.extend_from_form(&request.body).unwrap();
    for (name, value) in header
        .iter()
        .filter(|(name, _)| *name != "realm" && *name != "oauth_signature")
    {
        collected.push(name, value);
    }

    let mut table = Parameters::new();
    for (name, value) in rfc_decoded_params() {
        table.push(&name, &value);
    }
    collected.sort();
    table.sort();
    assert_eq!(collected, table);

    let expected = text("rfc5849_3.4.1.1_base_string.txt");
    let base = BaseString::new(&request.method, &request.uri, &mut collected).unwrap();
    assert_eq!(base.unredacted(), expected);
    assert_eq!(
        base.normalized_parameters(),
        text("rfc5849_3.4.1.3.2_normalized_parameters.txt")
    );
    assert_eq!(base.uri(), "http://example.com/request");
    assert_eq!(base.method(), "POST");
}

#[test]
fn rfc5849_3_1_signer_reproduces_the_base_string_and_the_errata_signature() {
    let (request, protocol) = rfc_3_1();
    let (consumer_secret, token_secret) = split_key("rfc5849_3.1_hmac_sha1_key.txt");
    assert_eq!(consumer_secret, "j49sk3j29djd");
    assert_eq!(token_secret, "dh893hdasih9");

    let signed = protocol.sign(
        Box::new(HmacSha::sha1(ConsumerSecret::new(consumer_secret.as_str()))),
        &token_secret,
        &request,
    );
    let expected_base = text("rfc5849_3.4.1.1_base_string.txt");
    assert_eq!(signed.base_string().unredacted(), expected_base);
    assert_eq!(
        signed.base_string().normalized_parameters(),
        text("rfc5849_3.4.1.3.2_normalized_parameters.txt")
    );

    let errata = text("rfc5849_3.1_hmac_sha1_signature_errata2550.txt");
    let wrong = text("rfc5849_3.1_hmac_sha1_signature_AS_PUBLISHED_WRONG.txt");
    assert_eq!(signed.signature(), errata);
    assert_ne!(signed.signature(), wrong);

    // The header carries the same signature, percent-encoded, and no stale value of the request.
    let ours = parse_oauth_header(signed.authorization().to_str().unwrap()).unwrap();
    assert_eq!(ours.get("oauth_signature"), Some(errata.as_str()));
    assert_eq!(ours.get("oauth_nonce"), Some("7d8f3e4a"));
    assert_eq!(ours.get("realm"), None);

    // The HMAC key is exactly the published one.
    let plaintext = Plaintext::new(ConsumerSecret::new(consumer_secret.as_str()));
    assert_eq!(
        sign_with(&plaintext, b"", &token_secret),
        text("rfc5849_3.1_hmac_sha1_key.txt")
    );

    let key = VerifyKey::Shared {
        consumer_secret: &ConsumerSecret::new(consumer_secret.as_str()),
        token_secret: &token_secret,
    };
    assert!(signature::verify(
        MethodName::HmacSha1,
        expected_base.as_bytes(),
        &errata,
        key
    ));
    assert!(!signature::verify(
        MethodName::HmacSha1,
        expected_base.as_bytes(),
        &wrong,
        key
    ));
}

#[test]
fn rfc5849_3_1_realm_does_not_change_the_base_string() {
    let (request, protocol) = rfc_3_1();
    let (consumer_secret, token_secret) = split_key("rfc5849_3.1_hmac_sha1_key.txt");
    let signer = Signer::builder(
        ConsumerKey::new(protocol.consumer_key.as_str()),
        HmacSha::sha1(ConsumerSecret::new(consumer_secret.as_str())),
    )
    .build();
    let options = SignOptions::new()
        .version(false)
        .token(TokenRef {
            token: protocol.token.as_deref().unwrap(),
            secret: &token_secret,
        })
        .nonce(&protocol.nonce)
        .timestamp(protocol.timestamp)
        .realm("Example");
    let signed = signer
        .sign_parts(
            &request.method,
            &request.uri,
            &request.headers,
            &request.body,
            &options,
        )
        .unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        text("rfc5849_3.4.1.1_base_string.txt")
    );
    assert_eq!(
        signed.signature(),
        text("rfc5849_3.1_hmac_sha1_signature_errata2550.txt")
    );
    assert!(
        signed
            .authorization()
            .to_str()
            .unwrap()
            .starts_with("OAuth realm=\"Example\", oauth_consumer_key=\"9djdj82h48djs9d2\", ")
    );
}

// ---------------------------------------------------------------------------------------------
// Base string URI (§3.4.1.2)
// ---------------------------------------------------------------------------------------------

/// `GET /r%20v/X?id=123 HTTP/1.1 | Host: EXAMPLE.COM:80 (scheme http)` -> the absolute URI.
fn uri_from_tsv_input(input: &str) -> Uri {
    let (request_line, rest) = input.split_once(" | Host: ").unwrap();
    let target = request_line.split(' ').nth(1).unwrap();
    let (host, rest) = rest.split_once(" (scheme ").unwrap();
    let scheme = rest.strip_suffix(')').unwrap();
    format!("{scheme}://{host}{target}").parse().unwrap()
}

#[test]
fn rfc5849_base_string_uri_table() {
    let rows = tsv("rfc5849_3.4.1.2_base_string_uri.tsv");
    assert_eq!(rows.len(), 2);
    for (input, expected) in rows {
        let uri = uri_from_tsv_input(&input);
        assert_eq!(base_string_uri(&uri).unwrap(), expected, "{input}");
        let base = BaseString::new(&Method::GET, &uri, &mut Parameters::new()).unwrap();
        assert_eq!(base.uri(), expected, "{input}");
        assert_eq!(base.unredacted(), format!("GET&{}&", encode(&expected)));
    }
}

// ---------------------------------------------------------------------------------------------
// wiki "Concatenate Request Elements" (base strings)
// ---------------------------------------------------------------------------------------------

/// `GET http://example.com  params: n=v`
fn parse_concat_request(name: &str) -> (Method, String, String) {
    let line = text(name);
    let (request, params) = line.split_once("  params: ").unwrap();
    let (method, url) = request.split_once(' ').unwrap();
    (method.parse().unwrap(), url.to_owned(), params.to_owned())
}

fn method_by_name(name: &str, consumer_secret: &str) -> Box<dyn SignatureMethod> {
    let secret = ConsumerSecret::new(consumer_secret);
    match name {
        "HMAC-SHA1" => Box::new(HmacSha::sha1(secret)),
        "PLAINTEXT" => Box::new(Plaintext::new(secret)),
        other => panic!("no such method in these vectors: {other}"),
    }
}

/// Base string through `Parameters` + `BaseString::new` (all listed parameters, oauth_signature
/// dropped), then, when the case has protocol parameters, through the signer with them pinned.
fn check_concat(case: u8, consumer_secret: &str, token_secret: &str) -> Option<Signed> {
    let (method, url, params) = parse_concat_request(&format!("wiki_concat_{case}_request.txt"));
    let expected = text(&format!("wiki_concat_{case}_base_string.txt"));

    let uri: Uri = url.parse().unwrap();
    let mut all = Parameters::new();
    all.extend_from_query(&params).unwrap();
    let base = BaseString::new(&method, &uri, &mut all).unwrap();
    assert_eq!(
        base.unredacted(),
        expected,
        "case {case} via BaseString::new"
    );

    let (protocol, other): (Vec<&str>, Vec<&str>) = params
        .split('&')
        .partition(|pair| pair.starts_with("oauth_"));
    if protocol.is_empty() {
        return None;
    }
    let protocol = Protocol::from_pairs(protocol.iter().map(|pair| pair.split_once('=').unwrap()));
    let request_uri: Uri = if other.is_empty() {
        uri
    } else {
        format!("{url}?{}", other.join("&")).parse().unwrap()
    };
    let request = RawRequest {
        method,
        uri: request_uri,
        headers: HeaderMap::new(),
        body: Vec::new(),
    };
    let signed = protocol.sign(
        method_by_name(&protocol.method, consumer_secret),
        token_secret,
        &request,
    );
    assert_eq!(
        signed.base_string().unredacted(),
        expected,
        "case {case} via Signer"
    );
    Some(signed)
}

#[test]
fn wiki_concat_1_empty_path_becomes_slash() {
    assert!(check_concat(1, "unused", "").is_none());
}

#[test]
fn wiki_concat_2_plaintext_request_token() {
    let signed = check_concat(2, "kd94hf93k423kf44", "").unwrap();
    // PLAINTEXT: the signature is the key, `&` included although there is no token secret.
    assert_eq!(signed.signature(), "kd94hf93k423kf44&");
}

#[test]
fn wiki_concat_3_is_the_hmac_sha1_3_case() {
    let consumer_secret = text("wiki_hmac_sha1_3_consumer_secret.txt");
    let token_secret = text("wiki_hmac_sha1_3_token_secret.txt");
    let signed = check_concat(3, &consumer_secret, &token_secret).unwrap();
    assert_eq!(
        text("wiki_concat_3_base_string.txt"),
        text("wiki_hmac_sha1_3_base_string.txt")
    );
    assert_eq!(signed.signature(), text("wiki_hmac_sha1_3_signature.txt"));
}

// ---------------------------------------------------------------------------------------------
// wiki HMAC-SHA1 cases
// ---------------------------------------------------------------------------------------------

#[test]
fn wiki_hmac_sha1_table() {
    for case in 1..=3 {
        let base = bytes(&format!("wiki_hmac_sha1_{case}_base_string.txt"));
        let consumer_secret = text(&format!("wiki_hmac_sha1_{case}_consumer_secret.txt"));
        let token_secret = text(&format!("wiki_hmac_sha1_{case}_token_secret.txt"));
        let expected = text(&format!("wiki_hmac_sha1_{case}_signature.txt"));
        let secret = ConsumerSecret::new(consumer_secret.as_str());

        let method = HmacSha::sha1(secret.clone());
        assert_eq!(method.name(), "HMAC-SHA1");
        assert_eq!(
            sign_with(&method, &base, &token_secret),
            expected,
            "case {case}"
        );
        assert!(
            signature::verify(
                MethodName::HmacSha1,
                &base,
                &expected,
                VerifyKey::Shared {
                    consumer_secret: &secret,
                    token_secret: &token_secret,
                },
            ),
            "case {case}"
        );
    }
    // Case 1 has an empty token secret on purpose: the key is still `cs&`.
    assert_eq!(text("wiki_hmac_sha1_1_token_secret.txt"), "");
    assert_eq!(
        sign_with(&Plaintext::new(ConsumerSecret::new("cs")), b"bs", ""),
        "cs&"
    );
}

// ---------------------------------------------------------------------------------------------
// wiki RSA-SHA1 case
// ---------------------------------------------------------------------------------------------

/// `GET http://... (sic...)  oauth_consumer_key=.. oauth_nonce=.. ... (no oauth_token)`
fn wiki_rsa_request() -> (RawRequest, Protocol) {
    let line = text("wiki_rsa_sha1_request.txt");
    let mut words = line.split_whitespace();
    let method: Method = words.next().unwrap().parse().unwrap();
    let uri: Uri = words.next().unwrap().parse().unwrap();
    let protocol = Protocol::from_pairs(
        words
            .filter(|w| w.starts_with("oauth_") && w.contains('='))
            .map(|w| w.split_once('=').unwrap()),
    );
    assert!(protocol.token.is_none());
    (
        RawRequest {
            method,
            uri,
            headers: HeaderMap::new(),
            body: Vec::new(),
        },
        protocol,
    )
}

#[test]
fn wiki_rsa_sha1_signer_reproduces_base_string_and_signature() {
    let key = legacy_key("wiki_rsa_sha1_private_key_pkcs8.pem");
    assert_eq!(key.bits(), 1024);
    let (request, protocol) = wiki_rsa_request();
    let signed = protocol.sign(Box::new(RsaSha::sha1(key)), "", &request);
    let expected_base = text("wiki_rsa_sha1_base_string.txt");
    let expected_signature = text("wiki_rsa_sha1_signature.txt");
    assert_eq!(signed.base_string().unredacted(), expected_base);
    assert_eq!(signed.signature(), expected_signature);

    let public = public_key("wiki_rsa_sha1_public_key_spki.pem");
    assert!(signature::verify(
        MethodName::RsaSha1,
        expected_base.as_bytes(),
        &expected_signature,
        VerifyKey::Rsa(&public)
    ));
}

#[test]
fn wiki_rsa_sha1_key_certificate_and_public_key_agree() {
    let key = legacy_key("wiki_rsa_sha1_private_key_pkcs8.pem");
    // Our SPKI export is byte for byte the published public key file.
    assert_eq!(
        key.public_key_pem().unwrap(),
        text("wiki_rsa_sha1_public_key_spki.pem")
    );
    assert_eq!(
        key.public_key(),
        public_key("wiki_rsa_sha1_public_key_spki.pem")
    );
    // The certificate carries that same SPKI.
    let cert_pem = bytes("wiki_rsa_sha1_certificate.pem");
    let (label, cert_der) = pem_rfc7468::decode_vec(&cert_pem).unwrap();
    assert_eq!(label, "CERTIFICATE");
    let spki_der = key.public_key_der().unwrap();
    assert!(
        cert_der.windows(spki_der.len()).any(|w| w == spki_der),
        "the certificate does not contain the key's SPKI"
    );
    // A certificate is not a private key.
    assert_eq!(
        KeyLoader::new()
            .insecure_allow_legacy_1024_bit_keys()
            .load(&bytes("wiki_rsa_sha1_certificate.pem"))
            .unwrap_err(),
        KeyError::PublicKeyGiven
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 5849 §1.2 walk-through
// ---------------------------------------------------------------------------------------------

/// The three signed requests of RFC 5849 §1.2, as the RFC prints them (consumer key
/// `dpf43f3p2l4k3l03`, no `oauth_version`).
struct Rfc12Case {
    name: &'static str,
    method: Method,
    uri: &'static str,
    token: Option<&'static str>,
    callback: Option<&'static str>,
    verifier: Option<&'static str>,
    nonce: &'static str,
    timestamp: u64,
}

fn rfc_1_2_cases() -> [Rfc12Case; 3] {
    [
        Rfc12Case {
            name: "initiate",
            method: Method::POST,
            uri: "https://photos.example.net/initiate",
            token: None,
            callback: Some("http://printer.example.com/ready"),
            verifier: None,
            nonce: "wIjqoS",
            timestamp: 137_131_200,
        },
        Rfc12Case {
            name: "token",
            method: Method::POST,
            uri: "https://photos.example.net/token",
            token: Some("hh5s93j4hdidpola"),
            callback: None,
            verifier: Some("hfdp7dh39dks9884"),
            nonce: "walatlh",
            timestamp: 137_131_201,
        },
        // The RFC sends this one over HTTPS, but its published signature only reproduces with
        // `http` in the base string URI (see the vectors README).
        Rfc12Case {
            name: "photos",
            method: Method::GET,
            uri: "http://photos.example.net/photos?file=vacation.jpg&size=original",
            token: Some("nnch734d00sl2jdk"),
            callback: None,
            verifier: None,
            nonce: "chapoH",
            timestamp: 137_131_202,
        },
    ]
}

fn sign_rfc_1_2(case: &Rfc12Case, uri: &str) -> Signed {
    let (consumer_secret, token_secret) =
        split_key(&format!("rfc5849_1.2_{}_hmac_sha1_key.txt", case.name));
    let signer = Signer::new(
        ConsumerKey::new("dpf43f3p2l4k3l03"),
        HmacSha::sha1(ConsumerSecret::new(consumer_secret)),
    );
    // Every request of the walk-through carries `realm="Photos"`, which is never signed.
    let mut options = SignOptions::new()
        .version(false)
        .realm("Photos")
        .nonce(case.nonce)
        .timestamp(case.timestamp);
    if let Some(token) = case.token {
        options = options.token(TokenRef {
            token,
            secret: &token_secret,
        });
    } else {
        assert_eq!(token_secret, "");
    }
    if let Some(callback) = case.callback {
        options = options.callback(callback);
    }
    if let Some(verifier) = case.verifier {
        options = options.verifier(verifier);
    }
    let uri: Uri = uri.parse().unwrap();
    signer
        .sign_parts(&case.method, &uri, &HeaderMap::new(), b"", &options)
        .unwrap()
}

#[test]
fn rfc5849_1_2_walkthrough_table() {
    for case in rfc_1_2_cases() {
        let signed = sign_rfc_1_2(&case, case.uri);
        assert_eq!(
            signed.base_string().unredacted(),
            text(&format!("rfc5849_1.2_{}_base_string.txt", case.name)),
            "{}",
            case.name
        );
        assert_eq!(
            signed.signature(),
            text(&format!(
                "rfc5849_1.2_{}_hmac_sha1_signature.txt",
                case.name
            )),
            "{}",
            case.name
        );
        assert!(
            signed
                .authorization()
                .to_str()
                .unwrap()
                .starts_with("OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", ")
        );
        // The HMAC key is the published one (PLAINTEXT signs with the key itself).
        let (consumer_secret, token_secret) =
            split_key(&format!("rfc5849_1.2_{}_hmac_sha1_key.txt", case.name));
        assert_eq!(
            sign_with(
                &Plaintext::new(ConsumerSecret::new(consumer_secret)),
                b"",
                &token_secret
            ),
            text(&format!("rfc5849_1.2_{}_hmac_sha1_key.txt", case.name))
        );
    }
}

#[test]
fn rfc5849_1_2_photos_with_https_gives_another_base_string_and_signature() {
    let [_, _, photos] = rfc_1_2_cases();
    let signed = sign_rfc_1_2(
        &photos,
        "https://photos.example.net/photos?file=vacation.jpg&size=original",
    );
    let published = text("rfc5849_1.2_photos_base_string.txt");
    assert_eq!(
        signed.base_string().unredacted(),
        published.replacen("GET&http%3A", "GET&https%3A", 1)
    );
    assert_ne!(
        signed.signature(),
        text("rfc5849_1.2_photos_hmac_sha1_signature.txt")
    );
}

// ---------------------------------------------------------------------------------------------
// oauthlib signature tests
// ---------------------------------------------------------------------------------------------

#[test]
fn oauthlib_base_string_is_the_rfc_one() {
    assert_eq!(
        text("oauthlib_base_string.txt"),
        text("rfc5849_3.4.1.1_base_string.txt")
    );
    let parsed = BaseString::parse(&text("oauthlib_base_string.txt")).unwrap();
    assert_eq!(parsed.uri(), "http://example.com/request");
    assert_eq!(
        parsed.normalized_parameters(),
        text("rfc5849_3.4.1.3.2_normalized_parameters.txt")
    );
}

#[test]
fn oauthlib_hmac_and_plaintext_signatures() {
    let base = bytes("oauthlib_base_string.txt");
    let client_secret = text("oauthlib_client_secret.txt");
    let owner_secret = text("oauthlib_resource_owner_secret.txt");
    assert_eq!(owner_secret, "just-a-string    asdasd", "four spaces kept");
    let secret = ConsumerSecret::new(client_secret.as_str());
    let shared = VerifyKey::Shared {
        consumer_secret: &secret,
        token_secret: &owner_secret,
    };

    let cases = [
        (
            HmacHash::Sha1,
            MethodName::HmacSha1,
            "oauthlib_hmac_sha1_signature.txt",
        ),
        (
            HmacHash::Sha256,
            MethodName::HmacSha256,
            "oauthlib_hmac_sha256_signature.txt",
        ),
        (
            HmacHash::Sha512,
            MethodName::HmacSha512,
            "oauthlib_hmac_sha512_signature.txt",
        ),
    ];
    for (hash, name, file) in cases {
        let method = HmacSha::new(hash, secret.clone());
        assert_eq!(method.name(), name.as_str());
        let expected = text(file);
        assert_eq!(sign_with(&method, &base, &owner_secret), expected, "{file}");
        assert!(signature::verify(name, &base, &expected, shared), "{file}");
    }

    let plaintext = Plaintext::new(secret.clone());
    let expected = text("oauthlib_plaintext_signature.txt");
    assert_eq!(expected, text("oauthlib_hmac_key_encoded.txt"));
    assert_eq!(sign_with(&plaintext, &base, &owner_secret), expected);
    assert!(signature::verify(
        MethodName::Plaintext,
        &base,
        &expected,
        shared
    ));
}

const OAUTHLIB_RSA: [(RsaHash, MethodName, &str); 3] = [
    (
        RsaHash::Sha1,
        MethodName::RsaSha1,
        "oauthlib_rsa_sha1_signature.txt",
    ),
    (
        RsaHash::Sha256,
        MethodName::RsaSha256,
        "oauthlib_rsa_sha256_signature.txt",
    ),
    (
        RsaHash::Sha512,
        MethodName::RsaSha512,
        "oauthlib_rsa_sha512_signature.txt",
    ),
];

#[test]
fn oauthlib_rsa_signatures() {
    let base = bytes("oauthlib_base_string.txt");
    let key = legacy_key("oauthlib_rsa_private_key_pkcs1.pem");
    assert_eq!(key.bits(), 1024);
    let public = public_key("oauthlib_rsa_public_key_pkcs1.pem");
    assert_eq!(key.public_key(), public);
    for (hash, name, file) in OAUTHLIB_RSA {
        let method = RsaSha::new(hash, key.clone());
        assert_eq!(method.name(), name.as_str());
        let expected = text(file);
        // The token secret plays no part in RSA signatures.
        assert_eq!(sign_with(&method, &base, ""), expected, "{file}");
        assert_eq!(sign_with(&method, &base, "ignored"), expected, "{file}");
        assert!(
            signature::verify(name, &base, &expected, VerifyKey::Rsa(&public)),
            "{file}"
        );
    }
}

#[test]
fn oauthlib_negative_rsa_key_does_not_verify() {
    let base = bytes("oauthlib_base_string.txt");
    let other = legacy_key("oauthlib_other_rsa_private_key_pkcs1_NEGATIVE.pem");
    let public = public_key("oauthlib_rsa_public_key_pkcs1.pem");
    assert_ne!(other.public_key(), public);
    for (hash, name, file) in OAUTHLIB_RSA {
        let forged = sign_with(&RsaSha::new(hash, other.clone()), &base, "");
        assert_ne!(forged, text(file), "{file}");
        assert!(
            !signature::verify(name, &base, &forged, VerifyKey::Rsa(&public)),
            "{file}: a signature of the other key verified"
        );
        // It does verify with its own public key, so the failure above is the key's doing.
        assert!(signature::verify(
            name,
            &base,
            &forged,
            VerifyKey::Rsa(&other.public_key())
        ));
    }
}

#[test]
fn default_key_loader_refuses_the_1024_bit_vector_keys() {
    for name in [
        "oauthlib_rsa_private_key_pkcs1.pem",
        "oauthlib_other_rsa_private_key_pkcs1_NEGATIVE.pem",
        "wiki_rsa_sha1_private_key_pkcs8.pem",
    ] {
        let too_small = KeyError::TooSmall {
            bits: 1024,
            minimum: 2048,
        };
        assert_eq!(
            KeyLoader::new().load(&bytes(name)).unwrap_err(),
            too_small,
            "{name}"
        );
        assert_eq!(
            RsaPrivateKey::from_pem(&text(name)).unwrap_err(),
            too_small,
            "{name}"
        );
    }
}
