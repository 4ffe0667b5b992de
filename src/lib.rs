//! An OAuth 1.0a client ([RFC 5849]) with Atlassian Bitbucket Server / Data Center as its
//! first-class provider, and a byte-exact signer for any other OAuth 1.0a provider.
//!
//! The core is sans-IO: it turns [`http::Request`]s into signed requests and
//! [`http::Response`]s into tokens or typed errors, and never touches the network. The `reqwest`
//! feature adds an adapter that does the sending; any other HTTP client is a short loop
//! ([`call`]).
//!
//! # The dance
//!
//! A Bitbucket admin registers your consumer key and RSA public key under Application Links ->
//! Incoming Authentication. Your application is then a [`Consumer`]: a [`Signer`] (the key and
//! the signature method, RSA-SHA1 for Bitbucket) plus the provider's [`Endpoints`]. The dance is
//! three request/response pairs, each built by one call and read by its `finish_*`:
//!
//! 1. [`Consumer::request_token`] → [`Consumer::finish_request_token`]: a request token,
//!    [`Token<Temporary>`](Token);
//! 2. send the user to [`Consumer::authorize_url`]; the provider redirects them back to your
//!    callback, and [`Consumer::parse_callback`] checks it and gives the [`Verifier`];
//! 3. [`Consumer::access_token`] → [`Consumer::finish_access_token`]: an [`AccessToken`], with
//!    Bitbucket's session handle for [`Consumer::renew`].
//!
//! Here against the crate's Bitbucket stand-in (feature `testkit`), which plays the server and
//! the user:
//!
//! ```
//! # #[cfg(feature = "testkit")]
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use bitbucket_oauth::testkit::{StandIn, browser, http::send, oob_verifier};
//! use bitbucket_oauth::{Consumer, ConsumerKey, Endpoints, RsaPrivateKey, Signer, Verifier};
//!
//! let stand_in = StandIn::start()?;
//! let key = RsaPrivateKey::from_pem(include_str!("../tests/data/test_rsa_2048_pkcs8.pem"))?;
//! stand_in.register_consumer("my-consumer", key.public_key_pem()?.as_bytes())?;
//! let consumer = Consumer::new(
//!     Signer::rsa_sha1(ConsumerKey::new("my-consumer"), key),
//!     Endpoints::bitbucket(stand_in.base_url())?,
//! );
//!
//! let (request, pending) = consumer.request_token("oob")?;
//! let request_token = consumer.finish_request_token(pending, &send(&request)?)?;
//!
//! let page = browser::approve(&consumer.authorize_url(&request_token), "alice")?;
//! let verifier = Verifier::new(oob_verifier(page.body()).ok_or("no code on the page")?);
//!
//! let (request, pending) = consumer.access_token(&request_token, &verifier)?;
//! let access = consumer.finish_access_token(pending, &send(&request)?)?;
//!
//! let (request, sent) = consumer.whoami(access.token())?;
//! let response = send(&request)?;
//! consumer.check_response(&sent, &response)?;
//! assert_eq!(response.body(), b"alice");
//! # Ok(()) }
//! # #[cfg(not(feature = "testkit"))]
//! # fn main() {}
//! ```
//!
//! With the `reqwest` feature, `reqwest::AsyncClient` and its blocking twin
//! send each step for you, follow redirects (re-signing each hop) and retry once after a
//! `timestamp_refused`.
//!
//! # Signing your own calls
//!
//! After the dance, sign every REST call with the access token: [`Consumer::sign_request`] sets
//! the `Authorization` header, or [`Signer::sign`] gives the header together with the exact
//! [`BaseString`] it signed, and [`Signer::authorization_header`] the header alone:
//!
//! ```
//! use bitbucket_oauth::clock::{FixedClock, FixedNonce};
//! use bitbucket_oauth::signature::RsaSha;
//! use bitbucket_oauth::{Access, ConsumerKey, RsaPrivateKey, SignOptions, Signer, Token, TokenSecret};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = RsaPrivateKey::from_pem(include_str!("../tests/data/test_rsa_2048_pkcs8.pem"))?;
//! let signer = Signer::builder(ConsumerKey::new("my-consumer"), RsaSha::sha1(key))
//!     // Real code leaves out these two lines: the defaults are the system clock and a CSPRNG.
//!     .clock(FixedClock(1_700_000_000))
//!     .nonce_source(FixedNonce("abcdefghijklmnopqrstuv".into()))
//!     .build();
//!
//! let token = Token::<Access>::new("access-token", TokenSecret::new(""));
//! let mut request = http::Request::get(
//!     "https://bitbucket.example.com/rest/api/1.0/projects?limit=100",
//! )
//! .body(Vec::new())?;
//! let signed = signer.sign(&request, &SignOptions::new().token(token.as_token_ref()))?;
//! assert_eq!(
//!     signed.base_string().unredacted(),
//!     "GET&https%3A%2F%2Fbitbucket.example.com%2Frest%2Fapi%2F1.0%2Fprojects&limit%3D100\
//!      %26oauth_consumer_key%3Dmy-consumer%26oauth_nonce%3Dabcdefghijklmnopqrstuv\
//!      %26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000\
//!      %26oauth_token%3Daccess-token%26oauth_version%3D1.0"
//! );
//! signed.apply_header(&mut request);
//! assert!(request.headers()["authorization"].to_str()?.starts_with(
//!     "OAuth oauth_consumer_key=\"my-consumer\", oauth_token=\"access-token\", \
//!      oauth_signature_method=\"RSA-SHA1\", oauth_timestamp=\"1700000000\""
//! ));
//! # Ok(()) }
//! ```
//!
//! Other providers take other [`signature`] methods (HMAC-SHA1/256/512, PLAINTEXT,
//! RSA-SHA256/512, or your own signer, an HSM or a KMS, through RustCrypto's `signature` traits)
//! and [`SignOptions`] (a `realm`, extra protocol parameters, 2-legged requests).
//!
//! # Beyond the plain dance
//!
//! - Jira, Confluence and Bamboo Server share Bitbucket's OAuth servlet:
//!   [`Endpoints::atlassian`] knows each product's whoami resource ([`atlassian`]).
//! - JSON and XML bodies can be signed through [`oauth_body_hash`](body_hash)
//!   ([`SignerBuilder::body_hash`], [`SignOptions::body_hash`]).
//! - Extra authorize-URL parameters (Trello's `scope`): [`Consumer::authorize_url_builder`].
//! - Recipes for NetSuite, the X API, E*TRADE and Discogs: [`providers`].
//! - Feature `reqwest-middleware`: a middleware that signs every attempt, so retries are
//!   re-signed. Feature `tracing`: spans for each dance step and signed request, never a secret.
//!
//! # The testkit
//!
//! The `testkit` feature brings `testkit::StandIn`, a local Bitbucket Server
//! OAuth provider on `127.0.0.1`: it verifies every request as Bitbucket does and refuses in
//! Atlassian's exact form, plays the user on its login and approval pages
//! (`testkit::browser`), and serves a few REST resources. Test your integration against it,
//! or demo the dance with `cargo run --example dance --features testkit,reqwest`.
//!
//! # Errors
//!
//! Two layers, each `#[non_exhaustive]` and each message saying what to check:
//!
//! - [`SignError`]: building or signing a request failed (a URI that cannot be signed, a
//!   malformed query or form body, a bad key, a signature method that failed);
//! - [`Error`]: everything in the dance and in a signed call. It wraps a [`SignError`] as
//!   [`Error::Sign`]. A provider's refusal is [`Error::Provider`]: the typed [`Problem`]
//!   (`oauth_problem`, the provider's advice, acceptable timestamps), and for
//!   `signature_invalid` a part-by-part comparison of our base string with the one the provider
//!   echoed ([`explain::Difference`]: "scheme: we signed https, the provider saw http").
//!
//! No error, `Debug` or `Display` shows a secret: token secrets, verifiers and session handles
//! appear as `<redacted>` ([`redact`]).
//!
//! # Modules, bottom up
//!
//! - credentials and keys ([`keys`]) at the root: [`ConsumerKey`], [`Token`], [`RsaPrivateKey`];
//! - [`rfc5849`]: percent-encoding, parameters, the base string, the `Authorization` header and
//!   signature verification, for provider-side code; [`uri`]: URLs parsed as a client sends them;
//! - [`signature`]: the signature methods; [`Signer`] and [`clock`] (time and nonces);
//! - the dance: [`Consumer`], [`Endpoints`] and [`flow`]; the diagnostics: [`Problem`],
//!   [`explain`], [`redact`];
//! - [`call`]: one exchange with redirects and the clock retry, over any HTTP client;
//! - transports: `reqwest` (feature `reqwest`); `testkit` (feature `testkit`).
//!
//! [RFC 5849]: https://www.rfc-editor.org/rfc/rfc5849

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod atlassian;
mod authorize_url;
mod base_string;
mod bitbucket;
pub mod body_hash;
pub mod call;
pub mod clock;
mod credentials;
mod encode;
mod error;
pub mod explain;
pub mod flow;
mod header;
pub mod keys;
mod params;
mod problem;
pub mod providers;
pub mod redact;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
pub mod rfc5849;
mod sign;
pub mod signature;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
mod text;
pub mod uri;

pub use atlassian::AtlassianProduct;
pub use authorize_url::AuthorizeUrl;
pub use base_string::BaseString;
pub use bitbucket::Endpoints;
pub use body_hash::{BodyHashAlgorithm, BodyHashError};
pub use credentials::{
    Access, ConsumerKey, ConsumerSecret, Temporary, Token, TokenKind, TokenRef, TokenSecret,
    Verifier,
};
pub use error::{SignError, Source, UriProblem};
pub use flow::{AccessToken, Consumer, SentRequest};
pub use flow::{Error, ProviderError};
pub use keys::{KeyBits, KeyError, KeyLoader, RsaPrivateKey, RsaPublicKey};
pub use problem::{OAuthProblem, Problem};
pub use sign::{SignOptions, Signed, Signer, SignerBuilder};
