//! Writes the seed corpus under `fuzz/corpus/<target>/`: real request, response, header, key and
//! callback shapes (RFC 5849 examples, Bitbucket Server token responses and problem reports, the
//! repository's test keys). Structured seeds are written in the byte layout `arbitrary` reads, and
//! each is checked to decode back to the value it was written from.
//!
//! Run from `fuzz/`: `cargo run --example seed_corpus`. Existing seed files are overwritten;
//! other corpus files (for example ones a fuzzing run added) are left alone.

use std::fmt::Debug;
use std::fs;
use std::path::{Path, PathBuf};

use arbitrary::{Arbitrary, Unstructured};
use bitbucket_oauth::flow::MAX_TOKEN_RESPONSE_BYTES;
use bitbucket_oauth::rfc5849::MAX_HEADER_BYTES;
use bitbucket_oauth_fuzz::{
    CallbackInput, ContentType, HeaderChoice, ProtocolInput, RequestInput, ResponseInput, Seed,
    TokenChoice,
};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = root().join("corpus").join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

/// Writes a structured seed after checking that `arbitrary` reads it back as `value`.
fn write_checked<'a, T>(target: &str, name: &str, value: &T, bytes: &'a [u8])
where
    T: Arbitrary<'a> + PartialEq + Debug,
{
    let decoded = T::arbitrary_take_rest(Unstructured::new(bytes)).unwrap();
    assert_eq!(
        &decoded, value,
        "seed {target}/{name} does not decode to its value"
    );
    write(target, name, bytes);
}

fn encoding() {
    let seeds: &[(&str, &[u8])] = &[
        ("rfc5849_3.6_ladies", b"Ladies + Gentlemen"),
        ("rfc5849_3.6_encoded_string", b"An encoded string!"),
        ("rfc5849_3.6_dogs", b"Dogs, Cats & Mice"),
        ("rfc5849_3.6_snowman", "\u{2603}".as_bytes()),
        (
            "rfc5849_3.4.1.3.1_query",
            b"b5=%3D%253D&a3=a&c%40=&a2=r%20b",
        ),
        ("rfc5849_3.4.1.3.1_body", b"c2&a3=2+q"),
        ("wiki_encoding_reserved", b"&=*"),
        ("wiki_encoding_unreserved", b"abcABC123-._~"),
        ("wiki_encoding_controls", b"\n \x7f"),
        ("wiki_encoding_utf8", "\u{80}\u{3001}".as_bytes()),
        ("double_encoded_plus", b"%252B+%2B+"),
        ("lowercase_hex", b"caf%c3%a9%7e"),
        ("not_utf8", b"%FF%00\xff\xfe"),
        ("bad_escape_end", b"100%"),
        ("bad_escape_mid", b"a=%zz&b=1"),
        (
            "signature_skipped",
            b"oauth_signature=abc%3D&a=1&oauth%5Fsignature=x&&b",
        ),
        (
            "bitbucket_query",
            b"limit=100&start=25&filterText=my%20repo&user_id=jdoe",
        ),
    ];
    for (name, bytes) in seeds {
        write("encoding", name, bytes);
    }
}

fn request_seed(input: &RequestInput<'_>) -> Vec<u8> {
    let seed = Seed::new().bytes(input.method).bytes(input.uri);
    let seed = match input.content_type {
        ContentType::None => seed.variant(0, 5),
        ContentType::Form => seed.variant(1, 5),
        ContentType::FormWithCharset => seed.variant(2, 5),
        ContentType::Json => seed.variant(3, 5),
        ContentType::Raw(raw) => seed.variant(4, 5).bytes(raw),
    };
    seed.flag(input.with_token).rest(input.body).finish()
}

fn base_string() {
    let seeds: &[(&str, RequestInput<'_>)] = &[
        (
            "rfc5849_3.1_request",
            RequestInput {
                method: "POST",
                uri: "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
                content_type: ContentType::Form,
                with_token: true,
                body: b"c2&a3=2+q",
            },
        ),
        (
            "rfc5849_1.2_photos",
            RequestInput {
                method: "GET",
                uri: "http://photos.example.net/photos?file=vacation.jpg&size=original",
                content_type: ContentType::None,
                with_token: true,
                body: b"",
            },
        ),
        (
            "rfc5849_1.2_initiate",
            RequestInput {
                method: "POST",
                uri: "https://photos.example.net/initiate",
                content_type: ContentType::None,
                with_token: false,
                body: b"",
            },
        ),
        (
            "wiki_concat_1",
            RequestInput {
                method: "GET",
                uri: "http://example.com?n=v",
                content_type: ContentType::None,
                with_token: false,
                body: b"",
            },
        ),
        (
            "bitbucket_rest_get",
            RequestInput {
                method: "GET",
                uri: "https://bitbucket.example.com/rest/api/1.0/projects?limit=100&start=0",
                content_type: ContentType::None,
                with_token: true,
                body: b"",
            },
        ),
        (
            "bitbucket_2lo_impersonation",
            RequestInput {
                method: "GET",
                uri: "https://git.example.com:8443/bitbucket/rest/api/1.0/repos?user_id=j%2Edoe",
                content_type: ContentType::None,
                with_token: false,
                body: b"",
            },
        ),
        (
            "bitbucket_json_post",
            RequestInput {
                method: "POST",
                uri: "https://bitbucket.example.com/rest/api/1.0/projects/PRJ/repos",
                content_type: ContentType::Json,
                with_token: true,
                body: br#"{"name":"my repo","scmId":"git","a=b":"c&d"}"#,
            },
        ),
        (
            "form_charset_body",
            RequestInput {
                method: "PUT",
                uri: "HTTP://Example.COM:80/r%20v/X?id=123&id=12&a1=",
                content_type: ContentType::FormWithCharset,
                with_token: true,
                body: b"a=x+y&a=x%21y&a1=&z&%E2%98%83=%FF",
            },
        ),
        (
            "ipv6_port",
            RequestInput {
                method: "DELETE",
                uri: "http://[FE80::1]:8080/a/b?x=%2B",
                content_type: ContentType::Raw(
                    b"application/x-www-form-urlencoded;charset=ISO-8859-1",
                ),
                with_token: false,
                body: b"x=+&y=%2b",
            },
        ),
        (
            "https_port_80",
            RequestInput {
                method: "patch",
                uri: "https://user:pw@H:80?",
                content_type: ContentType::Raw(b"multipart/form-data; boundary=x"),
                with_token: true,
                body: b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--",
            },
        ),
    ];
    for (name, input) in seeds {
        let bytes = request_seed(input);
        write_checked("base_string", name, input, &bytes);
    }
}

fn response_seed(input: &ResponseInput<'_>) -> Vec<u8> {
    let mut seed = Seed::new().u16(input.status);
    for (name, value) in &input.headers {
        seed = seed.flag(true);
        seed = match name {
            HeaderChoice::WwwAuthenticate => seed.variant(0, 3),
            HeaderChoice::ContentType => seed.variant(1, 3),
            HeaderChoice::Other(raw) => seed.variant(2, 3).bytes(raw),
        };
        seed = seed.bytes(value);
    }
    seed.flag(false).rest(input.body).finish()
}

fn token_response() {
    use HeaderChoice::{ContentType as Ct, Other, WwwAuthenticate as Www};
    let realm = r#"OAuth realm="https%3A%2F%2Fbitbucket.example.com""#;
    let problem = |name: &str| format!("{realm}, oauth_problem=\"{name}\"");
    let token_rejected = problem("token_rejected");
    let timestamp = format!(
        "{}, oauth_acceptable_timestamps=\"1700000700-1700001300\"",
        problem("timestamp_refused")
    );
    let signature_invalid = problem("signature_invalid");
    let absent = format!(
        "{}, oauth_parameters_absent=\"oauth_verifier\"",
        problem("parameter_absent")
    );
    let method = format!(
        "{}, oauth_acceptable_signature_methods=\"RSA-SHA1\"",
        problem("signature_method_rejected")
    );
    let seeds: Vec<(&str, ResponseInput<'_>)> = vec![
        (
            "bitbucket_request_token",
            ResponseInput {
                status: 200,
                headers: vec![(Ct, b"text/plain;charset=UTF-8")],
                body: b"oauth_token=a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6&oauth_token_secret=f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6&oauth_callback_confirmed=true",
            },
        ),
        (
            "bitbucket_access_token",
            ResponseInput {
                status: 200,
                headers: vec![(Ct, b"text/plain;charset=UTF-8")],
                body: b"oauth_token=Xk2Tn5Qm8Rp1Ws4Yv7Zb0Cd3Ef6Gh9Ij&oauth_token_secret=Kl2Mn5Op8Qr1St4Uv7Wx0Yz3Ab6Cd9Ef&oauth_expires_in=157680000&oauth_session_handle=Gh2Ij5Kl8Mn1Op4Qr7St0Uv3Wx6Yz9Ab&oauth_authorization_expires_in=157680000",
            },
        ),
        (
            "rfc5849_2.1_temporary_credentials",
            ResponseInput {
                status: 200,
                headers: vec![(Ct, b"application/x-www-form-urlencoded")],
                body: b"oauth_token=hh5s93j4hdidpola&oauth_token_secret=hdhd0244k9j7ao03&oauth_callback_confirmed=true",
            },
        ),
        (
            "rfc5849_2.3_token_credentials",
            ResponseInput {
                status: 200,
                headers: vec![(Ct, b"application/x-www-form-urlencoded")],
                body: b"oauth_token=j49ddk933skd9dks&oauth_token_secret=ll399dj47dskfjdk",
            },
        ),
        (
            "encoded_values_and_whitespace",
            ResponseInput {
                status: 201,
                headers: vec![],
                body: b"\r\n oauth_token=abc%2Bdef&oauth_token_secret=s3cr%20t+x&oauth_callback_confirmed=true&x=%E2%98%83 \n",
            },
        ),
        (
            "bitbucket_token_rejected",
            ResponseInput {
                status: 401,
                headers: vec![(Www, token_rejected.as_bytes()), (Ct, b"text/plain")],
                body: b"oauth_problem=token_rejected",
            },
        ),
        (
            "bitbucket_timestamp_refused",
            ResponseInput {
                status: 400,
                headers: vec![(Www, timestamp.as_bytes())],
                body: b"oauth_problem=timestamp_refused&oauth_acceptable_timestamps=1700000700-1700001300",
            },
        ),
        (
            "bitbucket_signature_invalid",
            ResponseInput {
                status: 401,
                headers: vec![(Www, signature_invalid.as_bytes())],
                body: b"oauth_problem=signature_invalid&oauth_signature=abc%3D&oauth_signature_base_string=POST%26https%253A%252F%252Fbitbucket.example.com%252Fplugins%252Fservlet%252Foauth%252Frequest-token%26oauth_callback%253Doob%2526oauth_consumer_key%253Dconsumer%2526oauth_nonce%253Dabcdefghijklmnopqrstuv%2526oauth_signature_method%253DHMAC-SHA1%2526oauth_timestamp%253D1700000000%2526oauth_version%253D1.0",
            },
        ),
        (
            "bitbucket_parameter_absent",
            ResponseInput {
                status: 400,
                headers: vec![(Www, absent.as_bytes())],
                body: b"oauth_problem=parameter_absent&oauth_parameters_absent=oauth_verifier",
            },
        ),
        (
            "bitbucket_signature_method_rejected",
            ResponseInput {
                status: 400,
                headers: vec![(Www, method.as_bytes())],
                body: b"oauth_problem=signature_method_rejected&oauth_acceptable_signature_methods=RSA-SHA1&oauth_problem_advice=Use%20RSA-SHA1",
            },
        ),
        (
            "bitbucket_user_refused",
            ResponseInput {
                status: 503,
                headers: vec![],
                body: b"oauth_problem=user_refused",
            },
        ),
        (
            "html_login_page",
            ResponseInput {
                status: 200,
                headers: vec![(Ct, b"text/html;charset=UTF-8")],
                body: b"<!DOCTYPE html><html><head><title>Log in - Bitbucket</title></head><body><form action=\"/j_atl_security_check?a=b\"></form></body></html>",
            },
        ),
        (
            "json_error",
            ResponseInput {
                status: 404,
                headers: vec![(Ct, b"application/json;charset=UTF-8")],
                body: br#"{"errors":[{"context":null,"message":"Project PRJ does not exist.","exceptionName":"com.atlassian.bitbucket.project.NoSuchProjectException"}]}"#,
            },
        ),
        (
            "redirect_to_login",
            ResponseInput {
                status: 302,
                headers: vec![(Other("location"), b"https://bitbucket.example.com/login?next=%2Fplugins")],
                body: b"",
            },
        ),
        (
            "unicode_error_page",
            ResponseInput {
                status: 500,
                headers: vec![(Ct, "text/html; charset=UTF-8".as_bytes())],
                body: "<p>\u{3000}\u{85}oauth%5Ftoken_secret=s3cret\u{2028}a=\u{e9}</p>".as_bytes(),
            },
        ),
        (
            "server_error_with_secret",
            ResponseInput {
                status: 500,
                headers: vec![],
                body: b"oauth_token=t&oauth_token_secret=hunter2secret&oauth_session_handle=handle42value",
            },
        ),
    ];
    for (name, input) in &seeds {
        let bytes = response_seed(input);
        write_checked("token_response", name, input, &bytes);
    }
    // One byte past MAX_TOKEN_RESPONSE_BYTES: the size limit's branch (ResponseTooLarge).
    let prefix = "oauth_token=t&oauth_token_secret=";
    let body = format!(
        "{prefix}{}",
        "s".repeat(MAX_TOKEN_RESPONSE_BYTES + 1 - prefix.len())
    );
    let over = ResponseInput {
        status: 200,
        headers: vec![(Ct, b"text/plain;charset=UTF-8")],
        body: body.as_bytes(),
    };
    assert_eq!(over.body.len(), MAX_TOKEN_RESPONSE_BYTES + 1);
    let bytes = response_seed(&over);
    write_checked("token_response", "body_over_limit", &over, &bytes);
}

fn oauth_header() {
    let seeds: &[(&str, &str)] = &[
        (
            "rfc5849_3.5.1_authorization",
            r#"OAuth realm="Example", oauth_consumer_key="0685bd9184jfhq22", oauth_token="ad180jjd733klru7", oauth_signature_method="HMAC-SHA1", oauth_signature="wOJIO9A2W5mFwDgiDvZbTSMK%2FPY%3D", oauth_timestamp="137131200", oauth_nonce="4572616e48616d6d65724c61686176", oauth_version="1.0""#,
        ),
        (
            "rfc5849_3.1_authorization",
            r#"OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="djosJKDKJSD8743243%2Fjdk33klY%3D""#,
        ),
        (
            "bitbucket_www_authenticate",
            r#"OAuth realm="https%3A%2F%2Fbitbucket.example.com", oauth_problem="timestamp_refused", oauth_acceptable_timestamps="1700000700-1700001300""#,
        ),
        (
            "bitbucket_2lo_authorization",
            r#"OAuth oauth_consumer_key="my-consumer", oauth_token="", oauth_signature_method="RSA-SHA1", oauth_timestamp="1700000000", oauth_nonce="abcdefghijklmnopqrstuv", oauth_version="1.0", oauth_signature="Zm9vYmFy%2B%2F%3D""#,
        ),
        (
            "tokens_quotes_escapes",
            r#"oauth  a=1 ,b="x\"y", , c="%41%20b", realm="a\\b""#,
        ),
        (
            "multiple_challenges_like",
            r#"OAuth realm="x", oauth_problem=token_expired, oauth_problem_advice="renew%20it""#,
        ),
        ("unterminated", r#"OAuth a="unterminated"#),
        ("bad_encoding", r#"OAuth oauth_token="%zz""#),
        ("other_scheme", r#"Basic realm="Bitbucket""#),
        (
            "unicode_realm",
            "OAuth realm=\"caf\u{e9} \u{2603}\", oauth_nonce=\"%E2%98%83\"",
        ),
    ];
    for (name, text) in seeds {
        write("oauth_header", name, text.as_bytes());
    }
    // One byte past MAX_HEADER_BYTES: the length limit's branch (TooLong).
    let prefix = "OAuth realm=\"";
    let over = format!("{prefix}{}\"", "a".repeat(MAX_HEADER_BYTES - prefix.len()));
    assert_eq!(over.len(), MAX_HEADER_BYTES + 1);
    write("oauth_header", "over_limit", over.as_bytes());
}

fn protocol_seed(input: &ProtocolInput<'_>) -> Vec<u8> {
    let opt = |seed: Seed, value: Option<&str>| match value {
        Some(v) => seed.flag(true).bytes(v),
        None => seed.flag(false),
    };
    let mut seed = Seed::new().bytes(input.consumer_key).flag(input.plaintext);
    seed = match input.token {
        TokenChoice::None => seed.variant(0, 3),
        TokenChoice::TwoLeggedEmpty => seed.variant(1, 3),
        TokenChoice::Some { token, secret } => seed.variant(2, 3).bytes(token).bytes(secret),
    };
    seed = opt(seed, input.callback);
    seed = opt(seed, input.verifier);
    seed = opt(seed, input.realm);
    seed = opt(seed, input.nonce);
    seed = match input.timestamp {
        Some(t) => seed.flag(true).u64(t),
        None => seed.flag(false),
    };
    seed = seed.flag(input.version);
    // The last field, `extra`, is read with take-rest semantics: an `Option` reads its flag
    // and then its tuple the ordinary way.
    seed = match input.extra {
        Some((name, value)) => seed.flag(true).bytes(name).bytes(value),
        None => seed.flag(false),
    };
    seed.finish()
}

fn header_roundtrip() {
    let base = ProtocolInput {
        consumer_key: "dpf43f3p2l4k3l03",
        plaintext: false,
        token: TokenChoice::None,
        callback: None,
        verifier: None,
        realm: None,
        nonce: None,
        timestamp: None,
        version: true,
        extra: None,
    };
    let seeds: Vec<(&str, ProtocolInput<'_>)> = vec![
        (
            "rfc5849_1.2_initiate",
            ProtocolInput {
                realm: Some("Photos"),
                callback: Some("http://printer.example.com/ready"),
                nonce: Some("wIjqoS"),
                timestamp: Some(137_131_200),
                version: false,
                ..base.clone()
            },
        ),
        (
            "rfc5849_1.2_token",
            ProtocolInput {
                realm: Some("Photos"),
                token: TokenChoice::Some {
                    token: "hh5s93j4hdidpola",
                    secret: "hdhd0244k9j7ao03",
                },
                verifier: Some("hfdp7dh39dks9884"),
                nonce: Some("walatlh"),
                timestamp: Some(137_131_201),
                ..base.clone()
            },
        ),
        (
            "rfc5849_1.2_photos_plaintext",
            ProtocolInput {
                plaintext: true,
                token: TokenChoice::Some {
                    token: "nnch734d00sl2jdk",
                    secret: "pfkkdhi9sl3r4s00",
                },
                nonce: Some("chapoH"),
                timestamp: Some(137_131_202),
                ..base.clone()
            },
        ),
        (
            "bitbucket_request_token",
            ProtocolInput {
                consumer_key: "bitbucket-consumer",
                realm: Some("https://bitbucket.example.com"),
                callback: Some("https://app.example.com/oauth/callback?next=%2Frepos&x=\"y\""),
                ..base.clone()
            },
        ),
        (
            "bitbucket_2lo",
            ProtocolInput {
                consumer_key: "bitbucket-consumer",
                token: TokenChoice::TwoLeggedEmpty,
                extra: Some(("oauth_session_handle", "Gh2Ij5Kl8Mn1Op4Qr7St0Uv3Wx6Yz9Ab")),
                ..base.clone()
            },
        ),
        (
            "odd_values",
            ProtocolInput {
                consumer_key: "key with spaces & \"quotes\" \u{2603}",
                plaintext: true,
                token: TokenChoice::Some {
                    token: "t=1,2",
                    secret: "s&s\\",
                },
                callback: Some("oob"),
                verifier: Some("v%20\u{e9}"),
                realm: Some("realm \\ \"quoted\""),
                nonce: Some(""),
                timestamp: Some(u64::MAX),
                version: false,
                extra: None,
            },
        ),
    ];
    for (name, input) in &seeds {
        let bytes = protocol_seed(input);
        write_checked("header_roundtrip", name, input, &bytes);
    }
    // A realm as long as MAX_HEADER_BYTES: the signed header is past the parser's limit.
    let realm = "r".repeat(MAX_HEADER_BYTES);
    let over = ProtocolInput {
        realm: Some(&realm),
        ..base.clone()
    };
    let bytes = protocol_seed(&over);
    write_checked("header_roundtrip", "realm_over_header_limit", &over, &bytes);
}

fn keys() {
    let repo = root().join("..");
    let files = [
        "tests/data/keys/rsa2048_pkcs8.pem",
        "tests/data/keys/rsa2048_pkcs8.der",
        "tests/data/keys/rsa2048_pkcs1.pem",
        "tests/data/keys/rsa2048_pkcs1.der",
        "tests/data/keys/rsa2048_pkcs8_encrypted.pem",
        "tests/data/keys/rsa2048_pkcs8_encrypted.der",
        "tests/data/keys/rsa2048_legacy_encrypted.pem",
        "tests/data/keys/rsa2048_public_spki.pem",
        "tests/data/keys/rsa2048_public_pkcs1.pem",
        "tests/data/keys/rsa2048_certificate.pem",
        "tests/data/keys/rsa1024_pkcs8.pem",
        "tests/data/keys/rsa512_pkcs8.pem",
        "tests/data/keys/ec_p256_pkcs8.pem",
        "tests/data/keys/ec_p256_pkcs8.der",
        "tests/data/keys/ec_p256_sec1.der",
        "tests/data/vectors/oauthlib_rsa_private_key_pkcs1.pem",
        "tests/data/vectors/wiki_rsa_sha1_private_key_pkcs8.pem",
    ];
    for file in files {
        let bytes = fs::read(repo.join(file)).unwrap();
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        write("keys", name, &bytes);
    }
    let pem = fs::read(repo.join("tests/data/keys/rsa2048_pkcs1.pem")).unwrap();
    let mut with_text = b"Bag Attributes\n    localKeyID: 01 02 03\nsubject=/CN=test\n".to_vec();
    with_text.extend_from_slice(&pem);
    write("keys", "pkcs12_bag_attributes.pem", &with_text);
}

fn callback() {
    let seeds: &[(&str, CallbackInput<'_>)] = &[
        (
            "bitbucket_callback",
            CallbackInput {
                pending: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                callback: "https://app.example.com/oauth/callback?oauth_token=a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6&oauth_verifier=Xy7Qw2",
            },
        ),
        (
            "bitbucket_denied",
            CallbackInput {
                pending: "rt",
                callback: "https://app.example.com/oauth/callback?oauth_token=rt&oauth_verifier=denied",
            },
        ),
        (
            "rfc5849_2.2_callback",
            CallbackInput {
                pending: "hh5s93j4hdidpola",
                callback: "http://client.example.net/cb?x=1&oauth_token=hh5s93j4hdidpola&oauth_verifier=hfdp7dh39dks9884",
            },
        ),
        (
            "bare_query_fragment",
            CallbackInput {
                pending: "a b+c",
                callback: "?oauth_verifier=v%2B1&oauth_token=a%20b%2Bc#oauth_token=evil",
            },
        ),
        (
            "repeated_token",
            CallbackInput {
                pending: "rt",
                callback: "oauth_token=rt&oauth_token=rt&oauth_verifier=a",
            },
        ),
        (
            "mismatch_and_bad_escape",
            CallbackInput {
                pending: "rt",
                callback: "http://localhost:8765/?oauth_token=evil%zz&oauth_verifier=%FF%FE&&=",
            },
        ),
    ];
    for (name, input) in seeds {
        let bytes = Seed::new()
            .bytes(input.pending)
            .rest(input.callback)
            .finish();
        write_checked("callback", name, input, &bytes);
    }
}

fn main() {
    encoding();
    base_string();
    token_response();
    oauth_header();
    header_roundtrip();
    keys();
    callback();
    println!(
        "seed corpus written under {}",
        root().join("corpus").display()
    );
}
