//! A local stand-in for Atlassian Bitbucket Server's OAuth 1.0a provider, for tests and demos
//! (feature `testkit`).
//!
//! [`StandIn`] listens on `127.0.0.1` (an ephemeral port), one std thread per connection, no
//! async runtime: start it from sync or async code, drop it to stop it. It verifies every
//! signed request the way Bitbucket Server does, in its order, and refuses in Atlassian's exact
//! form, so a client tested against it meets the same answers it will meet in production.
//!
//! # What it serves
//!
//! Under [`StandIn::base_url`], `http://127.0.0.1:PORT/bitbucket` by default (the context path
//! is `/bitbucket` unless [`StandInBuilder::context_path`] says otherwise, so that a client that
//! drops the context path fails here as it would in production):
//!
//! | path | method | |
//! |---|---|---|
//! | `/plugins/servlet/oauth/request-token` | POST | signed; with `oauth_callback` (absolute URL or `oob`) the `text/plain` answer is `oauth_token=..&oauth_token_secret=..&oauth_callback_confirmed=true`, without it (out of band) the same without `oauth_callback_confirmed` |
//! | `/plugins/servlet/oauth/authorize?oauth_token=..` | GET, POST | what a person meets ([`UserDecision::Interactive`], the default): a login page, then an approval form (`Allow`, `Deny`) protected by an XSRF token; then a `302` to the callback with `oauth_token` and `oauth_verifier` (`denied` on denial), or for `oob` an HTML page with `<code id="oauth_verifier">CODE</code>` (6 letters and digits). [`browser::approve`] plays the person |
//! | `/j_atl_security_check` | POST | the login form: `j_username`, `j_password` (in the stand-in a user's password is their name), `next`; a session cookie and a `302` to `next` |
//! | `/plugins/servlet/oauth/access-token` | POST | with request token and `oauth_verifier`: `oauth_token`, `oauth_token_secret` (the request token's), `oauth_expires_in=157680000`, `oauth_session_handle`, `oauth_authorization_expires_in=160272000` (the session's lifetime); with an access token and `oauth_session_handle`: renewal (a new token with the same secret and a new session handle; the old token is deleted) |
//! | `/plugins/servlet/applinks/whoami` | GET | signed; the user name as `text/plain` (empty for anonymous 2-legged calls) |
//! | `/rest/api/1.0/projects` | GET | signed; paged JSON (`size`, `limit`, `isLastPage`, `values`, `start`, `nextPageStart`; query `start`, `limit` default 25, at most 1000) |
//! | `/rest/api/1.0/projects/{key}/repos` | GET | signed; paged JSON of the project's repositories |
//! | `/rest/api/1.0/repos` | GET | signed; paged JSON of every repository the caller may see, project by project: `slug`, `name`, `project` (`key`, `name`, ...), `public`, `links.clone` (`[{"href":"http://…/scm/eng/api-server.git","name":"http"},{"href":"ssh://git@127.0.0.1:7999/eng/api-server.git","name":"ssh"}]`) |
//!
//! Sample data: projects `ENG` (repositories `api-server`, `web-app`, `mobile-app`), `OPS`
//! (`deploy-scripts`) and the public `PUB` (`bitbucket-oauth`); add your own with
//! [`StandIn::add_project`] and [`StandIn::add_repository`]. A project without grants is seen
//! by every user who can log in; [`StandIn::grant_project`] restricts it to the users granted;
//! anonymous 2-legged calls see public projects only. [`StandInBuilder::demo_data`] starts with
//! users ([`DEMO_USERS`]) who see different repositories, several pages of them.
//!
//! # How it verifies
//!
//! Protocol parameters come from the `Authorization: OAuth` header, the query and an
//! `application/x-www-form-urlencoded` body (each at most once, else `parameter_rejected`). The
//! base string is computed with this crate's [`Parameters`](crate::params::Parameters) and
//! [`BaseString`](crate::BaseString) from the URL the request arrived at: `http://`, its `Host`
//! header and its path, as a servlet container reconstructs it (or the
//! [believed base URL](StandInBuilder::believed_base_url) of a proxy). Then, in Bitbucket's
//! order:
//!
//! 1. `oauth_version`, if present, is `1.0`, else `version_rejected`;
//! 2. required parameters are present, else `parameter_absent` with `oauth_parameters_absent`
//!    (a resource request with no protocol parameter at all gets the same problem with status
//!    **401**, the challenge of an anonymous request);
//! 3. the token checks. Without a token (request token, 2-legged): the consumer is known
//!    (`consumer_key_unknown`). With one: it is this consumer's and of the right kind
//!    (`token_rejected`: unknown, already exchanged, replaced by a renewal, revoked, another
//!    consumer's); on exchange, the request token is unexpired (`token_expired`, after 600 s),
//!    approved (`permission_unknown` before the user decided, `permission_denied` after a
//!    denial) and the `oauth_verifier` matches (`token_rejected`); on renewal, the session
//!    handle matches (`token_rejected`) and the session lives (`permission_denied`; the access
//!    token's own expiry is not checked); on a resource, the access token is unexpired
//!    (`token_expired`);
//! 4. `oauth_timestamp` is within ±300 s of the stand-in's clock (`timestamp_refused` with
//!    `oauth_acceptable_timestamps=a-b`);
//! 5. the nonce is new for this consumer, whatever the timestamp (`nonce_used`); it is recorded
//!    before the signature is checked, so a request with a bad signature uses it up, as on
//!    Bitbucket;
//! 6. the signature method is `RSA-SHA1` (`signature_method_rejected`, 400, with
//!    `oauth_acceptable_signature_methods=RSA-SHA1`); HMAC-SHA1 and PLAINTEXT from
//!    shared-secret consumers only with [`StandInBuilder::allow_shared_secret_methods`];
//! 7. the signature verifies (`signature_invalid` with `oauth_signature`,
//!    `oauth_signature_base_string` — the base string of the URL the request arrived at — and
//!    `oauth_signature_method`);
//! 8. with a token, last: the consumer the token was issued to is still registered
//!    (`consumer_key_unknown`).
//!
//! A verified 2-legged request acts as the user named by `xoauth_requestor_id`, else `user_id`
//! (with [`RegisteredConsumer::impersonation`]), else as the [`RegisteredConsumer::execute_as`] user, else
//! anonymously; an unknown named user is anonymous. When 2-legged OAuth or impersonation is off,
//! or the user cannot log in ([`StandIn::deactivate_user`]), it is refused as Bitbucket refuses
//! it: a 401 without `oauth_problem` whose `WWW-Authenticate: OAuth realm="…", oauth_…` echoes
//! the request's own `oauth_*` parameters (typed by the client as
//! [`Error::TwoLeggedRefused`](crate::Error::TwoLeggedRefused)).
//!
//! Every refusal has the status of [`problem_status`], a header
//! `WWW-Authenticate: OAuth realm="<percent-encoded base URL>", oauth_problem="<name>", <name>="<percent-encoded value>", ...`
//! and the same fields (without `realm`) in an `application/x-www-form-urlencoded;charset=UTF-8`
//! body, as net.oauth writes them; a resource refused with 401 has a second, bare
//! `WWW-Authenticate: OAuth realm="…"`. The realm is Bitbucket's Base URL setting
//! ([`StandInBuilder::base_url_setting`]), by default the base URL it serves.
//! [`Problem::from_response`](crate::Problem::from_response) reads the report from the header
//! or the body.
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
//! use bitbucket_oauth::{Consumer, ConsumerKey, Endpoints, RsaPrivateKey, Signer};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let stand_in = StandIn::start()?;
//! let key = RsaPrivateKey::from_pem(include_str!("../../tests/data/test_rsa_2048_pkcs8.pem"))?;
//! stand_in.register_consumer("my-consumer", key.public_key_pem()?.as_bytes())?;
//!
//! let client = Consumer::new(
//!     Signer::rsa_sha1(ConsumerKey::new("my-consumer"), key),
//!     Endpoints::bitbucket(stand_in.base_url())?,
//! );
//!
//! // 1. Request token, out of band.
//! let (request, pending) = client.request_token("oob")?;
//! let request_token = client.finish_request_token(pending, &send(&request)?)?;
//!
//! // 2. The user logs in as "alice", allows access and reads the code.
//! let page = bitbucket_oauth::testkit::browser::approve(&client.authorize_url(&request_token), "alice")?;
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

mod body_hash;
pub mod browser;
mod clock;
mod data;
pub mod http;
mod provider;
mod server;
mod state;
mod wire;

pub use self::clock::TestClock;
pub use self::server::{StandIn, StandInBuilder};
pub use self::state::{
    ACCESS_TOKEN_LIFETIME_SECS, DEFAULT_CONTEXT_PATH, DEFAULT_USER, DEMO_USERS, Decision,
    LoggedRequest, MAX_LOGGED_REQUESTS, Malformed, REQUEST_TOKEN_LIFETIME_SECS, RegisteredConsumer,
    SESSION_LIFETIME_SECS, TIMESTAMP_WINDOW_SECS, Times, UserDecision, VERIFIER_LEN,
    problem_status,
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
