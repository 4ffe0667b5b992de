//! Written as a user of the crate would: "my code lists a user's repositories", tested against
//! the stand-in. Only the public API, and the stand-in only in the tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg(feature = "testkit")]

use std::io;

use bitbucket_oauth::{AccessToken, Consumer, OAuthProblem};
use http::{Request, Response};

// ---------------------------------------------------------------------------------------------
// The user's code (in their crate this would live in src/).

/// What can go wrong when listing repositories.
#[derive(Debug)]
enum ListError {
    /// The provider refused (revoked token, ...), or signing failed.
    OAuth(bitbucket_oauth::Error),
    /// The HTTP transport failed.
    Transport(io::Error),
    /// The JSON was not what Bitbucket sends.
    Json(String),
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OAuth(e) => write!(f, "Bitbucket refused: {e}"),
            Self::Transport(e) => write!(f, "could not reach Bitbucket: {e}"),
            Self::Json(e) => write!(f, "unexpected JSON from Bitbucket: {e}"),
        }
    }
}

impl std::error::Error for ListError {}

impl From<bitbucket_oauth::Error> for ListError {
    fn from(e: bitbucket_oauth::Error) -> Self {
        Self::OAuth(e)
    }
}

/// One signed GET, retried once after `timestamp_refused` with the clock corrected by the
/// provider's window (every attempt is signed afresh, so no `nonce_used`).
fn signed_get_json<S>(
    client: &Consumer,
    token: &AccessToken,
    send: &mut S,
    url: &str,
) -> Result<serde_json::Value, ListError>
where
    S: FnMut(&Request<Vec<u8>>) -> io::Result<Response<Vec<u8>>>,
{
    let mut retried = false;
    loop {
        let mut request = Request::get(url)
            .header("accept", "application/json")
            .body(Vec::new())
            .map_err(|e| ListError::Json(e.to_string()))?;
        let sent = client.sign_request(&mut request, token.token())?;
        let response = send(&request).map_err(ListError::Transport)?;
        match client.check_response(&sent, &response) {
            Ok(()) => {
                return serde_json::from_slice(response.body())
                    .map_err(|e| ListError::Json(e.to_string()));
            }
            Err(e) if !retried && client.apply_clock_correction(&e) => retried = true,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Every `(project key, repository slug)` the token's user can see, following Bitbucket's paging
/// (`isLastPage` / `nextPageStart`) with `page_size` items per page.
fn list_repositories<S>(
    client: &Consumer,
    token: &AccessToken,
    mut send: S,
    page_size: usize,
) -> Result<Vec<(String, String)>, ListError>
where
    S: FnMut(&Request<Vec<u8>>) -> io::Result<Response<Vec<u8>>>,
{
    let endpoints = client.endpoints();
    let paged = |send: &mut S, path: &str| -> Result<Vec<serde_json::Value>, ListError> {
        let mut values = Vec::new();
        let mut start = 0u64;
        loop {
            let url = endpoints
                .resolve(&format!("{path}?limit={page_size}&start={start}"))?
                .to_string();
            let page = signed_get_json(client, token, send, &url)?;
            let items = page["values"]
                .as_array()
                .ok_or_else(|| ListError::Json("no values".into()))?;
            values.extend(items.iter().cloned());
            if page["isLastPage"].as_bool() != Some(false) {
                return Ok(values);
            }
            start = page["nextPageStart"]
                .as_u64()
                .ok_or_else(|| ListError::Json("no nextPageStart".into()))?;
        }
    };
    let mut out = Vec::new();
    for project in paged(&mut send, "/rest/api/1.0/projects")? {
        let key = project["key"]
            .as_str()
            .ok_or_else(|| ListError::Json("project without key".into()))?
            .to_owned();
        for repo in paged(&mut send, &format!("/rest/api/1.0/projects/{key}/repos"))? {
            let slug = repo["slug"]
                .as_str()
                .ok_or_else(|| ListError::Json("repository without slug".into()))?;
            out.push((key.clone(), slug.to_owned()));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// The user's tests.

use bitbucket_oauth::testkit::{StandIn, http::send};
use bitbucket_oauth::{ConsumerKey, RsaPrivateKey, Signer};

fn stand_in_and_client() -> (StandIn, Consumer) {
    let key = RsaPrivateKey::from_pem(include_str!("data/test_rsa_2048_pkcs8.pem")).unwrap();
    let stand_in = StandIn::builder()
        .context_path("/bitbucket")
        .without_sample_data()
        .start()
        .unwrap();
    stand_in
        .register_consumer("my-app", key.public_key_pem().unwrap().as_bytes())
        .unwrap();
    stand_in.add_project("APP", "Application");
    for name in ["backend", "frontend", "docs"] {
        assert!(stand_in.add_repository("APP", name));
    }
    stand_in.add_project("LIB", "Libraries");
    assert!(stand_in.add_repository("LIB", "utils"));
    stand_in.add_project("EMPTY", "Nothing here");
    let client = Consumer::new(
        Signer::rsa_sha1(ConsumerKey::new("my-app"), key),
        stand_in.endpoints(),
    );
    (stand_in, client)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn lists_every_repository_across_pages() {
    let (stand_in, client) = stand_in_and_client();
    let token = stand_in.issue_access_token("my-app", "alice").unwrap();
    let repos = list_repositories(&client, &token, send, 2).unwrap();
    assert_eq!(
        repos,
        pairs(&[
            ("APP", "backend"),
            ("APP", "frontend"),
            ("APP", "docs"),
            ("LIB", "utils"),
        ])
    );
    // Projects: 2 pages of 2; APP repos: 2 pages; LIB: 1; EMPTY: 1.
    let log = stand_in.requests();
    assert_eq!(log.len(), 6);
    assert!(log.iter().all(|r| r.status == 200));
    assert_eq!(log[1].query.as_deref(), Some("limit=2&start=2"));
}

#[test]
fn a_revoked_token_surfaces_as_a_typed_refusal() {
    let (stand_in, client) = stand_in_and_client();
    let token = stand_in.issue_access_token("my-app", "alice").unwrap();
    assert!(stand_in.revoke(token.token().token()));
    match list_repositories(&client, &token, send, 25) {
        Err(ListError::OAuth(e)) => {
            // Bitbucket deletes a revoked token: it is unknown from then on.
            assert_eq!(e.problem().unwrap().problem, OAuthProblem::TokenRejected);
        }
        other => panic!("{other:?}"),
    }
    let err = list_repositories(&client, &token, send, 25).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "Bitbucket refused: the provider refused the request: token_rejected (HTTP 401)"
        ),
        "{err}"
    );
}

#[test]
fn a_server_with_a_wrong_clock_costs_one_retry() {
    let (stand_in, client) = stand_in_and_client();
    let token = stand_in.issue_access_token("my-app", "alice").unwrap();
    stand_in.set_clock_offset(3600);
    let repos = list_repositories(&client, &token, send, 100).unwrap();
    assert_eq!(repos.len(), 4);
    let problems: Vec<_> = stand_in.requests().into_iter().map(|r| r.problem).collect();
    assert_eq!(problems[0], Some(OAuthProblem::TimestampRefused));
    assert!(problems[1..].iter().all(Option::is_none));
    assert_eq!(problems.len(), 5);
}

#[test]
fn a_transport_failure_is_not_an_oauth_error() {
    let (stand_in, client) = stand_in_and_client();
    let token = stand_in.issue_access_token("my-app", "alice").unwrap();
    drop(stand_in);
    let failing = |_: &Request<Vec<u8>>| -> io::Result<Response<Vec<u8>>> {
        Err(io::Error::new(io::ErrorKind::ConnectionRefused, "down"))
    };
    let err = list_repositories(&client, &token, failing, 25).unwrap_err();
    assert!(
        matches!(&err, ListError::Transport(e) if e.kind() == io::ErrorKind::ConnectionRefused),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "could not reach Bitbucket: down");
}

#[test]
fn a_token_from_the_real_dance_works_too() {
    let (stand_in, client) = stand_in_and_client();
    let (request, pending) = client.request_token("http://localhost:1/done").unwrap();
    let request_token = client
        .finish_request_token(pending, &send(&request).unwrap())
        .unwrap();
    // The user logs in and allows access, as on Bitbucket's page.
    let redirect =
        bitbucket_oauth::testkit::browser::approve(&client.authorize_url(&request_token), "alice")
            .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap();
    let verifier = client.parse_callback(location, &request_token).unwrap();
    let (request, pending) = client.access_token(&request_token, &verifier).unwrap();
    let token = client
        .finish_access_token(pending, &send(&request).unwrap())
        .unwrap();
    assert_eq!(
        stand_in.token_user(token.token().token()).as_deref(),
        Some("alice")
    );
    assert_eq!(
        list_repositories(&client, &token, send, 25).unwrap().len(),
        4
    );
}
