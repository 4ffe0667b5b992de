//! The `tracing` feature: every path of the adapter (the whole dance, a refusal, signed calls,
//! 2-legged, renewal, a clock correction) and of the middleware, captured by a formatting
//! subscriber. The promised spans and fields appear with their exact values; no planted secret,
//! query value or base string does.
#![cfg(all(
    feature = "tracing",
    feature = "testkit",
    feature = "reqwest-middleware"
))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use bitbucket_oauth::reqwest::BlockingClient;
use bitbucket_oauth::reqwest::middleware::SigningMiddleware;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::testkit::{
    RegisteredConsumer, StandIn, TestClock, Times, browser, oob_verifier,
};
use bitbucket_oauth::{Consumer, ConsumerKey, ConsumerSecret, OAuthProblem, Signer, Verifier};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

const CONSUMER: &str = "trace-consumer";
const CONSUMER_SECRET: &str = "PLANTEDconsumerSECRET";
const QUERY_SECRET: &str = "PLANTEDqueryVALUE";

/// A writer into a shared buffer, for the formatting subscriber.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn subscriber(buffer: &Buffer) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_writer(buffer.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish()
}

fn setup() -> (StandIn, Consumer) {
    let clock = TestClock::frozen(1_700_000_000);
    let stand_in = StandIn::builder()
        .allow_shared_secret_methods()
        .clock(clock.clone())
        .start()
        .unwrap();
    stand_in.add_consumer(
        RegisteredConsumer::hmac(CONSUMER, CONSUMER_SECRET)
            .two_legged(true)
            .impersonation(true),
    );
    let signer = Signer::builder(
        ConsumerKey::new(CONSUMER),
        HmacSha::sha1(ConsumerSecret::new(CONSUMER_SECRET)),
    )
    .clock(clock)
    .build();
    let client = Consumer::new(signer, stand_in.endpoints());
    (stand_in, client)
}

/// The close line of an `oauth_exchange` span with exactly these fields.
fn exchange(step: &str, method: &str, path: &str, end: &str) -> String {
    format!(
        "oauth_exchange{{step={step} method={method} host=127.0.0.1 path=/bitbucket{path} signature_method=HMAC-SHA1 {end}}}: close"
    )
}

#[test]
fn every_path_is_traced_and_no_secret_is() {
    let (stand_in, oauth) = setup();
    let buffer = Buffer::default();
    let guard = subscriber(&buffer).set_default();
    let adapter = BlockingClient::new(oauth.clone()).unwrap();

    // The dance.
    let request_token = adapter.request_token("oob").unwrap();
    let page = browser::approve(&oauth.authorize_url(&request_token), "alice").unwrap();
    let verifier = oob_verifier(page.body()).unwrap();
    let access = adapter
        .access_token(&request_token, &Verifier::new(verifier.as_str()))
        .unwrap();
    assert_eq!(adapter.whoami(access.token()).unwrap(), "alice");

    // A signed call with a secret query value, a refusal, 2-legged, renewal.
    let projects = stand_in.url(&format!("/rest/api/1.0/projects?secret={QUERY_SECRET}"));
    let get = || {
        http::Request::get(projects.as_str())
            .body(Vec::new())
            .unwrap()
    };
    assert_eq!(adapter.send(get(), access.token()).unwrap().status(), 200);
    stand_in.refuse(OAuthProblem::TokenRejected, Times::Next(1));
    let err = adapter.whoami(access.token()).unwrap_err();
    assert_eq!(err.problem().unwrap().problem, OAuthProblem::TokenRejected);
    let two_legged = adapter.send_two_legged(get(), Some("alice")).unwrap();
    assert_eq!(two_legged.status(), 200);
    let renewed = adapter.renew(&access).unwrap();

    // A clock correction: the stand-in runs 1000 s ahead.
    stand_in.set_clock_offset(1000);
    assert_eq!(adapter.whoami(renewed.token()).unwrap(), "alice");

    // The middleware: a refused attempt, then a good one.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let http = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
            .with(SigningMiddleware::access(
                oauth.clone(),
                renewed.token().clone(),
            ))
            .build();
        stand_in.refuse(OAuthProblem::TokenExpired, Times::Next(1));
        let whoami = stand_in.url("/plugins/servlet/applinks/whoami");
        assert_eq!(http.get(&whoami).send().await.unwrap().status(), 401);
        assert_eq!(http.get(&whoami).send().await.unwrap().status(), 200);
    });
    drop(guard);

    let out = buffer.text();
    let planted = [
        CONSUMER_SECRET,
        QUERY_SECRET,
        request_token.secret().secret(),
        access.token().secret().secret(),
        renewed.token().secret().secret(),
        verifier.as_str(),
        access.session_handle().unwrap(),
        renewed.session_handle().unwrap(),
    ];
    for secret in planted {
        assert!(!secret.is_empty());
        assert!(!out.contains(secret), "{secret:?} is in the trace:\n{out}");
    }
    // No base string (or any piece of one), no signature, no nonce.
    for text in ["%26", "%3D", "oauth_signature=", "oauth_nonce", "secret="] {
        assert!(!out.contains(text), "{text:?} is in the trace:\n{out}");
    }

    for line in [
        exchange(
            "request_token",
            "POST",
            "/plugins/servlet/oauth/request-token",
            "status=200 outcome=ok",
        ),
        exchange(
            "access_token",
            "POST",
            "/plugins/servlet/oauth/access-token",
            "status=200 outcome=ok",
        ),
        exchange(
            "whoami",
            "GET",
            "/plugins/servlet/applinks/whoami",
            "status=200 outcome=ok",
        ),
        exchange(
            "call",
            "GET",
            "/rest/api/1.0/projects",
            "status=200 outcome=ok",
        ),
        exchange(
            "whoami",
            "GET",
            "/plugins/servlet/applinks/whoami",
            "status=401 outcome=refused problem=token_rejected",
        ),
        exchange(
            "two_legged",
            "GET",
            "/rest/api/1.0/projects",
            "status=200 outcome=ok",
        ),
        exchange(
            "renew",
            "POST",
            "/plugins/servlet/oauth/access-token",
            "status=200 outcome=ok",
        ),
        exchange(
            "call",
            "GET",
            "/plugins/servlet/applinks/whoami",
            "status=401 outcome=refused problem=token_expired",
        ),
        exchange(
            "call",
            "GET",
            "/plugins/servlet/applinks/whoami",
            "status=200 outcome=ok",
        ),
    ] {
        assert!(out.contains(&line), "missing {line:?} in:\n{out}");
    }
    // One `oauth_sign` span per signed attempt: request token, access token, whoami, the call,
    // the refused whoami, 2-legged, renewal, the clock-corrected whoami twice, the middleware's
    // two.
    let sign = "}:oauth_sign{step=request_token method=POST host=127.0.0.1 \
                path=/bitbucket/plugins/servlet/oauth/request-token signature_method=HMAC-SHA1}: close";
    assert!(out.contains(sign), "missing {sign:?} in:\n{out}");
    assert_eq!(out.matches("}:oauth_sign{").count(), 11, "{out}");
    for event in [
        "}: refused problem=token_rejected status=401\n",
        " WARN oauth_exchange{step=whoami method=GET host=127.0.0.1 \
         path=/bitbucket/plugins/servlet/applinks/whoami signature_method=HMAC-SHA1}: \
         clock corrected correction_secs=1000 clock_offset_secs=1000\n",
    ] {
        assert!(out.contains(event), "missing {event:?} in:\n{out}");
    }
}
