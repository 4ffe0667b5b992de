//! `Signer::authorization_header`, the header alone, against `Signer::sign`: the same bytes for every
//! request and option (or the same error).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::clock::NonceSource;
use bitbucket_oauth::signature::{HmacHash, HmacSha, Plaintext, SignatureMethod};
use bitbucket_oauth::{ConsumerKey, ConsumerSecret, Error, SignOptions, Signer, TokenRef};
use proptest::prelude::*;

fn vector(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/vectors/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .trim_end()
    .to_owned()
}

/// RFC 5849 §1.2, the photos request: the published signature, through `authorize`.
#[test]
fn rfc5849_photos_request_through_authorize() {
    let signer = Signer::new(
        ConsumerKey::new("dpf43f3p2l4k3l03"),
        HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44")),
    );
    let request =
        http::Request::get("http://photos.example.net/photos?file=vacation.jpg&size=original")
            .body(Vec::new())
            .unwrap();
    let options = SignOptions::new()
        .token(TokenRef {
            token: "nnch734d00sl2jdk",
            secret: "pfkkdhi9sl3r4s00",
        })
        .nonce("chapoH")
        .timestamp(137_131_202)
        .version(false);
    let header = signer.authorization_header(&request, &options).unwrap();
    let expected = format!(
        "OAuth oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_token=\"nnch734d00sl2jdk\", \
         oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131202\", \
         oauth_nonce=\"chapoH\", oauth_signature=\"{}\"",
        bitbucket_oauth::rfc5849::encode(vector("rfc5849_1.2_photos_hmac_sha1_signature.txt"))
    );
    assert_eq!(header.to_str().unwrap(), expected);
    assert!(header.is_sensitive());
    let signed = signer.sign(&request, &options).unwrap();
    assert_eq!(
        signed.base_string().unredacted(),
        vector("rfc5849_1.2_photos_base_string.txt")
    );
}

/// A nonce source that signs with the same thread's signer while it is asked for a nonce: a
/// signature inside a signature must work, not panic.
#[derive(Debug)]
struct ReentrantNonce;

impl NonceSource for ReentrantNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error> {
        let inner = Signer::new(
            ConsumerKey::new("inner"),
            HmacSha::sha1(ConsumerSecret::new("s")),
        );
        let request = http::Request::get("https://h/p").body(Vec::new()).unwrap();
        let header = inner
            .authorization_header(&request, &SignOptions::new().nonce("x").timestamp(1))
            .unwrap();
        assert!(
            header
                .to_str()
                .unwrap()
                .starts_with("OAuth oauth_consumer_key=\"inner\"")
        );
        out.push_str("reentrant");
        Ok(())
    }
}

#[test]
fn a_nonce_source_that_signs_on_the_same_thread_works() {
    let signer = Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .nonce_source(ReentrantNonce)
    .build();
    let request = http::Request::get("https://h/p?a=1")
        .body(Vec::new())
        .unwrap();
    let options = SignOptions::new().timestamp(1_700_000_000);
    let header = signer.authorization_header(&request, &options).unwrap();
    let signed = signer.sign(&request, &options).unwrap();
    assert_eq!(&header, signed.authorization());
    assert!(
        header
            .to_str()
            .unwrap()
            .contains("oauth_nonce=\"reentrant\"")
    );
}

#[test]
fn errors_are_the_general_paths_errors() {
    let signer = Signer::new(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    );
    let cases = [
        ("https://h/p?a=%zz", SignOptions::new()),
        ("https://h/p?oauth_nonce=1", SignOptions::new().nonce("n")),
        ("/relative?a=1", SignOptions::new()),
        (
            "https://h/p",
            SignOptions::new().token(TokenRef {
                token: "",
                secret: "",
            }),
        ),
        ("https://h/p", SignOptions::new().callback("not a url")),
    ];
    for (uri, options) in cases {
        let request = http::Request::get(uri).body(Vec::new()).unwrap();
        let general = signer.sign(&request, &options).unwrap_err();
        let header = signer.authorization_header(&request, &options).unwrap_err();
        assert_eq!(format!("{header:?}"), format!("{general:?}"), "{uri}");
    }
}

/// A signature method (an HSM, say) that fails, counting how often it is asked.
#[derive(Debug, Default)]
struct FailingMethod {
    calls: std::sync::atomic::AtomicUsize,
}

impl SignatureMethod for FailingMethod {
    fn name(&self) -> &str {
        "RSA-SHA1"
    }

    fn sign(
        &self,
        _base: &[u8],
        _token_secret: &str,
        _out: &mut String,
    ) -> Result<(), bitbucket_oauth::signature::MethodError> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Err(bitbucket_oauth::signature::MethodError::new(
            "the HSM is offline",
        ))
    }
}

#[test]
fn a_failing_method_is_asked_once_and_its_error_comes_back() {
    let method = std::sync::Arc::new(FailingMethod::default());
    #[derive(Debug)]
    struct Shared(std::sync::Arc<FailingMethod>);
    impl SignatureMethod for Shared {
        fn name(&self) -> &str {
            self.0.name()
        }
        fn sign(
            &self,
            base: &[u8],
            token_secret: &str,
            out: &mut String,
        ) -> Result<(), bitbucket_oauth::signature::MethodError> {
            self.0.sign(base, token_secret, out)
        }
    }
    let signer = Signer::new(ConsumerKey::new("ck"), Shared(method.clone()));
    let request = http::Request::get("https://h/p?a=1")
        .body(Vec::new())
        .unwrap();
    let options = SignOptions::new().nonce("n").timestamp(1);
    let error = signer.authorization_header(&request, &options).unwrap_err();
    assert_eq!(method.calls.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert_eq!(
        error.to_string(),
        signer.sign(&request, &options).unwrap_err().to_string()
    );
    assert!(matches!(
        error,
        Error::Signing { ref method, ref reason } if method == "RSA-SHA1" && reason == "the HSM is offline"
    ));
}

// ---------------------------------------------------------------------------------------------
// Random requests and options
// ---------------------------------------------------------------------------------------------

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        24 => "[A-Za-z0-9._~-]{0,5}",
        4 => "[a-z]{0,2}%[0-9A-F]{2}[a-z]{0,2}",
        1 => "[a-z]{0,2}%[0-9A-F]{2}[a-z]{0,2}",
        1 => "[a-z]{0,2}%[0-9a-f]{2}",
        1 => "[a-z]{0,2}\\+[a-z]{0,2}",
        1 => Just("oauth_x".to_owned()),
        1 => "oauth[_`z]?[a-z]{0,3}",
    ]
}

fn urlencoded() -> impl Strategy<Value = String> {
    prop::collection::vec((component(), prop::option::of(component())), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

#[derive(Debug, Clone)]
struct Case {
    method: &'static str,
    uri: String,
    body: Option<(String, &'static str)>,
    token: u8,
    token_text: String,
    callback: Option<&'static str>,
    verifier: Option<String>,
    realm: bool,
    version: bool,
    extra: bool,
    nonce: String,
    timestamp: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            prop::sample::select(vec!["GET", "POST", "PUT", "delete", "PATCH"]),
            prop::sample::select(vec!["https://", "http://", "HTTPS://"]),
            prop::sample::select(vec!["h.example", "H.Example", "[::1]", "127.0.0.1"]),
            prop::sample::select(vec!["", ":80", ":443", ":8080"]),
            prop::collection::vec("[A-Za-z0-9._~-]{0,4}(%20)?", 0..4),
            prop::option::of(urlencoded()),
            prop::option::of((
                urlencoded(),
                prop::sample::select(vec![
                    "application/x-www-form-urlencoded",
                    "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
                    "application/json",
                ]),
            )),
        ),
        (
            0..3u8,
            prop_oneof![6 => "[A-Za-z0-9]{1,8}", 1 => "[a-z]{1,3} [a-z]{1,3}"],
            prop::option::weighted(
                0.3,
                prop::sample::select(vec!["oob", "https://c.example/cb?x=1"]),
            ),
            prop::option::weighted(
                0.3,
                prop_oneof![3 => "[A-Za-z0-9]{1,6}", 1 => Just("v e".to_owned())],
            ),
            (
                prop::bool::weighted(0.15),
                any::<bool>(),
                prop::bool::weighted(0.15),
            ),
            prop_oneof![8 => "[A-Za-z0-9]{1,24}", 1 => "[a-z]{1,3}[ /+][a-z]{1,3}"],
            any::<u64>(),
        ),
    )
        .prop_map(
            |(
                (method, scheme, host, port, segments, query, body),
                (token, token_text, callback, verifier, (realm, version, extra), nonce, timestamp),
            )| {
                let mut uri = format!("{scheme}{host}{port}/{}", segments.join("/"));
                if let Some(query) = query {
                    uri.push('?');
                    uri.push_str(&query);
                }
                Case {
                    method,
                    uri,
                    body,
                    token,
                    token_text,
                    callback,
                    verifier,
                    realm,
                    version,
                    extra,
                    nonce,
                    timestamp,
                }
            },
        )
}

fn methods() -> Vec<Box<dyn SignatureMethod>> {
    vec![
        Box::new(HmacSha::sha1(ConsumerSecret::new("kd94hf93k423kf44"))),
        Box::new(HmacSha::new(HmacHash::Sha256, ConsumerSecret::new("c&s"))),
        Box::new(Plaintext::new(ConsumerSecret::new("c s"))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn authorize_gives_the_header_that_sign_gives(case in case(), method in 0..3usize) {
        let signer = Signer::builder_boxed(
            ConsumerKey::new("repo-sync-service"),
            methods().swap_remove(method),
        )
        .build();
        let mut request = http::Request::builder().method(case.method).uri(case.uri.as_str());
        let body = match &case.body {
            Some((body, content_type)) => {
                request = request.header("content-type", *content_type);
                body.as_bytes().to_vec()
            }
            None => Vec::new(),
        };
        let request = request.body(body).unwrap();
        let token = TokenRef { token: &case.token_text, secret: "pfkkdhi9sl3r4s00" };
        let mut options = SignOptions::new()
            .nonce(&case.nonce)
            .timestamp(case.timestamp)
            .version(case.version);
        options = match case.token {
            0 => options,
            1 => options.token(token),
            _ => options.two_legged_empty_token(),
        };
        if let Some(callback) = case.callback {
            options = options.callback(callback);
        }
        if let Some(verifier) = &case.verifier {
            options = options.verifier(verifier);
        }
        if case.realm {
            options = options.realm("Bitbucket");
        }
        if case.extra {
            options = options.extra("oauth_session_handle", "s h");
        }
        match (signer.sign(&request, &options), signer.authorization_header(&request, &options)) {
            (Ok(signed), Ok(header)) => {
                prop_assert_eq!(signed.authorization(), &header);
                prop_assert!(header.is_sensitive());
            }
            (Err(general), Err(header)) => {
                prop_assert_eq!(format!("{general:?}"), format!("{header:?}"));
            }
            (general, header) => {
                prop_assert!(false, "sign: {general:?}, authorize: {header:?}");
            }
        }
    }
}
