//! The test kit's request verifier (`testkit::StandIn::respond_raw`): whatever bytes a client
//! sends, the stand-in answers with a well-formed HTTP/1.1 response and never panics.
//!
//! The stand-in believes it serves `http://bitbucket.fuzz/bitbucket` and its clock is frozen at
//! 1764115200, so the committed seeds (requests signed for that URL and time by the consumer
//! `fuzz`, RSA-SHA1 with `tests/data/keys/rsa2048_pkcs8.pem`, or `fuzz-hmac` with the secret
//! `fuzz-secret`) reach the deep paths: signature checks, token states, resources.
//!
//! Properties: never panics (the network path would turn a panic into a 500; this entry point
//! lets it through); every non-empty input gets an answer that starts with `HTTP/1.1 ` and a
//! three-digit status; a 5xx is only the 503 of Atlassian's `user_refused` /
//! `consumer_key_refused`, or the 501 for `Transfer-Encoding`.

use std::sync::OnceLock;

use bitbucket_oauth::testkit::{RegisteredConsumer, StandIn, TestClock};

const PUBLIC_KEY: &str = include_str!("../../../tests/data/keys/rsa2048_public_spki.pem");

fn stand_in() -> &'static StandIn {
    static STAND_IN: OnceLock<StandIn> = OnceLock::new();
    STAND_IN.get_or_init(|| {
        let stand_in = StandIn::builder()
            .clock(TestClock::frozen(1_764_115_200))
            .believed_base_url("http://bitbucket.fuzz/bitbucket")
            // The HMAC consumer's seeds exercise signature checking, not only the refusal of
            // a method Bitbucket does not accept.
            .allow_shared_secret_methods()
            .start()
            .expect("the stand-in starts");
        stand_in.add_consumer(
            RegisteredConsumer::rsa("fuzz", PUBLIC_KEY.as_bytes())
                .expect("the public key loads")
                .two_legged(true)
                .impersonation(true),
        );
        stand_in.register_hmac_consumer("fuzz-hmac", "fuzz-secret");
        stand_in
    })
}

/// The target's body: checks the properties above on one input.
pub fn run(data: &[u8]) {
    let stand_in = stand_in();
    let answer = stand_in.respond_raw(data);
    if data.is_empty() {
        assert!(answer.is_empty());
        return;
    }
    assert!(
        answer.starts_with(b"HTTP/1.1 "),
        "{:?}",
        String::from_utf8_lossy(&answer[..answer.len().min(64)])
    );
    let status = std::str::from_utf8(&answer[9..12]).expect("ASCII status");
    let status: u16 = status.parse().expect("a three-digit status");
    assert!(
        matches!(status, 200..=499 | 501 | 503),
        "status {status}: {}",
        String::from_utf8_lossy(&answer[..answer.len().min(300)])
    );
    // Keep the stand-in's state from growing without bound over a long run.
    if stand_in.requests().len() > 512 {
        stand_in.clear_requests();
    }
}
