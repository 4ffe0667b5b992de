//! An OAuth 1.0a client ([RFC 5849]) with Atlassian Bitbucket Server / Data Center as its
//! first-class provider, and a correct, byte-exact signer for any other OAuth 1.0a provider.
//!
//! # Sans-IO
//!
//! The core never touches the network, and reads the clock and the OS random number generator
//! only through two small traits ([`clock::Clock`], [`clock::NonceSource`]) that tests replace.
//! It turns an [`http::Request`] into a [`Signed`] result: the `Authorization` header value
//! *and* the exact [`BaseString`] it signed, so that when a server says `signature_invalid` you
//! can see what was signed. Any HTTP client can carry the result.
//!
//! ```text
//! http::Request ─► parameters (query + form body + oauth_*) ─► base string ─► signature ─► header
//! ```
//!
//! # Quickstart
//!
//! Bitbucket Server signs with `RSA-SHA1`. Load the private key whose public half the admin
//! registered under Application Links -> Incoming Authentication, and sign each call:
//!
//! ```
//! use bitbucket_oauth::{ConsumerKey, RsaPrivateKey, SignOptions, Signer, Token, TokenSecret, Access};
//! use bitbucket_oauth::clock::{FixedClock, FixedNonce};
//! use bitbucket_oauth::signature::RsaSha;
//!
//! # fn main() -> Result<(), bitbucket_oauth::Error> {
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
//! .body(Vec::new())
//! .unwrap();
//! let signed = signer.sign(&request, &SignOptions::new().token(token.as_token_ref()))?;
//! assert_eq!(
//!     signed.base_string().unredacted(),
//!     "GET&https%3A%2F%2Fbitbucket.example.com%2Frest%2Fapi%2F1.0%2Fprojects&limit%3D100\
//!      %26oauth_consumer_key%3Dmy-consumer%26oauth_nonce%3Dabcdefghijklmnopqrstuv\
//!      %26oauth_signature_method%3DRSA-SHA1%26oauth_timestamp%3D1700000000\
//!      %26oauth_token%3Daccess-token%26oauth_version%3D1.0"
//! );
//! signed.apply_header(&mut request);
//! assert!(request.headers()["authorization"].to_str().unwrap().starts_with(
//!     "OAuth oauth_consumer_key=\"my-consumer\", oauth_token=\"access-token\", \
//!      oauth_signature_method=\"RSA-SHA1\", oauth_timestamp=\"1700000000\""
//! ));
//! # Ok(()) }
//! ```
//!
//! # The dance
//!
//! [`Consumer`] runs the 3-legged flow against [`Endpoints`] (the Atlassian preset keeps the
//! context path) as request/response pairs: `request_token` → `finish_request_token` →
//! `authorize_url` → `parse_callback` → `access_token` → `finish_access_token`, then
//! `sign_request` for every API call and `renew` with the session handle. Refusals come back as
//! [`Error::Provider`] with the provider's [`Problem`], and for `signature_invalid` a
//! part-by-part comparison of the two base strings ([`explain`]). [`call::Call`] drives one
//! exchange over any HTTP client (fresh signature per attempt and redirect hop, one retry after
//! `timestamp_refused`); the `reqwest` feature wraps it for reqwest, async and blocking.
//!
//! # Modules
//!
//! - [`encode`]: RFC 5849 §3.6 percent-encoding;
//! - [`params`]: parameter collection and normalization (§3.4.1.3);
//! - [`base_string`]: base string URI and base string (§3.4.1);
//! - [`signature`]: the signature methods and the [`SignatureMethod`](signature::SignatureMethod) trait (§3.4);
//! - [`keys`]: RSA key loading, generation and public key export;
//! - [`header`]: `Authorization` / `WWW-Authenticate` parsing (§3.5.1);
//! - [`clock`]: time and nonces (§3.3);
//! - [`flow`], [`bitbucket`], [`call`]: the dance, the endpoints, the exchange driver (§2);
//! - [`problem`], [`explain`]: provider refusals and base string comparison;
//! - [`uri`]: URLs given as text, parsed and resolved (RFC 3986 §5) as they are sent;
//! - [`redact`]: base strings and parameter lists without their secret values;
//! - `reqwest` (feature `reqwest`): the adapter; `testkit` (feature `testkit`): a local
//!   Bitbucket stand-in for tests.
//!
//! [RFC 5849]: https://www.rfc-editor.org/rfc/rfc5849

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod base_string;
pub mod bitbucket;
pub mod call;
pub mod clock;
pub mod credentials;
pub mod encode;
mod error;
pub mod explain;
pub mod flow;
pub mod header;
pub mod keys;
pub mod params;
pub mod problem;
pub mod redact;
#[cfg(feature = "reqwest")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub mod reqwest;
pub mod sign;
pub mod signature;
#[cfg(feature = "testkit")]
#[cfg_attr(docsrs, doc(cfg(feature = "testkit")))]
pub mod testkit;
pub mod uri;

pub use base_string::BaseString;
pub use bitbucket::Endpoints;
pub use credentials::{
    Access, ConsumerKey, ConsumerSecret, Temporary, Token, TokenKind, TokenRef, TokenSecret, Verifier,
};
pub use error::{Error, ProviderError, UriProblem};
pub use flow::{AccessToken, Consumer, SentRequest};
pub use keys::{KeyBits, KeyError, KeyLoader, RsaPrivateKey, RsaPublicKey};
pub use problem::{OAuthProblem, Problem};
pub use sign::{SignOptions, Signed, Signer, SignerBuilder};
