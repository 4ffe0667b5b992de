//! A local stand-in for Atlassian Bitbucket Server's OAuth 1.0a provider, for tests and demos
//! (feature `testkit`).
//!
//! [`StandIn`] listens on `127.0.0.1` (an ephemeral port), one std thread per connection, no
//! async runtime: start it from sync or async code, drop it to stop it. It verifies every
//! signed request the way Bitbucket Server does and refuses in Atlassian's exact form, so a
//! client tested against it meets the same `oauth_problem`s it will meet in production.
//!
//! # What it serves
//!
//! Under [`StandIn::base_url`], `http://127.0.0.1:PORT/bitbucket` by default (the context path
//! is `/bitbucket` unless [`StandInBuilder::context_path`] says otherwise, so that a client that
//! drops the context path fails here as it would in production):
//!
//! | path | method | |
//! |---|---|---|
//! | `/plugins/servlet/oauth/request-token` | POST | signed, `oauth_callback` (absolute URL or `oob`) required; `text/plain` answer `oauth_token=..&oauth_token_secret=..&oauth_callback_confirmed=true` |
//! | `/plugins/servlet/oauth/authorize?oauth_token=..` | GET | the user's [decision](UserDecision): a `302` to the callback with `oauth_token` and `oauth_verifier` (`denied` on denial), or for `oob` an HTML page with `<code id="oauth_verifier">CODE</code>` |
//! | `/plugins/servlet/oauth/access-token` | POST | with request token and `oauth_verifier`: `oauth_token`, `oauth_token_secret`, `oauth_expires_in=157680000`, `oauth_session_handle`, `oauth_authorization_expires_in=157680000`; with an access token and `oauth_session_handle`: renewal (a new token; the old one is revoked) |
//! | `/plugins/servlet/applinks/whoami` | GET | signed; the user name as `text/plain` (empty for anonymous 2-legged calls) |
//! | `/rest/api/1.0/projects` | GET | signed; paged JSON (`size`, `limit`, `isLastPage`, `values`, `start`, `nextPageStart`; query `start`, `limit` default 25, at most 1000) |
//! | `/rest/api/1.0/projects/{key}/repos` | GET | signed; paged JSON of the project's repositories |
//!
//! Sample data: projects `ENG` (repositories `api-server`, `web-app`, `mobile-app`), `OPS`
//! (`deploy-scripts`) and the public `PUB` (`bitbucket-oauth`); add your own with
//! [`StandIn::add_project`] and [`StandIn::add_repository`]. Every authenticated user sees every
//! project; anonymous 2-legged calls see public ones only.
//!
//! # How it verifies
//!
//! Protocol parameters come from the `Authorization: OAuth` header, the query and an
//! `application/x-www-form-urlencoded` body (each at most once, else `parameter_rejected`). The
//! base string is computed with this crate's [`Parameters`](crate::params::Parameters) and
//! [`BaseString`](crate::BaseString) from the URL the server *believes* it serves (its real one
//! unless [`StandInBuilder::believed_base_url`] plays a proxy). Then, in this order:
//!
//! 1. `oauth_version`, if present, is `1.0`, else `version_rejected`;
//! 2. required parameters are present, else `parameter_absent` with `oauth_parameters_absent`
//!    (a resource request with no protocol parameter at all gets the same problem with status
//!    **401**, the challenge of an anonymous request);
//! 3. the consumer is known (`consumer_key_unknown`), and its signature method allowed
//!    (`signature_method_rejected` with `oauth_acceptable_signature_methods`: `RSA-SHA1` for
//!    RSA consumers, `HMAC-SHA1&PLAINTEXT` for shared-secret ones);
//! 4. `oauth_timestamp` is within ±300 s of the stand-in's clock (`timestamp_refused` with
//!    `oauth_acceptable_timestamps=a-b`);
//! 5. the token is one this consumer owns (`token_rejected`);
//! 6. the signature verifies (`signature_invalid` with `oauth_signature`,
//!    `oauth_signature_base_string` — the stand-in's base string — and
//!    `oauth_signature_method`);
//! 7. the (consumer, timestamp, nonce) triple is new (`nonce_used`); it is recorded only once
//!    the signature verified, so a forged request cannot burn a nonce;
//! 8. the token's state: `token_expired` (request tokens live 600 s, access tokens 5 years),
//!    `token_used` (a request token is exchanged once), `token_not_authorized`,
//!    `user_refused` (exchanging a request token the user denied), `token_revoked` (renewed or
//!    [revoked](StandIn::revoke)), and `token_rejected` for a wrong `oauth_verifier` or a
//!    session handle of another token. 2-legged requests (empty `oauth_token`) from a consumer
//!    without [`Consumer::two_legged`] get `permission_denied`.
//!
//! Every refusal has the status of [`problem_status`], a header
//! `WWW-Authenticate: OAuth realm="<percent-encoded base URL>", oauth_problem="<name>", <name>="<percent-encoded value>", ...`
//! and the same fields (without `realm`) form-encoded in a `text/plain;charset=UTF-8` body, so
//! [`Problem::from_response`](crate::Problem::from_response) reads it either way.
//!
//! Faults for the unhappy paths: [`StandIn::refuse`] (a forced problem), [`StandIn::malform`]
//! (login page, truncated body, garbage, empty body on the token endpoints),
//! [`StandIn::set_delay`], [`StandIn::set_clock_offset`] and the [`TestClock`]. Every request is
//! logged with its headers (`Authorization` included), body and outcome:
//! [`StandIn::requests`].
//!
//! Malformed HTTP gets `400`, a head over 16 KiB `431`, a body over 1 MiB `413`,
//! `Transfer-Encoding` `501`; the server path does not panic on any input.
//!
//! # Example: the whole dance
//!
//! ```
//! use bitbucket_oauth::testkit::{StandIn, http::send, oob_verifier};
//! use bitbucket_oauth::{Client, ConsumerKey, Endpoints, RsaPrivateKey, Signer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let stand_in = StandIn::start()?;
//! let key = RsaPrivateKey::from_pem(include_str!("../../tests/data/test_rsa_2048_pkcs8.pem"))?;
//! stand_in.register_consumer("my-consumer", key.public_key_pem()?.as_bytes())?;
//!
//! let client = Client::new(
//!     Signer::rsa_sha1(ConsumerKey::new("my-consumer"), key),
//!     Endpoints::bitbucket(stand_in.base_url())?,
//! );
//!
//! // 1. Request token, out of band.
//! let (request, pending) = client.request_token("oob")?;
//! let request_token = client.finish_request_token(pending, &send(&request)?)?;
//!
//! // 2. The user approves (the stand-in approves as "alice" by default) and reads the code.
//! let page = send(&::http::Request::get(client.authorize_url(&request_token)).body(Vec::new())?)?;
//! let code = oob_verifier(page.body()).expect("the page shows the code");
//! assert_eq!(stand_in.last_verifier().as_deref(), Some(code.as_str()));
//!
//! // 3. Access token.
//! let (request, pending) = client.access_token(&request_token, &bitbucket_oauth::Verifier::new(code))?;
//! let access = client.finish_access_token(pending, &send(&request)?)?;
//! assert_eq!(access.expires_in(), Some(157_680_000));
//!
//! // 4. A signed call.
//! let (request, sent) = client.whoami(access.token())?;
//! let response = send(&request)?;
//! client.check_response(&sent, &response)?;
//! assert_eq!(response.body(), b"alice");
//!
//! // A refusal, typed: the same nonce twice.
//! let mut call = ::http::Request::get(stand_in.url("/rest/api/1.0/projects")).body(Vec::new())?;
//! let sent = client.sign_request(&mut call, access.token())?;
//! assert_eq!(send(&call)?.status(), 200);
//! let err = client.check_response(&sent, &send(&call)?).unwrap_err();
//! assert_eq!(err.problem().unwrap().problem, bitbucket_oauth::OAuthProblem::NonceUsed);
//! # Ok(()) }
//! ```

mod clock;
mod data;
pub mod http;
mod provider;
mod server;
mod wire;

pub use self::clock::TestClock;
pub use self::server::{
    ACCESS_TOKEN_LIFETIME_SECS, Consumer, DEFAULT_CONTEXT_PATH, DEFAULT_USER, Decision,
    LoggedRequest, MAX_LOGGED_REQUESTS, Malformed, REQUEST_TOKEN_LIFETIME_SECS, StandIn,
    StandInBuilder, TIMESTAMP_WINDOW_SECS, Times, UserDecision, problem_status,
};

/// Reads the verification code out of the stand-in's `oob` page: the text of
/// `<code id="oauth_verifier">…</code>`. `None` when the page has none.
///
/// ```
/// let page = br#"<p>Code: <code id="oauth_verifier">Xy12</code></p>"#;
/// assert_eq!(bitbucket_oauth::testkit::oob_verifier(page).as_deref(), Some("Xy12"));
/// ```
#[must_use]
pub fn oob_verifier(page: &[u8]) -> Option<String> {
    const MARK: &str = "<code id=\"oauth_verifier\">";
    let text = String::from_utf8_lossy(page);
    let start = text.find(MARK)? + MARK.len();
    let rest = text.get(start..)?;
    let end = rest.find("</code>")?;
    Some(rest.get(..end)?.to_owned())
}
