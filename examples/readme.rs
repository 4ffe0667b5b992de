//! The README's Rust snippets, compiled.
//!
//! Every ```` ```rust ```` block of README.md appears in this file line for line (leading
//! whitespace aside); `tests/readme_snippets.rs` checks that, and CI compiles this example, so a
//! README snippet that stops compiling fails the build. The functions are not meant to be run
//! here: they talk to `git.example.com`. For a demo that runs, see `examples/dance` and
//! `examples/webapp`.
//!
//! `cargo build --example readme --features reqwest,serde`

#![allow(dead_code, clippy::unwrap_used)]

use std::error::Error as StdError;

/// README, "Quickstart".
#[rustfmt::skip]
#[cfg(feature = "reqwest")]
fn quickstart() -> Result<(), Box<dyn StdError>> {
    use bitbucket_oauth::{Consumer, ConsumerKey, Endpoints, RsaPrivateKey, Signer};
    use bitbucket_oauth::reqwest::BlockingClient;

    let key = RsaPrivateKey::from_pem(&std::fs::read_to_string("bitbucket-oauth-key.pem")?)?;
    let signer = Signer::rsa_sha1(ConsumerKey::new("my-consumer"), key);
    let client = Consumer::new(signer, Endpoints::bitbucket("https://git.example.com/bitbucket")?);
    let http = BlockingClient::new(client)?;

    let request_token = http.request_token("oob")?;
    println!("Approve at {}", http.oauth().authorize_url(&request_token));
    let verifier = bitbucket_oauth::Verifier::new(read_line()?);
    let access = http.access_token(&request_token, &verifier)?;
    println!("Hello, {}", http.whoami(access.token())?);

    let projects = http.send(
        http::Request::get("https://git.example.com/bitbucket/rest/api/1.0/projects").body(Vec::new())?,
        access.token(),
    )?;
    let _ = projects;
    Ok(())
}

/// The verification code, typed by the user.
fn read_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// README, "Behind a reverse proxy".
#[rustfmt::skip]
fn behind_a_proxy() -> Result<bitbucket_oauth::Endpoints, bitbucket_oauth::SignError> {
    use bitbucket_oauth::Endpoints;

    let endpoints = Endpoints::bitbucket("http://10.0.0.5:7990/bitbucket")?     // where we connect
        .sign_base_url("https://git.example.com/bitbucket")?;                      // what Bitbucket believes it serves
    Ok(endpoints)
}

/// README, "In a web app": the two handlers' work, with the web framework's parts as
/// arguments (`examples/webapp` is the whole application).
#[cfg(feature = "serde")]
#[rustfmt::skip]
async fn in_a_web_app(
    http: &bitbucket_oauth::reqwest::AsyncClient,
    app_url: &str,
    host: &str,
    session: &mut std::collections::HashMap<String, String>,
    query: &str,
) -> Result<(String, String), Box<dyn StdError>> {
    use bitbucket_oauth::{Temporary, Token};

    // GET /auth/{host}: start the dance; the pending request token waits in the session.
    let request_token = http.request_token(&format!("{app_url}/auth/auth/{host}")).await?;
    session.insert("pending".to_owned(), serde_json::to_string(&request_token)?);
    let redirect_to = http.oauth().authorize_url(&request_token);

    // GET /auth/auth/{host}?oauth_token=..&oauth_verifier=..: finish it.
    let pending: Token<Temporary> = serde_json::from_str(&session.remove("pending").ok_or("no sign-in pending")?)?;
    let verifier = http.oauth().parse_callback(query, &pending)?;
    //    ^ Error::CallbackTokenMismatch for a forged or stale callback, Error::UserDenied if refused
    let access = http.access_token(&pending, &verifier).await?;
    let user = http.whoami(access.token()).await?;
    Ok((redirect_to, user))
}

/// README, "Signing calls yourself".
#[rustfmt::skip]
fn signing_calls_yourself(
    signer: &bitbucket_oauth::Signer,
    access: &bitbucket_oauth::AccessToken,
    mut request: http::Request<Vec<u8>>,
) -> Result<http::Request<Vec<u8>>, bitbucket_oauth::SignError> {
    use bitbucket_oauth::SignOptions;

    let options = SignOptions::new().token(access.token().as_token_ref());
    let header = signer.authorization_header(&request, &options)?;            // the same bytes as sign(..).authorization()
    request.headers_mut().insert(http::header::AUTHORIZATION, header); // marked sensitive
    Ok(request)
}

fn main() {
    println!(
        "examples/readme.rs holds the README's snippets so that they compile; it runs nothing. \
         For a demo: cargo run --example dance --features testkit,reqwest"
    );
}
