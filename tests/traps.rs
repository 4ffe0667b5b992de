//! One test per canonicalization trap of design.md §5 ("Canonicalization traps that real
//! libraries fell into"), plus the signer's input checks, redaction and the parameter placements.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;

use bitbucket_oauth::rfc5849::{BaseString, base_string_uri};
use bitbucket_oauth::clock::{FixedClock, FixedNonce, NonceSource, RandomNonce};
use bitbucket_oauth::rfc5849::encode;
use bitbucket_oauth::{Source, rfc5849::Parameters};
use bitbucket_oauth::signature::{HmacSha, Plaintext, RsaSha, SignatureMethod};
use bitbucket_oauth::{
    Access, ConsumerKey, ConsumerSecret, Error, RsaPrivateKey, SignOptions, Signed, Signer, Token,
    TokenRef, TokenSecret, UriProblem, Verifier,
};
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

const NONCE: &str = "abcdefghijklmnopqrst";
const TIMESTAMP: u64 = 1_700_000_000;
/// The protocol parameters of `signer()` without a token, encoded once, in sorted order.
const PROTOCOL: &str = "oauth_consumer_key=ck&oauth_nonce=abcdefghijklmnopqrst&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1700000000&oauth_version=1.0";

fn pinned(method: impl SignatureMethod + 'static) -> Signer {
    Signer::builder(ConsumerKey::new("ck"), method)
        .clock(FixedClock(TIMESTAMP))
        .nonce_source(FixedNonce(NONCE.into()))
        .build()
}

fn signer() -> Signer {
    pinned(HmacSha::sha1(ConsumerSecret::new("cs")))
}

fn plaintext_signer(consumer_secret: &str) -> Signer {
    pinned(Plaintext::new(ConsumerSecret::new(consumer_secret)))
}

fn request(method: Method, uri: &str, content_type: Option<&str>, body: &[u8]) -> Request<Vec<u8>> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(ct) = content_type {
        builder = builder.header(CONTENT_TYPE, ct);
    }
    builder.body(body.to_vec()).unwrap()
}

fn sign(req: &Request<Vec<u8>>) -> Result<Signed, Error> {
    signer().sign(req, &SignOptions::new())
}

fn sign_get(uri: &str) -> Result<Signed, Error> {
    sign(&request(Method::GET, uri, None, b""))
}

/// The normalized parameters (decoded once from the base string) of a signed GET.
fn signed_params(uri: &str) -> String {
    sign_get(uri).unwrap().base_string().normalized_parameters()
}

/// The base string URI of a signed GET.
fn signed_uri(uri: &str) -> String {
    sign_get(uri).unwrap().base_string().uri()
}

fn normalized_query(query: &str) -> String {
    let mut p = Parameters::new();
    p.extend_from_query(query).unwrap();
    p.normalized()
}

/// The normalized parameters of a signed POST with this content type and body.
fn body_params(content_type: Option<&str>, body: &[u8]) -> String {
    let req = request(Method::POST, "https://example.com/p", content_type, body);
    sign(&req).unwrap().base_string().normalized_parameters()
}

fn header(signed: &Signed) -> &str {
    signed.authorization().to_str().unwrap()
}

// ---------------------------------------------------------------------------------------------
// design.md §5 traps
// ---------------------------------------------------------------------------------------------

#[test]
fn trap_rfc3986_encoding_not_form_encoding() {
    // Form encoding writes `+` for a space, may use lowercase hex and leaves `*` alone.
    assert_eq!(encode(" "), "%20");
    assert_eq!(encode("*"), "%2A");
    assert_eq!(encode("~"), "~");
    assert_eq!(encode("!'()"), "%21%27%28%29");
    assert_eq!(encode("é"), "%C3%A9");
    // A query sent with lowercase hex and a literal `*` is signed in RFC 3986 form.
    let signed = sign_get("https://example.com/p?q=a%20b*~%c3%a9").unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        format!(
            "GET&https%3A%2F%2Fexample.com%2Fp&{}",
            encode(format!("{PROTOCOL}&q=a%20b%2A~%C3%A9"))
        )
    );
    assert!(
        signed
            .base_string()
            .unredacted()
            .ends_with("%26q%3Da%2520b%252A~%25C3%25A9")
    );
}

#[test]
fn trap_sort_by_encoded_name_then_encoded_value() {
    // Sorting joined `k=v` strings would put `a1=x` before `a=y` (`1` < `=`).
    assert_eq!(normalized_query("a1=x&a=y"), "a=y&a1=x");
    assert_eq!(normalized_query("x!y=a&x=a"), "x=a&x%21y=a");
    // Values are compared encoded: `%2F` (from `/`) sorts before `.`, though `.` < `/` decoded.
    assert_eq!(normalized_query("a=.&a=/"), "a=%2F&a=.");
    // Byte order, not numeric order; the value only breaks ties between equal names.
    assert_eq!(normalized_query("b=2&a=2&a=10"), "a=10&a=2&b=2");
    // The same through the signer: protocol parameters sort among the request's.
    assert_eq!(
        signed_params("https://example.com/?z=1&oauth_a=2&a1=x&a=y"),
        format!("a=y&a1=x&oauth_a=2&{PROTOCOL}&z=1")
    );
}

#[test]
fn trap_duplicate_parameters_are_kept() {
    assert_eq!(
        normalized_query("a=1&a=1&a=2&b=1&a=1"),
        "a=1&a=1&a=1&a=2&b=1"
    );
    let mut p = Parameters::new();
    p.extend_from_query("a=1&a=1").unwrap();
    assert_eq!(p.len(), 2);
    // Query and form body carrying the same pair: both count.
    let req = request(
        Method::POST,
        "https://example.com/p?a=1&a=1",
        Some("application/x-www-form-urlencoded"),
        b"a=1",
    );
    assert_eq!(
        sign(&req).unwrap().base_string().normalized_parameters(),
        format!("a=1&a=1&a=1&{PROTOCOL}")
    );
}

#[test]
fn trap_default_port_depends_on_the_scheme() {
    let cases = [
        ("http://h:443/", "http://h:443/"),
        ("https://h:80/", "https://h:80/"),
        ("http://h:80/", "http://h/"),
        ("https://h:443/", "https://h/"),
        ("http://h:8080/", "http://h:8080/"),
        ("https://h:8443/x", "https://h:8443/x"),
    ];
    for (uri, expected) in cases {
        assert_eq!(signed_uri(uri), expected, "{uri}");
        assert_eq!(
            base_string_uri(&uri.parse::<Uri>().unwrap()).unwrap(),
            expected
        );
    }
}

#[test]
fn trap_scheme_and_host_lowercased_path_kept() {
    assert_eq!(
        signed_uri("HTTPS://BitBucket.Example.COM/Rest/API%2fX"),
        "https://bitbucket.example.com/Rest/API%2fX"
    );
    assert_eq!(
        sign_get("HTTP://EXAMPLE.COM:80/a")
            .unwrap()
            .base_string()
            .unredacted(),
        format!("GET&http%3A%2F%2Fexample.com%2Fa&{}", encode(PROTOCOL))
    );
}

#[test]
fn trap_empty_path_becomes_slash() {
    assert_eq!(signed_uri("http://example.com"), "http://example.com/");
    let signed = sign_get("http://example.com?x=1").unwrap();
    assert_eq!(signed.base_string().uri(), "http://example.com/");
    assert_eq!(
        signed.base_string().normalized_parameters(),
        format!("{PROTOCOL}&x=1")
    );
    let base = BaseString::new(
        &Method::GET,
        &"https://example.com".parse().unwrap(),
        &mut Parameters::new(),
    )
    .unwrap();
    assert_eq!(base.unredacted(), "GET&https%3A%2F%2Fexample.com%2F&");
}

#[test]
fn trap_ipv6_hosts() {
    let cases = [
        ("http://[::1]:8080/a", "http://[::1]:8080/a"),
        ("http://[FE80::1]:80/a", "http://[fe80::1]/a"),
        ("https://[2001:DB8::1]/", "https://[2001:db8::1]/"),
        ("https://[2001:db8::1]:443", "https://[2001:db8::1]/"),
        ("http://[::1]:443/", "http://[::1]:443/"),
    ];
    for (uri, expected) in cases {
        assert_eq!(signed_uri(uri), expected, "{uri}");
    }
}

#[test]
fn trap_form_body_with_charset_is_still_signed() {
    for ct in [
        "application/x-www-form-urlencoded; charset=UTF-8",
        "application/x-www-form-urlencoded;charset=utf-8",
        "APPLICATION/X-WWW-FORM-URLENCODED",
        " application/x-www-form-urlencoded ; charset=ISO-8859-1",
    ] {
        assert_eq!(
            body_params(Some(ct), b"b=2&a=x+y"),
            format!("a=x%20y&b=2&{PROTOCOL}"),
            "{ct}"
        );
    }
}

#[test]
fn trap_json_multipart_and_other_bodies_are_never_signed() {
    for (ct, body) in [
        (Some("application/json"), &b"a=1"[..]),
        (Some("application/json"), br#"{"a":"1","b":"%zz"}"#),
        (
            Some("multipart/form-data; boundary=X"),
            b"--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n",
        ),
        (Some("multipart/form-data; boundary=X"), b"a=1&b=2"),
        (Some("text/plain"), b"a=1"),
        (Some("application/x-www-form-urlencoded-not"), b"a=1"),
        (None, b"a=1"),
    ] {
        // Not parsed at all: not even a malformed `%` in it is noticed.
        assert_eq!(body_params(ct, body), PROTOCOL, "{ct:?}");
    }
}

#[test]
fn trap_plus_in_query_and_body_is_a_space() {
    assert_eq!(normalized_query("q=a+b&a+b=1"), "a%20b=1&q=a%20b");
    assert_eq!(
        signed_params("https://example.com/?q=a+b"),
        format!("{PROTOCOL}&q=a%20b")
    );
    assert_eq!(
        body_params(Some("application/x-www-form-urlencoded"), b"q=a+b"),
        format!("{PROTOCOL}&q=a%20b")
    );
    assert!(
        sign_get("https://example.com/?q=a+b")
            .unwrap()
            .base_string()
            .unredacted()
            .ends_with("%26q%3Da%2520b")
    );
}

#[test]
fn trap_percent_2b_is_decoded_once() {
    assert_eq!(normalized_query("q=a%2Bb"), "q=a%2Bb");
    assert_eq!(normalized_query("q=%252B"), "q=%252B");
    let signed = sign_get("https://example.com/?q=a%2Bb").unwrap();
    assert!(
        signed
            .base_string()
            .unredacted()
            .ends_with("%26q%3Da%252Bb"),
        "{}",
        signed.base_string()
    );
    assert_eq!(
        body_params(Some("application/x-www-form-urlencoded"), b"q=a%2Bb%252B"),
        format!("{PROTOCOL}&q=a%2Bb%252B")
    );
}

#[test]
fn trap_ampersand_kept_with_empty_token_secret() {
    // PLAINTEXT shows the key itself.
    let plain = plaintext_signer("cs");
    let req = request(Method::GET, "https://example.com/", None, b"");
    let no_token = plain.sign(&req, &SignOptions::new()).unwrap();
    assert_eq!(no_token.signature(), "cs&");
    assert!(header(&no_token).ends_with(", oauth_signature=\"cs%26\""));
    let empty_secret = plain
        .sign(
            &req,
            &SignOptions::new().token(TokenRef {
                token: "t",
                secret: "",
            }),
        )
        .unwrap();
    assert_eq!(empty_secret.signature(), "cs&");
    // HMAC-SHA1 over `bs` with key `cs&` (oauth.net wiki TestCases, HMAC-SHA1 case 1).
    let mut out = String::new();
    HmacSha::sha1(ConsumerSecret::new("cs"))
        .sign(b"bs", "", &mut out)
        .unwrap();
    assert_eq!(out, "egQqG5AJep5sJ7anhXju1unge2I=");
}

#[test]
fn trap_default_nonces_are_alphanumeric_20_to_30_and_differ() {
    let signer = Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(TIMESTAMP))
    .build();
    let req = request(Method::GET, "https://example.com/", None, b"");
    let mut seen = HashSet::new();
    for _ in 0..500 {
        let signed = signer.sign(&req, &SignOptions::new()).unwrap();
        let nonce = signed.nonce().to_owned();
        assert!((20..=30).contains(&nonce.len()), "{nonce}");
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()), "{nonce}");
        assert!(
            header(&signed).contains(&format!("oauth_nonce=\"{nonce}\"")),
            "{nonce}"
        );
        assert!(
            signed
                .base_string()
                .unredacted()
                .contains(&format!("oauth_nonce%3D{nonce}%26")),
            "{nonce}"
        );
        assert!(seen.insert(nonce), "a nonce repeated");
    }
    // The source itself, and its characters are spread over the whole alphabet.
    let mut chars = HashSet::new();
    for _ in 0..200 {
        let mut nonce = String::new();
        RandomNonce.fill_nonce(&mut nonce).unwrap();
        assert!((20..=30).contains(&nonce.len()));
        chars.extend(nonce.bytes());
    }
    assert!(chars.len() > 55, "only {} distinct characters", chars.len());
}

// ---------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_percent_in_query_reports_location_and_offset() {
    let cases = [
        ("a=1&b=%zz", 6),
        ("%G1=1", 0),
        ("a=100%", 5),
        ("a=%2", 2),
        ("ok=1&&x%=1", 7),
    ];
    for (query, offset) in cases {
        let err = sign_get(&format!("https://example.com/p?{query}")).unwrap_err();
        assert!(
            matches!(err, Error::MalformedEncoding { location: Source::Query, offset: o } if o == offset),
            "{query}: {err:?}"
        );
        let mut p = Parameters::new();
        let err = p.extend_from_query(query).unwrap_err();
        assert!(
            matches!(err, Error::MalformedEncoding { location: Source::Query, offset: o } if o == offset),
            "{query}: {err:?}"
        );
    }
    let err = sign_get("https://example.com/p?a=1&b=%zz").unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed percent-encoding in the query string at byte 6: `%` must be followed by two hex digits"
    );
}

#[test]
fn malformed_percent_in_form_body_reports_location_and_offset() {
    let req = request(
        Method::POST,
        "https://example.com/p?fine=%20",
        Some("application/x-www-form-urlencoded"),
        b"x=1&y=%4",
    );
    let err = sign(&req).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MalformedEncoding {
                location: Source::FormBody,
                offset: 6
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "malformed percent-encoding in the form body at byte 6: `%` must be followed by two hex digits"
    );
}

#[test]
fn uris_without_scheme_or_host_or_with_a_bad_port_are_refused() {
    let cases = [
        ("/only/a/path", UriProblem::NoScheme),
        ("example.com:80", UriProblem::NoScheme),
        ("http://:80/x", UriProblem::NoHost),
        ("http://h:99999/", UriProblem::BadPort),
        ("http://h:8a/", UriProblem::BadPort),
    ];
    for (uri, problem) in cases {
        let err = sign_get(uri).unwrap_err();
        assert!(
            matches!(err, Error::InvalidUri(p) if p == problem),
            "{uri}: {err:?}"
        );
    }
}

#[test]
fn empty_token_refused_but_two_legged_mode_sends_it() {
    let req = request(Method::GET, "https://example.com/", None, b"");
    let err = signer()
        .sign(
            &req,
            &SignOptions::new().token(TokenRef {
                token: "",
                secret: "s3cr3t",
            }),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "oauth_token",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains("s3cr3t"));

    // Atlassian 2-legged OAuth with user impersonation (`user_id`, signed like any query param).
    let plain = plaintext_signer("cs");
    let req = request(
        Method::GET,
        "https://bitbucket.example.com/plugins/servlet/applinks/whoami?user_id=alice",
        None,
        b"",
    );
    let signed = plain
        .sign(&req, &SignOptions::new().two_legged_empty_token())
        .unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        "GET&https%3A%2F%2Fbitbucket.example.com%2Fplugins%2Fservlet%2Fapplinks%2Fwhoami&\
         oauth_consumer_key%3Dck%26oauth_nonce%3Dabcdefghijklmnopqrst%26\
         oauth_signature_method%3DPLAINTEXT%26oauth_timestamp%3D1700000000%26\
         oauth_token%3D%26oauth_version%3D1.0%26user_id%3Dalice"
    );
    assert_eq!(
        header(&signed),
        "OAuth oauth_consumer_key=\"ck\", oauth_token=\"\", oauth_signature_method=\"PLAINTEXT\", \
         oauth_timestamp=\"1700000000\", oauth_nonce=\"abcdefghijklmnopqrst\", \
         oauth_version=\"1.0\", oauth_signature=\"cs%26\""
    );
}

#[test]
fn callback_must_be_absolute_or_oob() {
    let req = request(Method::POST, "https://example.com/request-token", None, b"");
    for bad in ["", "/callback", "callback", "http://", "//host/cb"] {
        let err = signer()
            .sign(&req, &SignOptions::new().callback(bad))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidParameter {
                    name: "oauth_callback",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
    }
    let oob = signer()
        .sign(&req, &SignOptions::new().callback("oob"))
        .unwrap();
    assert!(
        oob.base_string()
            .normalized_parameters()
            .starts_with("oauth_callback=oob&")
    );
    let url = signer()
        .sign(
            &req,
            &SignOptions::new().callback("http://localhost:8080/cb?x=1"),
        )
        .unwrap();
    assert!(
        url.base_string()
            .normalized_parameters()
            .starts_with("oauth_callback=http%3A%2F%2Flocalhost%3A8080%2Fcb%3Fx%3D1&")
    );
    assert!(
        header(&url).contains(", oauth_callback=\"http%3A%2F%2Flocalhost%3A8080%2Fcb%3Fx%3D1\"")
    );
}

#[test]
fn realm_is_never_signed() {
    let req = request(Method::GET, "https://example.com/p?a=1", None, b"");
    let without = signer().sign(&req, &SignOptions::new()).unwrap();
    let with = signer()
        .sign(&req, &SignOptions::new().realm("Bitbucket \"Server\""))
        .unwrap();
    assert_eq!(with.base_string(), without.base_string());
    assert_eq!(with.signature(), without.signature());
    assert!(!with.base_string().unredacted().contains("realm"));
    assert!(
        header(&with)
            .starts_with("OAuth realm=\"Bitbucket \\\"Server\\\"\", oauth_consumer_key=\"ck\", ")
    );
    assert!(with.protocol_parameters().all(|(name, _)| name != "realm"));
    assert!(!with.to_urlencoded().contains("realm"));
    // A realm that cannot go into a header is refused.
    let err = signer()
        .sign(&req, &SignOptions::new().realm("a\nb"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRealm), "{err:?}");
}

#[test]
fn oauth_signature_in_query_or_body_is_excluded() {
    assert_eq!(normalized_query("a=1&oauth_signature=abc&b=2"), "a=1&b=2");
    assert_eq!(
        signed_params("https://example.com/?oauth_signature=stale%3D&a=1"),
        format!("a=1&{PROTOCOL}")
    );
    assert_eq!(
        body_params(
            Some("application/x-www-form-urlencoded"),
            b"oauth_signature=stale&b=2"
        ),
        format!("b=2&{PROTOCOL}")
    );
}

#[test]
fn protocol_parameter_already_in_the_request_is_refused() {
    for (uri, ct, body, name) in [
        (
            "https://example.com/?oauth_nonce=x",
            None,
            &b""[..],
            "oauth_nonce",
        ),
        // Spelled with an escape, it is still the same parameter.
        (
            "https://example.com/?oauth%5Fnonce=x",
            None,
            b"",
            "oauth_nonce",
        ),
        (
            "https://example.com/",
            Some("application/x-www-form-urlencoded"),
            b"oauth_consumer_key=ck",
            "oauth_consumer_key",
        ),
        (
            "https://example.com/?oauth_version=1.0",
            None,
            b"",
            "oauth_version",
        ),
    ] {
        let err = sign(&request(Method::POST, uri, ct, body)).unwrap_err();
        assert!(
            matches!(&err, Error::DuplicateProtocolParameter { name: n } if n == name),
            "{uri}: {err:?}"
        );
    }
}

#[test]
fn debug_output_never_shows_secrets() {
    let consumer = "consumer-secret-QXZ";
    let token_secret = "token-secret-JKW";
    let verifier = "verifier-secret-PLM";

    assert_eq!(
        format!("{:?}", ConsumerSecret::new(consumer)),
        "ConsumerSecret(<redacted>)"
    );
    assert_eq!(
        format!("{:?}", TokenSecret::new(token_secret)),
        "TokenSecret(<redacted>)"
    );
    assert_eq!(
        format!("{:?}", Verifier::new(verifier)),
        "Verifier(<redacted>)"
    );
    let token = Token::<Access>::new("tok", TokenSecret::new(token_secret));
    assert_eq!(
        format!("{token:?}"),
        "Token<Access> { token: \"tok\", secret: TokenSecret(<redacted>) }"
    );
    assert_eq!(
        format!("{:?}", token.as_token_ref()),
        "TokenRef { token: \"tok\", secret: \"<redacted>\" }"
    );

    // PLAINTEXT: the signature *is* the secret; nothing of it may show.
    let signer = plaintext_signer(consumer);
    let req = request(Method::GET, "https://example.com/", None, b"");
    let signed = signer
        .sign(&req, &SignOptions::new().token(token.as_token_ref()))
        .unwrap();
    assert_eq!(
        signed.signature(),
        format!("{consumer}&{token_secret}"),
        "the test is meaningful"
    );
    let options = SignOptions::new().token(token.as_token_ref());
    let hmac = HmacSha::sha1(ConsumerSecret::new(consumer));
    let texts = [
        format!("{signed:?}"),
        format!("{:?}", signed.authorization()),
        format!("{signer:?}"),
        format!("{options:?}"),
        format!("{hmac:?}"),
        format!("{:?}", Plaintext::new(ConsumerSecret::new(consumer))),
        format!("{:?}", pinned(hmac.clone())),
    ];
    for text in &texts {
        assert!(!text.contains("QXZ"), "{text}");
        assert!(!text.contains("JKW"), "{text}");
    }

    let key = RsaPrivateKey::from_pem(include_str!("data/keys/rsa2048_pkcs8.pem")).unwrap();
    assert_eq!(
        format!("{key:?}"),
        "RsaPrivateKey { bits: 2048, private: \"<redacted>\" }"
    );
    let rsa_signer = pinned(RsaSha::sha1(key.clone()));
    let pem_body = include_str!("data/keys/rsa2048_pkcs8.pem")
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    for text in [
        format!("{rsa_signer:?}"),
        format!("{:?}", RsaSha::sha1(key)),
    ] {
        assert!(!text.contains(&pem_body), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Placements: header, query, form body
// ---------------------------------------------------------------------------------------------

/// PLAINTEXT with a consumer secret and token secret that need encoding, so that every byte of
/// the output is predictable: signature `c%20s&t%2Bs`.
fn placement_signed(req: &Request<Vec<u8>>) -> Signed {
    plaintext_signer("c s")
        .sign(
            req,
            &SignOptions::new().token(TokenRef {
                token: "tok",
                secret: "t+s",
            }),
        )
        .unwrap()
}

const URLENCODED: &str = "oauth_consumer_key=ck&oauth_token=tok&oauth_signature_method=PLAINTEXT&oauth_timestamp=1700000000&oauth_nonce=abcdefghijklmnopqrst&oauth_version=1.0&oauth_signature=c%2520s%26t%252Bs";

#[test]
fn to_urlencoded_and_header_exact_bytes() {
    let req = request(Method::GET, "https://example.com/p?a=1", None, b"");
    let signed = placement_signed(&req);
    assert_eq!(signed.signature(), "c%20s&t%2Bs");
    assert_eq!(signed.to_urlencoded(), URLENCODED);
    assert_eq!(
        header(&signed),
        "OAuth oauth_consumer_key=\"ck\", oauth_token=\"tok\", oauth_signature_method=\"PLAINTEXT\", \
         oauth_timestamp=\"1700000000\", oauth_nonce=\"abcdefghijklmnopqrst\", \
         oauth_version=\"1.0\", oauth_signature=\"c%2520s%26t%252Bs\""
    );
    assert!(signed.authorization().is_sensitive());
    let mut req = req;
    signed.apply_header(&mut req);
    assert_eq!(req.headers()[AUTHORIZATION], *signed.authorization());
}

#[test]
fn apply_query_exact_bytes_and_the_result_still_verifies() {
    for (uri, expected) in [
        (
            "https://example.com/p?a=1",
            format!("https://example.com/p?a=1&{URLENCODED}"),
        ),
        (
            "https://example.com/p",
            format!("https://example.com/p?{URLENCODED}"),
        ),
        (
            "https://example.com/p?",
            format!("https://example.com/p?{URLENCODED}"),
        ),
        (
            "https://example.com",
            format!("https://example.com/?{URLENCODED}"),
        ),
    ] {
        let mut req = request(Method::GET, uri, None, b"");
        let signed = placement_signed(&req);
        signed.apply_query(&mut req).unwrap();
        assert_eq!(req.uri().to_string(), expected, "{uri}");
        assert!(req.headers().get(AUTHORIZATION).is_none());

        // A provider recomputes the base string from the query alone (oauth_signature excluded).
        let mut params = Parameters::new();
        params
            .extend_from_query(req.uri().query().unwrap())
            .unwrap();
        let recomputed = BaseString::new(req.method(), req.uri(), &mut params).unwrap();
        assert_eq!(&recomputed, signed.base_string(), "{uri}");
    }
}

#[test]
fn apply_form_exact_bytes() {
    let form = "application/x-www-form-urlencoded";
    let mut req = request(Method::POST, "https://example.com/p", Some(form), b"a=1");
    let signed = placement_signed(&req);
    signed.apply_form(&mut req).unwrap();
    assert_eq!(
        String::from_utf8(req.body().clone()).unwrap(),
        format!("a=1&{URLENCODED}")
    );
    let mut params = Parameters::new();
    params.extend_from_form(req.body()).unwrap();
    assert_eq!(
        &BaseString::new(req.method(), req.uri(), &mut params).unwrap(),
        signed.base_string()
    );

    let mut empty = request(Method::POST, "https://example.com/p", Some(form), b"");
    placement_signed(&empty).apply_form(&mut empty).unwrap();
    assert_eq!(empty.body().as_slice(), URLENCODED.as_bytes());

    // Only a form body may carry them.
    let mut json = request(
        Method::POST,
        "https://example.com/p",
        Some("application/json"),
        b"{}",
    );
    let err = placement_signed(&json).apply_form(&mut json).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "Content-Type",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(json.body().as_slice(), b"{}");
}

#[test]
fn sign_parts_matches_sign() {
    let req = request(
        Method::PUT,
        "https://example.com/p?a=1",
        Some("application/x-www-form-urlencoded"),
        b"b=2",
    );
    let whole = sign(&req).unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let parts = signer()
        .sign_parts(
            &Method::PUT,
            &"https://example.com/p?a=1".parse().unwrap(),
            &headers,
            b"b=2",
            &SignOptions::new(),
        )
        .unwrap();
    assert_eq!(parts.base_string(), whole.base_string());
    assert_eq!(parts.authorization(), whole.authorization());
    assert_eq!(
        whole.base_string().unredacted(),
        format!(
            "PUT&https%3A%2F%2Fexample.com%2Fp&{}",
            encode(format!("a=1&b=2&{PROTOCOL}"))
        )
    );
}

#[test]
fn extra_protocol_parameters_are_signed_and_checked() {
    let req = request(Method::POST, "https://example.com/access-token", None, b"");
    let signed = signer()
        .sign(
            &req,
            &SignOptions::new().extra("oauth_session_handle", "h/1"),
        )
        .unwrap();
    assert_eq!(
        signed.base_string().normalized_parameters(),
        "oauth_consumer_key=ck&oauth_nonce=abcdefghijklmnopqrst&oauth_session_handle=h%2F1&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1700000000&oauth_version=1.0"
    );
    assert!(header(&signed).contains(", oauth_session_handle=\"h%2F1\", oauth_signature="));
    for bad in ["session_handle", "oauth_", "oauth_nonce", "oauth_signature"] {
        let err = signer()
            .sign(&req, &SignOptions::new().extra(bad, "x"))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidParameter { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn extra_parameter_names_that_need_encoding_are_refused() {
    // RFC 5849 §3.4.1.3.2 and §3.5.1 would encode such a name in the base string and the header,
    // but every protocol parameter a provider knows is `oauth_` + unreserved characters: a name
    // that needs encoding is a caller's mistake, and sending it raw would break the signature
    // (and, with a space, the header syntax). The signer refuses it, on both signing paths.
    let req = request(Method::POST, "https://example.com/access-token", None, b"");
    for name in [
        "oauth_a b",
        "oauth_a&b",
        "oauth_a=b",
        "oauth_a%62",
        "oauth_\u{e9}",
        "oauth_a\"b",
    ] {
        let options = SignOptions::new().extra(name, "x");
        for (path, outcome) in [
            ("sign", signer().sign(&req, &options).map(|_| ())),
            ("authorize", signer().authorization_header(&req, &options).map(|_| ())),
        ] {
            match outcome {
                Err(Error::InvalidParameter { name: field, .. }) => {
                    assert_eq!(field, "extra protocol parameter", "{path} {name:?}");
                }
                other => panic!("{path} {name:?}: expected InvalidParameter, got {other:?}"),
            }
        }
    }
    // The same names with only unreserved characters are signed as they are.
    for name in ["oauth_a-b", "oauth_a.b", "oauth_a~b", "oauth_A_9"] {
        let signed = signer()
            .sign(&req, &SignOptions::new().extra(name, "x"))
            .unwrap();
        assert!(
            signed
                .base_string()
                .parameters()
                .contains(&(name.to_owned(), "x".to_owned())),
            "{name:?}: {}",
            signed.base_string()
        );
        assert!(header(&signed).contains(&format!(", {name}=\"x\"")));
    }
}
