#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `dance sign --body-hash`: the draft-eaton-oauth-bodyhash-00 Appendix A.1 request through the
//! command line, byte for byte, and its refusals as exit 1 with the library's message.

#[path = "support/dance_bin.rs"]
mod dance_bin;

use std::process::Output;

fn dance(args: &[&str]) -> Output {
    std::process::Command::new(dance_bin::dance_binary("cli-body-hash"))
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .unwrap()
}

const A1: [&str; 19] = [
    "sign",
    "--json",
    "--signature-method",
    "HMAC-SHA1",
    "--consumer-key",
    "consumer",
    "--consumer-secret",
    "secret",
    "--realm",
    "http://www.example.com",
    "--nonce",
    "10288510250934",
    "--timestamp",
    "1236874155",
    "--content-type",
    "text/plain",
    "--body",
    "Hello World!",
    "--body-hash",
];

/// Appendix A.1's printed header signature (see tests/body_hash.rs for how it is reproduced).
#[test]
fn body_hash_flag_reproduces_the_draft_example() {
    let mut args = A1.to_vec();
    args.extend(["PUT", "http://www.example.com/resource"]);
    let out = dance(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        concat!(
            r#"{"base_string":"PUT&http%3A%2F%2Fwww.example.com%2Fresource&oauth_body_hash%3DLve95gjOVATpfV8EL5X4nxwjKHE%253D%26oauth_consumer_key%3Dconsumer%26oauth_nonce%3D10288510250934%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1236874155%26oauth_version%3D1.0","#,
            r#""signature":"08bUFF/jmp59mWB7cSgCYBUpJ0U=","#,
            r#""authorization":"OAuth realm=\"http://www.example.com\", oauth_consumer_key=\"consumer\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"1236874155\", oauth_nonce=\"10288510250934\", oauth_version=\"1.0\", oauth_body_hash=\"Lve95gjOVATpfV8EL5X4nxwjKHE%3D\", oauth_signature=\"08bUFF%2Fjmp59mWB7cSgCYBUpJ0U%3D\""}"#,
            "\n"
        )
    );
}

#[test]
fn body_hash_flag_on_a_form_body_is_refused() {
    let mut args = A1.to_vec();
    args[15] = "application/x-www-form-urlencoded";
    args[17] = "a=1";
    args.extend(["POST", "http://www.example.com/resource"]);
    let out = dance(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: oauth_body_hash is not allowed on an application/x-www-form-urlencoded body (draft-eaton-oauth-bodyhash §4.1.1: its parameters are signed already); drop SignOptions::body_hash(true) for this request\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn body_hash_flag_with_plaintext_is_refused() {
    let mut args = A1.to_vec();
    args[3] = "PLAINTEXT";
    args.extend(["PUT", "http://www.example.com/resource"]);
    let out = dance(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: oauth_body_hash with PLAINTEXT protects nothing (the draft does not recommend it): sign with HMAC-SHA1/256/512 or RSA-SHA1/256/512, or, if the provider insists, name the hash with SignerBuilder::body_hash_algorithm\n"
    );
}
