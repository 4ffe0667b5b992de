//! The stand-in's `GET /rest/api/1.0/repos`: Bitbucket's paging envelope, the repository JSON
//! (project, clone links), per-user visibility with the demo data and with grants, and what a
//! person meets on the login and approval pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "testkit")]

use bitbucket_oauth::testkit::http::send;
use bitbucket_oauth::testkit::{DEMO_USERS, StandIn, StandInBuilder};
use bitbucket_oauth::{AccessToken, Consumer, ConsumerKey, RsaPrivateKey, Signer};
use http::{Request, StatusCode};
use serde_json::Value;

const CONSUMER: &str = "repos-consumer";

fn start(builder: StandInBuilder) -> (StandIn, Consumer) {
    let stand_in = builder.start().unwrap();
    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    stand_in
        .register_consumer(CONSUMER, key.public_key_pem().unwrap().as_bytes())
        .unwrap();
    let client = Consumer::new(
        Signer::rsa_sha1(ConsumerKey::new(CONSUMER), key),
        stand_in.endpoints(),
    );
    (stand_in, client)
}

fn token(stand_in: &StandIn, user: &str) -> AccessToken {
    stand_in.issue_access_token(CONSUMER, user).unwrap()
}

/// A signed GET of `path?query`; the status and the JSON.
fn get(
    stand_in: &StandIn,
    client: &Consumer,
    access: &AccessToken,
    path_query: &str,
) -> (StatusCode, Value) {
    let mut request = Request::get(stand_in.url(path_query))
        .body(Vec::new())
        .unwrap();
    client.sign_request(&mut request, access.token()).unwrap();
    let response = send(&request).unwrap();
    (
        response.status(),
        serde_json::from_slice(response.body()).unwrap(),
    )
}

/// Every `project key/slug` of `/rest/api/1.0/repos` for `user`, following `nextPageStart`,
/// and the number of pages.
fn all_repos(
    stand_in: &StandIn,
    client: &Consumer,
    user: &str,
    limit: usize,
) -> (Vec<String>, usize) {
    let access = token(stand_in, user);
    let (mut names, mut pages, mut start) = (Vec::new(), 0, 0);
    loop {
        let (status, page) = get(
            stand_in,
            client,
            &access,
            &format!("/rest/api/1.0/repos?start={start}&limit={limit}"),
        );
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        assert_eq!(page["start"], start);
        assert_eq!(page["limit"], limit);
        let values = page["values"].as_array().unwrap();
        assert_eq!(page["size"], values.len());
        for repo in values {
            names.push(format!(
                "{}/{}",
                repo["project"]["key"].as_str().unwrap(),
                repo["slug"].as_str().unwrap()
            ));
        }
        if page["isLastPage"] == true {
            assert!(page.get("nextPageStart").is_none());
            return (names, pages);
        }
        assert_eq!(page["nextPageStart"], start + values.len());
        start = page["nextPageStart"].as_u64().unwrap() as usize;
    }
}

fn numbered(project: &str, stem: &str, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| format!("{project}/{stem}-{i:02}"))
        .collect()
}

#[test]
fn demo_users_see_different_repositories_over_several_pages() {
    let (stand_in, client) = start(StandIn::builder().demo_data());
    assert_eq!(DEMO_USERS, ["alice", "bob", "carol"]);
    let common: Vec<String> = [
        "ENG/api-server",
        "ENG/web-app",
        "ENG/mobile-app",
        "OPS/deploy-scripts",
        "PUB/bitbucket-oauth",
    ]
    .map(str::to_owned)
    .to_vec();

    let mut alice = common.clone();
    alice.extend(numbered("PLAT", "service", 30));
    alice.extend(numbered("DATA", "pipeline", 25));
    assert_eq!(all_repos(&stand_in, &client, "alice", 25), (alice, 3));

    let mut bob = common.clone();
    bob.extend(numbered("PLAT", "service", 30));
    assert_eq!(all_repos(&stand_in, &client, "bob", 25), (bob, 2));

    let mut carol = common;
    carol.extend(
        [
            "MKT/website",
            "MKT/campaigns",
            "MKT/brand-assets",
            "MKT/newsletter",
        ]
        .map(str::to_owned),
    );
    assert_eq!(
        all_repos(&stand_in, &client, "carol", 25),
        (carol.clone(), 1)
    );
    assert_eq!(all_repos(&stand_in, &client, "carol", 4).1, 3);

    // A project the user may not read answers as Bitbucket does, and is not in their list.
    let (status, body) = get(
        &stand_in,
        &client,
        &token(&stand_in, "carol"),
        "/rest/api/1.0/projects/DATA/repos",
    );
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["errors"][0]["exceptionName"],
        "com.atlassian.bitbucket.AuthorisationException"
    );
    let (_, projects) = get(
        &stand_in,
        &client,
        &token(&stand_in, "bob"),
        "/rest/api/1.0/projects",
    );
    let keys: Vec<&str> = projects["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["ENG", "OPS", "PUB", "PLAT"]);
}

#[test]
fn repository_json_as_bitbucket_answers_it() {
    let (stand_in, client) = start(StandIn::builder());
    let base = stand_in.base_url().to_owned();
    let port_less_host = stand_in.addr().ip().to_string();
    let (status, page) = get(
        &stand_in,
        &client,
        &token(&stand_in, "alice"),
        "/rest/api/1.0/repos?limit=2",
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["size"], 2);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["start"], 0);
    assert_eq!(page["isLastPage"], false);
    assert_eq!(page["nextPageStart"], 2);
    let repo = &page["values"][0];
    assert_eq!(repo["slug"], "api-server");
    assert_eq!(repo["name"], "api-server");
    assert_eq!(repo["public"], false);
    assert_eq!(repo["project"]["key"], "ENG");
    assert_eq!(repo["project"]["name"], "Engineering");
    assert_eq!(
        repo["links"]["clone"],
        serde_json::json!([
            {"href": format!("{base}/scm/eng/api-server.git"), "name": "http"},
            {"href": format!("ssh://git@{port_less_host}:7999/eng/api-server.git"), "name": "ssh"},
        ])
    );

    // Defaults: start 0, limit 25; a bad number is Bitbucket's 400.
    let (_, page) = get(
        &stand_in,
        &client,
        &token(&stand_in, "alice"),
        "/rest/api/1.0/repos",
    );
    assert_eq!(page["limit"], 25);
    assert_eq!(page["size"], 5);
    assert_eq!(page["isLastPage"], true);
    let (status, _) = get(
        &stand_in,
        &client,
        &token(&stand_in, "alice"),
        "/rest/api/1.0/repos?start=-1",
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Unsigned: the anonymous challenge, as for every resource.
    let unsigned = send(
        &Request::get(stand_in.url("/rest/api/1.0/repos"))
            .body(Vec::new())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn grants_restrict_a_project_and_anonymous_sees_public_only() {
    let (stand_in, client) = start(StandIn::builder().without_sample_data());
    stand_in.add_project("SEC", "Security");
    stand_in.add_repository("SEC", "Vault Config");
    stand_in.add_public_project("OSS", "Open");
    stand_in.add_repository("OSS", "lib");
    assert!(stand_in.grant_project("SEC", "dave"));
    assert!(!stand_in.grant_project("NOPE", "dave"));

    assert_eq!(
        all_repos(&stand_in, &client, "dave", 25).0,
        ["SEC/vault-config", "OSS/lib"]
    );
    assert_eq!(all_repos(&stand_in, &client, "alice", 25).0, ["OSS/lib"]);

    // 2-legged and anonymous (no execute-as user): public only.
    stand_in.add_consumer(
        bitbucket_oauth::testkit::RegisteredConsumer::rsa(
            CONSUMER,
            RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem"))
                .unwrap()
                .public_key_pem()
                .unwrap()
                .as_bytes(),
        )
        .unwrap()
        .two_legged(true),
    );
    let mut request = Request::get(stand_in.url("/rest/api/1.0/repos"))
        .body(Vec::new())
        .unwrap();
    client.sign_two_legged(&mut request, None).unwrap();
    let response = send(&request).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(page["size"], 1);
    assert_eq!(page["values"][0]["slug"], "lib");
    assert_eq!(page["values"][0]["public"], true);
}

#[test]
fn login_and_approval_pages_have_what_a_person_needs() {
    let (stand_in, client) = start(StandIn::builder());
    let (request, pending) = client.request_token("http://127.0.0.1:9/cb").unwrap();
    let request_token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    let page = send(
        &Request::get(client.authorize_url(&request_token))
            .body(Vec::new())
            .unwrap(),
    )
    .unwrap();
    let html = String::from_utf8(page.body().clone()).unwrap();
    for needle in [
        "<label for=\"j_username\">Username</label>",
        "<input type=\"text\" name=\"j_username\" id=\"j_username\">",
        "<label for=\"j_password\">Password</label>",
        "<input type=\"password\" name=\"j_password\" id=\"j_password\">",
        "<input type=\"submit\" id=\"login-button\" value=\"Log in\">",
        "a user's password is their user name",
    ] {
        assert!(html.contains(needle), "{needle} not in {html}");
    }

    // Logged in (alice / alice), the approval form has an Allow and a Deny button.
    let next = format!(
        "/bitbucket/plugins/servlet/oauth/authorize?oauth_token={}",
        request_token.token()
    );
    let login = send(
        &Request::post(stand_in.url("/j_atl_security_check"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                format!(
                    "j_username=alice&j_password=alice&next={}",
                    next.replace('/', "%2F")
                        .replace('?', "%3F")
                        .replace('=', "%3D")
                )
                .into_bytes(),
            )
            .unwrap(),
    )
    .unwrap();
    assert_eq!(login.status(), StatusCode::FOUND);
    assert_eq!(login.headers()["location"], next.as_str());
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let origin = stand_in
        .base_url()
        .trim_end_matches("/bitbucket")
        .to_owned();
    let page = send(
        &Request::get(format!("{origin}{next}"))
            .header("cookie", cookie)
            .body(Vec::new())
            .unwrap(),
    )
    .unwrap();
    let html = String::from_utf8(page.body().clone()).unwrap();
    for needle in [
        "<span id=\"oauth_consumer\">repos-consumer</span>",
        "<span id=\"oauth_user\">alice</span>",
        "<input type=\"submit\" id=\"approve\" name=\"approve\" value=\"Allow\">",
        "<input type=\"submit\" id=\"deny\" name=\"deny\" value=\"Deny\">",
    ] {
        assert!(html.contains(needle), "{needle} not in {html}");
    }
}
