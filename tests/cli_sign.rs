#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End-to-end tests of `dance sign` (examples/dance.rs): they build the example once, run the
//! binary and compare its output byte for byte with published vectors (tests/data/cli/README.md
//! names every source).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data_dir() -> PathBuf {
    manifest_dir().join("tests/data/cli")
}

/// Builds the example once per test run (in the target dir this test was built in) and returns
/// the path of its binary.
fn dance_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let build = Command::new(env!("CARGO"))
            .args(["build", "--example", "dance"])
            .current_dir(manifest_dir())
            .output()
            .expect("could not run cargo");
        assert!(
            build.status.success(),
            "cargo build --example dance failed:\n{}",
            String::from_utf8_lossy(&build.stderr)
        );
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("target"));
        let target = manifest_dir().join(target); // no-op for an absolute path
        let bin = target
            .join("debug")
            .join("examples")
            .join(format!("dance{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.is_file(),
            "example binary not found at {}",
            bin.display()
        );
        bin
    })
}

/// Runs `dance <args>` in tests/data/cli, without any backtrace setting inherited.
fn dance(args: &[&str]) -> Output {
    Command::new(dance_binary())
        .args(args)
        .current_dir(data_dir())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("could not run the dance example")
}

/// Runs a command that must succeed silently on stderr; returns its stdout.
fn succeeds(args: &[&str]) -> String {
    let out = dance(args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "dance {args:?} failed: {stderr}");
    assert_eq!(stderr, "", "unexpected stderr");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail with `code`, print nothing on stdout and not panic; returns
/// its stderr.
fn fails(args: &[&str], code: i32) -> String {
    let out = dance(args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "dance {args:?}: wrong exit status; stderr: {stderr}"
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "",
        "stdout of a failure"
    );
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(
        !stderr.contains("RUST_BACKTRACE"),
        "backtrace hint: {stderr}"
    );
    stderr
}

fn data(name: &str) -> String {
    std::fs::read_to_string(data_dir().join(name)).unwrap()
}

/// The three fields of `--json` output, checking there is nothing else.
fn json_fields(stdout: &str) -> (String, String, String) {
    assert!(
        stdout.ends_with('\n') && stdout.lines().count() == 1,
        "{stdout:?}"
    );
    let value: serde_json::Value = serde_json::from_str(stdout).unwrap();
    let object = value.as_object().unwrap();
    assert_eq!(object.len(), 3, "{stdout}");
    let field = |name: &str| object[name].as_str().unwrap().to_owned();
    (
        field("base_string"),
        field("signature"),
        field("authorization"),
    )
}

// The RFC 5849 §3.1 example request.
const RFC_URL: &str = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b";
const RFC_BODY: &str = "c2&a3=2+q";
const FORM: &str = "application/x-www-form-urlencoded";

/// The §3.1 request's arguments apart from the signature method and its key.
fn rfc_request_args<'a>(method: &'a str, key_args: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "sign",
        "--json",
        "--no-version",
        "--signature-method",
        method,
        "--consumer-key",
        "9djdj82h48djs9d2",
        "--token",
        "kkk9d7dh3k39sjv7",
        "--nonce",
        "7d8f3e4a",
        "--timestamp",
        "137131201",
        "--content-type",
        FORM,
        "--body",
        RFC_BODY,
    ];
    args.extend_from_slice(key_args);
    args.extend_from_slice(&["POST", RFC_URL]);
    args
}

/// The RFC §3.4.1.1 base string with another `oauth_signature_method` (same parameter order).
fn rfc_base_string_for(method: &str) -> String {
    let rfc = data("rfc5849_3.4.1.1_base_string.txt");
    let from = "oauth_signature_method%3DHMAC-SHA1%26";
    assert_eq!(rfc.matches(from).count(), 1);
    rfc.replace(from, &format!("oauth_signature_method%3D{method}%26"))
}

fn rfc_authorization(method: &str, realm: bool, encoded_signature: &str) -> String {
    format!(
        "OAuth {}oauth_consumer_key=\"9djdj82h48djs9d2\", oauth_token=\"kkk9d7dh3k39sjv7\", \
         oauth_signature_method=\"{method}\", oauth_timestamp=\"137131201\", \
         oauth_nonce=\"7d8f3e4a\", oauth_signature=\"{encoded_signature}\"",
        if realm { "realm=\"Example\", " } else { "" }
    )
}

#[test]
fn rfc5849_3_1_hmac_sha1_json() {
    let args = rfc_request_args(
        "HMAC-SHA1",
        &[
            "--consumer-secret",
            "j49sk3j29djd",
            "--token-secret",
            "dh893hdasih9",
            "--realm",
            "Example",
        ],
    );
    let stdout = succeeds(&args);
    let (base_string, signature, authorization) = json_fields(&stdout);
    assert_eq!(base_string, data("rfc5849_3.4.1.1_base_string.txt"));
    assert_eq!(
        signature,
        data("rfc5849_3.1_hmac_sha1_signature_errata2550.txt")
    );
    assert_eq!(signature, "r6/TJjbCOr97/+UU0NsvSne7s5g=");
    assert_eq!(
        authorization,
        rfc_authorization("HMAC-SHA1", true, "r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D")
    );
    // The exact bytes, keys in the documented order.
    assert_eq!(
        stdout,
        format!(
            "{{\"base_string\":\"{}\",\"signature\":\"r6/TJjbCOr97/+UU0NsvSne7s5g=\",\
             \"authorization\":\"{}\"}}\n",
            data("rfc5849_3.4.1.1_base_string.txt"),
            authorization.replace('"', "\\\"")
        )
    );
}

#[test]
fn rfc5849_3_1_hmac_sha256_json() {
    let args = rfc_request_args(
        "HMAC-SHA256",
        &[
            "--consumer-secret",
            "j49sk3j29djd",
            "--token-secret",
            "dh893hdasih9",
        ],
    );
    let (base_string, signature, authorization) = json_fields(&succeeds(&args));
    assert_eq!(base_string, rfc_base_string_for("HMAC-SHA256"));
    assert_eq!(signature, data("rfc5849_3.1_hmac_sha256_signature.txt"));
    assert_eq!(signature, "ypAxjNip++Dm0fTM+gCl8wAo6ufSnseu1WHxL7py3BU=");
    assert_eq!(
        authorization,
        rfc_authorization(
            "HMAC-SHA256",
            false,
            "ypAxjNip%2B%2BDm0fTM%2BgCl8wAo6ufSnseu1WHxL7py3BU%3D"
        )
    );
}

#[test]
fn plaintext_oauthlib_vector_json() {
    let consumer_secret = data("oauthlib_client_secret.txt");
    let token_secret = data("oauthlib_resource_owner_secret.txt");
    assert_eq!(token_secret, "just-a-string    asdasd"); // four significant spaces
    let args = rfc_request_args(
        "PLAINTEXT",
        &[
            "--consumer-secret",
            &consumer_secret,
            "--token-secret",
            &token_secret,
        ],
    );
    let (base_string, signature, authorization) = json_fields(&succeeds(&args));
    assert_eq!(base_string, rfc_base_string_for("PLAINTEXT"));
    assert_eq!(signature, data("oauthlib_plaintext_signature.txt"));
    assert_eq!(
        authorization,
        rfc_authorization(
            "PLAINTEXT",
            false,
            "ECrDNoq1VYzzzzzzzzzyAK7TwZNtPnkqatqZZZZ%26just-a-string%2520%2520%2520%2520asdasd"
        )
    );
}

const WIKI_ARGS: [&str; 11] = [
    "sign",
    "--json",
    "--consumer-key",
    "dpf43f3p2l4k3l03",
    "--nonce",
    "13917289812797014437",
    "--timestamp",
    "1196666512",
    "--private-key",
    "wiki_rsa_sha1_private_key_pkcs8.pem",
    // RSA-SHA1 is the default signature method.
    "GET",
];
const WIKI_URL: &str = "http://photos.example.net/photos?file=vacaction.jpg&size=original";

#[test]
fn wiki_rsa_sha1_vector_with_allow_weak_key() {
    let mut args = WIKI_ARGS.to_vec();
    args.insert(1, "--allow-weak-key");
    args.push(WIKI_URL);
    let (base_string, signature, authorization) = json_fields(&succeeds(&args));
    assert_eq!(base_string, data("wiki_rsa_sha1_base_string.txt"));
    assert_eq!(signature, data("wiki_rsa_sha1_signature.txt"));
    assert_eq!(
        authorization,
        "OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_signature_method=\"RSA-SHA1\", \
         oauth_timestamp=\"1196666512\", oauth_nonce=\"13917289812797014437\", \
         oauth_version=\"1.0\", oauth_signature=\"jvTp%2FwX1TYtByB1m%2BPbyo0lnCOLIsyGCH7wke8AUs3Bp\
         nwZJtAuEJkvQL2%2F9n4s5wUmUl4aCI4BwpraNx4RtEXMe5qg5T1LVTGliMRpKasKsW%2F%2Fe%2BRinhejgCuz\
         oH26dyF8iY2ZZ%2F5D1ilgeijhV%2FvBka5twt399mXwaYdCwFYE%3D\""
    );
}

#[test]
fn wiki_rsa_sha1_key_without_allow_weak_key_is_refused() {
    let mut args = WIKI_ARGS.to_vec();
    args.push(WIKI_URL);
    let stderr = fails(&args, 1);
    assert_eq!(
        stderr,
        "error: private key wiki_rsa_sha1_private_key_pkcs8.pem: RSA key of 1024 bits is below \
         the minimum of 2048 bits; generate a 2048-bit or larger key (only test vectors need the \
         explicit legacy path); pass --allow-weak-key to accept it anyway (test vectors only)\n"
    );
}

#[test]
fn rsa_sha256_with_a_pkcs1_key() {
    let args = rfc_request_args(
        "RSA-SHA256",
        &[
            "--private-key",
            "oauthlib_rsa_private_key_pkcs1.pem",
            "--allow-weak-key",
        ],
    );
    let (base_string, signature, _) = json_fields(&succeeds(&args));
    assert_eq!(base_string, rfc_base_string_for("RSA-SHA256"));
    assert_eq!(
        signature,
        data("rfc5849_3.1_rsa_sha256_oauthlib_key_signature.txt")
    );
}

#[test]
fn rsa_sha512_with_a_2048_bit_key_needs_no_flag() {
    let args = rfc_request_args(
        "rsa-sha512",
        &["--private-key", "../test_rsa_2048_pkcs8.pem"],
    );
    let (base_string, signature, _) = json_fields(&succeeds(&args));
    assert_eq!(base_string, rfc_base_string_for("RSA-SHA512"));
    assert_eq!(
        signature,
        data("rfc5849_3.1_rsa_sha512_test2048_signature.txt")
    );
}

#[test]
fn readable_output_small_case_exact() {
    // Scheme and host lowercased, default port dropped, empty path -> "/", `%7e` -> `~`,
    // a name without `=` has an empty value; PLAINTEXT is enc(consumer secret)&enc(token secret).
    let stdout = succeeds(&[
        "sign",
        "--consumer-key",
        "key",
        "--signature-method",
        "PLAINTEXT",
        "--consumer-secret",
        "c s",
        "--token",
        "tok",
        "--token-secret",
        "a&b",
        "--nonce",
        "n1",
        "--timestamp",
        "1",
        "--no-version",
        "GET",
        "HTTP://Example.COM:80?z=%7e&y",
    ]);
    assert_eq!(
        stdout,
        "\
Signature base string (RFC 5849 3.4.1.1), the exact bytes signed:
  GET&http%3A%2F%2Fexample.com%2F&oauth_consumer_key%3Dkey%26oauth_nonce%3Dn1%26oauth_signature_method%3DPLAINTEXT%26oauth_timestamp%3D1%26oauth_token%3Dtok%26y%3D%26z%3D~

1. Method:
  GET
2. Base string URI (3.4.1.2):
  http://example.com/
3. Normalized parameters (3.4.1.3.2), decoded once, name = value:
  oauth_consumer_key = key
  oauth_nonce = n1
  oauth_signature_method = PLAINTEXT
  oauth_timestamp = 1
  oauth_token = tok
  y =
  z = ~

Signature (PLAINTEXT, oauth_signature before percent-encoding):
  c%20s&a%26b
  percent-encoded: c%2520s%26a%2526b

Authorization header:
  OAuth oauth_consumer_key=\"key\", oauth_token=\"tok\", oauth_signature_method=\"PLAINTEXT\", oauth_timestamp=\"1\", oauth_nonce=\"n1\", oauth_signature=\"c%2520s%26a%2526b\"
"
    );
}

#[test]
fn readable_output_rfc_request_exact() {
    let mut args = rfc_request_args(
        "HMAC-SHA1",
        &[
            "--consumer-secret",
            "j49sk3j29djd",
            "--token-secret",
            "dh893hdasih9",
            "--realm",
            "Example",
        ],
    );
    args.retain(|a| *a != "--json");
    let stdout = succeeds(&args);
    // The parameter lines are RFC 5849 §3.4.1.3.2's normalized parameters, one per line.
    let lines: Vec<String> = data("rfc5849_3.4.1.3.2_normalized_parameters.txt")
        .split('&')
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                format!("  {name} =\n")
            } else {
                format!("  {name} = {value}\n")
            }
        })
        .collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(
        stdout,
        format!(
            "\
Signature base string (RFC 5849 3.4.1.1), the exact bytes signed:
  {}

1. Method:
  POST
2. Base string URI (3.4.1.2):
  http://example.com/request
3. Normalized parameters (3.4.1.3.2), decoded once, name = value:
{}
Signature (HMAC-SHA1, oauth_signature before percent-encoding):
  r6/TJjbCOr97/+UU0NsvSne7s5g=
  percent-encoded: r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D

Authorization header:
  {}
",
            data("rfc5849_3.4.1.1_base_string.txt"),
            lines.concat(),
            rfc_authorization("HMAC-SHA1", true, "r6%2FTJjbCOr97%2F%2BUU0NsvSne7s5g%3D")
        )
    );
    // Spelled out for the reader: the §3.4.1.3.1 decoded parameters in their encoded form.
    assert!(stdout.contains(
        "  a2 = r%20b\n  a3 = 2%20q\n  a3 = a\n  b5 = %3D%253D\n  c%40 =\n  c2 =\n  oauth_consumer_key"
    ));
}

#[test]
fn readable_output_says_when_the_body_is_not_signed() {
    let stdout = succeeds(&[
        "sign",
        "--consumer-key",
        "k",
        "--signature-method",
        "HMAC-SHA512",
        "--consumer-secret",
        "s",
        "--nonce",
        "n",
        "--timestamp",
        "2",
        "--content-type",
        "application/json",
        "--body",
        "{\"a\":1}",
        "POST",
        "https://example.com:8443/a%20b",
    ]);
    let expected_prefix = "\
Signature base string (RFC 5849 3.4.1.1), the exact bytes signed:
  POST&https%3A%2F%2Fexample.com%3A8443%2Fa%2520b&oauth_consumer_key%3Dk%26oauth_nonce%3Dn%26oauth_signature_method%3DHMAC-SHA512%26oauth_timestamp%3D2%26oauth_version%3D1.0

1. Method:
  POST
2. Base string URI (3.4.1.2):
  https://example.com:8443/a%20b
3. Normalized parameters (3.4.1.3.2), decoded once, name = value:
  oauth_consumer_key = k
  oauth_nonce = n
  oauth_signature_method = HMAC-SHA512
  oauth_timestamp = 2
  oauth_version = 1.0
  (the body is not signed: its Content-Type is not application/x-www-form-urlencoded)

Signature (HMAC-SHA512, oauth_signature before percent-encoding):
";
    assert!(stdout.starts_with(expected_prefix), "{stdout}");
}

#[test]
fn form_body_with_charset_parameter_is_signed() {
    let stdout = succeeds(&[
        "sign",
        "--json",
        "--consumer-key",
        "k",
        "--signature-method",
        "HMAC-SHA1",
        "--consumer-secret",
        "s",
        "--nonce",
        "n",
        "--timestamp",
        "2",
        "--no-version",
        "--content-type",
        "Application/X-WWW-Form-URLEncoded; charset=UTF-8",
        "--body",
        "b=x+y%2B",
        "POST",
        "http://example.com/",
    ]);
    let (base_string, _, _) = json_fields(&stdout);
    assert_eq!(
        base_string,
        "POST&http%3A%2F%2Fexample.com%2F&b%3Dx%2520y%252B%26oauth_consumer_key%3Dk\
         %26oauth_nonce%3Dn%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D2"
    );
}

// ---- errors: exit 1, `error: <message>` on stderr ----

const HMAC: [&str; 6] = [
    "sign",
    "--consumer-key",
    "k",
    "--signature-method",
    "HMAC-SHA1",
    "--consumer-secret",
];

fn hmac_args<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = HMAC.to_vec();
    args.push("s");
    args.extend_from_slice(rest);
    args
}

#[test]
fn missing_key_file() {
    let stderr = fails(
        &[
            "sign",
            "--consumer-key",
            "k",
            "--private-key",
            "no-such-key.pem",
            "GET",
            "http://e.com/",
        ],
        1,
    );
    assert!(
        stderr.starts_with("error: cannot read private key no-such-key.pem: "),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn bad_pem() {
    let stderr = fails(
        &[
            "sign",
            "--consumer-key",
            "k",
            "--private-key",
            "not_a_key.pem",
            "GET",
            "http://e.com/",
        ],
        1,
    );
    assert_eq!(
        stderr,
        "error: private key not_a_key.pem: not an RSA private key in PEM or DER form (PKCS#1 or \
         PKCS#8 expected): PEM: PEM Base64 error: invalid Base64 encoding\n"
    );
}

#[test]
fn public_key_instead_of_private_key() {
    let stderr = fails(
        &[
            "sign",
            "--consumer-key",
            "k",
            "--private-key",
            "wiki_rsa_sha1_public_key_spki.pem",
            "GET",
            "http://e.com/",
        ],
        1,
    );
    assert_eq!(
        stderr,
        "error: private key wiki_rsa_sha1_public_key_spki.pem: this is a public key or \
         certificate; signing needs the private key (the file you generated the public key from)\n"
    );
}

#[test]
fn key_under_1024_bits_is_refused_even_with_allow_weak_key() {
    let stderr = fails(
        &[
            "sign",
            "--consumer-key",
            "k",
            "--private-key",
            "rsa_512_pkcs8.pem",
            "--allow-weak-key",
            "GET",
            "http://e.com/",
        ],
        1,
    );
    assert_eq!(
        stderr,
        "error: private key rsa_512_pkcs8.pem: RSA key of 512 bits is below the minimum of 1024 \
         bits; generate a 2048-bit or larger key (only test vectors need the explicit legacy path)\n"
    );
}

#[test]
fn shared_secret_methods_without_consumer_secret() {
    for method in ["HMAC-SHA1", "HMAC-SHA256", "HMAC-SHA512", "PLAINTEXT"] {
        let stderr = fails(
            &[
                "sign",
                "--consumer-key",
                "k",
                "--signature-method",
                method,
                "--token",
                "t",
                "--token-secret",
                "ts",
                "GET",
                "http://e.com/",
            ],
            1,
        );
        assert_eq!(
            stderr,
            format!("error: {method} needs --consumer-secret <S>\n")
        );
    }
}

#[test]
fn rsa_methods_without_private_key() {
    for (given, name) in [
        (None, "RSA-SHA1"),
        (Some("RSA-SHA1"), "RSA-SHA1"),
        (Some("RSA-SHA256"), "RSA-SHA256"),
        (Some("rsa-sha512"), "RSA-SHA512"),
    ] {
        let mut args = vec!["sign", "--consumer-key", "k"];
        if let Some(given) = given {
            args.extend_from_slice(&["--signature-method", given]);
        }
        args.extend_from_slice(&["GET", "http://e.com/"]);
        let stderr = fails(&args, 1);
        assert_eq!(
            stderr,
            format!(
                "error: {name} needs --private-key <PATH> (RSA-SHA1 is the default \
                 --signature-method; pass --signature-method HMAC-SHA1 or PLAINTEXT to sign with \
                 --consumer-secret)\n"
            )
        );
    }
}

#[test]
fn key_options_for_the_wrong_kind_of_method() {
    let stderr = fails(
        &hmac_args(&[
            "--private-key",
            "wiki_rsa_sha1_private_key_pkcs8.pem",
            "GET",
            "http://e.com/",
        ]),
        1,
    );
    assert_eq!(
        stderr,
        "error: HMAC-SHA1 does not use an RSA key; --private-key and --allow-weak-key are only \
         for RSA-* methods\n"
    );
    let stderr = fails(
        &[
            "sign",
            "--consumer-key",
            "k",
            "--consumer-secret",
            "s",
            "--private-key",
            "wiki_rsa_sha1_private_key_pkcs8.pem",
            "--allow-weak-key",
            "GET",
            "http://e.com/",
        ],
        1,
    );
    assert_eq!(
        stderr,
        "error: RSA-SHA1 signs with --private-key; --consumer-secret is only for HMAC-* and \
         PLAINTEXT\n"
    );
}

#[test]
fn bad_urls() {
    let stderr = fails(&hmac_args(&["GET", "not a url"]), 1);
    assert_eq!(
        stderr,
        "error: invalid URL `not a url`: it has no scheme; sign an absolute URI such as \
         https://host/path\n"
    );
    let stderr = fails(&hmac_args(&["GET", "example.com/path"]), 1);
    assert_eq!(
        stderr,
        "error: invalid URL `example.com/path`: it has no scheme; sign an absolute URI such as \
         https://host/path\n"
    );
    let stderr = fails(&hmac_args(&["GET", "/relative?a=1"]), 1);
    assert_eq!(
        stderr,
        "error: invalid URL `/relative?a=1`: it has no scheme; sign an absolute URI such as \
         https://host/path\n"
    );
    let stderr = fails(&hmac_args(&["GET", "http://h:99999/"]), 1);
    assert_eq!(
        stderr,
        "error: invalid URL `http://h:99999/`: its port is not a number from 0 to 65535\n"
    );
}

#[test]
fn malformed_body_and_query() {
    let stderr = fails(
        &hmac_args(&[
            "--content-type",
            FORM,
            "--body",
            "a=1&b=%zz",
            "POST",
            "http://e.com/",
        ]),
        1,
    );
    assert_eq!(
        stderr,
        "error: malformed percent-encoding in the form body at byte 6: `%` must be followed by \
         two hex digits\n"
    );
    let stderr = fails(&hmac_args(&["GET", "http://e.com/?a=%4"]), 1);
    assert_eq!(
        stderr,
        "error: malformed percent-encoding in the query string at byte 2: `%` must be followed \
         by two hex digits\n"
    );
}

#[test]
fn other_invalid_values() {
    let stderr = fails(&hmac_args(&["GE T", "http://e.com/"]), 1);
    assert_eq!(stderr, "error: invalid HTTP method `GE T`\n");
    let stderr = fails(
        &hmac_args(&["--callback", "/cb", "GET", "http://e.com/"]),
        1,
    );
    assert_eq!(
        stderr,
        "error: invalid oauth_callback: must be an absolute URL (scheme://host/...) or `oob`\n"
    );
    let stderr = fails(&hmac_args(&["--realm", "a\tb", "GET", "http://e.com/"]), 1);
    assert_eq!(
        stderr,
        "error: invalid realm: it must be printable ASCII without control characters\n"
    );
    let stderr = fails(
        &hmac_args(&["--content-type", "a\nb", "GET", "http://e.com/"]),
        1,
    );
    assert_eq!(
        stderr,
        "error: invalid --content-type `a\nb`: not a valid header value\n"
    );
}

// ---- usage errors: exit 2, from the argument parser ----

#[test]
fn token_secret_without_token_is_a_usage_error() {
    let stderr = fails(
        &hmac_args(&["--token-secret", "ts", "GET", "http://e.com/"]),
        2,
    );
    assert!(
        stderr.starts_with(
            "error: the following required arguments were not provided:\n  --token <T>\n"
        ),
        "{stderr}"
    );
}

#[test]
fn other_usage_errors() {
    let stderr = fails(
        &[
            "sign",
            "--consumer-key",
            "k",
            "--signature-method",
            "HMAC-MD5",
            "GET",
            "http://e.com/",
        ],
        2,
    );
    assert!(
        stderr.starts_with(
            "error: invalid value 'HMAC-MD5' for '--signature-method <NAME>': unknown signature \
             method `HMAC-MD5`; expected one of RSA-SHA1, RSA-SHA256, RSA-SHA512, HMAC-SHA1, \
             HMAC-SHA256, HMAC-SHA512, PLAINTEXT\n"
        ),
        "{stderr}"
    );
    let stderr = fails(&["sign", "GET", "http://e.com/"], 2);
    assert!(stderr.contains("--consumer-key <KEY>"), "{stderr}");
    let stderr = fails(
        &hmac_args(&["--timestamp", "soon", "GET", "http://e.com/"]),
        2,
    );
    assert!(
        stderr.starts_with("error: invalid value 'soon' for '--timestamp <SECONDS>'"),
        "{stderr}"
    );
    let stderr = fails(&hmac_args(&["GET"]), 2);
    assert!(stderr.contains("<URL>"), "{stderr}");
}

#[test]
fn no_subcommand_prints_help_to_stderr() {
    let stderr = fails(&[], 2);
    assert!(stderr.contains("Usage: dance [COMMAND]"), "{stderr}");
    assert!(stderr.contains("\n  sign  "), "{stderr}");
}
