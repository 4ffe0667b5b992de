//! `dance`: a command-line companion to `bitbucket-oauth`.
//!
//! ```text
//! cargo run --example dance --features testkit,reqwest     # no subcommand: the demo, against
//!                                                          # the built-in Bitbucket stand-in
//! dance sign    [OPTIONS] <METHOD> <URL>                   # offline: sign and explain
//! dance keygen  [--bits 2048] [--out key.pem]              # a key pair and the admin's form values
//! dance login   --base-url URL --consumer-key KEY --private-key PATH [--callback oob|URL] [--token-file PATH]
//!               [--sign-base-url URL]                      # (login, request, renew) behind a proxy
//! dance request --base-url URL --consumer-key KEY --private-key PATH --token-file PATH
//!               <METHOD> <PATH-OR-URL> [--form NAME=VALUE ...] [--json-body STRING]
//! dance renew   --base-url URL --consumer-key KEY --private-key PATH --token-file PATH
//! ```
//!
//! `login`, `request` and `renew` need `--features reqwest` (`reqwest-native-tls` for https).
//!
//! # `sign`: sign a request offline and explain the signature
//!
//! When a server answers `signature_invalid`, the question is always "what exactly did I sign?".
//! `sign` computes the signature of one request without any network traffic and shows its
//! working: the signature base string (RFC 5849 §3.4.1.1) split into its three parts, every
//! normalized parameter on its own line, the signature and the `Authorization` header.
//!
//! ```text
//! cargo run --example dance -- sign [OPTIONS] <METHOD> <URL>
//!   --consumer-key <KEY>         required
//!   --signature-method <NAME>    RSA-SHA1 (default) | HMAC-SHA1 | PLAINTEXT |
//!                                RSA-SHA256 | RSA-SHA512 | HMAC-SHA256 | HMAC-SHA512
//!   --private-key <PATH>         PEM, PKCS#1 or PKCS#8 (RSA-*)
//!   --allow-weak-key             accept a key under 2048 bits (test vectors)
//!   --consumer-secret <S>        (HMAC-*, PLAINTEXT)
//!   --token <T>  --token-secret <S>
//!   --callback <URL>  --verifier <V>  --realm <R>
//!   --nonce <N>  --timestamp <SECONDS>    pin them for reproducible output
//!   --no-version                 omit oauth_version
//!   --body <STRING>              raw request body, sent as given
//!   --content-type <TYPE>        the body's Content-Type
//!   --body-hash                  send oauth_body_hash, the hash of the body (not for a
//!                                form-encoded body, nor PLAINTEXT)
//!   --json                       print one JSON object:
//!                                {"base_string": "...", "signature": "...", "authorization": "..."}
//! ```
//!
//! The body's parameters are signed only when the content type is
//! `application/x-www-form-urlencoded` (RFC 5849 §3.4.1.3.1).
//!
//! `--json` is a stable interface for other tools: `signature` is the plain (not
//! percent-encoded) signature value and `authorization` the full header value. For example, the
//! RFC 5849 §3.1 request:
//!
//! ```text
//! cargo run --example dance -- sign --json --no-version \
//!   --signature-method HMAC-SHA1 --consumer-key 9djdj82h48djs9d2 --consumer-secret j49sk3j29djd \
//!   --token kkk9d7dh3k39sjv7 --token-secret dh893hdasih9 --realm Example \
//!   --nonce 7d8f3e4a --timestamp 137131201 \
//!   --content-type application/x-www-form-urlencoded --body 'c2&a3=2+q' \
//!   POST 'http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b'
//! ```
//!
//! # Exit codes
//!
//! `0` on success; `2` for a usage error (reported by the argument parser, or no subcommand);
//! `1` for anything else (unreadable or invalid key, missing secret, bad URL, malformed body...),
//! with `error: <message>` on stderr.

use std::fmt;
use std::io::Write as _;
use std::process::ExitCode;

#[cfg(not(all(feature = "testkit", feature = "reqwest")))]
use clap::CommandFactory as _;
use clap::{Parser, Subcommand};

/// Command-line companion to bitbucket-oauth.
#[derive(Debug, Parser)]
#[command(name = "dance", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Sign one request offline and explain the signature (no network).
    Sign(sign::SignArgs),
    /// Generate an RSA key pair and print what the Bitbucket admin registers.
    Keygen(online::KeygenArgs),
    /// Run the 3-legged dance and save the access token.
    #[cfg(feature = "reqwest")]
    Login(online::LoginArgs),
    /// Send one signed request with the saved access token.
    #[cfg(feature = "reqwest")]
    Request(online::RequestArgs),
    /// Renew the saved access token with its session handle.
    #[cfg(feature = "reqwest")]
    Renew(online::RenewArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Sign(args)) => sign::run(&args),
        Some(Command::Keygen(args)) => online::keygen(&args),
        #[cfg(feature = "reqwest")]
        Some(Command::Login(args)) => online::login(&args),
        #[cfg(feature = "reqwest")]
        Some(Command::Request(args)) => online::request(&args),
        #[cfg(feature = "reqwest")]
        Some(Command::Renew(args)) => online::renew(&args),
        #[cfg(all(feature = "testkit", feature = "reqwest"))]
        None => demo::run(),
        #[cfg(not(all(feature = "testkit", feature = "reqwest")))]
        None => {
            let _ = write!(
                std::io::stderr(),
                "{}\nWithout a subcommand, dance runs a demo against the built-in Bitbucket \
                 stand-in; it needs `--features testkit,reqwest`.\n",
                Cli::command().render_help()
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `eprintln!` would panic if stderr is closed; there is nowhere left to report to.
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The one error type of this tool: a message for a person, printed as `error: <message>`.
#[derive(Debug)]
struct CliError(String);

impl CliError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<bitbucket_oauth::Error> for CliError {
    fn from(e: bitbucket_oauth::Error) -> Self {
        Self(e.to_string())
    }
}

impl From<bitbucket_oauth::SignError> for CliError {
    fn from(e: bitbucket_oauth::SignError) -> Self {
        Self(e.to_string())
    }
}

impl From<bitbucket_oauth::KeyError> for CliError {
    fn from(e: bitbucket_oauth::KeyError) -> Self {
        Self(e.to_string())
    }
}

type CliResult<T> = Result<T, CliError>;

/// Writes `text` to stdout in one go; a closed pipe is an error, not a panic.
fn print_stdout(text: &str) -> CliResult<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(format!("cannot write to stdout: {e}")))
}

#[cfg(all(feature = "testkit", feature = "reqwest"))]
mod demo;
mod online;
mod sign;
