#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Differential test: our signer against Python's oauthlib, an independent RFC 5849
//! implementation (pinned in `tests/python/requirements.txt`).
//!
//! A seeded generator makes a few hundred requests that walk the canonicalization traps of
//! RFC 5849 §3.4.1 (methods, scheme and host case, ports, IPv6, percent-escapes in paths,
//! duplicate / empty / `=`-less query parameters, `+` and `%2B`, reserved and non-ASCII
//! characters, form bodies with and without `; charset`, JSON and other bodies that must not
//! be signed, tokens, callbacks, verifiers, secrets with odd characters). Every request is
//! signed by us with every method (RSA on a subset, with three keys of two sizes in turn), all
//! of them are sent to `tests/python/oauthlib_reference.py` in one process, and for each
//! (request, method) we require, byte for byte:
//!
//! 1. oauthlib as a client, from the same inputs, computes our base string and signature;
//! 2. oauthlib as a server, reading our `Authorization` header, computes our base string,
//!    reads our signature back, and its `verify_*` function accepts it; the realm survives;
//! 3. the same for the header of the header-only path (`Signer::authorization_header`);
//! 4. oauthlib's `urldecode` reads from our `Signed::to_urlencoded` exactly the protocol
//!    parameters the case asked for, and our signature;
//! 5. oauthlib as a server, reading a request whose protocol parameters `Signed::apply_query`
//!    put in the query, or `Signed::apply_form` in the form body (no `Authorization` header),
//!    computes our base string and its `verify_*` function accepts our signature. (`apply_form`
//!    on a request without a form `Content-Type` must refuse with `InvalidParameter`.)
//!
//! Queries and form bodies carry non-ASCII text both percent-encoded and raw (unescaped UTF-8).
//!
//! Inputs on which oauthlib itself departs from RFC 5849 are not generated; each such class is
//! named, with the RFC text, next to the generator code that avoids it (search "EXCLUDED").
//!
//! The generator's seed is [`DEFAULT_SEED`] unless the environment variable `OAUTHLIB_DIFF_SEED`
//! (decimal, or hexadecimal with `0x`) sets another; the seed in use is printed first, and shown
//! with any failure, so that a failing run can be repeated exactly:
//! `OAUTHLIB_DIFF_SEED=<seed> cargo test --all-features --test differential_oauthlib`.
//!
//! The first run builds a virtualenv (see `tests/support/python.rs`); it needs `python3` and
//! access to PyPI, and fails loudly without them.

#[path = "support/python.rs"]
mod python;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use bitbucket_oauth::signature::{HmacHash, HmacSha, Plaintext, RsaHash, RsaSha, SignatureMethod};
use bitbucket_oauth::{
    BaseString, ConsumerKey, ConsumerSecret, RsaPrivateKey, SignOptions, Signer, TokenRef,
};
use serde_json::{Value, json};

const CASES: usize = 420;
/// Every `RSA_EVERY`-th case is also signed with the three RSA methods (60 cases).
const RSA_EVERY: usize = 7;
/// The generator's seed when `OAUTHLIB_DIFF_SEED` is not set.
const DEFAULT_SEED: u64 = 0x5EED_0A17_5849_2010;

/// The seed: `OAUTHLIB_DIFF_SEED` (decimal, or hexadecimal with `0x`), else [`DEFAULT_SEED`].
fn seed() -> u64 {
    let Ok(text) = std::env::var("OAUTHLIB_DIFF_SEED") else {
        return DEFAULT_SEED;
    };
    let text = text.trim().replace('_', "");
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    };
    let seed = parsed.unwrap_or_else(|e| panic!("OAUTHLIB_DIFF_SEED={text:?} is not a u64: {e}"));
    // xorshift stays at 0 forever.
    assert_ne!(seed, 0, "OAUTHLIB_DIFF_SEED must not be 0");
    seed
}

const HMAC_AND_PLAINTEXT: [&str; 4] = ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT"];
const RSA: [&str; 3] = ["RSA-SHA1", "RSA-SHA256", "RSA-SHA512"];
/// At least this many (case, method) pairs are compared with the protocol parameters in the
/// query (`apply_query`), and in a form body (`apply_form`).
const MIN_QUERY_PLACEMENTS: usize = 1_100;
const MIN_FORM_PLACEMENTS: usize = 250;

/// The RSA keys, used in turn by the cases signed with RSA: two 2048-bit keys and a 3072-bit one.
const RSA_KEYS: [(&str, &str); 3] = [
    (
        "test_rsa_2048",
        include_str!("data/test_rsa_2048_pkcs8.pem"),
    ),
    ("keys/rsa3072", include_str!("data/keys/rsa3072_pkcs8.pem")),
    ("keys/rsa2048", include_str!("data/keys/rsa2048_pkcs8.pem")),
];

fn rsa_keys() -> Vec<RsaPrivateKey> {
    RSA_KEYS
        .iter()
        .map(|(_, pem)| RsaPrivateKey::from_pem(pem).unwrap())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A small deterministic generator (xorshift64*), so that a failure is reproducible.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
}

// ---------------------------------------------------------------------------------------------
// The requests.

#[derive(Debug, Clone)]
struct Case {
    id: usize,
    method: String,
    uri: String,
    content_type: Option<String>,
    body: String,
    /// Whether the body is one our generator meant to be signed (for the coverage tally).
    form_body: bool,
    consumer_key: String,
    consumer_secret: String,
    token: Option<String>,
    token_secret: String,
    /// `SignOptions::two_legged_empty_token()` (then `token` is `Some("")`).
    two_legged: bool,
    callback: Option<String>,
    verifier: Option<String>,
    realm: Option<String>,
    version: bool,
    extra: Vec<(String, String)>,
    nonce: String,
    timestamp: u64,
    methods: Vec<&'static str>,
    /// The index in [`RSA_KEYS`] of the key the RSA methods use.
    rsa_key: usize,
}

const METHODS: &[&str] = &[
    "GET",
    "GET",
    "GET",
    "POST",
    "POST",
    "POST",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    // Extension methods: RFC 5849 §3.4.1.1 uppercases the method and encodes a custom one.
    "patch",
    "post",
    "M-SEARCH",
    "PURGE!",
    "x_custom.v1~",
    "Bind",
];

const HOSTS: &[&str] = &[
    "example.com",
    "Example.COM",
    "api.EXAMPLE.org",
    "bitbucket.example.com",
    "photos.example.net",
    "localhost",
    "127.0.0.1",
    "xn--bcher-kva.example",
    "fqdn.example.",
    "[::1]",
    "[2001:DB8::1]",
    "[fe80::a:b]",
    "[2001:db8::8:800:200c:417a]",
    // EXCLUDED: IPv6 addresses in a non-canonical text form (`[2001:db8:0:0:1::1]`,
    // `[::ffff:1.2.3.4]`). oauthlib's base_string_uri rewrites the host through Python's
    // `ipaddress` (giving `[2001:db8::1:0:0:1]`, `[::ffff:102:304]`), but RFC 5849 §3.4.1.2
    // says "The host and port values MUST match the content of the HTTP request Host header
    // field", which carries the address as written; only lowercasing is required ("The scheme
    // and host MUST be in lowercase"). We keep the text and lowercase it, as the RFC says.
];

/// Path segments. Some carry percent-escapes (upper- and lowercase hex), `;` parameters,
/// sub-delimiters, `+` and `%2B`, non-ASCII UTF-8.
const SEGMENTS: &[&str] = &[
    "a",
    "photos",
    "r%20v",
    "X",
    "%7euser",
    "%7Euser",
    "a;b=c",
    "b;p",
    "%E2%82%AC",
    "rest",
    "api",
    "1.0",
    "a+b",
    "a%2Bb",
    "~x",
    "-_.!$&'()*+,=:@",
    "%C3%BC%c3%bc",
    "a%20b%2Fc",
    "UPPER",
    "%25",
    "request-token",
    "",
    // Dot segments are not removed: the path is signed as sent.
    "..",
    ".",
    // EXCLUDED: a path whose last segment ends with `;` (`/a;`). oauthlib builds the base
    // string URI with urllib's urlparse/urlunparse, which splits `;params` off the last
    // segment and drops an empty one, giving `/a`. RFC 5849 §3.4.1.2 builds the base string
    // URI from "the scheme, authority, and path of the request resource URI" and changes
    // nothing in the path, so `/a;` must stay `/a;`, as it does with us.
];

const PORTS: &[u16] = &[8080, 8443, 1, 65535, 7990, 7999];

/// Plain (decoded) parameter names and values; `encode_component` writes them on the wire.
const NAMES: &[&str] = &[
    "a",
    "b",
    "a1",
    "A",
    "z",
    "c2",
    "x.y",
    "_",
    "~t",
    "c@",
    "name with space",
    "été",
    "q",
    "limit",
    "user_id",
    "a b+c",
    "ключ",
    "日本",
    "emoji😀",
    "a=b",
    "&",
    "%",
    "[]",
    "oauth_custom",
    // Never signed, wherever it appears (RFC 5849 §3.4.1.3.1).
    "oauth_signature",
];
const VALUES: &[&str] = &[
    "",
    "1",
    "2",
    "10",
    "x y",
    "a+b",
    "%2B",
    "%",
    "100%",
    "!*'();:@&=+$,/?#[]",
    "=",
    "&",
    "é",
    "€",
    "😀",
    "tab\there",
    "mixed Ünïcödé",
    "~-._",
    "\"quoted\" <tag> {x} |^`\\",
    "line\r\nbreak",
];
/// EXCLUDED for parameters named `oauth_*` in the query or the form body: values whose
/// decoded form contains `%`. oauthlib's collect_parameters runs `unquote` a second time on
/// every parameter whose name starts with `oauth_`, wherever it came from (it means to decode
/// the Authorization header's values), so `oauth_custom=a%2525b` is read as `a%b` instead of
/// `a%25b`. RFC 5849 §3.4.1.3.1 decodes the query and the body once, as
/// application/x-www-form-urlencoded, whatever the names. Such values are drawn from here.
const OAUTH_VALUES: &[&str] = &["", "1", "x y", "a+b", "é", "!*'();:@&=+$,/?#[]"];
// EXCLUDED: percent-escapes that decode to bytes that are not UTF-8 (`a=%FF`). oauthlib
// decodes parameters into Python text with errors="replace", so `%FF` becomes U+FFFD and
// is re-encoded as `%EF%BF%BD`: the parameter changes. RFC 5849 §3.6 encodes octets; we keep
// the original bytes. Only UTF-8 is generated.

/// Writes `plain` as a query or form component: unreserved bytes as they are, a space as `+`
/// or `%20`, sub-delimiters that need no escaping in a query (RFC 3986 §3.4) either raw or
/// escaped, a non-ASCII character either raw (unescaped UTF-8, as browsers and many clients
/// send it) or as the `%XX` escapes of its bytes, everything else (`& = + # % [ ]`, controls)
/// as `%XX` in upper- or lowercase hex.
fn encode_component(rng: &mut Rng, plain: &str, out: &mut String) {
    for c in plain.chars() {
        if !c.is_ascii() && rng.percent(35) {
            out.push(c);
            continue;
        }
        let mut utf8 = [0; 4];
        encode_ascii_or_escape(rng, c.encode_utf8(&mut utf8).as_bytes(), out);
    }
}

fn encode_ascii_or_escape(rng: &mut Rng, bytes: &[u8], out: &mut String) {
    for &b in bytes {
        let raw_ok = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (matches!(
                b,
                b'!' | b'$' | b'\'' | b'(' | b')' | b'*' | b',' | b';' | b':' | b'@' | b'/' | b'?'
            ) && rng.percent(60));
        if raw_ok {
            out.push(char::from(b));
        } else if b == b' ' && rng.percent(60) {
            out.push('+');
        } else if rng.percent(80) {
            write!(out, "%{b:02X}").unwrap();
        } else {
            write!(out, "%{b:02x}").unwrap();
        }
    }
}

/// A query string or form body: `name=value` pairs with duplicates, empty values, names
/// without `=`, an `=` left raw inside a value, and empty segments.
fn urlencoded(rng: &mut Rng, max_pairs: usize) -> String {
    let n = rng.below(max_pairs + 1);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for _ in 0..n {
        if !pairs.is_empty() && rng.percent(15) {
            // A duplicate: the same pair again, or the same name with another value.
            let (name, value) = pairs[rng.below(pairs.len())].clone();
            let value = if rng.percent(50) {
                value
            } else {
                rng.pick(VALUES).to_owned()
            };
            let value = if name.starts_with("oauth_") {
                rng.pick(OAUTH_VALUES).to_owned()
            } else {
                value
            };
            pairs.push((name, value));
            continue;
        }
        let name = rng.pick(NAMES).to_owned();
        let value = if name.starts_with("oauth_") {
            rng.pick(OAUTH_VALUES).to_owned()
        } else {
            rng.pick(VALUES).to_owned()
        };
        pairs.push((name, value));
    }
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
            if rng.percent(4) {
                out.push('&'); // an empty segment, skipped by both sides
            }
        }
        encode_component(rng, name, &mut out);
        if value.is_empty() && rng.percent(50) {
            continue; // `name` alone: an empty value
        }
        out.push('=');
        if rng.percent(5) && !value.is_empty() && !name.starts_with("oauth_") {
            // A raw `=` inside the value: only the first `=` of a pair separates.
            out.push('=');
        }
        encode_component(rng, value, &mut out);
    }
    out
}

fn uri(rng: &mut Rng) -> String {
    let scheme = rng.pick(&["http", "http", "https", "https", "https", "HTTPS", "Http"]);
    let lower = scheme.to_ascii_lowercase();
    let mut uri = format!("{scheme}://");
    if rng.percent(6) {
        uri.push_str("user:pw@"); // user information never reaches the base string
    }
    uri.push_str(rng.pick(HOSTS));
    match rng.below(10) {
        0 | 1 => write!(uri, ":{}", if lower == "http" { 80 } else { 443 }).unwrap(),
        // Another scheme's default port is not a default port (`http://h:443`).
        2 => write!(uri, ":{}", if lower == "http" { 443 } else { 80 }).unwrap(),
        3 | 4 => write!(uri, ":{}", rng.pick(PORTS)).unwrap(),
        // An empty port is no port (RFC 3986 §3.2.3); `080` is port 80.
        5 if rng.percent(50) => uri.push(':'),
        5 => write!(uri, ":0{}", if lower == "http" { 80 } else { 443 }).unwrap(),
        _ => {}
    }
    if !rng.percent(6) {
        let segments = 1 + rng.below(3);
        for _ in 0..segments {
            uri.push('/');
            uri.push_str(rng.pick(SEGMENTS));
        }
        if rng.percent(15) {
            uri.push('/');
        }
    }
    assert!(
        !uri.ends_with(';'),
        "generator bug: excluded path form {uri}"
    );
    if rng.percent(70) {
        uri.push('?');
        uri.push_str(&urlencoded(rng, 7));
    }
    uri
}

fn alphanumeric(rng: &mut Rng, len: usize) -> String {
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| char::from(rng.pick(ALNUM))).collect()
}

fn generate(rng: &mut Rng, id: usize) -> Case {
    let method = rng.pick(METHODS).to_owned();
    let uri = uri(rng);

    let (content_type, body, form_body) = match rng.below(20) {
        0..=6 => (None, String::new(), false),
        7..=11 => {
            let ct = rng.pick(&[
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=UTF-8",
                "application/x-www-form-urlencoded;charset=utf-8",
                "Application/X-WWW-Form-URLEncoded",
                "application/x-www-form-urlencoded ; charset=ISO-8859-1",
            ]);
            (Some(ct.to_owned()), urlencoded(rng, 6), true)
        }
        // Bodies that must not be signed (RFC 5849 §3.4.1.3.1: only form-urlencoded ones).
        12..=14 => (
            Some((rng.pick(&["application/json", "application/json; charset=utf-8"])).to_owned()),
            (rng.pick(&[
                r#"{"name":"repo","scmId":"git","forkable":true}"#,
                r#"{"a=1&b":"2"}"#,
                r"[]",
            ]))
            .to_owned(),
            false,
        ),
        15 => (
            Some(
                rng.pick(&["text/plain", "application/x-www-form-urlencodedx"])
                    .to_owned(),
            ),
            "a=1&b=2".to_owned(),
            false,
        ),
        16 => (
            Some("multipart/form-data; boundary=xyz".to_owned()),
            "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--\r\n"
                .to_owned(),
            false,
        ),
        17 => (
            Some("application/x-www-form-urlencoded".to_owned()),
            String::new(),
            true,
        ),
        _ => (None, String::new(), false),
    };

    let consumer_key = (rng.pick(&[
        "dpf43f3p2l4k3l03",
        "9djdj82h48djs9d2",
        "my-consumer",
        "key with space",
        "ключ",
        "a&b=c+d",
    ]))
    .to_owned();
    let consumer_secret = (rng.pick(&[
        "",
        "kd94hf93k423kf44",
        "j49sk3j29djd",
        "s p a c e",
        "a&b=c",
        "üñî©ødé",
        "%41+*~",
        "😀 emoji",
    ]))
    .to_owned();

    let (token, token_secret, two_legged) = match rng.below(10) {
        0..=2 => (None, String::new(), false),
        3 => (Some(String::new()), String::new(), true),
        _ => (
            Some(
                (rng.pick(&["nnch734d00sl2jdk", "ad180jjd733klru7", "tok en/+=", "токен"]))
                    .to_owned(),
            ),
            (rng.pick(&["", "pfkkdhi9sl3r4s00", "dh893hdasih9", "x y&z=1", "ß€", "&"])).to_owned(),
            false,
        ),
    };
    let callback = rng.percent(20).then(|| {
        (rng.pick(&[
            "oob",
            "http://printer.example.com/ready",
            "https://client.example/cb?x=1&y=%20z",
            "http://localhost:8080/callback",
        ]))
        .to_owned()
    });
    let verifier = rng
        .percent(15)
        .then(|| (rng.pick(&["hfdp7dh39dks9884", "denied", "ver+with space&=", "ü"])).to_owned());
    let realm = rng.percent(20).then(|| {
        (rng.pick(&[
            "Example",
            "Photos, Inc.",
            "http://sp.example.com/",
            "with \"quote\" and \\ backslash",
        ]))
        .to_owned()
    });
    let version = rng.percent(85);
    let extra = if rng.percent(10) {
        vec![(
            "oauth_session_handle".to_owned(),
            (rng.pick(&["sh123", "s/h+=x", "ü"])).to_owned(),
        )]
    } else {
        Vec::new()
    };
    let nonce = if rng.percent(85) {
        let len = 20 + rng.below(13);
        alphanumeric(rng, len)
    } else {
        (rng.pick(&[
            "kllo9940pd9333jh",
            "wIjqoS",
            "nonce with space/+",
            "n~o-n.c_e",
        ]))
        .to_owned()
    };
    let timestamp = if rng.percent(5) {
        rng.below(1000) as u64
    } else {
        1_000_000_000 + rng.next() % 1_000_000_000
    };
    let mut methods = HMAC_AND_PLAINTEXT.to_vec();
    if id.is_multiple_of(RSA_EVERY) {
        methods.extend(RSA);
    }
    let rsa_key = (id / RSA_EVERY) % RSA_KEYS.len();

    Case {
        id,
        method,
        uri,
        content_type,
        body,
        form_body,
        consumer_key,
        consumer_secret,
        token,
        token_secret,
        two_legged,
        callback,
        verifier,
        realm,
        version,
        extra,
        nonce,
        timestamp,
        methods,
        rsa_key,
    }
}

// ---------------------------------------------------------------------------------------------
// Our side.

struct Ours {
    base_string: String,
    signature: String,
    authorization: String,
    /// `Signer::authorization_header`'s header (the header-only path).
    header_only: String,
    /// `Signed::to_urlencoded`.
    urlencoded: String,
    /// The request URI after `Signed::apply_query`, when the query placement is compared.
    query_uri: Option<String>,
    /// The body after `Signed::apply_form`, when the form placement is compared.
    form_body: Option<String>,
    /// What `apply_form` did wrong: accept a body that is not a form, or refuse a form.
    form_problem: Option<String>,
}

/// Whether oauthlib can read this case's protocol parameters from a query or form body:
/// EXCLUDED otherwise. oauthlib runs `unquote` a second time on every `oauth_*` parameter of
/// the query and body (see [`OAUTH_VALUES`]), so a protocol value whose plain text holds `%` (a
/// callback with `%20` in it, a PLAINTEXT signature of secrets that need encoding) is misread;
/// and a request whose query or body already carries an `oauth_signature` would carry two.
fn placements_comparable(case: &Case, signature: &str) -> bool {
    let mut values = vec![case.consumer_key.as_str(), case.nonce.as_str(), signature];
    values.extend(case.token.as_deref());
    values.extend(case.callback.as_deref());
    values.extend(case.verifier.as_deref());
    values.extend(case.extra.iter().map(|(_, v)| v.as_str()));
    !values.iter().any(|v| v.contains('%'))
        && !signed_pairs(case)
            .iter()
            .any(|(name, _)| name == b"oauth_signature")
}

fn signature_method(name: &str, case: &Case, keys: &[RsaPrivateKey]) -> Box<dyn SignatureMethod> {
    let key = &keys[case.rsa_key];
    let secret = || ConsumerSecret::new(case.consumer_secret.clone());
    match name {
        "HMAC-SHA1" => Box::new(HmacSha::new(HmacHash::Sha1, secret())),
        "HMAC-SHA256" => Box::new(HmacSha::new(HmacHash::Sha256, secret())),
        "HMAC-SHA512" => Box::new(HmacSha::new(HmacHash::Sha512, secret())),
        "PLAINTEXT" => Box::new(Plaintext::new(secret())),
        "RSA-SHA1" => Box::new(RsaSha::new(RsaHash::Sha1, key.clone())),
        "RSA-SHA256" => Box::new(RsaSha::new(RsaHash::Sha256, key.clone())),
        "RSA-SHA512" => Box::new(RsaSha::new(RsaHash::Sha512, key.clone())),
        other => panic!("unknown method {other}"),
    }
}

fn sign_ours(case: &Case, method_name: &str, keys: &[RsaPrivateKey]) -> Ours {
    let signer = Signer::builder_boxed(
        ConsumerKey::new(case.consumer_key.clone()),
        signature_method(method_name, case, keys),
    )
    .build();
    let mut request = http::Request::builder()
        .method(http::Method::from_bytes(case.method.as_bytes()).unwrap())
        .uri(&case.uri);
    if let Some(ct) = &case.content_type {
        request = request.header(http::header::CONTENT_TYPE, ct);
    }
    let request = request
        .body(case.body.as_bytes().to_vec())
        .unwrap_or_else(|e| {
            panic!(
                "case {}: the http crate refuses {:?}: {e}",
                case.id, case.uri
            )
        });

    let mut options = SignOptions::new()
        .nonce(&case.nonce)
        .timestamp(case.timestamp)
        .version(case.version);
    if case.two_legged {
        options = options.two_legged_empty_token();
    } else if let Some(token) = &case.token {
        options = options.token(TokenRef {
            token,
            secret: &case.token_secret,
        });
    }
    if let Some(callback) = &case.callback {
        options = options.callback(callback);
    }
    if let Some(verifier) = &case.verifier {
        options = options.verifier(verifier);
    }
    if let Some(realm) = &case.realm {
        options = options.realm(realm);
    }
    for (name, value) in &case.extra {
        options = options.extra(name, value);
    }
    let signed = signer.sign(&request, &options).unwrap_or_else(|e| {
        panic!(
            "case {} ({method_name}): we refused to sign: {e}\n{case:#?}",
            case.id
        )
    });
    let header_only = signer.authorization_header(&request, &options).unwrap_or_else(|e| {
        panic!(
            "case {} ({method_name}): the header-only path refused to sign: {e}",
            case.id
        )
    });
    let placements = placements_comparable(case, signed.signature());
    let query_uri = placements.then(|| {
        let mut placed = request.clone();
        signed
            .apply_query(&mut placed)
            .unwrap_or_else(|e| panic!("case {} ({method_name}): apply_query: {e}", case.id));
        placed.uri().to_string()
    });
    // `apply_form` must take exactly the bodies the generator made as form bodies.
    let mut placed = request.clone();
    let (form_body, form_problem) = match signed.apply_form(&mut placed) {
        Ok(()) if case.form_body => (
            placements.then(|| String::from_utf8(placed.into_body()).unwrap()),
            None,
        ),
        Ok(()) => (
            None,
            Some("apply_form accepted a body whose Content-Type is not a form".to_owned()),
        ),
        Err(e) if case.form_body => (None, Some(format!("apply_form refused a form body: {e}"))),
        Err(e) => {
            let refused_rightly = matches!(
                e,
                bitbucket_oauth::Error::InvalidParameter {
                    name: "Content-Type",
                    ..
                }
            ) && placed.body() == request.body();
            let problem = (!refused_rightly).then(|| format!("apply_form failed otherwise: {e:?}"));
            (None, problem)
        }
    };
    Ours {
        base_string: signed.base_string().unredacted().to_owned(),
        signature: signed.signature().to_owned(),
        authorization: signed.authorization().to_str().unwrap().to_owned(),
        header_only: header_only.to_str().unwrap().to_owned(),
        urlencoded: signed.to_urlencoded(),
        query_uri,
        form_body,
        form_problem,
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// Says which part of two base strings differs: method, URI, or which parameters.
fn explain_difference(ours: &str, theirs: &str) -> String {
    let (Ok(a), Ok(b)) = (BaseString::parse(ours), BaseString::parse(theirs)) else {
        return "  (one side is not a well-formed base string)\n".to_owned();
    };
    let mut out = String::new();
    if a.method() != b.method() {
        writeln!(
            out,
            "  method differs: ours {:?}, oauthlib {:?}",
            a.method(),
            b.method()
        )
        .unwrap();
    }
    if a.uri() != b.uri() {
        writeln!(
            out,
            "  base string URI differs: ours {:?}, oauthlib {:?}",
            a.uri(),
            b.uri()
        )
        .unwrap();
    }
    let (pa, pb) = (a.parameters(), b.parameters());
    if pa != pb {
        let only_ours: Vec<_> = pa.iter().filter(|p| !pb.contains(p)).collect();
        let only_theirs: Vec<_> = pb.iter().filter(|p| !pa.contains(p)).collect();
        writeln!(
            out,
            "  parameters differ ({} ours, {} oauthlib)\n    only ours:     {only_ours:?}\n    only oauthlib: {only_theirs:?}",
            pa.len(),
            pb.len()
        )
        .unwrap();
        if only_ours.is_empty() && only_theirs.is_empty() {
            writeln!(out, "    (same pairs, different order or multiplicity)\n    ours:     {pa:?}\n    oauthlib: {pb:?}").unwrap();
        }
    }
    if out.is_empty() {
        out.push_str("  (the parts decode equal; the encoding differs)\n");
    }
    out
}

fn case_json(case: &Case, ours: &BTreeMap<&str, Ours>) -> Value {
    json!({
        "id": case.id,
        "method": case.method,
        "uri": case.uri,
        "content_type": case.content_type,
        "body": case.body,
        "consumer_key": case.consumer_key,
        "consumer_secret": case.consumer_secret,
        "token": case.token,
        "token_secret": case.token_secret,
        "callback": case.callback,
        "verifier": case.verifier,
        "realm": case.realm,
        "version": case.version,
        "extra": case.extra.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "nonce": case.nonce,
        "timestamp": case.timestamp,
        "rsa_key": RSA_KEYS[case.rsa_key].0,
        "ours": ours.iter().map(|(m, o)| (m.to_string(), json!({
            "authorization": o.authorization,
            "header_only": o.header_only,
            "urlencoded": o.urlencoded,
            "query_uri": o.query_uri,
            "form_body": o.form_body,
        }))).collect::<serde_json::Map<_, _>>(),
    })
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name]
        .as_str()
        .unwrap_or_else(|| panic!("oauthlib result without string {name:?}: {v}"))
}

/// Compares one (case, method); returns the problems found.
fn compare(case: &Case, method: &str, ours: &Ours, theirs: &Value) -> Vec<String> {
    let mut problems = Vec::new();

    let client = &theirs["client"];
    if let Some(error) = client["error"].as_str() {
        problems.push(format!("oauthlib (client) raised:\n{error}"));
    } else {
        let bs = field(client, "base_string");
        if bs != ours.base_string {
            problems.push(format!(
                "base string differs (oauthlib as client)\n  ours:     {}\n  oauthlib: {bs}\n{}",
                ours.base_string,
                explain_difference(&ours.base_string, bs)
            ));
        }
        let sig = field(client, "signature");
        if sig != ours.signature {
            problems.push(format!(
                "signature differs (oauthlib as client)\n  ours:     {}\n  oauthlib: {sig}",
                ours.signature
            ));
        }
    }

    for (key, what) in [
        ("server", "our Authorization header"),
        (
            "header_only",
            "the header of our header-only path (Signer::authorization_header)",
        ),
    ] {
        let server = &theirs[key];
        check_server_view(server, what, method, ours, &mut problems);
        if server["error"].is_null() && server["realm"].as_str() != case.realm.as_deref() {
            problems.push(format!(
                "oauthlib reads realm {} from {what}, we sent {:?}",
                server["realm"], case.realm
            ));
        }
    }
    if ours.header_only != ours.authorization {
        problems.push(format!(
            "the header-only path's header differs from sign's\n  sign:      {}\n  authorize: {}",
            ours.authorization, ours.header_only
        ));
    }

    let urlencoded = &theirs["urlencoded"];
    if let Some(error) = urlencoded["error"].as_str() {
        problems.push(format!(
            "oauthlib cannot decode our to_urlencoded text:\n{error}"
        ));
    } else {
        let mut read: Vec<(String, String)> = urlencoded["pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p[0].as_str().unwrap().to_owned(),
                    p[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        read.sort();
        let mut expected = expected_protocol_parameters(case, method, &ours.signature);
        expected.sort();
        if read != expected {
            problems.push(format!(
                "oauthlib reads other protocol parameters from our to_urlencoded {:?}\n  read:     {read:?}\n  expected: {expected:?}",
                ours.urlencoded
            ));
        }
    }

    problems.extend(ours.form_problem.clone());
    for (key, placed, what) in [
        (
            "query",
            ours.query_uri.is_some(),
            "the query our apply_query wrote",
        ),
        (
            "form",
            ours.form_body.is_some(),
            "the form body our apply_form wrote",
        ),
    ] {
        if placed {
            check_server_view(&theirs[key], what, method, ours, &mut problems);
        } else if !theirs[key].is_null() {
            problems.push(format!(
                "oauthlib answered for {key}, which we did not send"
            ));
        }
    }
    problems
}

/// The protocol parameters the case asks for (plain values), and `oauth_signature`.
fn expected_protocol_parameters(
    case: &Case,
    method: &str,
    signature: &str,
) -> Vec<(String, String)> {
    let mut out = vec![("oauth_consumer_key".to_owned(), case.consumer_key.clone())];
    if let Some(token) = &case.token {
        out.push(("oauth_token".to_owned(), token.clone()));
    }
    out.push(("oauth_signature_method".to_owned(), method.to_owned()));
    out.push(("oauth_timestamp".to_owned(), case.timestamp.to_string()));
    out.push(("oauth_nonce".to_owned(), case.nonce.clone()));
    if case.version {
        out.push(("oauth_version".to_owned(), "1.0".to_owned()));
    }
    if let Some(callback) = &case.callback {
        out.push(("oauth_callback".to_owned(), callback.clone()));
    }
    if let Some(verifier) = &case.verifier {
        out.push(("oauth_verifier".to_owned(), verifier.clone()));
    }
    out.extend(case.extra.iter().cloned());
    out.push(("oauth_signature".to_owned(), signature.to_owned()));
    out
}

/// Checks what oauthlib as a server computed from one of our signed requests (`what` names
/// where it read the protocol parameters): our base string, our signature, and acceptance.
fn check_server_view(
    server: &Value,
    what: &str,
    method: &str,
    ours: &Ours,
    problems: &mut Vec<String>,
) {
    if let Some(error) = server["error"].as_str() {
        problems.push(format!(
            "oauthlib (server, reading {what}) raised:\n{error}"
        ));
        return;
    }
    if !server.is_object() {
        problems.push(format!("no oauthlib result for {what}"));
        return;
    }
    let bs = field(server, "base_string");
    if bs != ours.base_string {
        problems.push(format!(
            "base string differs (oauthlib as server, from {what})\n  ours:     {}\n  oauthlib: {bs}\n{}",
            ours.base_string,
            explain_difference(&ours.base_string, bs)
        ));
    }
    if server["signature_read"].as_str() != Some(ours.signature.as_str()) {
        problems.push(format!(
            "oauthlib reads oauth_signature {} from {what}, we signed {:?}",
            server["signature_read"], ours.signature
        ));
    }
    if server["verified"] != json!(true) {
        problems.push(format!(
            "oauthlib's verify function for {method} rejects {what}"
        ));
    }
}

/// Runs every case through `oauthlib_reference.py`, in one process; one result per case, in
/// order.
fn oauthlib_results(cases: &[Case], ours: &[BTreeMap<&str, Ours>]) -> Vec<Value> {
    let input = json!({
        "rsa_private_keys": RSA_KEYS.iter().map(|(name, pem)| (name.to_string(), json!(pem))).collect::<serde_json::Map<_, _>>(),
        "cases": cases.iter().zip(ours).map(|(c, o)| case_json(c, o)).collect::<Vec<_>>(),
    });
    let stdout = python::venv().run_script(
        &python::script("oauthlib_reference.py"),
        &serde_json::to_vec(&input).unwrap(),
    );
    let mut output: Value = serde_json::from_slice(&stdout).unwrap_or_else(|e| {
        panic!(
            "oauthlib_reference.py printed something that is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&stdout)
        )
    });
    let results = output["results"].take();
    let Value::Array(results) = results else {
        panic!("oauthlib_reference.py printed no results array");
    };
    assert_eq!(
        results.len(),
        cases.len(),
        "oauthlib_reference.py dropped cases"
    );
    for (case, result) in cases.iter().zip(&results) {
        assert_eq!(result["id"], json!(case.id), "results out of order");
    }
    results
}

#[test]
fn signatures_match_oauthlib() {
    let started = Instant::now();
    let keys = rsa_keys();
    let bits: Vec<usize> = keys.iter().map(RsaPrivateKey::bits).collect();
    assert_eq!(bits, [2048, 3072, 2048]);

    let seed = seed();
    // Printed first: the harness shows it with any failure of this test.
    eprintln!("OAUTHLIB_DIFF_SEED=0x{seed:016X} (set it to repeat this run)");
    let mut rng = Rng(seed);
    let cases: Vec<Case> = (0..CASES).map(|id| generate(&mut rng, id)).collect();

    let t = Instant::now();
    let ours: Vec<BTreeMap<&str, Ours>> = cases
        .iter()
        .map(|case| {
            case.methods
                .iter()
                .map(|&m| (m, sign_ours(case, m, &keys)))
                .collect()
        })
        .collect();
    let ours_time = t.elapsed();

    let t = Instant::now();
    let venv = python::venv();
    let venv_time = t.elapsed();
    let t = Instant::now();
    let results = oauthlib_results(&cases, &ours);
    let python_time = t.elapsed();

    let mut compared: BTreeMap<&str, usize> = BTreeMap::new();
    let mut placed: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_key: BTreeMap<&str, usize> = BTreeMap::new();
    let mut mismatches: Vec<String> = Vec::new();
    for ((case, ours), result) in cases.iter().zip(&ours).zip(&results) {
        for (&method, mine) in ours {
            let theirs = &result["methods"][method];
            assert!(
                theirs.is_object(),
                "case {}: no oauthlib result for {method}",
                case.id
            );
            *compared.entry(method).or_default() += 1;
            *placed.entry("apply_query").or_default() += usize::from(mine.query_uri.is_some());
            *placed.entry("apply_form").or_default() += usize::from(mine.form_body.is_some());
            if RSA.contains(&method) {
                *per_key.entry(RSA_KEYS[case.rsa_key].0).or_default() += 1;
            }
            let problems = compare(case, method, mine, theirs);
            if !problems.is_empty() {
                mismatches.push(format!(
                    "case {} with {method} (OAUTHLIB_DIFF_SEED=0x{seed:016X}):\n{case:#?}\n{}",
                    case.id,
                    problems.join("\n")
                ));
            }
        }
    }

    println!(
        "compared with oauthlib, per method: {compared:?}\n\
         placements compared: {placed:?}; RSA signatures per key: {per_key:?}\n\
         time: ours {ours_time:.2?}, virtualenv {venv_time:.2?} ({}), oauthlib {python_time:.2?}, total {:.2?}",
        venv.dir().display(),
        started.elapsed()
    );
    for m in &mismatches {
        eprintln!("---------------------------------------------------------------------\n{m}");
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} (case, method) pairs differ from oauthlib; details above \
         (OAUTHLIB_DIFF_SEED=0x{seed:016X} repeats this run)",
        mismatches.len(),
        compared.values().sum::<usize>()
    );

    // The comparison ran on everything it was meant to.
    for m in HMAC_AND_PLAINTEXT {
        assert_eq!(compared[m], CASES, "{m}");
    }
    for m in RSA {
        assert_eq!(compared[m], CASES.div_ceil(RSA_EVERY), "{m}");
    }
    // Every key signs a third of the RSA cases, each with the three RSA methods.
    for (name, _) in RSA_KEYS {
        assert!(per_key[name] >= 3 * 20, "RSA key {name}: {per_key:?}");
    }
    // The placements: every (case, method) but the EXCLUDED ones for the query; the form
    // bodies among them for the form body.
    assert!(
        placed["apply_query"] >= MIN_QUERY_PLACEMENTS,
        "{placed:?} (OAUTHLIB_DIFF_SEED=0x{seed:016X})"
    );
    assert!(
        placed["apply_form"] >= MIN_FORM_PLACEMENTS,
        "{placed:?} (OAUTHLIB_DIFF_SEED=0x{seed:016X})"
    );
    assert_coverage(&cases, seed);
}

/// The generator really produced the traps it is meant to: guards against a silent
/// degeneration of the corpus after an edit.
fn assert_coverage(cases: &[Case], seed: u64) {
    let count = |f: &dyn Fn(&Case) -> bool| cases.iter().filter(|c| f(c)).count();
    let checks: [(&str, usize); 22] = [
        (
            "non-default ports",
            count(&|c| has_non_default_port(&c.uri)),
        ),
        (
            "duplicate parameter names",
            count(&|c| {
                let mut names: Vec<Vec<u8>> = signed_pairs(c).into_iter().map(|(n, _)| n).collect();
                let all = names.len();
                names.sort();
                names.dedup();
                names.len() < all
            }),
        ),
        (
            "empty values",
            count(&|c| {
                signed_segments(c)
                    .iter()
                    .any(|s| s.ends_with('=') || !s.contains('='))
            }),
        ),
        (
            "names without `=`",
            count(&|c| signed_segments(c).iter().any(|s| !s.contains('='))),
        ),
        ("userinfo", count(&|c| authority(&c.uri).contains('@'))),
        (
            "raw (unescaped) UTF-8 in query or form body",
            count(&|c| signed_segments(c).iter().any(|s| !s.is_ascii())),
        ),
        (
            "lowercase / custom methods",
            count(&|c| c.method.bytes().any(|b| b.is_ascii_lowercase()) || c.method.contains('!')),
        ),
        (
            "IPv6 hosts",
            count(&|c| c.uri.contains("://[") || c.uri.contains("@[")),
        ),
        (
            "uppercase in scheme or host",
            count(&|c| {
                c.uri
                    .split('/')
                    .take(3)
                    .any(|s| s.bytes().any(|b| b.is_ascii_uppercase()))
            }),
        ),
        (
            "http on :443",
            count(&|c| c.uri.to_ascii_lowercase().starts_with("http://") && c.uri.contains(":443")),
        ),
        (
            "explicit default port",
            count(&|c| {
                c.uri.to_ascii_lowercase().starts_with("https://") && c.uri.contains(":443")
            }),
        ),
        (
            "percent-escapes in path",
            count(&|c| c.uri.split('?').next().unwrap().contains('%')),
        ),
        (
            "`+` in query",
            count(&|c| c.uri.split_once('?').is_some_and(|(_, q)| q.contains('+'))),
        ),
        (
            "%2B in query",
            count(&|c| {
                c.uri
                    .split_once('?')
                    .is_some_and(|(_, q)| q.to_ascii_uppercase().contains("%2B"))
            }),
        ),
        (
            "non-ASCII UTF-8 in query",
            count(&|c| {
                c.uri
                    .split_once('?')
                    .is_some_and(|(_, q)| q.to_ascii_uppercase().contains("%C3"))
            }),
        ),
        ("form bodies", count(&|c| c.form_body && !c.body.is_empty())),
        (
            "form bodies with charset",
            count(&|c| {
                c.form_body
                    && c.content_type
                        .as_deref()
                        .is_some_and(|t| t.contains("charset"))
            }),
        ),
        (
            "JSON bodies",
            count(&|c| {
                c.content_type
                    .as_deref()
                    .is_some_and(|t| t.contains("json"))
            }),
        ),
        ("2-legged empty token", count(&|c| c.two_legged)),
        ("callbacks", count(&|c| c.callback.is_some())),
        ("verifiers", count(&|c| c.verifier.is_some())),
        ("realms", count(&|c| c.realm.is_some())),
    ];
    let tally: Vec<String> = checks
        .iter()
        .map(|(what, n)| format!("{what}: {n}"))
        .collect();
    println!("cases with: {}", tally.join(", "));
    for (what, n) in checks {
        assert!(
            n >= 5,
            "the generator made only {n} cases with {what} (OAUTHLIB_DIFF_SEED=0x{seed:016X})"
        );
    }
}

/// The authority of a URI as written (userinfo, host, port).
fn authority(uri: &str) -> &str {
    let rest = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or_default()
}

/// A port that is written and is not the scheme's default (`http://h:443` counts; `:80` on
/// http, `:080`, and an empty `:` do not).
fn has_non_default_port(uri: &str) -> bool {
    let scheme = uri
        .split("://")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let host_port = authority(uri).rsplit('@').next().unwrap_or_default();
    let after_host = host_port.rsplit_once(']').map_or(host_port, |(_, p)| p);
    let Some((_, port)) = after_host.rsplit_once(':') else {
        return false;
    };
    let default = if scheme == "http" { 80 } else { 443 };
    port.parse::<u16>().is_ok_and(|p| p != default)
}

/// The non-empty `&`-separated segments of the query and of a signed (form) body.
fn signed_segments(case: &Case) -> Vec<&str> {
    let query = case.uri.split_once('?').map_or("", |(_, q)| q);
    let body = if case.form_body {
        case.body.as_str()
    } else {
        ""
    };
    query
        .split('&')
        .chain(body.split('&'))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The query and form-body pairs, decoded (`+` is a space, `%XX` a byte), by a decoder written
/// here rather than the crate's.
fn signed_pairs(case: &Case) -> Vec<(Vec<u8>, Vec<u8>)> {
    fn decode(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                    i += 2;
                }
                other => out.push(other),
            }
            i += 1;
        }
        out
    }
    signed_segments(case)
        .into_iter()
        .map(|s| {
            let (n, v) = s.split_once('=').unwrap_or((s, ""));
            (decode(n), decode(v))
        })
        .collect()
}

/// A plain HMAC-SHA1 case for hand-written requests.
fn plain_case(id: usize, uri: &str) -> Case {
    Case {
        id,
        method: "GET".to_owned(),
        uri: uri.to_owned(),
        content_type: None,
        body: String::new(),
        form_body: false,
        consumer_key: "dpf43f3p2l4k3l03".to_owned(),
        consumer_secret: "kd94hf93k423kf44".to_owned(),
        token: None,
        token_secret: String::new(),
        two_legged: false,
        callback: None,
        verifier: None,
        realm: None,
        version: true,
        extra: Vec::new(),
        nonce: "kllo9940pd9333jh".to_owned(),
        timestamp: 1_191_242_096,
        methods: vec!["HMAC-SHA1"],
        rsa_key: 0,
    }
}

/// The input classes left out of the generator (see "EXCLUDED" above) really are ones where
/// oauthlib departs from RFC 5849, in exactly the documented way, while we follow the RFC. If
/// a new oauthlib fixes one, this test fails: then put the class back into the generator.
#[test]
fn excluded_inputs_are_oauthlib_deviations() {
    let keys = rsa_keys();
    // (uri, what we sign, what oauthlib signs), for the part that differs.
    // (An IPv6 host is no longer one: both sign it in RFC 5952 form, `[2001:db8::1:0:0:1]`.)
    let table: [(&str, &str, &str); 3] = [
        // §3.4.1.2: the path as sent; urllib drops an empty `;params` of the last segment.
        (
            "https://example.com/a;",
            "uri https://example.com/a;",
            "uri https://example.com/a",
        ),
        // §3.4.1.3.1: the query is decoded once; oauthlib decodes `oauth_*` values twice.
        (
            "https://example.com/?oauth_custom=a%2525b",
            "param oauth_custom=a%2525b",
            "param oauth_custom=a%25b",
        ),
        // §3.6: octets are encoded; oauthlib turns a non-UTF-8 byte into U+FFFD.
        (
            "https://example.com/?a=%FF",
            "param a=%FF",
            "param a=%EF%BF%BD",
        ),
    ];
    let cases: Vec<Case> = table
        .iter()
        .enumerate()
        .map(|(id, (uri, _, _))| plain_case(id, uri))
        .collect();
    let ours: Vec<BTreeMap<&str, Ours>> = cases
        .iter()
        .map(|c| BTreeMap::from([("HMAC-SHA1", sign_ours(c, "HMAC-SHA1", &keys))]))
        .collect();
    let results = oauthlib_results(&cases, &ours);

    // The part of a base string that each row is about.
    let part = |base_string: &str, row: &str| -> String {
        let parsed = BaseString::parse(base_string).unwrap();
        if row.starts_with("uri ") {
            format!("uri {}", parsed.uri())
        } else {
            let (name, _) = row["param ".len()..].split_once('=').unwrap();
            let values: Vec<String> = parsed
                .parameters()
                .into_iter()
                .filter(|(n, _)| n == name)
                .map(|(n, v)| format!("param {n}={v}"))
                .collect();
            values.join(" ")
        }
    };
    for ((row, ours), result) in table.iter().zip(&ours).zip(&results) {
        let (uri, we_sign, oauthlib_signs) = *row;
        let mine = &ours["HMAC-SHA1"].base_string;
        let theirs = field(&result["methods"]["HMAC-SHA1"]["client"], "base_string");
        assert_eq!(
            part(mine, we_sign),
            we_sign,
            "{uri}: our base string {mine}"
        );
        assert_eq!(
            part(theirs, oauthlib_signs),
            oauthlib_signs,
            "{uri}: oauthlib's base string {theirs}"
        );
        // Everything else agrees.
        let (a, b) = (
            BaseString::parse(mine).unwrap(),
            BaseString::parse(theirs).unwrap(),
        );
        assert_eq!(a.method(), b.method(), "{uri}");
        if we_sign.starts_with("uri ") {
            assert_eq!(a.parameters(), b.parameters(), "{uri}");
        } else {
            assert_eq!(a.uri(), b.uri(), "{uri}");
            let others = |bs: &BaseString| -> Vec<(String, String)> {
                let name = &we_sign["param ".len()..we_sign.find('=').unwrap()];
                bs.parameters()
                    .into_iter()
                    .filter(|(n, _)| n != name)
                    .collect()
            };
            assert_eq!(others(&a), others(&b), "{uri}");
        }
    }
}
