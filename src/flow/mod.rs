//! The 3-legged dance (RFC 5849 §2) as sans-IO request/response pairs, callback handling,
//! renewal, 2-legged signing, and typed provider refusals.
//!
//! Each step gives you an [`http::Request`] to send with any client, and a pending value that
//! takes the [`http::Response`] back:
//!
//! ```text
//! request_token(callback) ─► POST …/request-token ─► finish_request_token ─► Token<Temporary>
//! authorize_url(&token)   ─► user approves in a browser ─► callback ?oauth_token&oauth_verifier
//! parse_callback(..)      ─► Verifier
//! access_token(&token, &verifier) ─► POST …/access-token ─► finish_access_token ─► AccessToken
//! sign_request(&mut req, access.token()) ─► any REST call; check_response(..) types refusals
//! renew(&access) ─► POST …/access-token with oauth_session_handle ─► finish_access_token
//! ```

use std::fmt;

use http::header::CONTENT_TYPE;
use http::{Method, Request as HttpRequest, Response, StatusCode, Uri};

use crate::base_string::BaseString;
use crate::bitbucket::Endpoints;
use crate::credentials::{Access, Temporary, Token, TokenKind, TokenSecret, Verifier};
use crate::encode;
use crate::error::SignError;
use crate::text::clip;

mod error;
pub(crate) mod trace;
use crate::explain;
use crate::problem::{self, OAuthProblem, Problem};
use crate::sign::{SignOptions, Signer};
pub use error::{Error, ProviderError};

/// The most bytes of a token-endpoint response this crate reads; a token response is a few
/// hundred bytes.
pub const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;
/// The most parameters a token response may carry.
pub(crate) const MAX_TOKEN_RESPONSE_PARAMS: usize = 64;
/// The most bytes of a response body kept in an error, for diagnosis.
pub(crate) const MAX_ERROR_BODY_EXCERPT: usize = 512;

/// What was signed and sent: kept to explain a refusal (`signature_invalid`,
/// `timestamp_refused`).
///
/// `Debug` shows the base string with its secret values (`oauth_verifier`,
/// `oauth_session_handle`) replaced by `<redacted>` ([`crate::redact`]).
#[derive(Clone)]
pub struct SentRequest {
    base_string: BaseString,
    timestamp: u64,
    /// The signed form body, if any, to explain a provider that did not read it.
    form: Option<explain::FormBody>,
}

impl fmt::Debug for SentRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentRequest")
            .field("base_string", &self.base_string)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

impl SentRequest {
    /// The base string that was signed, exact (secret values included: show it with
    /// [`crate::redact::redact`]).
    #[must_use]
    pub fn base_string(&self) -> &BaseString {
        &self.base_string
    }

    /// The `oauth_timestamp` that was sent.
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.timestamp
    }

    /// Whether the request carried an `oauth_callback`.
    fn has_callback(&self) -> bool {
        let normalized = self.base_string.normalized_parameters();
        problem::form_pairs(normalized.as_bytes()).any(|(name, _)| name == "oauth_callback")
    }
}

/// The request-token step, waiting for its response.
#[derive(Debug)]
#[must_use = "pass it to Consumer::finish_request_token with the response"]
pub struct PendingRequestToken {
    sent: SentRequest,
}

/// The access-token (or renewal) step, waiting for its response.
#[derive(Debug)]
#[must_use = "pass it to Consumer::finish_access_token with the response"]
pub struct PendingAccessToken {
    sent: SentRequest,
}

impl From<SentRequest> for PendingRequestToken {
    /// Resumes the request-token step from what a [`crate::call::Call`] sent.
    fn from(sent: SentRequest) -> Self {
        Self { sent }
    }
}

impl From<SentRequest> for PendingAccessToken {
    /// Resumes the access-token step from what a [`crate::call::Call`] sent.
    fn from(sent: SentRequest) -> Self {
        Self { sent }
    }
}

impl PendingRequestToken {
    /// What was sent.
    pub fn sent(&self) -> &SentRequest {
        &self.sent
    }
}

impl PendingAccessToken {
    /// What was sent.
    pub fn sent(&self) -> &SentRequest {
        &self.sent
    }
}

/// An access token with what the provider said about it.
///
/// Atlassian adds `oauth_expires_in` (about 5 years), `oauth_session_handle` (for renewal) and
/// `oauth_authorization_expires_in`; other fields are kept too. `Debug` redacts the secret and
/// the session handle.
#[derive(Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AccessToken {
    token: Token<Access>,
    fields: Vec<(String, String)>,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fields: Vec<(&str, &str)> = self
            .fields
            .iter()
            .map(|(n, v)| {
                let shown = if n == "oauth_session_handle" {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (n.as_str(), shown)
            })
            .collect();
        f.debug_struct("AccessToken")
            .field("token", &self.token)
            .field("fields", &fields)
            .finish()
    }
}

impl AccessToken {
    /// Wraps a stored token and its extra fields.
    #[must_use]
    pub fn new(token: Token<Access>, fields: Vec<(String, String)>) -> Self {
        Self { token, fields }
    }

    /// The token to sign API calls with.
    #[must_use]
    pub fn token(&self) -> &Token<Access> {
        &self.token
    }

    /// A field of the token response other than `oauth_token` and `oauth_token_secret`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every other field, in response order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// `oauth_session_handle`, needed to renew.
    #[must_use]
    pub fn session_handle(&self) -> Option<&str> {
        self.field("oauth_session_handle")
    }

    /// `oauth_expires_in`, in seconds.
    #[must_use]
    pub fn expires_in(&self) -> Option<u64> {
        self.field("oauth_expires_in")?.parse().ok()
    }

    /// `oauth_authorization_expires_in`, in seconds.
    #[must_use]
    pub fn authorization_expires_in(&self) -> Option<u64> {
        self.field("oauth_authorization_expires_in")?.parse().ok()
    }
}

/// Which protocol step an exchange is, and so how each attempt of a
/// [`Call`](crate::call::Call) is signed.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Step<'a> {
    /// An API call with an access token.
    Access(&'a Token<Access>),
    /// Atlassian 2-legged OAuth, optionally impersonating a user.
    TwoLegged {
        /// The user to act as (`user_id`), if any.
        impersonate: Option<&'a str>,
    },
    /// The request-token step.
    RequestToken {
        /// `oob` or an absolute URL.
        callback: &'a str,
    },
    /// The access-token step.
    AccessToken {
        /// The authorized request token.
        token: &'a Token<Temporary>,
        /// The verifier from the callback.
        verifier: &'a Verifier,
    },
    /// Renewal of an access token.
    Renew {
        /// The token to renew (with its session handle).
        access: &'a AccessToken,
    },
}

/// This application as an OAuth 1.0a consumer of one provider (RFC 5849 calls it the client; the
/// Application Link registers it as a consumer): a [`Signer`] plus [`Endpoints`].
///
/// It runs the dance and signs API calls. Sans-IO: it builds requests and reads responses; you send them. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Consumer {
    signer: Signer,
    endpoints: Endpoints,
    realm: Option<String>,
}

impl Consumer {
    /// A client for these endpoints.
    #[must_use]
    pub fn new(signer: Signer, endpoints: Endpoints) -> Self {
        Self {
            signer,
            endpoints,
            realm: None,
        }
    }

    /// Sends `realm` in every `Authorization` header.
    #[must_use]
    pub fn with_realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// The signer.
    #[must_use]
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// The endpoints.
    #[must_use]
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    fn options(&self) -> SignOptions<'_> {
        let options = SignOptions::new();
        match &self.realm {
            Some(realm) => options.realm(realm),
            None => options,
        }
    }

    fn signed_post(
        &self,
        uri: &Uri,
        auth: Step<'_>,
    ) -> Result<(HttpRequest<Vec<u8>>, SentRequest), Error> {
        let mut request = HttpRequest::new(Vec::new());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri.clone();
        let sent = self.sign_for(&mut request, auth)?;
        Ok((request, sent))
    }

    fn sign_with<B: AsRef<[u8]>>(
        &self,
        request: &mut HttpRequest<B>,
        options: &SignOptions<'_>,
    ) -> Result<SentRequest, Error> {
        // Behind a reverse proxy: sign for the URL the server believes it serves.
        let signing_uri = self.endpoints.signing_uri(request.uri());
        let uri = signing_uri.as_ref().unwrap_or(request.uri());
        let body = request.body().as_ref();
        let signed =
            self.signer
                .sign_parts(request.method(), uri, request.headers(), body, options)?;
        let form = request
            .headers()
            .get(CONTENT_TYPE)
            .filter(|ct| crate::sign::is_form_urlencoded(ct.as_bytes()))
            .map(|ct| explain::FormBody::of(request.method(), ct.as_bytes(), body));
        signed.apply_header(request);
        Ok(SentRequest {
            timestamp: signed.timestamp(),
            base_string: signed.base_string().clone(),
            form,
        })
    }

    /// Step 1: the request-token request (POST, signed, `oauth_callback` set).
    ///
    /// `callback` is an absolute URL the provider redirects the user to, or `oob` when the user
    /// copies the verification code by hand.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidParameter`] for a callback that is neither; signing errors.
    pub fn request_token(
        &self,
        callback: &str,
    ) -> Result<(HttpRequest<Vec<u8>>, PendingRequestToken), Error> {
        let (request, sent) = self.signed_post(
            self.endpoints.request_token(),
            Step::RequestToken { callback },
        )?;
        Ok((request, PendingRequestToken { sent }))
    }

    /// Step 1's response: the request token. Parsed whatever its `Content-Type` (Atlassian serves
    /// `text/plain`). `oauth_callback_confirmed=true` is required when the request carried an
    /// `oauth_callback` (a URL or `oob`); a request without one (see
    /// [`request_token_without_callback`](Self::request_token_without_callback)) is answered
    /// without it, which is not an error.
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] for a refusal, [`Error::UnexpectedResponse`] for anything that is not
    /// a token response, [`Error::InvalidTokenResponse`] for missing or duplicated fields,
    /// [`Error::CallbackNotConfirmed`], [`Error::ResponseTooLarge`] beyond
    /// [`MAX_TOKEN_RESPONSE_BYTES`], [`Error::TooManyParameters`] beyond 64 parameters.
    pub fn finish_request_token<B: AsRef<[u8]>>(
        &self,
        pending: PendingRequestToken,
        response: &Response<B>,
    ) -> Result<Token<Temporary>, Error> {
        let (token, fields) = parse_token_response::<Temporary, B>(&pending.sent, response)?;
        match fields.iter().find(|(n, _)| n == "oauth_callback_confirmed") {
            Some((_, v)) if v == "true" => Ok(token),
            Some(_) => Err(Error::CallbackNotConfirmed),
            None if !pending.sent.has_callback() => Ok(token),
            None => Err(Error::CallbackNotConfirmed),
        }
    }

    /// Step 1 without `oauth_callback`, as an OAuth 1.0 client asks: Bitbucket treats it as
    /// out-of-band and answers without `oauth_callback_confirmed`, which
    /// [`finish_request_token`](Self::finish_request_token) accepts for it. Prefer
    /// [`request_token`](Self::request_token) with `oob`.
    ///
    /// # Errors
    ///
    /// Signing errors.
    pub fn request_token_without_callback(
        &self,
    ) -> Result<(HttpRequest<Vec<u8>>, PendingRequestToken), Error> {
        let mut request = HttpRequest::new(Vec::new());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.endpoints.request_token().clone();
        let sent = self.sign_with(&mut request, &self.options())?;
        Ok((request, PendingRequestToken { sent }))
    }

    /// Step 2: where to send the user: the authorize endpoint with `oauth_token`. Extra
    /// parameters (Trello's `name`, `expiration`, `scope`):
    /// [`authorize_url_builder`](Self::authorize_url_builder).
    #[must_use]
    pub fn authorize_url(&self, token: &Token<Temporary>) -> String {
        crate::authorize_url::AuthorizeUrl::new(self.endpoints.authorize(), token).write()
    }

    /// Step 2 with extra parameters: an [`AuthorizeUrl`](crate::AuthorizeUrl) for this client's authorize endpoint.
    /// Without any, its [`build`](crate::AuthorizeUrl::build) is [`authorize_url`](Self::authorize_url).
    pub fn authorize_url_builder<'a>(
        &'a self,
        token: &'a Token<Temporary>,
    ) -> crate::authorize_url::AuthorizeUrl<'a> {
        crate::authorize_url::AuthorizeUrl::new(self.endpoints().authorize(), token)
    }

    /// Reads the callback the provider redirected the user to (a full URL, or its query with or
    /// without `?`), checks that its `oauth_token` is the pending request token (a mismatch is a
    /// forged or stale callback), and returns the verifier.
    ///
    /// # Errors
    ///
    /// [`Error::CallbackTokenMismatch`], [`Error::UserDenied`] for `oauth_verifier=denied`,
    /// [`Error::CallbackMissing`] when a field is absent.
    pub fn parse_callback(
        &self,
        callback: &str,
        pending: &Token<Temporary>,
    ) -> Result<Verifier, Error> {
        parse_callback(callback, pending)
    }

    /// Step 3: the access-token request, signed with the request token and the verifier.
    ///
    /// # Errors
    ///
    /// Signing errors.
    pub fn access_token(
        &self,
        token: &Token<Temporary>,
        verifier: &Verifier,
    ) -> Result<(HttpRequest<Vec<u8>>, PendingAccessToken), Error> {
        let (request, sent) = self.signed_post(
            self.endpoints.access_token(),
            Step::AccessToken { token, verifier },
        )?;
        Ok((request, PendingAccessToken { sent }))
    }

    /// Renewal (Atlassian, OAuth Session 1.0): POST to the access-token endpoint with the current
    /// access token and its `oauth_session_handle`. Finish with
    /// [`finish_access_token`](Self::finish_access_token).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidParameter`] when the token has no session handle; signing errors.
    pub fn renew(
        &self,
        access: &AccessToken,
    ) -> Result<(HttpRequest<Vec<u8>>, PendingAccessToken), Error> {
        let (request, sent) =
            self.signed_post(self.endpoints.access_token(), Step::Renew { access })?;
        Ok((request, PendingAccessToken { sent }))
    }

    /// Step 3's (or renewal's) response: the access token and its fields.
    ///
    /// # Errors
    ///
    /// As [`finish_request_token`](Self::finish_request_token), without the callback check.
    pub fn finish_access_token<B: AsRef<[u8]>>(
        &self,
        pending: PendingAccessToken,
        response: &Response<B>,
    ) -> Result<AccessToken, Error> {
        let (token, fields) = parse_token_response::<Access, B>(&pending.sent, response)?;
        Ok(AccessToken { token, fields })
    }

    /// Signs an API request with an access token, setting its `Authorization` header.
    ///
    /// # Errors
    ///
    /// Signing errors (see [`Signer::sign_parts`]).
    pub fn sign_request<B: AsRef<[u8]>>(
        &self,
        request: &mut HttpRequest<B>,
        token: &Token<Access>,
    ) -> Result<SentRequest, Error> {
        self.sign_for(request, Step::Access(token))
    }

    /// Signs `request` for one attempt of a [`crate::call::Call`].
    pub(crate) fn sign_for<B: AsRef<[u8]>>(
        &self,
        request: &mut HttpRequest<B>,
        auth: Step<'_>,
    ) -> Result<SentRequest, Error> {
        let _span = crate::flow::trace::signing(&auth, request, &self.signer);
        let options = self.options();
        let options = match auth {
            Step::Access(token) => options.token(token.as_token_ref()),
            Step::TwoLegged { .. } => options.two_legged_empty_token(),
            Step::RequestToken { callback } => options.callback(callback),
            Step::AccessToken { token, verifier } => options
                .token(token.as_token_ref())
                .verifier(verifier.secret()),
            Step::Renew { access } => {
                let handle = access.session_handle().ok_or(SignError::InvalidParameter {
                    name: "oauth_session_handle",
                    reason: "this access token came without a session handle, so it cannot be renewed; authorize again",
                })?;
                options
                    .token(access.token().as_token_ref())
                    .extra("oauth_session_handle", handle)
            }
        };
        self.sign_with(request, &options)
    }

    /// Appends `user_id=<user>` to the request's query (Atlassian 2LO impersonation).
    pub(crate) fn add_user_id<B>(
        &self,
        request: &mut HttpRequest<B>,
        user: &str,
    ) -> Result<(), Error> {
        let mut pair = String::from("user_id=");
        encode::encode_into(&mut pair, user.as_bytes());
        *request.uri_mut() = crate::uri::append_query(request.uri(), &pair)?;
        Ok(())
    }

    /// Atlassian 2-legged OAuth: signs consumer-only with an empty `oauth_token`, and with
    /// `impersonate` adds the query parameter `user_id=<name>` (signed like any other) for
    /// "Allow user impersonation".
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidUri`] if the URI cannot be rebuilt; signing errors.
    pub fn sign_two_legged<B: AsRef<[u8]>>(
        &self,
        request: &mut HttpRequest<B>,
        impersonate: Option<&str>,
    ) -> Result<SentRequest, Error> {
        if let Some(user) = impersonate {
            self.add_user_id(request, user)?;
        }
        self.sign_for(request, Step::TwoLegged { impersonate })
    }

    /// A signed `GET {base}/plugins/servlet/applinks/whoami` (or the product's resource, see
    /// [`crate::atlassian`]): a cheap "is my token good" call whose answer names the user
    /// ([`crate::atlassian::WhoamiAnswer::user_name`] reads it).
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidParameter`] when the endpoints have no `whoami` (not Atlassian).
    pub fn whoami(
        &self,
        token: &Token<Access>,
    ) -> Result<(HttpRequest<Vec<u8>>, SentRequest), Error> {
        let mut request = self.whoami_request()?;
        let sent = self.sign_request(&mut request, token)?;
        Ok((request, sent))
    }

    /// The unsigned `GET` of Atlassian's `whoami`.
    pub(crate) fn whoami_request(&self) -> Result<HttpRequest<Vec<u8>>, Error> {
        let uri = self.endpoints.whoami().ok_or(SignError::InvalidParameter {
            name: "whoami",
            reason: "only Atlassian endpoints (Endpoints::bitbucket) have whoami",
        })?;
        let mut request = HttpRequest::new(Vec::new());
        *request.uri_mut() = uri.clone();
        if let Some(accept) = self.endpoints.whoami_answer().accept() {
            request
                .headers_mut()
                .insert(http::header::ACCEPT, http::HeaderValue::from_static(accept));
        }
        Ok(request)
    }

    /// Checks any response to a signed request: `Ok` for any 2xx (whatever its body), a typed
    /// [`Error::Provider`] for a refusal (with the base string comparison and the clock offset
    /// when the provider gave what they need), [`Error::UnexpectedResponse`] otherwise.
    ///
    /// # Errors
    ///
    /// As described.
    pub fn check_response<B: AsRef<[u8]>>(
        &self,
        sent: &SentRequest,
        response: &Response<B>,
    ) -> Result<(), Error> {
        check_response(sent, response)
    }

    /// After a `timestamp_refused` whose `oauth_acceptable_timestamps` window excludes the
    /// timestamp we sent, moves this signer's clock by the correction that window justifies
    /// ([`ProviderError::clock_offset`]). Returns whether it did.
    ///
    /// The correction is shared by every clone of this client's [`Signer`] (and so by every
    /// [`Consumer`] and adapter built from one); a signer built separately keeps its own.
    pub fn apply_clock_correction(&self, error: &Error) -> bool {
        match error {
            Error::Provider(p) => match p.clock_offset.filter(|d| {
                d.unsigned_abs() <= crate::problem::MAX_CLOCK_CORRECTION_SECS.unsigned_abs()
            }) {
                Some(delta) => {
                    let current = self.signer.clock_offset();
                    self.signer.set_clock_offset(current.saturating_add(delta));
                    true
                }
                None => false,
            },
            _ => false,
        }
    }
}

// Reading a whoami answer is the dance's business (its refusal is an `Error`), so it lives here.
impl crate::atlassian::WhoamiAnswer {
    /// The user name in a successful whoami response. Check the response first (a refusal is
    /// not a user name): [`Consumer::check_response`](crate::Consumer::check_response).
    ///
    /// # Errors
    ///
    /// [`Error::UnexpectedResponse`] when a JSON answer is not a JSON object with a string
    /// member of the expected name (for example a login page, or XML).
    pub fn user_name<B: AsRef<[u8]>>(self, response: &Response<B>) -> Result<String, Error> {
        let body = response.body().as_ref();
        match self {
            Self::Text => Ok(String::from_utf8_lossy(body).trim().to_owned()),
            Self::JsonField(field) => serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|value| value.get(field)?.as_str().map(str::to_owned))
                .ok_or_else(|| Error::UnexpectedResponse {
                    status: response.status(),
                    reason: "the whoami answer is not a JSON object with the user name member",
                    content_type: response
                        .headers()
                        .get(http::header::CONTENT_TYPE)
                        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
                    body: body_excerpt(body),
                }),
        }
    }
}

/// Reads the callback query; see [`Consumer::parse_callback`].
///
/// # Errors
///
/// See [`Consumer::parse_callback`].
pub(crate) fn parse_callback(
    callback: &str,
    pending: &Token<Temporary>,
) -> Result<Verifier, Error> {
    let query = match callback.split_once('?') {
        Some((_, q)) => q,
        None => callback,
    };
    let query = query.split('#').next().unwrap_or_default();
    let mut token = None;
    let mut verifier = None;
    for (name, value) in problem::form_pairs(query.as_bytes()) {
        match name.as_str() {
            "oauth_token" if token.is_none() => token = Some(value),
            "oauth_verifier" if verifier.is_none() => verifier = Some(value),
            "oauth_token" | "oauth_verifier" => {
                return Err(Error::CallbackMissing {
                    field: "a single oauth_token and oauth_verifier (the callback repeats one)",
                });
            }
            _ => {}
        }
    }
    let token = token.ok_or(Error::CallbackMissing {
        field: "oauth_token",
    })?;
    if !crate::signature::constant_time_eq(token.as_bytes(), pending.token().as_bytes()) {
        return Err(Error::CallbackTokenMismatch);
    }
    match verifier {
        None => Err(Error::CallbackMissing {
            field: "oauth_verifier",
        }),
        Some(v) if v == "denied" => Err(Error::UserDenied),
        Some(v) if v.is_empty() => Err(Error::CallbackMissing {
            field: "oauth_verifier",
        }),
        Some(v) => Ok(Verifier::new(v)),
    }
}

/// A bounded, redacted excerpt of a body for error messages: at most
/// [`MAX_ERROR_BODY_EXCERPT`] bytes, invalid UTF-8 replaced, and the value of any
/// `oauth_token_secret=` or `oauth_session_handle=` replaced by `<redacted>`. A name counts however
/// it is spelled: percent-encoded (`oauth%5Ftoken%5Fsecret=`, which the token parser reads as the
/// secret), in any letter case, or at the end of a longer word (`x.oauth_token_secret=`).
#[must_use]
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_ERROR_BODY_EXCERPT)];
    let mut out = redact_secrets(&String::from_utf8_lossy(cut));
    if body.len() > MAX_ERROR_BODY_EXCERPT {
        out.push('…');
    }
    out
}

/// Whether a raw name (maybe percent-encoded, in any case) names a secret field.
fn is_secret_name(raw: &str) -> bool {
    let decoded = match encode::decode_form_component(raw) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).to_ascii_lowercase(),
        Err(_) => raw.to_ascii_lowercase(),
    };
    decoded.ends_with("oauth_token_secret") || decoded.ends_with("oauth_session_handle")
}

/// Replaces the value after each secret field name by `<redacted>`, whatever the shape:
/// `name=value` (names plain or percent-encoded), `"name": "value"`, `<name>value<`.
/// Callers pass a bounded excerpt: the backwards name scan is linear in the excerpt per
/// separator.
fn redact_secrets(text: &str) -> String {
    const QUOTES: &[char] = &['"', '\'', ' ', '\t'];
    let is_delimiter = |c: char| {
        matches!(c, '&' | '?' | '"' | '\'' | '<' | '>' | ';' | ',' | '{') || c.is_ascii_whitespace()
    };
    let mut out = String::with_capacity(text.len() + 16);
    let mut copied = 0;
    for (sep, c) in text.char_indices() {
        if !matches!(c, '=' | ':' | '>') || sep < copied {
            continue;
        }
        let before = text[copied..sep].trim_end_matches(QUOTES);
        let name_start = before.rfind(is_delimiter).map_or(0, |i| i + 1);
        if !is_secret_name(&before[name_start..]) {
            continue;
        }
        let after = &text[sep + 1..];
        let value_start = sep + 1 + (after.len() - after.trim_start_matches(QUOTES).len());
        let value_end = text[value_start..]
            .find(|c: char| {
                matches!(c, '&' | '"' | '\'' | '<' | ',' | ';' | '}' | ']') || c.is_whitespace()
            })
            .map_or(text.len(), |i| value_start + i);
        if value_end > value_start {
            out.push_str(&text[copied..value_start]);
            out.push_str("<redacted>");
            copied = value_end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

pub(crate) fn unexpected_response<B: AsRef<[u8]>>(
    response: &Response<B>,
    reason: &'static str,
) -> Error {
    Error::UnexpectedResponse {
        status: response.status(),
        reason,
        content_type: response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| clip(ct, 128).into_owned()),
        body: body_excerpt(response.body().as_ref()),
    }
}

/// The typed refusal in a response, if any.
fn provider_error(sent: &SentRequest, mut problem: Problem) -> Error {
    crate::flow::trace::refused(&problem);
    let mut differences = match (&problem.problem, &problem.provider_base_string) {
        (OAuthProblem::SignatureInvalid, Some(theirs)) => match BaseString::parse(theirs) {
            Ok(theirs) => explain::compare(&sent.base_string, &theirs),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    if let Some(unread) = sent.form.as_ref().and_then(|f| f.explain(&differences)) {
        differences.push(unread);
    }
    let clock_offset = crate::problem::clock_correction(&problem, sent.timestamp);
    // Compared on the real values above; what is kept shows no secret. The provider's echo
    // carries our verifier or session handle, and its fields may echo a PLAINTEXT signature.
    if let Some(theirs) = &mut problem.provider_base_string
        && let std::borrow::Cow::Owned(redacted) = crate::redact::redact(theirs)
    {
        *theirs = redacted;
    }
    for (name, value) in &mut problem.other {
        if crate::redact::is_secret_parameter(name) {
            crate::redact::REDACTED.clone_into(value);
        }
    }
    Error::Provider(Box::new(ProviderError {
        problem,
        differences,
        clock_offset,
        our_base_string: sent.base_string.to_string(),
    }))
}

/// See [`Consumer::check_response`].
///
/// # Errors
///
/// See [`Consumer::check_response`].
pub(crate) fn check_response<B: AsRef<[u8]>>(
    sent: &SentRequest,
    response: &Response<B>,
) -> Result<(), Error> {
    let status = response.status();
    let body = response.body().as_ref();
    // A successful answer is never a refusal, whatever its body says (a downloaded file may well
    // contain the text `oauth_problem=`).
    if status.is_success() {
        return Ok(());
    }
    if let Some(problem) = Problem::from_response(status, response.headers(), body) {
        return Err(provider_error(sent, problem));
    }
    if let Some(error) = echoed_refusal(sent, response) {
        return Err(error);
    }
    Err(unexpected_response(
        response,
        if mentions_problem(response.headers(), body) {
            UNREADABLE_PROBLEM
        } else if status.is_redirection() {
            "a redirect instead of an answer (a login page, or a base URL that is not the server's own?)"
        } else if status == StatusCode::UNAUTHORIZED {
            "HTTP 401 without an oauth_problem (is the request reaching the OAuth-aware server?)"
        } else {
            "the provider answered with an error status and no oauth_problem"
        },
    ))
}

/// Bitbucket's refusal without a problem: a `401` whose `WWW-Authenticate: OAuth` challenge
/// names no `oauth_problem` but echoes the request's own `oauth_consumer_key` (and its other
/// `oauth_*` parameters). For a 2-legged request (empty or absent `oauth_token`) it is
/// [`Error::TwoLeggedRefused`]; for a 3-legged one, an [`Error::UnexpectedResponse`] that says the
/// signature was accepted but the token's user could not be logged in.
pub(crate) fn echoed_refusal<B: AsRef<[u8]>>(
    sent: &SentRequest,
    response: &Response<B>,
) -> Option<Error> {
    if response.status() != StatusCode::UNAUTHORIZED {
        return None;
    }
    let normalized = sent.base_string.normalized_parameters();
    let params: Vec<(String, String)> = problem::form_pairs(normalized.as_bytes()).collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let consumer_key = get("oauth_consumer_key")?;
    let echoed = response
        .headers()
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|text| crate::header::parse_oauth_header(text).ok())
        .any(|challenge| {
            challenge.get("oauth_problem").is_none()
                && challenge.get("oauth_consumer_key") == Some(consumer_key)
        });
    if !echoed {
        return None;
    }
    if get("oauth_token").is_some_and(|t| !t.is_empty()) {
        return Some(unexpected_response(
            response,
            "HTTP 401 whose challenge echoes the request's OAuth parameters without naming a problem: the provider accepted the signature but could not log in the token's user (is the user still active?)",
        ));
    }
    let user = get("xoauth_requestor_id")
        .or_else(|| get("user_id"))
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    Some(Error::TwoLeggedRefused {
        consumer_key: consumer_key.to_owned(),
        user,
    })
}

/// The reason of an [`Error::UnexpectedResponse`] whose response names an `oauth_problem` this
/// client would not read.
pub(crate) const UNREADABLE_PROBLEM: &str = "the provider sent an oauth_problem report this client does not read: malformed, or over its limits (a body of 64 KiB or 256 parameters; a WWW-Authenticate header of 64 KiB or 256 parameters)";

/// Whether a response mentions `oauth_problem` anywhere (a linear scan).
pub(crate) fn mentions_problem(headers: &http::HeaderMap, body: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"oauth_problem";
    let has = |bytes: &[u8]| bytes.windows(NEEDLE.len()).any(|w| w == NEEDLE);
    headers
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .any(|v| has(v.as_bytes()))
        || has(body)
}

type TokenFields<K> = (Token<K>, Vec<(String, String)>);

fn parse_token_response<K: TokenKind, B: AsRef<[u8]>>(
    sent: &SentRequest,
    response: &Response<B>,
) -> Result<TokenFields<K>, Error> {
    let body = response.body().as_ref();
    if body.len() > MAX_TOKEN_RESPONSE_BYTES {
        return Err(Error::ResponseTooLarge {
            limit: MAX_TOKEN_RESPONSE_BYTES,
        });
    }
    // A token endpoint's answer is small and token-specific: a problem report is read whatever
    // the status (a provider that answers 200 with `oauth_problem` still refused).
    if let Some(problem) = Problem::from_response(response.status(), response.headers(), body) {
        return Err(provider_error(sent, problem));
    }
    check_response(sent, response)?;
    let trimmed = body.trim_ascii();
    if !problem::looks_like_form(trimmed) {
        return Err(unexpected_response(
            response,
            "not a token response (an HTML login page from a proxy? a JSON error?)",
        ));
    }
    if std::str::from_utf8(trimmed).is_err() {
        return Err(Error::InvalidTokenResponse {
            reason: "the body is not UTF-8",
        });
    }
    let mut token = None;
    let mut secret = None;
    let mut fields = Vec::new();
    for (count, segment) in trimmed
        .split(|&b| b == b'&')
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        if count >= MAX_TOKEN_RESPONSE_PARAMS {
            return Err(Error::TooManyParameters {
                limit: MAX_TOKEN_RESPONSE_PARAMS,
            });
        }
        let (raw_name, raw_value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &b""[..]),
        };
        let decode = |raw: &[u8]| {
            encode::decode_form_component(raw)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or(Error::InvalidTokenResponse {
                    reason: "malformed percent-encoding or non-UTF-8 text in the body",
                })
        };
        let name = decode(raw_name)?;
        let value = decode(raw_value)?;
        match name.as_str() {
            "oauth_token" => {
                if token.replace(value).is_some() {
                    return Err(Error::InvalidTokenResponse {
                        reason: "oauth_token appears more than once",
                    });
                }
            }
            "oauth_token_secret" => {
                if secret.replace(TokenSecret::new(value)).is_some() {
                    return Err(Error::InvalidTokenResponse {
                        reason: "oauth_token_secret appears more than once",
                    });
                }
            }
            _ => {
                if fields.iter().any(|(n, _)| *n == name) {
                    return Err(Error::InvalidTokenResponse {
                        reason: "a field appears more than once",
                    });
                }
                fields.push((name, value));
            }
        }
    }
    let token = match token {
        Some(t) if !t.is_empty() => t,
        Some(_) => {
            return Err(Error::InvalidTokenResponse {
                reason: "oauth_token is empty",
            });
        }
        None => {
            return Err(Error::InvalidTokenResponse {
                reason: "oauth_token is missing",
            });
        }
    };
    let secret = secret.ok_or(Error::InvalidTokenResponse {
        reason: "oauth_token_secret is missing",
    })?;
    Ok((Token::new(token, secret), fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_in_every_shape() {
        for (body, want) in [
            (
                "a=1&oauth_token_secret=S3&b=2",
                "a=1&oauth_token_secret=<redacted>&b=2",
            ),
            (
                "{\"oauth_token_secret\": \"S3\"}",
                "{\"oauth_token_secret\": \"<redacted>\"}",
            ),
            (
                "{\"oauth_token_secret\":\"S3\",\"x\":1}",
                "{\"oauth_token_secret\":\"<redacted>\",\"x\":1}",
            ),
            (
                "<oauth_token_secret>S3</oauth_token_secret>",
                "<oauth_token_secret><redacted></oauth_token_secret>",
            ),
            (
                "oauth%5Ftoken%5Fsecret=S3",
                "oauth%5Ftoken%5Fsecret=<redacted>",
            ),
            (
                "OAUTH_SESSION_HANDLE=H&x",
                "OAUTH_SESSION_HANDLE=<redacted>&x",
            ),
            ("missing oauth_token_secret.", "missing oauth_token_secret."),
            ("oauth_token_secret=&a=1", "oauth_token_secret=&a=1"),
            (
                "oauth_session%5fhandle=H&x=1",
                "oauth_session%5fhandle=<redacted>&x=1",
            ),
            // A multi-byte whitespace before `=` (a fuzzing find): no panic.
            (
                "a\u{85}oauth_token_secret=S&x",
                "a\u{85}oauth_token_secret=<redacted>&x",
            ),
            ("a\u{85}=1", "a\u{85}=1"),
        ] {
            assert_eq!(body_excerpt(body.as_bytes()), want, "{body}");
        }
    }
}
