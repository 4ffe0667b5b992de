//! The README's Rust snippets, compiled.
//!
//! Every ```` ```rust ```` block of README.md appears in this file line for line (leading
//! whitespace aside); `tests/readme_snippets.rs` checks that, and CI compiles this example, so a
//! README snippet that stops compiling fails the build. The functions are not meant to be run
//! here: they talk to `git.example.com`. For a demo that runs, see `examples/dance` and
//! `examples/webapp`.
//!
//! `cargo build --example readme --features reqwest`

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
