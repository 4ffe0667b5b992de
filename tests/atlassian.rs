//! The Atlassian family (`Endpoints::atlassian`): each product's whoami request, exact, and
//! the reqwest adapter reading each product's answer from a local server that answers as the
//! product does (Jira's and Confluence's JSON, Bamboo's JSON when asked with `Accept`, else
//! XML; Bitbucket's plain text).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bitbucket_oauth::atlassian::{AtlassianProduct, WhoamiAnswer};
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    Access, Consumer, ConsumerKey, ConsumerSecret, Endpoints, Signer, Token, TokenSecret,
};

fn signer() -> Signer {
    Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(1_700_000_000))
    .nonce_source(FixedNonce("abcdefghijklmnopqrst".into()))
    .build()
}

fn token() -> Token<Access> {
    Token::new("at", TokenSecret::new("ats"))
}

/// The sans-IO whoami request of each product: URL under the context path, `Accept` for JSON
/// answers, signed like any resource request.
#[test]
fn whoami_request_of_each_product() {
    let expected = [
        (
            AtlassianProduct::Bitbucket,
            "https://h.example.com/ctx/plugins/servlet/applinks/whoami",
            None,
        ),
        (
            AtlassianProduct::Jira,
            "https://h.example.com/ctx/rest/api/2/myself",
            Some("application/json"),
        ),
        (
            AtlassianProduct::Confluence,
            "https://h.example.com/ctx/rest/api/user/current",
            Some("application/json"),
        ),
        (
            AtlassianProduct::Bamboo,
            "https://h.example.com/ctx/rest/api/latest/currentUser",
            Some("application/json"),
        ),
    ];
    for (product, url, accept) in expected {
        let client = Consumer::new(
            signer(),
            Endpoints::atlassian(product, "https://h.example.com/ctx/").unwrap(),
        );
        let (request, sent) = client.whoami(&token()).unwrap();
        assert_eq!(request.method(), http::Method::GET);
        assert_eq!(request.uri().to_string(), url, "{product:?}");
        assert_eq!(
            request
                .headers()
                .get(http::header::ACCEPT)
                .map(|v| v.to_str().unwrap()),
            accept,
            "{product:?}"
        );
        let encoded_url = bitbucket_oauth::rfc5849::encode(url);
        assert_eq!(
            sent.base_string().unredacted(),
            format!(
                "GET&{encoded_url}&oauth_consumer_key%3Dck%26oauth_nonce%3Dabcdefghijklmnopqrst%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1700000000%26oauth_token%3Dat%26oauth_version%3D1.0"
            ),
            "{product:?}"
        );
    }
}

#[cfg(feature = "reqwest")]
#[path = "support/hostile.rs"]
mod hostile;

/// The blocking adapter's `whoami` against each product's answer.
#[cfg(feature = "reqwest")]
#[test]
fn adapter_reads_each_products_answer() {
    use bitbucket_oauth::reqwest::BlockingClient;
    use hostile::{Server, respond};

    let server = Server::start(|_, request| {
        let json = request.header("accept") == Some("application/json");
        match request.path() {
            "/ctx/plugins/servlet/applinks/whoami" => respond(200, &[("Content-Type", "text/plain;charset=UTF-8")], b"alice"),
            "/ctx/rest/api/2/myself" => respond(
                200,
                &[("Content-Type", "application/json;charset=UTF-8")],
                br#"{"self":"http://127.0.0.1/ctx/rest/api/2/user?username=alice","key":"JIRAUSER10000","name":"alice","displayName":"Alice A","active":true}"#,
            ),
            "/ctx/rest/api/user/current" => respond(
                200,
                &[("Content-Type", "application/json")],
                br#"{"type":"known","username":"alice","userKey":"ff80808100000000","displayName":"Alice A"}"#,
            ),
            "/ctx/rest/api/latest/currentUser" if json => respond(
                200,
                &[("Content-Type", "application/json")],
                br#"{"name":"alice","fullName":"Alice A","email":"alice@example.com"}"#,
            ),
            "/ctx/rest/api/latest/currentUser" => respond(
                200,
                &[("Content-Type", "application/xml")],
                b"<?xml version=\"1.0\"?><user><name>alice</name></user>",
            ),
            _ => respond(404, &[], b""),
        }
    });
    let base = server.url("/ctx");
    for product in AtlassianProduct::ALL {
        let oauth = Consumer::new(signer(), Endpoints::atlassian(product, &base).unwrap());
        let client = BlockingClient::new(oauth).unwrap();
        // Each call needs a fresh nonce only for a real provider; this server does not check.
        assert_eq!(client.whoami(&token()).unwrap(), "alice", "{product:?}");
    }
    let seen: Vec<(String, Option<String>, bool)> = server
        .requests()
        .iter()
        .map(|r| {
            (
                r.path().to_owned(),
                r.header("accept").map(str::to_owned),
                r.header("authorization")
                    .is_some_and(|a| a.starts_with("OAuth ")),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (
                "/ctx/plugins/servlet/applinks/whoami".to_owned(),
                // reqwest's default: the request adds no Accept of its own.
                Some("*/*".to_owned()),
                true
            ),
            (
                "/ctx/rest/api/2/myself".to_owned(),
                Some("application/json".to_owned()),
                true
            ),
            (
                "/ctx/rest/api/user/current".to_owned(),
                Some("application/json".to_owned()),
                true
            ),
            (
                "/ctx/rest/api/latest/currentUser".to_owned(),
                Some("application/json".to_owned()),
                true
            ),
        ]
    );
}

/// Bamboo without `Accept: application/json` answers XML: a typed error, not a garbage user
/// name.
#[test]
fn json_answer_without_the_user_name_is_a_typed_error() {
    let err = WhoamiAnswer::JsonField("name")
        .user_name(&http::Response::new(
            b"<?xml version=\"1.0\"?><user><name>alice</name></user>".to_vec(),
        ))
        .unwrap_err();
    assert!(
        matches!(
            &err,
            bitbucket_oauth::Error::UnexpectedResponse { reason, .. }
                if *reason == "the whoami answer is not a JSON object with the user name member"
        ),
        "{err:?}"
    );
}
