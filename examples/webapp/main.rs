//! "Sign in with Bitbucket Server" and "Add project": the web application this crate exists
//! for, on axum, tokio and tower-sessions, with the crate's async reqwest adapter.
//!
//! ```sh
//! cargo run --example webapp --features testkit,reqwest,serde
//! ```
//!
//! With no configuration it starts the crate's Bitbucket stand-in with sample users (`alice`,
//! `bob`, `carol`; a user's password is their name) who see different repositories, registers
//! a freshly generated key as the consumer `webapp-demo`, and prints the URL to open.
//!
//! # Configuration (environment variables)
//!
//! | variable | |
//! |---|---|
//! | `WEBAPP_LISTEN` | the address to listen on; default `127.0.0.1:3000` |
//! | `WEBAPP_URL` | the app's URL as browsers reach it (behind a proxy: the public one); default `http://` + `WEBAPP_LISTEN`. Each server's consumer callback URL is `{WEBAPP_URL}/auth/auth/{bitbucket host name}` |
//! | `WEBAPP_BITBUCKET_<N>_URL` | server N's base URL, context path included (`https://git.example.com/bitbucket`); N = 1, 2, ... without gaps |
//! | `WEBAPP_BITBUCKET_<N>_CONSUMER_KEY` | the consumer key the admin registered for this app (Application Links -> Incoming Authentication) |
//! | `WEBAPP_BITBUCKET_<N>_PRIVATE_KEY` | a file with the RSA private key (PEM or DER, PKCS#1 or PKCS#8) whose public half was registered; `cargo run --example dance -- keygen` makes one |
//!
//! For `https` Bitbucket servers build with `--features testkit,reqwest-native-tls,serde`.
//!
//! Routes: `/`, `/auth/{host}`, `/auth/auth/{host}` (the callback), `/projects`, `/logout`;
//! see `app/mod.rs`.

mod app;

use std::process::ExitCode;

use bitbucket_oauth::testkit::{DEMO_USERS, StandIn};
use bitbucket_oauth::{KeyBits, KeyLoader, RsaPrivateKey};

use self::app::{App, BitbucketServer};

const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
/// The consumer key of the demo's stand-in.
const DEMO_CONSUMER: &str = "webapp-demo";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The servers of `WEBAPP_BITBUCKET_<N>_*`; empty when there is none.
fn configured_servers() -> Result<Vec<BitbucketServer>, String> {
    let mut servers = Vec::new();
    for n in 1.. {
        let prefix = format!("WEBAPP_BITBUCKET_{n}");
        let Some(url) = env(&format!("{prefix}_URL")) else {
            break;
        };
        let consumer_key = env(&format!("{prefix}_CONSUMER_KEY"))
            .ok_or_else(|| format!("{prefix}_URL is set but {prefix}_CONSUMER_KEY is not"))?;
        let key_file = env(&format!("{prefix}_PRIVATE_KEY"))
            .ok_or_else(|| format!("{prefix}_URL is set but {prefix}_PRIVATE_KEY is not"))?;
        let bytes = std::fs::read(&key_file)
            .map_err(|e| format!("{prefix}_PRIVATE_KEY: cannot read {key_file}: {e}"))?;
        let key = KeyLoader::new()
            .load(&bytes)
            .map_err(|e| format!("{prefix}_PRIVATE_KEY: {key_file}: {e}"))?;
        servers.push(BitbucketServer::new(&url, &consumer_key, key)?);
    }
    Ok(servers)
}

/// The stand-in with the demo users and repositories, and a consumer for this app.
fn demo_server() -> Result<(StandIn, BitbucketServer), String> {
    let stand_in = StandIn::builder()
        .demo_data()
        .start()
        .map_err(|e| format!("cannot start the Bitbucket stand-in: {e}"))?;
    eprintln!("Generating the demo consumer's RSA key...");
    let key = RsaPrivateKey::generate(KeyBits::B2048).map_err(|e| e.to_string())?;
    let public = key.public_key_pem().map_err(|e| e.to_string())?;
    stand_in
        .register_consumer(DEMO_CONSUMER, public.as_bytes())
        .map_err(|e| e.to_string())?;
    let server = BitbucketServer::new(stand_in.base_url(), DEMO_CONSUMER, key)?;
    Ok((stand_in, server))
}

async fn run() -> Result<(), String> {
    let listen = env("WEBAPP_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| format!("cannot listen on {listen} (WEBAPP_LISTEN): {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let app_url = env("WEBAPP_URL").unwrap_or_else(|| format!("http://{local}"));

    let mut servers = configured_servers()?;
    // Kept alive until the app stops.
    let mut _stand_in = None;
    if servers.is_empty() {
        let (stand_in, server) = demo_server()?;
        println!(
            "No WEBAPP_BITBUCKET_1_URL: serving against the Bitbucket stand-in at {}",
            stand_in.base_url()
        );
        println!(
            "Its users: {} (each user's password is their name).",
            DEMO_USERS.join(", ")
        );
        servers.push(server);
        _stand_in = Some(stand_in);
    }
    let app = App::new(&app_url, servers)?;
    for host in app.hosts() {
        println!(
            "Bitbucket Server {host}: consumer callback URL {}",
            app.callback_url(host)
        );
    }
    println!("Open {app_url}/");
    app::serve(listener, app)
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webapp: {e}");
            ExitCode::FAILURE
        }
    }
}
