//! `oauth_body_hash` (draft-eaton-oauth-bodyhash-00): the draft's worked examples byte for
//! byte, the choice of hash, the forbidden cases as exact errors, and the stand-in's check.
//!
//! The draft is "OAuth Request Body Hash", B. Eaton et al., draft-eaton-oauth-bodyhash-00
//! (IETF datatracker, April 2009; first published as oauth-bodyhash.html in the OAuth
//! extensions repository). Its Appendix A gives two example requests: A.1 a `PUT` of
//! `Hello World!` as `text/plain`, A.2 a `GET` without a body.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::{HmacHash, HmacSha, MethodError, Plaintext, RsaHash, RsaSha};
use bitbucket_oauth::{BodyHashAlgorithm, BodyHashError, SignError};
use bitbucket_oauth::{ConsumerKey, ConsumerSecret, RsaPrivateKey, SignOptions, Signer, TokenRef};

const RESOURCE: &str = "http://www.example.com/resource";

fn hmac(hash: HmacHash, secret: &str) -> HmacSha {
    HmacSha::new(hash, ConsumerSecret::new(secret))
}

fn hello_world_put() -> http::Request<Vec<u8>> {
    http::Request::put(RESOURCE)
        .header("Content-Type", "text/plain")
        .body(b"Hello World!".to_vec())
        .unwrap()
}

fn pinned<'a>(nonce: &'a str, timestamp: u64) -> SignOptions<'a> {
    SignOptions::new().nonce(nonce).timestamp(timestamp)
}

/// Appendix A.1's signature base string: consumer `consumer`, token `token`, nonce
/// `10369470270925`, timestamp `1236874236`, and `oauth_body_hash` sorted in first.
#[test]
fn draft_appendix_a1_put_base_string() {
    let signer = Signer::builder(ConsumerKey::new("consumer"), hmac(HmacHash::Sha1, "secret"))
        .body_hash(true)
        .build();
    let token = TokenRef {
        token: "token",
        secret: "secret",
    };
    let signed = signer
        .sign(
            &hello_world_put(),
            &pinned("10369470270925", 1_236_874_236).token(token),
        )
        .unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        "PUT&http%3A%2F%2Fwww.example.com%2Fresource&oauth_body_hash%3DLve95gjOVATpfV8EL5X4nxwjKHE%253D%26oauth_consumer_key%3Dconsumer%26oauth_nonce%3D10369470270925%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1236874236%26oauth_token%3Dtoken%26oauth_version%3D1.0"
    );
    assert_eq!(
        signed
            .protocol_parameters()
            .find(|(name, _)| *name == "oauth_body_hash"),
        Some(("oauth_body_hash", "Lve95gjOVATpfV8EL5X4nxwjKHE="))
    );
}

/// Appendix A.1's `Authorization` header prints the signature `08bUFF/jmp59mWB7cSgCYBUpJ0U=`
/// for nonce `10288510250934` and timestamp `1236874155`. The draft does not print the
/// secrets; a consumer-only request (no `oauth_token`) with consumer secret `secret`
/// reproduces the printed signature exactly, so this is that request, header and all.
#[test]
fn draft_appendix_a1_put_header_signature() {
    let signer = Signer::builder(ConsumerKey::new("consumer"), hmac(HmacHash::Sha1, "secret"))
        .body_hash(true)
        .build();
    let signed = signer
        .sign(
            &hello_world_put(),
            &pinned("10288510250934", 1_236_874_155).realm("http://www.example.com"),
        )
        .unwrap();
    assert_eq!(signed.signature(), "08bUFF/jmp59mWB7cSgCYBUpJ0U=");
    assert_eq!(
        signed.authorization().to_str().unwrap(),
        r#"OAuth realm="http://www.example.com", oauth_consumer_key="consumer", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1236874155", oauth_nonce="10288510250934", oauth_version="1.0", oauth_body_hash="Lve95gjOVATpfV8EL5X4nxwjKHE%3D", oauth_signature="08bUFF%2Fjmp59mWB7cSgCYBUpJ0U%3D""#
    );
}

/// Appendix A.2: a `GET` without a body is hashed as the empty string (draft §3.2).
#[test]
fn draft_appendix_a2_get_without_body() {
    let signer = Signer::builder(ConsumerKey::new("consumer"), hmac(HmacHash::Sha1, "secret"))
        .body_hash(true)
        .build();
    let request = http::Request::get(RESOURCE).body(Vec::new()).unwrap();
    let signed = signer
        .sign(
            &request,
            &pinned("8628868109991", 1_238_395_022).token(TokenRef {
                token: "token",
                secret: "secret",
            }),
        )
        .unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        "GET&http%3A%2F%2Fwww.example.com%2Fresource&oauth_body_hash%3D2jmj7l5rSw0yVb%252FvlWAYkK%252FYBwk%253D%26oauth_consumer_key%3Dconsumer%26oauth_nonce%3D8628868109991%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1238395022%26oauth_token%3Dtoken%26oauth_version%3D1.0"
    );
}

/// The hash follows the method: SHA-1, SHA-256, SHA-512 of the same body.
#[test]
fn hash_follows_the_signature_method() {
    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    let cases: Vec<(Box<dyn bitbucket_oauth::signature::SignatureMethod>, &str)> = vec![
        (
            Box::new(hmac(HmacHash::Sha1, "s")),
            "Lve95gjOVATpfV8EL5X4nxwjKHE=",
        ),
        (
            Box::new(RsaSha::new(RsaHash::Sha1, key.clone())),
            "Lve95gjOVATpfV8EL5X4nxwjKHE=",
        ),
        (
            Box::new(hmac(HmacHash::Sha256, "s")),
            "f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk=",
        ),
        (
            Box::new(RsaSha::new(RsaHash::Sha256, key.clone())),
            "f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk=",
        ),
        (
            Box::new(hmac(HmacHash::Sha512, "s")),
            "hhhE1nBOhXP+w02WfiC8/vPUJM9IvgTm3AjyvVjHKXQzcQFerYkcw88cnTS0kmS1EHUbH/nlN5N7xGtdb/TsyA==",
        ),
        (
            Box::new(RsaSha::new(RsaHash::Sha512, key)),
            "hhhE1nBOhXP+w02WfiC8/vPUJM9IvgTm3AjyvVjHKXQzcQFerYkcw88cnTS0kmS1EHUbH/nlN5N7xGtdb/TsyA==",
        ),
    ];
    for (method, expected) in cases {
        let name = method.name().to_owned();
        let signer = Signer::builder_boxed(ConsumerKey::new("c"), method).build();
        let signed = signer
            .sign(&hello_world_put(), &SignOptions::new().body_hash(true))
            .unwrap();
        let hash = signed
            .protocol_parameters()
            .find(|(n, _)| *n == "oauth_body_hash")
            .map(|(_, v)| v.to_owned());
        assert_eq!(hash.as_deref(), Some(expected), "{name}");
    }
}

#[test]
fn off_by_default_and_per_request_overrides_the_signer() {
    let plain = Signer::new(ConsumerKey::new("c"), hmac(HmacHash::Sha1, "s"));
    let opts = pinned("abcdefghijklmnopqrst", 1_700_000_000);
    let signed = plain.sign(&hello_world_put(), &opts).unwrap();
    assert!(
        !signed
            .base_string()
            .unredacted()
            .contains("oauth_body_hash")
    );
    let asked = plain
        .sign(&hello_world_put(), &opts.clone().body_hash(true))
        .unwrap();
    assert!(
        asked
            .base_string()
            .unredacted()
            .contains("oauth_body_hash%3DLve95gjOVATpfV8EL5X4nxwjKHE%253D%26")
    );

    let hashing = Signer::builder(ConsumerKey::new("c"), hmac(HmacHash::Sha1, "s"))
        .body_hash(true)
        .build();
    let declined = hashing
        .sign(&hello_world_put(), &opts.clone().body_hash(false))
        .unwrap();
    assert_eq!(
        declined.base_string().unredacted(),
        signed.base_string().unredacted()
    );
}

fn form_post() -> http::Request<Vec<u8>> {
    http::Request::post(RESOURCE)
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(b"a=1".to_vec())
        .unwrap()
}

/// draft §4.1.1: never on a form-encoded body. Asked for per request: an exact error; a
/// hashing signer leaves such requests without it.
#[test]
fn form_encoded_body_is_refused_when_asked_and_skipped_by_policy() {
    let signer = Signer::new(ConsumerKey::new("c"), hmac(HmacHash::Sha1, "s"));
    let err = signer
        .sign(&form_post(), &SignOptions::new().body_hash(true))
        .unwrap_err();
    assert!(
        matches!(err, SignError::BodyHash(BodyHashError::FormEncodedBody)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "oauth_body_hash is not allowed on an application/x-www-form-urlencoded body (draft-eaton-oauth-bodyhash §4.1.1: its parameters are signed already); drop SignOptions::body_hash(true) for this request"
    );
    // The header-only path refuses the same way.
    assert!(matches!(
        signer.authorization_header(&form_post(), &SignOptions::new().body_hash(true)),
        Err(SignError::BodyHash(BodyHashError::FormEncodedBody))
    ));

    let hashing = Signer::builder(ConsumerKey::new("c"), hmac(HmacHash::Sha1, "s"))
        .body_hash(true)
        .build();
    let opts = pinned("abcdefghijklmnopqrst", 1_700_000_000);
    let signed = hashing.sign(&form_post(), &opts).unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        "POST&http%3A%2F%2Fwww.example.com%2Fresource&a%3D1%26oauth_consumer_key%3Dc%26oauth_nonce%3Dabcdefghijklmnopqrst%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_version%3D1.0"
    );
}

#[test]
fn plaintext_is_refused_unless_a_hash_is_named() {
    let signer = Signer::new(
        ConsumerKey::new("c"),
        Plaintext::new(ConsumerSecret::new("s")),
    );
    let err = signer
        .sign(&hello_world_put(), &SignOptions::new().body_hash(true))
        .unwrap_err();
    assert!(
        matches!(err, SignError::BodyHash(BodyHashError::Plaintext)),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "oauth_body_hash with PLAINTEXT protects nothing (the draft does not recommend it): sign with HMAC-SHA1/256/512 or RSA-SHA1/256/512, or, if the provider insists, name the hash with SignerBuilder::body_hash_algorithm"
    );
    let named = Signer::builder(
        ConsumerKey::new("c"),
        Plaintext::new(ConsumerSecret::new("s")),
    )
    .body_hash_algorithm(BodyHashAlgorithm::Sha256)
    .build();
    let signed = named.sign(&hello_world_put(), &SignOptions::new()).unwrap();
    assert!(signed.protocol_parameters().any(|p| p
        == (
            "oauth_body_hash",
            "f4OxZX/x/FO5LcGBSKHWXfwtSx+j1ncoSt3SABJtkGk="
        )));
}

/// A custom method with a name of its own.
#[derive(Debug)]
struct RsaPss;

impl bitbucket_oauth::signature::SignatureMethod for RsaPss {
    fn name(&self) -> &str {
        "RSA-PSS"
    }
    fn sign(&self, _base: &[u8], _token_secret: &str, out: &mut String) -> Result<(), MethodError> {
        out.push_str("sig");
        Ok(())
    }
}

#[test]
fn custom_method_must_name_its_hash() {
    let signer = Signer::new(ConsumerKey::new("c"), RsaPss);
    let err = signer
        .sign(&hello_world_put(), &SignOptions::new().body_hash(true))
        .unwrap_err();
    assert!(
        matches!(&err, SignError::BodyHash(BodyHashError::UnknownMethod { method }) if method == "RSA-PSS"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the signature method `RSA-PSS` names no body hash algorithm; name one with SignerBuilder::body_hash_algorithm(BodyHashAlgorithm::Sha256) (or Sha1, Sha512)"
    );
    let named = Signer::builder(ConsumerKey::new("c"), RsaPss)
        .body_hash_algorithm(BodyHashAlgorithm::Sha256)
        .clock(FixedClock(1_700_000_000))
        .nonce_source(FixedNonce("abcdefghijklmnopqrst".into()))
        .build();
    let signed = named.sign(&hello_world_put(), &SignOptions::new()).unwrap();
    assert_eq!(
        signed.authorization().to_str().unwrap(),
        r#"OAuth oauth_consumer_key="c", oauth_signature_method="RSA-PSS", oauth_timestamp="1700000000", oauth_nonce="abcdefghijklmnopqrst", oauth_version="1.0", oauth_body_hash="f4OxZX%2Fx%2FFO5LcGBSKHWXfwtSx%2Bj1ncoSt3SABJtkGk%3D", oauth_signature="sig""#
    );
}

/// One writer: the caller cannot add a second `oauth_body_hash`, neither as an extra protocol
/// parameter nor in the query.
#[test]
fn oauth_body_hash_is_written_once() {
    let signer = Signer::new(ConsumerKey::new("c"), hmac(HmacHash::Sha1, "s"));
    let err = signer
        .sign(
            &hello_world_put(),
            &SignOptions::new().extra("oauth_body_hash", "forged"),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            SignError::InvalidParameter {
                name: "extra protocol parameter",
                reason: "the signer sets this parameter itself; use the matching SignOptions setter"
            }
        ),
        "{err:?}"
    );
    let in_query = http::Request::put(format!("{RESOURCE}?oauth_body_hash=x"))
        .body(Vec::new())
        .unwrap();
    let err = signer
        .sign(&in_query, &SignOptions::new().body_hash(true))
        .unwrap_err();
    assert!(
        matches!(&err, SignError::DuplicateProtocolParameter { name } if name == "oauth_body_hash"),
        "{err:?}"
    );
}

/// The query and form placements carry it too (RFC 5849 §3.5.2, §3.5.3).
#[test]
fn to_urlencoded_carries_the_hash() {
    let signer = Signer::builder(ConsumerKey::new("c"), hmac(HmacHash::Sha1, "s"))
        .body_hash(true)
        .build();
    let signed = signer
        .sign(
            &hello_world_put(),
            &pinned("abcdefghijklmnopqrst", 1_700_000_000),
        )
        .unwrap();
    let text = signed.to_urlencoded();
    assert!(
        text.starts_with("oauth_consumer_key=c&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1700000000&oauth_nonce=abcdefghijklmnopqrst&oauth_version=1.0&oauth_body_hash=Lve95gjOVATpfV8EL5X4nxwjKHE%3D&oauth_signature="),
        "{text}"
    );
}

#[cfg(feature = "testkit")]
#[path = "support/raw_request.rs"]
mod raw_request;

#[cfg(feature = "testkit")]
mod stand_in {
    use super::*;
    use bitbucket_oauth::Consumer;
    use bitbucket_oauth::testkit::{StandIn, TestClock};

    use super::raw_request::raw;

    fn text(response: &[u8]) -> String {
        String::from_utf8_lossy(response).into_owned()
    }

    /// The stand-in checks `oauth_body_hash` when present: the right hash passes, a changed
    /// body is `parameter_rejected` naming `oauth_body_hash`, as is the hash on a form body.
    #[test]
    fn stand_in_verifies_the_body_hash() {
        let clock = TestClock::frozen(1_764_115_200);
        let stand_in = StandIn::builder().clock(clock.clone()).start().unwrap();
        let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
        stand_in
            .register_consumer("hash", key.public_key_pem().unwrap().as_bytes())
            .unwrap();
        let signer = Signer::builder(ConsumerKey::new("hash"), RsaSha::sha1(key))
            .clock(clock)
            .body_hash(true)
            .build();
        let client = Consumer::new(signer, stand_in.endpoints());
        let access = stand_in.issue_access_token("hash", "alice").unwrap();
        let whoami = |body: &[u8]| {
            let mut request = http::Request::get(stand_in.url("/plugins/servlet/applinks/whoami"))
                .header("Content-Type", "application/json")
                .body(body.to_vec())
                .unwrap();
            client.sign_request(&mut request, access.token()).unwrap();
            request
        };

        let good = stand_in.respond_raw(&raw(&whoami(br#"{"q":1}"#)));
        assert!(text(&good).starts_with("HTTP/1.1 200"), "{}", text(&good));
        assert!(good.ends_with(b"\r\n\r\nalice"), "{}", text(&good));

        // Signed for one body, sent with another.
        let mut changed = whoami(br#"{"q":1}"#);
        *changed.body_mut() = br#"{"q":2}"#.to_vec();
        let refused = text(&stand_in.respond_raw(&raw(&changed)));
        assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
        assert!(
            refused.contains("oauth_problem=\"parameter_rejected\""),
            "{refused}"
        );
        assert!(
            refused.contains("oauth_parameters_rejected=\"oauth_body_hash\""),
            "{refused}"
        );

        // The hash on a form-encoded (empty) body, which the extension forbids.
        let mut form = whoami(b"");
        form.headers_mut().insert(
            "content-type",
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        let refused = text(&stand_in.respond_raw(&raw(&form)));
        assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
        assert!(
            refused.contains("oauth_parameters_rejected=\"oauth_body_hash\""),
            "{refused}"
        );

        // Without the parameter nothing is checked.
        let mut request = http::Request::get(stand_in.url("/plugins/servlet/applinks/whoami"))
            .header("Content-Type", "application/json")
            .body(b"{}".to_vec())
            .unwrap();
        let plain = Signer::builder(
            ConsumerKey::new("hash"),
            RsaSha::sha1(
                RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap(),
            ),
        )
        .clock(stand_in.clock())
        .build();
        Consumer::new(plain, stand_in.endpoints())
            .sign_request(&mut request, access.token())
            .unwrap();
        let answer = stand_in.respond_raw(&raw(&request));
        assert!(answer.ends_with(b"\r\n\r\nalice"), "{}", text(&answer));
    }
}
