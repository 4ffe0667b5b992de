#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The URL boundary (issue 14, items 1-3): every URL taken as text is parsed and resolved with
//! the `url` crate (RFC 3986 §5), each redirect hop is signed for the URL it lands on, the host
//! in the base string is written as it is sent (lowercase, IPv6 in RFC 5952 form) by the core
//! and the reqwest adapter alike, and `Endpoints::sign_base_url` signs for the URL a server
//! behind a proxy believes it serves.

use bitbucket_oauth::call::{Call, Next};

use bitbucket_oauth::flow::Step;
use bitbucket_oauth::clock::{FixedClock, FixedNonce};
use bitbucket_oauth::explain::Difference;
use bitbucket_oauth::signature::HmacSha;
use bitbucket_oauth::{
    Access, Consumer, ConsumerKey, ConsumerSecret, Endpoints, Error, SignOptions, Signer, Token,
    TokenSecret, UriProblem,
};
use http::HeaderValue;

const TS: u64 = 1_700_000_000;
const NONCE: &str = "n0nce0n0nce0n0nce0n0";

fn signer() -> Signer {
    Signer::builder(
        ConsumerKey::new("ck"),
        HmacSha::sha1(ConsumerSecret::new("cs")),
    )
    .clock(FixedClock(TS))
    .nonce_source(FixedNonce(NONCE.into()))
    .build()
}

fn token() -> Token<Access> {
    Token::new("at", TokenSecret::new("ats"))
}

/// The `Authorization` value and base string URI of a `GET` of `uri` signed with the token (the
/// clock and nonce are fixed, so this is what every correct hop to `uri` carries).
fn signed_for(uri: &str) -> (HeaderValue, String) {
    let request = http::Request::get(uri).body(Vec::new()).unwrap();
    let signed = signer()
        .sign(&request, &SignOptions::new().token(token().as_token_ref()))
        .unwrap();
    (signed.authorization().clone(), signed.base_string().uri())
}

fn response(status: u16, location: Option<&str>) -> http::Response<Vec<u8>> {
    let mut builder = http::Response::builder().status(status);
    if let Some(location) = location {
        builder = builder.header("location", location);
    }
    builder.body(Vec::new()).unwrap()
}

/// Each `Location` of the issue (plus dot segments, a scheme-relative and an absolute same-host
/// one) from `https://git.example.com/ctx/a/b?q=1`: where the hop lands, and its base string URI.
const REDIRECTS: [(&str, &str, &str); 8] = [
    (
        "/login?next=https://x.example/",
        "https://git.example.com/login?next=https://x.example/",
        "https://git.example.com/login",
    ),
    (
        "?page=2",
        "https://git.example.com/ctx/a/b?page=2",
        "https://git.example.com/ctx/a/b",
    ),
    (
        "../c/./d",
        "https://git.example.com/ctx/c/d",
        "https://git.example.com/ctx/c/d",
    ),
    (
        "./e/../f",
        "https://git.example.com/ctx/a/f",
        "https://git.example.com/ctx/a/f",
    ),
    (
        "/x/../y/./z",
        "https://git.example.com/y/z",
        "https://git.example.com/y/z",
    ),
    (
        "next page",
        "https://git.example.com/ctx/a/next%20page",
        "https://git.example.com/ctx/a/next%20page",
    ),
    (
        "//git.example.com/other?o=1",
        "https://git.example.com/other?o=1",
        "https://git.example.com/other",
    ),
    (
        "https://GIT.example.com:443/abs?x=1#frag",
        "https://git.example.com/abs?x=1",
        "https://git.example.com/abs",
    ),
];

#[test]
fn each_redirect_lands_where_rfc_3986_says_and_is_signed_for_it() {
    let client = Consumer::new(
        signer(),
        Endpoints::bitbucket("https://git.example.com/ctx").unwrap(),
    );
    let token = token();
    let start = "https://git.example.com/ctx/a/b?q=1";
    for (location, landed, base_uri) in REDIRECTS {
        let request = http::Request::get(start).body(Vec::new()).unwrap();
        let mut call = Call::new(&client, Step::Access(&token), request);
        let first = call.start().unwrap();
        assert_eq!(first.headers()["authorization"], signed_for(start).0);
        for status in [301, 302, 303, 307, 308] {
            let Next::Send(hop) = call.receive(response(status, Some(location))).unwrap() else {
                panic!("{location}: the redirect was not followed");
            };
            assert_eq!(hop.uri().to_string(), landed, "{location}");
            let (authorization, signed_uri) = signed_for(landed);
            assert_eq!(signed_uri, base_uri, "{location}");
            assert_eq!(hop.headers()["authorization"], authorization, "{location}");
        }
        let Next::Done { sent, .. } = call.receive(response(200, None)).unwrap() else {
            panic!("{location}: not done");
        };
        assert_eq!(sent.unwrap().base_string().uri(), base_uri, "{location}");
    }
}

#[test]
fn unusable_locations_are_typed() {
    let client = Consumer::new(
        signer(),
        Endpoints::bitbucket("https://git.example.com/ctx").unwrap(),
    );
    let token = token();
    for (location, problem) in [
        ("https:///nohost", UriProblem::Unparsable),
        ("http:relative-with-scheme", UriProblem::Unparsable),
        ("http://h:99999/x", UriProblem::BadPort),
        ("http://[::1/x", UriProblem::Unparsable),
    ] {
        let request = http::Request::get("https://git.example.com/ctx/a")
            .body(Vec::new())
            .unwrap();
        let mut call = Call::new(&client, Step::Access(&token), request);
        call.start().unwrap();
        let err = call.receive(response(302, Some(location))).unwrap_err();
        assert!(
            matches!(err, Error::InvalidUri(p) if p == problem),
            "{location}: {err:?}"
        );
    }
}

#[test]
fn ipv6_hosts_are_signed_in_rfc_5952_form_by_the_core() {
    let signer = signer();
    for (uri, base_uri) in [
        (
            "http://[2001:DB8:0:0::5]:8080/x",
            "http%3A%2F%2F%5B2001%3Adb8%3A%3A5%5D%3A8080%2Fx",
        ),
        (
            "https://[2001:db8:0000:0000:0000:0000:0000:0001]:443/",
            "https%3A%2F%2F%5B2001%3Adb8%3A%3A1%5D%2F",
        ),
        (
            "http://[::FFFF:192.0.2.1]/",
            "http%3A%2F%2F%5B%3A%3Affff%3Ac000%3A201%5D%2F",
        ),
        (
            "http://Git.EXAMPLE.com/x",
            "http%3A%2F%2Fgit.example.com%2Fx",
        ),
    ] {
        let request = http::Request::get(uri).body(Vec::new()).unwrap();
        let signed = signer.sign(&request, &SignOptions::new()).unwrap();
        let text = signed.base_string().unredacted();
        assert_eq!(text.split('&').nth(1), Some(base_uri), "{uri}: {text}");
        // `authorize` signs the same bytes.
        assert_eq!(
            &signer.authorization_header(&request, &SignOptions::new()).unwrap(),
            signed.authorization()
        );
        // The URL parser (what reqwest sends) writes the same host.
        let sent = bitbucket_oauth::uri::normalize(&uri.parse().unwrap()).unwrap();
        assert_eq!(
            bitbucket_oauth::rfc5849::base_string_uri(&sent).unwrap(),
            signed.base_string().uri(),
            "{uri}"
        );
    }
}

#[test]
fn endpoints_parse_and_resolve_with_the_url_crate() {
    let e = Endpoints::bitbucket("  HTTP://[2001:DB8::5]:7990/Bitbucket/  ").unwrap();
    assert_eq!(e.base_url(), Some("http://[2001:db8::5]:7990/Bitbucket"));
    assert_eq!(
        e.access_token().to_string(),
        "http://[2001:db8::5]:7990/Bitbucket/plugins/servlet/oauth/access-token"
    );
    let resolve = |r: &str| e.resolve(r).unwrap().to_string();
    assert_eq!(
        resolve("/rest/api/1.0/projects?limit=5"),
        "http://[2001:db8::5]:7990/Bitbucket/rest/api/1.0/projects?limit=5"
    );
    assert_eq!(
        resolve("rest/x y"),
        "http://[2001:db8::5]:7990/Bitbucket/rest/x%20y"
    );
    assert_eq!(resolve("../up"), "http://[2001:db8::5]:7990/up");
    assert_eq!(resolve("?q=1"), "http://[2001:db8::5]:7990/Bitbucket/?q=1");
    assert_eq!(resolve("//other.example/p"), "http://other.example/p");
    assert_eq!(
        resolve("https://Other.example/a/./b"),
        "https://other.example/a/b"
    );
    assert!(matches!(
        e.resolve("ftp://h/x"),
        Err(Error::InvalidUri(UriProblem::Unparsable))
    ));
    assert!(matches!(
        Endpoints::new("https://p/rt", "https://p/a", "a/b").unwrap_err(),
        Error::InvalidUri(UriProblem::NoScheme)
    ));
    assert!(matches!(
        Endpoints::new("https://p/rt", "https://p/a", "https://p/at")
            .unwrap()
            .resolve("/rest"),
        Err(Error::InvalidUri(UriProblem::NoScheme))
    ));
}

#[test]
fn sign_base_url_maps_only_what_lies_under_the_base_url() {
    let e = Endpoints::bitbucket("http://10.0.0.5:7990/bitbucket")
        .unwrap()
        .sign_base_url("https://Git.Example.com/bitbucket/")
        .unwrap();
    assert_eq!(
        e.signed_base_url(),
        Some("https://git.example.com/bitbucket")
    );
    let map = |u: &str| e.signing_uri(&u.parse().unwrap()).map(|u| u.to_string());
    assert_eq!(
        map("http://10.0.0.5:7990/bitbucket/rest/x?a=1").as_deref(),
        Some("https://git.example.com/bitbucket/rest/x?a=1")
    );
    assert_eq!(
        map("http://10.0.0.5:7990/bitbucket").as_deref(),
        Some("https://git.example.com/bitbucket")
    );
    assert_eq!(map("http://10.0.0.5:7990/bitbucketx/rest"), None);
    assert_eq!(map("http://10.0.0.5:7991/bitbucket/rest"), None);
    assert_eq!(map("https://10.0.0.5:7990/bitbucket/rest"), None);
    assert_eq!(
        e.authorize().to_string(),
        "https://git.example.com/bitbucket/plugins/servlet/oauth/authorize"
    );
    assert_eq!(
        e.request_token().to_string(),
        "http://10.0.0.5:7990/bitbucket/plugins/servlet/oauth/request-token"
    );
    let again = e
        .clone()
        .sign_base_url("https://public.example/bb")
        .unwrap();
    assert_eq!(
        again.authorize().to_string(),
        "https://public.example/bb/plugins/servlet/oauth/authorize"
    );
    assert!(matches!(
        Endpoints::new("https://p/rt", "https://p/a", "https://p/at")
            .unwrap()
            .sign_base_url("https://q/"),
        Err(Error::InvalidParameter {
            name: "sign_base_url",
            ..
        })
    ));
}

#[test]
fn sign_base_url_signs_for_the_public_url_and_follows_its_redirects_inside() {
    let client = Consumer::new(
        signer(),
        Endpoints::bitbucket("http://10.0.0.5:7990/bitbucket")
            .unwrap()
            .sign_base_url("https://git.example.com/bitbucket")
            .unwrap(),
    );
    let token = token();
    let request = http::Request::get("http://10.0.0.5:7990/bitbucket/rest/a?x=1")
        .body(Vec::new())
        .unwrap();
    let mut call = Call::new(&client, Step::Access(&token), request);
    let first = call.start().unwrap();
    assert_eq!(
        first.uri().to_string(),
        "http://10.0.0.5:7990/bitbucket/rest/a?x=1"
    );
    assert_eq!(
        first.headers()["authorization"],
        signed_for("https://git.example.com/bitbucket/rest/a?x=1").0
    );
    // Bitbucket writes its redirects with its configured base URL: followed inside.
    let Next::Send(hop) = call
        .receive(response(
            302,
            Some("https://git.example.com/bitbucket/rest/b?y=2"),
        ))
        .unwrap()
    else {
        panic!("not followed");
    };
    assert_eq!(
        hop.uri().to_string(),
        "http://10.0.0.5:7990/bitbucket/rest/b?y=2"
    );
    assert_eq!(
        hop.headers()["authorization"],
        signed_for("https://git.example.com/bitbucket/rest/b?y=2").0
    );
}

/// A POST form body that Tomcat would not read: the comparison names the cause and the fix.
#[test]
fn the_comparison_names_tomcats_form_rules() {
    let client = Consumer::new(
        signer(),
        Endpoints::bitbucket("https://git.example.com/ctx").unwrap(),
    );
    let token = token();
    for (method, content_type, causes) in [
        (
            "PUT",
            "application/x-www-form-urlencoded; charset=UTF-8",
            &["this request is PUT (not POST)"][..],
        ),
        (
            "POST",
            "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
            &["its media type is not written exactly application/x-www-form-urlencoded"][..],
        ),
        (
            "PATCH",
            "application/x-www-form-urlencoded",
            &[
                "this request is PATCH (not POST)",
                "its Content-Type has no charset",
            ][..],
        ),
    ] {
        let mut request = http::Request::builder()
            .method(method)
            .uri("https://git.example.com/ctx/rest/x?q=1")
            .header("content-type", content_type)
            .body(b"name=a+b&flag=1".to_vec())
            .unwrap();
        let sent = client.sign_request(&mut request, &token).unwrap();
        // What the server computed without the body's parameters.
        let ours = sent.base_string().unredacted().to_owned();
        let theirs = ours
            .replace("flag%3D1%26", "")
            .replace("name%3Da%2520b%26", "");
        assert_ne!(ours, theirs);
        let refusal = signature_invalid(&theirs);
        let err = client.check_response(&sent, &refusal).unwrap_err();
        let Error::Provider(p) = &err else {
            panic!("{err:?}")
        };
        let unread = p
            .differences
            .iter()
            .find(|d| matches!(d, Difference::FormBodyUnread { .. }))
            .unwrap_or_else(|| panic!("{method} {content_type}: {:?}", p.differences));
        let Difference::FormBodyUnread { names, .. } = unread else {
            unreachable!()
        };
        assert_eq!(names, &["flag", "name"]);
        let text = err.to_string();
        for cause in causes {
            assert!(text.contains(cause), "{method} {content_type}: {text}");
        }
        assert!(
            text.contains(
                "Fix: send POST with Content-Type: application/x-www-form-urlencoded; charset=UTF-8, or put the parameters in the query"
            ),
            "{text}"
        );
        assert!(!text.contains("Endpoints::sign_base_url"), "{text}");
    }
}

/// Bitbucket's `signature_invalid` refusal, echoing the base string it computed.
fn signature_invalid(theirs: &str) -> http::Response<String> {
    http::Response::builder()
        .status(401)
        .header("content-type", "text/plain")
        .body(format!(
            "oauth_problem=signature_invalid&oauth_signature_base_string={}",
            bitbucket_oauth::rfc5849::encode(theirs)
        ))
        .unwrap()
}

#[test]
fn the_comparison_names_sign_base_url_for_another_scheme_host_or_port() {
    let client = Consumer::new(
        signer(),
        Endpoints::bitbucket("http://10.0.0.5:7990/ctx").unwrap(),
    );
    let token = token();
    let mut request = http::Request::get("http://10.0.0.5:7990/ctx/rest/x")
        .body(Vec::new())
        .unwrap();
    let sent = client.sign_request(&mut request, &token).unwrap();
    for (from, to, origin) in [
        (
            "http%3A%2F%2F10.0.0.5%3A7990",
            "https%3A%2F%2F10.0.0.5%3A7990",
            "https://10.0.0.5:7990",
        ),
        (
            "http%3A%2F%2F10.0.0.5%3A7990",
            "http%3A%2F%2Fgit.example.com%3A7990",
            "http://git.example.com:7990",
        ),
        (
            "http%3A%2F%2F10.0.0.5%3A7990",
            "https%3A%2F%2Fgit.example.com",
            "https://git.example.com",
        ),
    ] {
        let theirs = sent.base_string().unredacted().replace(from, to);
        let refusal = signature_invalid(&theirs);
        let text = client
            .check_response(&sent, &refusal)
            .unwrap_err()
            .to_string();
        assert!(
            text.contains(&format!("likely fix: the server verifies against the base URL it is configured with ({origin}...), not the address we connect to (a reverse proxy?): sign for that URL with Endpoints::sign_base_url (in the dance CLI: --sign-base-url)")),
            "{to}: {text}"
        );
        assert_eq!(text.matches("likely fix").count(), 1, "{text}");
    }
}

#[cfg(all(feature = "testkit", feature = "reqwest"))]
#[path = "support/refuser.rs"]
mod refuser;

/// Through reqwest and real sockets: the stand-in playing a server behind a proxy, a recording
/// proxy, a redirecting server.
#[cfg(all(feature = "testkit", feature = "reqwest"))]
mod through_the_adapter {
    use super::*;
    use bitbucket_oauth::RsaPrivateKey;
    use bitbucket_oauth::reqwest::BlockingClient;
    use bitbucket_oauth::testkit::StandIn;

    use crate::refuser::{Refuser, form};

    const KEY: &str = include_str!("data/test_rsa_2048_pkcs8.pem");

    #[test]
    fn sign_base_url_makes_the_dance_pass_behind_a_proxy() {
        let public = "https://git.example.com/bitbucket";
        let stand_in = StandIn::builder()
            .believed_base_url(public)
            .start()
            .unwrap();
        let key = RsaPrivateKey::from_pem(KEY).unwrap();
        stand_in
            .register_consumer("ck", key.public_key_pem().unwrap().as_bytes())
            .unwrap();
        let signer = Signer::rsa_sha1(ConsumerKey::new("ck"), key);

        // Signing the URL we connect to: refused, and the refusal names the fix.
        let plain = BlockingClient::new(Consumer::new(
            signer.clone(),
            Endpoints::bitbucket(stand_in.base_url()).unwrap(),
        ))
        .unwrap();
        let err = plain.request_token("oob").unwrap_err();
        let Error::Provider(p) = &err else {
            panic!("{err:?}")
        };
        assert!(
            p.differences
                .iter()
                .any(|d| matches!(d, Difference::Scheme { ours, theirs } if ours == "http" && theirs == "https")),
            "{:?}",
            p.differences
        );
        assert!(
            err.to_string().contains("Endpoints::sign_base_url"),
            "{err}"
        );

        // Signing for the URL the server believes it serves: the whole dance passes.
        let endpoints = Endpoints::bitbucket(stand_in.base_url())
            .unwrap()
            .sign_base_url(public)
            .unwrap();
        let adapter = BlockingClient::new(Consumer::new(signer, endpoints)).unwrap();
        let request_token = adapter.request_token("oob").unwrap();
        assert!(adapter.oauth().authorize_url(&request_token).starts_with(
            "https://git.example.com/bitbucket/plugins/servlet/oauth/authorize?oauth_token="
        ));
        let decision = stand_in.approve(request_token.token(), "alice").unwrap();
        let access = adapter
            .access_token(
                &request_token,
                &bitbucket_oauth::Verifier::new(decision.verifier),
            )
            .unwrap();
        assert_eq!(adapter.whoami(access.token()).unwrap(), "alice");
        let renewed = adapter.renew(&access).unwrap();
        let response = adapter
            .send(
                http::Request::get(format!(
                    "{}/rest/api/1.0/projects?limit=1",
                    stand_in.base_url()
                ))
                .body(Vec::new())
                .unwrap(),
                renewed.token(),
            )
            .unwrap();
        assert_eq!(response.status(), http::StatusCode::OK);
    }

    /// reqwest (through a proxy on 127.0.0.1, which sees the absolute-form target and the `Host`
    /// header) sends the IPv6 host in RFC 5952 form, and the signature is the one for the URL
    /// rebuilt from what was received.
    #[test]
    fn ipv6_hosts_agree_between_the_core_and_reqwest() {
        let proxy = Refuser::start(|_| form(200, "ok"));
        let http = ::reqwest::blocking::Client::builder()
            .redirect(::reqwest::redirect::Policy::none())
            .no_proxy()
            .proxy(::reqwest::Proxy::all(proxy.url("")).unwrap())
            .build()
            .unwrap();
        let endpoints = Endpoints::bitbucket("http://[2001:DB8:0:0::5]:8080/bitbucket").unwrap();
        let adapter = BlockingClient::with_http_client(Consumer::new(signer(), endpoints), http);
        let token = token();
        for uri in [
            "http://[2001:DB8:0:0::5]:8080/bitbucket/rest/x?a=1",
            "http://[2001:db8::5]:8080/bitbucket/rest/x?a=1",
        ] {
            let request = http::Request::get(uri).body(Vec::new()).unwrap();
            let response = adapter.send(request, &token).unwrap();
            assert_eq!(response.status(), http::StatusCode::OK);
        }
        let seen = proxy.requests();
        assert_eq!(seen.len(), 2);
        for request in &seen {
            let host = request.header("host").unwrap();
            assert_eq!(host, "[2001:db8::5]:8080");
            let rebuilt = format!("http://{host}{}?a=1", request.path());
            assert_eq!(rebuilt, "http://[2001:db8::5]:8080/bitbucket/rest/x?a=1");
            let (authorization, base_uri) = signed_for(&rebuilt);
            assert_eq!(base_uri, "http://[2001:db8::5]:8080/bitbucket/rest/x");
            assert_eq!(
                request.header("authorization").unwrap(),
                authorization.to_str().unwrap()
            );
        }
    }

    /// The redirect cases through reqwest and a real socket: each hop's `Authorization` is the
    /// one for the URL it landed on.
    #[test]
    fn each_redirect_through_reqwest_is_signed_for_where_it_lands() {
        let server = Refuser::start(|seen| {
            if seen.target == "/ctx/a/b?q=1" {
                let location = seen.header("x-location").unwrap_or_default().to_owned();
                (302, vec![("Location".to_owned(), location)], Vec::new())
            } else {
                form(200, "landed")
            }
        });
        let port = server.port;
        let origin = format!("http://127.0.0.1:{port}");
        let adapter = BlockingClient::new(Consumer::new(
            signer(),
            Endpoints::bitbucket(&format!("{origin}/ctx")).unwrap(),
        ))
        .unwrap();
        let token = token();
        let cases = [
            (
                "/login?next=https://x.example/".to_owned(),
                "/login?next=https://x.example/",
            ),
            ("?page=2".to_owned(), "/ctx/a/b?page=2"),
            ("../c/./d".to_owned(), "/ctx/c/d"),
            ("./e/../f".to_owned(), "/ctx/a/f"),
            (format!("//127.0.0.1:{port}/other?o=1"), "/other?o=1"),
            (format!("http://127.0.0.1:{port}/abs?x=1#f"), "/abs?x=1"),
        ];
        for (i, (location, landed)) in cases.iter().enumerate() {
            let request = http::Request::get(format!("{origin}/ctx/a/b?q=1"))
                .header("x-location", location.as_str())
                .body(Vec::new())
                .unwrap();
            let response = adapter.send(request, &token).unwrap();
            assert_eq!(response.body(), b"landed", "{location}");
            let seen = server.requests();
            assert_eq!(seen.len(), 2 * (i + 1), "{location}");
            let hop = &seen[2 * i + 1];
            assert_eq!(hop.target, *landed, "{location}");
            let (authorization, _) = signed_for(&format!("{origin}{landed}"));
            assert_eq!(
                hop.header("authorization").unwrap(),
                authorization.to_str().unwrap(),
                "{location}"
            );
        }
    }
}
