//! The no-argument demo: the whole dance against the built-in Bitbucket stand-in.

use std::net::TcpListener;
use std::time::Duration;

use bitbucket_oauth::reqwest::BlockingClient;
use bitbucket_oauth::testkit::{StandIn, http::send};
use bitbucket_oauth::{Consumer, ConsumerKey, Endpoints, KeyBits, RsaPrivateKey, Signer};

use crate::online::{catch_callback, registration_text};
use crate::{CliError, CliResult, print_stdout};

const CONSUMER_KEY: &str = "dance-demo";

fn step(n: u32, title: &str) -> CliResult<()> {
    print_stdout(&format!("\n== {n}. {title}\n"))
}

fn say(text: &str) -> CliResult<()> {
    let mut indented = String::new();
    for line in text.lines() {
        indented.push_str("   ");
        indented.push_str(line);
        indented.push('\n');
    }
    print_stdout(&indented)
}

/// Plays the user's browser: opens the authorization URL, logs in as alice and allows access,
/// then follows the stand-in's redirect to our callback listener.
fn browser(authorize_url: String) -> Result<(), String> {
    let page = bitbucket_oauth::testkit::browser::approve(&authorize_url, "alice")
        .map_err(|e| e.to_string())?;
    let location = page
        .headers()
        .get(http::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .ok_or("the authorize page did not redirect")?
        .to_owned();
    send(
        &http::Request::get(location)
            .body(Vec::new())
            .map_err(|e| e.to_string())?,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

pub(crate) fn run() -> CliResult<()> {
    print_stdout(
        "bitbucket-oauth demo: the OAuth 1.0a dance against a local Bitbucket Server stand-in.\n\
         Every request below is signed RSA-SHA1 and verified by the stand-in as Bitbucket would.\n",
    )?;

    step(1, "Start the Bitbucket stand-in")?;
    let stand_in =
        StandIn::start().map_err(|e| CliError::new(format!("cannot start the stand-in: {e}")))?;
    say(&format!("Listening at {}", stand_in.base_url()))?;

    step(
        2,
        "Generate a throwaway RSA key and register it (Application Links -> Incoming Authentication)",
    )?;
    let key = RsaPrivateKey::generate(KeyBits::B2048)?;
    say(&registration_text(&key, CONSUMER_KEY, None)?)?;
    stand_in.register_consumer(CONSUMER_KEY, key.public_key_pem()?.as_bytes())?;
    say("Registered with the stand-in.")?;

    let endpoints = Endpoints::bitbucket(stand_in.base_url())?;
    let client = Consumer::new(
        Signer::rsa_sha1(ConsumerKey::new(CONSUMER_KEY), key),
        endpoints,
    );
    let http = BlockingClient::new(client)?;

    step(
        3,
        "Request token (POST .../plugins/servlet/oauth/request-token)",
    )?;
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| CliError::new(format!("cannot listen for the callback: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| CliError::new(format!("callback listener: {e}")))?
        .port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    let request_token = http.request_token(&callback)?;
    say(&format!(
        "oauth_callback={callback}\nGot request token {} (oauth_callback_confirmed=true)",
        request_token.token()
    ))?;

    step(4, "The user authorizes in a browser")?;
    let authorize_url = http.oauth().authorize_url(&request_token);
    say(&format!("Authorization URL:\n{authorize_url}"))?;
    let browser = std::thread::spawn(move || browser(authorize_url));
    let target = catch_callback(&listener, Duration::from_secs(30))?;
    browser
        .join()
        .map_err(|_| CliError::new("the browser thread failed"))?
        .map_err(|e| CliError::new(format!("browser: {e}")))?;
    let verifier = http.oauth().parse_callback(&target, &request_token)?;
    say(&format!(
        "alice logged in and allowed access; the stand-in redirected to {}\nThe callback's oauth_token matches the pending request token; verifier received.",
        target.split('?').next().unwrap_or_default()
    ))?;

    step(
        5,
        "Access token (POST .../plugins/servlet/oauth/access-token with oauth_verifier)",
    )?;
    let access = http.access_token(&request_token, &verifier)?;
    say(&format!(
        "Access token {} (secret kept out of sight), expires in {} s, session handle {}",
        access.token().token(),
        access.expires_in().unwrap_or_default(),
        if access.session_handle().is_some() {
            "received"
        } else {
            "missing"
        }
    ))?;

    step(
        6,
        "Prove it: whoami (GET .../plugins/servlet/applinks/whoami)",
    )?;
    say(&format!("whoami -> {}", http.whoami(access.token())?))?;

    step(7, "A signed REST call (GET /rest/api/1.0/projects?limit=2)")?;
    let request = http::Request::get(stand_in.url("/rest/api/1.0/projects?limit=2"))
        .body(Vec::new())
        .map_err(|e| CliError::new(e.to_string()))?;
    let response = http.send(request, access.token())?;
    let page: serde_json::Value = serde_json::from_slice(response.body())
        .map_err(|e| CliError::new(format!("projects: not JSON: {e}")))?;
    let keys: Vec<&str> = page["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["key"].as_str())
        .collect();
    say(&format!(
        "HTTP {} -> projects {} (isLastPage={}, nextPageStart={})",
        response.status().as_u16(),
        keys.join(", "),
        page["isLastPage"],
        page["nextPageStart"]
    ))?;

    step(8, "Clock skew: the server's clock runs 15 minutes ahead")?;
    stand_in.set_clock_offset(900);
    let seen = stand_in.requests().last().map_or(0, |r| r.seq);
    let request = http::Request::get(stand_in.url("/rest/api/1.0/projects/ENG/repos"))
        .body(Vec::new())
        .map_err(|e| CliError::new(e.to_string()))?;
    let response = http.send(request, access.token())?;
    let attempts: Vec<String> = stand_in
        .requests_since(seen)
        .iter()
        .map(|r| match &r.problem {
            Some(problem) => format!("HTTP {} {problem}", r.status.as_u16()),
            None => format!("HTTP {}", r.status.as_u16()),
        })
        .collect();
    say(&format!(
        "Attempts seen by the server: {}.\nFrom oauth_acceptable_timestamps the adapter measured the offset, moved its clock by {} s,\n\
         re-signed with a fresh nonce and retried once: HTTP {}",
        attempts.join(", then "),
        http.oauth().signer().clock_offset(),
        response.status().as_u16()
    ))?;
    stand_in.set_clock_offset(0);
    http.oauth().signer().set_clock_offset(0);

    step(9, "Renew the access token (oauth_session_handle)")?;
    let renewed = http.renew(&access)?;
    say(&format!(
        "New access token {}; whoami -> {}",
        renewed.token().token(),
        http.whoami(renewed.token())?
    ))?;
    match http.whoami(access.token()) {
        Err(e) => say(&format!(
            "The old token is now refused, as a typed error:\n{e}"
        ))?,
        Ok(user) => say(&format!(
            "unexpected: the old token still works (whoami -> {user})"
        ))?,
    }

    print_stdout(
        "\nDone: request token -> authorize -> access token -> whoami -> REST -> renewal.\n",
    )
}
