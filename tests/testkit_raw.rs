//! `StandIn::respond_raw`: the stand-in answering bytes without a socket, as it does on the
//! network (the entry point of the request-verifier fuzz target).
#![cfg(feature = "testkit")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::testkit::{StandIn, TestClock};
use bitbucket_oauth::{Consumer, ConsumerKey, RsaPrivateKey, Signer, Token, TokenSecret};

#[path = "support/raw_request.rs"]
mod raw_request;
use raw_request::raw;

fn status(response: &[u8]) -> &str {
    std::str::from_utf8(&response[..12]).unwrap()
}

#[test]
fn respond_raw_verifies_like_the_network_path() {
    let clock = TestClock::frozen(1_764_115_200);
    let stand_in = StandIn::builder().clock(clock.clone()).start().unwrap();
    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    stand_in
        .register_consumer("raw", key.public_key_pem().unwrap().as_bytes())
        .unwrap();
    let signer = Signer::builder(
        ConsumerKey::new("raw"),
        bitbucket_oauth::signature::RsaSha::sha1(key),
    )
    .clock(clock)
    .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    let access = stand_in.issue_access_token("raw", "alice").unwrap();

    let mut request = http::Request::get(stand_in.url("/plugins/servlet/applinks/whoami"))
        .body(Vec::new())
        .unwrap();
    client.sign_request(&mut request, access.token()).unwrap();
    let bytes = raw(&request);
    let answer = stand_in.respond_raw(&bytes);
    assert_eq!(status(&answer), "HTTP/1.1 200");
    assert!(
        answer.ends_with(b"\r\n\r\nalice"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // The same bytes again: the nonce was recorded, exactly as over the network.
    let replay = stand_in.respond_raw(&bytes);
    assert_eq!(status(&replay), "HTTP/1.1 401");
    assert!(String::from_utf8_lossy(&replay).contains("oauth_problem=\"nonce_used\""));

    // A forged token, garbage, and nothing at all.
    let forged = Token::<bitbucket_oauth::Access>::new("forged", TokenSecret::new(""));
    let mut request = http::Request::get(stand_in.url("/rest/api/1.0/projects"))
        .body(Vec::new())
        .unwrap();
    client.sign_request(&mut request, &forged).unwrap();
    let refused = stand_in.respond_raw(&raw(&request));
    assert_eq!(status(&refused), "HTTP/1.1 401");
    assert!(String::from_utf8_lossy(&refused).contains("oauth_problem=\"token_rejected\""));
    assert_eq!(
        status(&stand_in.respond_raw(b"\x00\xffGARBAGE\r\n\r\n")),
        "HTTP/1.1 400"
    );
    assert!(stand_in.respond_raw(b"").is_empty());

    let log = stand_in.requests();
    let statuses: Vec<u16> = log.iter().map(|r| r.status.as_u16()).collect();
    assert_eq!(statuses, [200, 401, 401, 400]);
}

/// The seeds of the `standin_verifier` fuzz target reach the paths they are meant to reach
/// (so that fuzzing starts from valid signatures, not from refusals).
#[test]
fn fuzz_seeds_reach_their_paths() {
    use bitbucket_oauth::testkit::RegisteredConsumer;
    let stand_in = StandIn::builder()
        .clock(TestClock::frozen(1_764_115_200))
        .believed_base_url("http://bitbucket.fuzz/bitbucket")
        .allow_shared_secret_methods()
        .start()
        .unwrap();
    stand_in.add_consumer(
        RegisteredConsumer::rsa("fuzz", include_bytes!("data/keys/rsa2048_public_spki.pem"))
            .unwrap()
            .two_legged(true)
            .impersonation(true),
    );
    stand_in.register_hmac_consumer("fuzz-hmac", "fuzz-secret");
    let seed = |name: &str| {
        std::fs::read(format!(
            "{}/fuzz/corpus/standin_verifier/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    for (name, want_status, want_problem) in [
        ("request_token_rsa", "HTTP/1.1 200", None),
        ("request_token_callback_rsa", "HTTP/1.1 200", None),
        ("request_token_hmac", "HTTP/1.1 200", None),
        (
            "projects_unknown_token",
            "HTTP/1.1 401",
            Some("token_rejected"),
        ),
        (
            "access_token_form_body",
            "HTTP/1.1 401",
            Some("token_rejected"),
        ),
        ("whoami_unsigned", "HTTP/1.1 401", Some("parameter_absent")),
        (
            "repos_bad_version",
            "HTTP/1.1 400",
            Some("version_rejected"),
        ),
        ("transfer_encoding", "HTTP/1.1 501", None),
    ] {
        let answer = stand_in.respond_raw(&seed(name));
        let text = String::from_utf8_lossy(&answer);
        assert_eq!(status(&answer), want_status, "{name}: {text}");
        if let Some(problem) = want_problem {
            assert!(
                text.contains(&format!("oauth_problem=\"{problem}\"")),
                "{name}: {text}"
            );
        }
    }
    let page = stand_in.respond_raw(&seed("authorize"));
    assert_eq!(
        status(&page),
        "HTTP/1.1 401",
        "{}",
        String::from_utf8_lossy(&page)
    );
}
