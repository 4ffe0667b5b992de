//! The OAuth provider: routing, verification of signed requests the way Atlassian's servlet does
//! it, the token endpoints, the authorization page and the REST resources.

use std::fmt::Write as _;

use http::{Method, Uri};

use super::data::{self, Catalog};
use super::state::{
    AccessTokenRecord, Credential, Decision, Malformed, RequestState, RequestTokenRecord, Session,
    Shared, State, TIMESTAMP_WINDOW_SECS, TokenRecord, UserDecision, VERIFIER_LEN, problem_status,
};
use super::wire::{RawRequest, Reply};
use crate::base_string::BaseString;
use crate::clock::{NonceSource, RandomNonce};
use crate::credentials::{Token, TokenSecret};
use crate::encode;
use crate::flow::AccessToken;
use crate::header::{HeaderParseError, parse_oauth_header};
use crate::params::Parameters;
use crate::problem::OAuthProblem;
use crate::signature::{self, MethodName, VerifyKey};

/// A reply and, for a refusal, its problem (for the log).
#[derive(Debug)]
pub(crate) struct Handled {
    pub(crate) reply: Reply,
    pub(crate) problem: Option<OAuthProblem>,
}

impl From<Reply> for Handled {
    fn from(reply: Reply) -> Self {
        Self {
            reply,
            problem: None,
        }
    }
}

/// A refusal in Atlassian's form.
#[derive(Debug)]
struct Refusal {
    status: u16,
    problem: OAuthProblem,
    params: Vec<(&'static str, String)>,
}

impl Refusal {
    fn new(problem: OAuthProblem) -> Self {
        Self {
            status: problem_status(&problem).as_u16(),
            problem,
            params: Vec::new(),
        }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.params.push((name, value.into()));
        self
    }

    fn advice(self, text: impl Into<String>) -> Self {
        self.with("oauth_problem_advice", text)
    }

    /// What net.oauth's servlet sends: `WWW-Authenticate: OAuth realm="<enc base>",
    /// oauth_problem="..", <companions>` and the same fields (without realm) in an
    /// `application/x-www-form-urlencoded;charset=UTF-8` body. A refused resource request that
    /// gets a 401 carries a second, bare `OAuth realm="<enc base>"` challenge, as Bitbucket's
    /// authentication filter adds one.
    fn render(self, realm_base: &str, resource: bool) -> Handled {
        let bare = bare_challenge(realm_base);
        let mut header = bare.clone();
        let mut body = String::new();
        let all =
            std::iter::once(("oauth_problem", self.problem.as_str().to_owned())).chain(self.params);
        for (name, value) in all {
            let _ = write!(header, ", {name}=\"");
            encode::encode_into(&mut header, value.as_bytes());
            header.push('"');
            if !body.is_empty() {
                body.push('&');
            }
            body.push_str(name);
            body.push('=');
            encode::encode_into(&mut body, value.as_bytes());
        }
        let mut reply =
            Reply::new(self.status, FORM_CONTENT_TYPE, body).header("WWW-Authenticate", header);
        if resource && self.status == 401 {
            reply = reply.header("WWW-Authenticate", bare);
        }
        Handled {
            reply,
            problem: Some(self.problem),
        }
    }
}

/// The content type of a refusal's body, as net.oauth writes it.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded;charset=UTF-8";

/// `OAuth realm="<percent-encoded base URL>"`.
fn bare_challenge(realm_base: &str) -> String {
    let mut header = String::from("OAuth realm=\"");
    encode::encode_into(&mut header, realm_base.as_bytes());
    header.push('"');
    header
}

/// Bitbucket's refusal of a request whose signature verified but whose user cannot be logged
/// in (2-legged OAuth or impersonation off, a user who cannot log in): a 401 without
/// `oauth_problem`, whose challenge echoes the request's own `oauth_*` parameters after the
/// realm, and an empty body.
fn echo(realm_base: &str, protocol: &[(String, String)]) -> Handled {
    let mut header = bare_challenge(realm_base);
    for (name, value) in protocol.iter().filter(|(n, _)| n.starts_with("oauth_")) {
        header.push_str(", ");
        encode::encode_into(&mut header, name.as_bytes());
        header.push_str("=\"");
        encode::encode_into(&mut header, value.as_bytes());
        header.push('"');
    }
    Handled {
        reply: Reply::text(401, Vec::new()).header("WWW-Authenticate", header),
        problem: None,
    }
}

/// Why a verified request is not served.
#[derive(Debug)]
enum Deny {
    /// A refusal with an `oauth_problem`.
    Problem(Refusal),
    /// The echo without a problem (see [`echo`]).
    Echo,
}

impl From<Refusal> for Deny {
    fn from(refusal: Refusal) -> Self {
        Self::Problem(refusal)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    RequestToken,
    AccessToken,
    Resource(Resource),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Resource {
    Whoami,
    Projects,
    Repos,
    /// `GET /rest/api/1.0/repos`: every repository the caller may see.
    AllRepos,
}

const REQUEST_TOKEN_PATH: &str = "/plugins/servlet/oauth/request-token";
const AUTHORIZE_PATH: &str = "/plugins/servlet/oauth/authorize";
const ACCESS_TOKEN_PATH: &str = "/plugins/servlet/oauth/access-token";
const WHOAMI_PATH: &str = "/plugins/servlet/applinks/whoami";
const PROJECTS_PATH: &str = "/rest/api/1.0/projects";
const REPOS_PATH: &str = "/rest/api/1.0/repos";

/// Answers one request.
pub(crate) fn handle(shared: &Shared, req: &RawRequest) -> Handled {
    let path = req.path();
    let ctx = shared.context_path.as_str();
    let rel = match path.strip_prefix(ctx) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => rest,
        _ => return not_found(path),
    };
    let mut state = shared.lock();
    let now = state.now(&shared.clock);
    let (endpoint, project) = match rel {
        REQUEST_TOKEN_PATH => (Endpoint::RequestToken, None),
        ACCESS_TOKEN_PATH => (Endpoint::AccessToken, None),
        AUTHORIZE_PATH => return authorize_page(&mut state, ctx, now, req),
        LOGIN_PATH => return login(&mut state, ctx, req),
        WHOAMI_PATH => (Endpoint::Resource(Resource::Whoami), None),
        PROJECTS_PATH => (Endpoint::Resource(Resource::Projects), None),
        REPOS_PATH => (Endpoint::Resource(Resource::AllRepos), None),
        other => match other
            .strip_prefix("/rest/api/1.0/projects/")
            .and_then(|r| r.strip_suffix("/repos"))
            .filter(|key| !key.is_empty() && !key.contains('/'))
        {
            Some(key) => (
                Endpoint::Resource(Resource::Repos),
                Some(lossy_decode(key.as_bytes())),
            ),
            None => return not_found(path),
        },
    };
    let allowed = match endpoint {
        Endpoint::RequestToken | Endpoint::AccessToken => "POST",
        Endpoint::Resource(_) => "GET",
    };
    if req.method != allowed {
        return Reply::text(
            405,
            format!("{} is not allowed here; use {allowed}\n", req.method),
        )
        .header("Allow", allowed)
        .into();
    }
    let resource = matches!(endpoint, Endpoint::Resource(_));
    let realm = state.realm_base().to_owned();

    if let Some((problem, times)) = state.faults.refuse.as_mut()
        && times.take()
    {
        let problem = problem.clone();
        return forced_refusal(now, problem).render(&realm, resource);
    }
    if matches!(endpoint, Endpoint::RequestToken | Endpoint::AccessToken)
        && let Some((kind, times)) = state.faults.malform.as_mut()
        && times.take()
    {
        return malformed(*kind).into();
    }

    let verified = match verify(&mut state, now, req, rel, endpoint) {
        Ok(v) => v,
        Err(refusal) => return refusal.render(&realm, resource),
    };
    if let Some(status) = state.faults.fail_next.take() {
        return Reply::text(
            status.as_u16(),
            "failing as told (StandIn::fail_next_with)\n",
        )
        .into();
    }
    let result = match endpoint {
        Endpoint::RequestToken => {
            issue_request_token(&mut state, now, &verified).map_err(Deny::from)
        }
        Endpoint::AccessToken => issue_access_token(&mut state, now, &verified).map_err(Deny::from),
        Endpoint::Resource(resource) => {
            serve_resource(&state, &verified, resource, project.as_deref())
        }
    };
    match result {
        Ok(reply) => reply.into(),
        Err(Deny::Problem(refusal)) => refusal.render(&realm, resource),
        Err(Deny::Echo) => echo(&realm, &verified.protocol),
    }
}

fn not_found(path: &str) -> Handled {
    if path.contains("/rest/") {
        Reply::new(
            404,
            "application/json;charset=UTF-8",
            data::error_json(
                &format!("No resource at {path}"),
                "com.sun.jersey.api.NotFoundException",
            ),
        )
        .into()
    } else {
        Reply::text(404, format!("Not found: {path}\n")).into()
    }
}

fn forced_refusal(now: u64, problem: OAuthProblem) -> Refusal {
    let refusal = Refusal::new(problem.clone());
    match problem {
        OAuthProblem::TimestampRefused => {
            refusal.with("oauth_acceptable_timestamps", acceptable_timestamps(now))
        }
        OAuthProblem::SignatureMethodRejected => {
            refusal.with("oauth_acceptable_signature_methods", "RSA-SHA1")
        }
        OAuthProblem::VersionRejected => refusal.with("oauth_acceptable_versions", "1.0-1.0"),
        _ => refusal.advice("refused on purpose by the stand-in (StandIn::refuse)"),
    }
}

fn acceptable_timestamps(now: u64) -> String {
    format!(
        "{}-{}",
        now.saturating_sub(TIMESTAMP_WINDOW_SECS),
        now.saturating_add(TIMESTAMP_WINDOW_SECS)
    )
}

fn malformed(kind: Malformed) -> Reply {
    match kind {
        Malformed::LoginPage => Reply::new(
            200,
            "text/html;charset=UTF-8",
            "<!DOCTYPE html>\n<html><head><title>Log in - Bitbucket</title></head>\n<body>\
             <form id=\"j-login-form\" action=\"/j_atl_security_check\" method=\"post\">\
             <input name=\"j_username\"><input name=\"j_password\" type=\"password\">\
             <input type=\"submit\" value=\"Log in\"></form></body></html>\n",
        ),
        Malformed::TruncatedBody => {
            let mut reply = Reply::text(200, "oauth_token=fEG2p4Rk8xQv&oauth_tok");
            reply.announce_len = Some(140);
            reply
        }
        Malformed::Garbage => Reply::text(200, b"\xff\xfe\x00\x01garbage\x1b[0m\r\n".to_vec()),
        Malformed::Empty => Reply::text(200, Vec::new()),
    }
}

/// Decodes a query or form component lossily (for values the stand-in reads, not for signing).
fn lossy_decode(raw: &[u8]) -> String {
    match encode::decode_form_component(raw) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::from_utf8_lossy(raw).into_owned(),
    }
}

/// Splits `a=1&b=2` into decoded pairs; `None` on a malformed escape.
fn decode_pairs(raw: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for segment in raw.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
        let (n, v) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (segment.get(..i)?, segment.get(i + 1..)?),
            None => (segment, &b""[..]),
        };
        let n = encode::decode_form_component(n).ok()?;
        let v = encode::decode_form_component(v).ok()?;
        out.push((
            String::from_utf8_lossy(&n).into_owned(),
            String::from_utf8_lossy(&v).into_owned(),
        ));
    }
    Some(out)
}

/// A request whose signature checked out.
#[derive(Debug)]
struct Verified {
    consumer: String,
    /// The protocol parameters, decoded, each name once.
    protocol: Vec<(String, String)>,
    /// The query parameters, decoded.
    query: Vec<(String, String)>,
}

impl Verified {
    fn get(&self, name: &str) -> Option<&str> {
        get(&self.protocol, name)
    }

    fn query(&self, name: &str) -> Option<&str> {
        get(&self.query, name)
    }
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn rejected(name: &str, advice: &str) -> Refusal {
    Refusal::new(OAuthProblem::ParameterRejected)
        .with("oauth_parameters_rejected", name)
        .advice(advice)
}

/// What the token checks found: what to verify the signature with.
struct Signing {
    credential: Credential,
    token_secret: String,
    /// A 3-legged request (a non-empty `oauth_token`): the consumer comes with the token and is
    /// looked up only after the signature.
    three_legged: bool,
}

/// Checks a signed request the way Bitbucket does, in this order: parameters (well-formed,
/// each protocol parameter once), `oauth_version`, required parameters; then the token checks
/// (for a request without token: the consumer); then the timestamp window, the nonce (unique per
/// consumer and nonce, recorded before the signature is checked), the signature method and the
/// signature; for a 3-legged request, last, that the consumer is still registered.
fn verify(
    state: &mut State,
    now: u64,
    req: &RawRequest,
    rel: &str,
    endpoint: Endpoint,
) -> Result<Verified, Refusal> {
    let mut base_params = Parameters::new();
    let mut protocol: Vec<(String, String)> = Vec::new();

    // 1. The Authorization header (realm excluded from everything, RFC 5849 §3.4.1.3.1).
    let mut seen_oauth_header = false;
    for value in req.header_values("authorization") {
        let parsed = match parse_oauth_header(value) {
            Ok(p) => p,
            Err(HeaderParseError::NotOAuth) => continue,
            Err(HeaderParseError::BadEncoding { name }) => {
                return Err(rejected(&name, "the value is not valid percent-encoding"));
            }
            Err(e) => {
                return Err(Refusal::new(OAuthProblem::ParameterRejected)
                    .advice(format!("malformed Authorization header: {e}")));
            }
        };
        if seen_oauth_header {
            return Err(Refusal::new(OAuthProblem::ParameterRejected)
                .advice("more than one OAuth Authorization header"));
        }
        seen_oauth_header = true;
        for (name, value) in parsed.iter() {
            if name == "realm" {
                continue;
            }
            if name != "oauth_signature" {
                base_params.push(name, value);
            }
            protocol.push((name.to_owned(), value.to_owned()));
        }
    }

    // 2. The query and 3. a form body.
    let query_raw = req.query().unwrap_or_default();
    base_params
        .extend_from_query(query_raw)
        .map_err(|e| Refusal::new(OAuthProblem::ParameterRejected).advice(e.to_string()))?;
    let query = decode_pairs(query_raw.as_bytes()).unwrap_or_default();
    let mut body_pairs = Vec::new();
    let is_form = req
        .header_values("content-type")
        .next()
        .is_some_and(|ct| crate::sign::is_form_urlencoded(ct.as_bytes()));
    if is_form {
        base_params
            .extend_from_form(&req.body)
            .map_err(|e| Refusal::new(OAuthProblem::ParameterRejected).advice(e.to_string()))?;
        body_pairs = decode_pairs(&req.body).unwrap_or_default();
    }
    for (name, value) in query.iter().chain(&body_pairs) {
        if name.starts_with("oauth_") {
            protocol.push((name.clone(), value.clone()));
        }
    }
    for (i, (name, _)) in protocol.iter().enumerate() {
        if protocol.iter().skip(i + 1).any(|(n, _)| n == name) {
            return Err(rejected(
                name,
                "a protocol parameter may appear only once, in one place",
            ));
        }
    }

    let is_resource = matches!(endpoint, Endpoint::Resource(_));
    let mut required: Vec<&'static str> = vec![
        "oauth_consumer_key",
        "oauth_signature_method",
        "oauth_signature",
        "oauth_timestamp",
        "oauth_nonce",
    ];
    match endpoint {
        // Without oauth_callback Bitbucket issues an out-of-band request token.
        Endpoint::RequestToken => {}
        Endpoint::AccessToken => {
            required.insert(1, "oauth_token");
            if get(&protocol, "oauth_session_handle").is_none() {
                required.push("oauth_verifier");
            }
        }
        Endpoint::Resource(_) => required.insert(1, "oauth_token"),
    }
    let absent: Vec<&str> = required
        .iter()
        .copied()
        .filter(|name| get(&protocol, name).is_none())
        .collect();
    if protocol.is_empty() && is_resource {
        // Not an OAuth request at all: a 401 challenge that says what is missing.
        let mut refusal = Refusal::new(OAuthProblem::ParameterAbsent)
            .with("oauth_parameters_absent", absent.join("&"));
        refusal.status = 401;
        return Err(refusal);
    }

    if let Some(version) = get(&protocol, "oauth_version")
        && version != "1.0"
    {
        return Err(Refusal::new(OAuthProblem::VersionRejected)
            .with("oauth_acceptable_versions", "1.0-1.0"));
    }
    if !absent.is_empty() {
        return Err(Refusal::new(OAuthProblem::ParameterAbsent)
            .with("oauth_parameters_absent", absent.join("&")));
    }
    let field = |name: &str| get(&protocol, name).unwrap_or_default();
    let consumer_key = field("oauth_consumer_key");

    // The token checks.
    let signing = token_checks(state, now, endpoint, consumer_key, &protocol)?;

    // The timestamp window.
    let timestamp_text = field("oauth_timestamp");
    let timestamp = timestamp_text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| timestamp_text.parse::<u64>().ok())
        .flatten()
        .ok_or_else(|| rejected("oauth_timestamp", "not a number of seconds"))?;
    if timestamp < now.saturating_sub(TIMESTAMP_WINDOW_SECS)
        || timestamp > now.saturating_add(TIMESTAMP_WINDOW_SECS)
    {
        return Err(Refusal::new(OAuthProblem::TimestampRefused)
            .with("oauth_acceptable_timestamps", acceptable_timestamps(now)));
    }

    // The nonce: unique per consumer, whatever the timestamp; recorded before the signature is
    // checked, so a request with a bad signature uses it up too.
    let nonce_key = (consumer_key.to_owned(), field("oauth_nonce").to_owned());
    if state.nonces.contains_key(&nonce_key) {
        return Err(Refusal::new(OAuthProblem::NonceUsed));
    }
    if state.nonces.len() >= 100_000 {
        // A nonce whose timestamp left the window cannot come back with a valid timestamp.
        let oldest = now.saturating_sub(TIMESTAMP_WINDOW_SECS);
        state.nonces.retain(|_, ts| *ts >= oldest);
    }
    state.nonces.insert(nonce_key, timestamp);

    // The signature method: RSA-SHA1, unless shared-secret methods are allowed.
    let method_text = field("oauth_signature_method");
    let accepted: &[&str] = match &signing.credential {
        Credential::Rsa(_) => &["RSA-SHA1"],
        Credential::Shared(_) if state.shared_secret_methods => &["HMAC-SHA1", "PLAINTEXT"],
        Credential::Shared(_) => &[],
    };
    let method = match method_text.parse::<MethodName>() {
        Ok(m) if accepted.contains(&method_text) => m,
        _ => {
            let acceptable = if accepted.is_empty() {
                "RSA-SHA1".to_owned()
            } else {
                accepted.join("&")
            };
            return Err(Refusal::new(OAuthProblem::SignatureMethodRejected)
                .with("oauth_acceptable_signature_methods", acceptable));
        }
    };

    // The signature, over the URL the request arrived at.
    let method_verb = Method::from_bytes(req.method.as_bytes())
        .map_err(|_| Refusal::new(OAuthProblem::ParameterRejected).advice("bad method"))?;
    let uri: Uri = arrival_url(state, req, rel).parse().map_err(|_| {
        Refusal::new(OAuthProblem::ParameterRejected)
            .advice("the request's Host and path cannot be part of a URI")
    })?;
    let base = BaseString::new(&method_verb, &uri, &mut base_params)
        .map_err(|e| Refusal::new(OAuthProblem::ParameterRejected).advice(e.to_string()))?;
    let signature_value = field("oauth_signature");
    let key = match &signing.credential {
        Credential::Rsa(public) => VerifyKey::Rsa(public),
        Credential::Shared(secret) => VerifyKey::Shared {
            consumer_secret: secret,
            token_secret: &signing.token_secret,
        },
    };
    if !signature::verify(method, base.as_bytes(), signature_value, key) {
        return Err(Refusal::new(OAuthProblem::SignatureInvalid)
            .with("oauth_signature", signature_value)
            .with("oauth_signature_base_string", base.unredacted())
            .with("oauth_signature_method", method_text));
    }

    super::body_hash::check(
        method_text,
        get(&protocol, "oauth_body_hash"),
        is_form,
        &req.body,
    )
    .map_err(|advice| rejected("oauth_body_hash", advice))?;

    if signing.three_legged && !state.consumers.contains_key(consumer_key) {
        return Err(Refusal::new(OAuthProblem::ConsumerKeyUnknown));
    }

    Ok(Verified {
        consumer: consumer_key.to_owned(),
        protocol,
        query,
    })
}

/// The URL a request arrived at, as the server reconstructs it: the believed base URL (a
/// proxy's view) and the path below the context path, else `http://`, the `Host` header and
/// the path as sent.
fn arrival_url(state: &State, req: &RawRequest, rel: &str) -> String {
    if let Some(believed) = &state.believed_base {
        return format!("{believed}{rel}");
    }
    match req.header_values("host").next().map(str::trim) {
        Some(host) if !host.is_empty() => format!("http://{host}{}", req.path()),
        _ => format!("{}{rel}", state.real_base),
    }
}

/// The token checks, before anything else is verified, as Bitbucket's servlets make them.
/// Without a token (request token, 2-legged): the consumer must be registered. With one: the
/// token must be this consumer's and of the right kind and state.
fn token_checks(
    state: &State,
    now: u64,
    endpoint: Endpoint,
    consumer_key: &str,
    protocol: &[(String, String)],
) -> Result<Signing, Refusal> {
    let token = get(protocol, "oauth_token").unwrap_or_default();
    if token.is_empty() {
        if matches!(endpoint, Endpoint::AccessToken) {
            return Err(Refusal::new(OAuthProblem::TokenRejected)
                .advice("an empty oauth_token cannot be exchanged or renewed"));
        }
        let Some(consumer) = state.consumers.get(consumer_key) else {
            return Err(Refusal::new(OAuthProblem::ConsumerKeyUnknown));
        };
        return Ok(Signing {
            credential: consumer.credential.clone(),
            token_secret: String::new(),
            three_legged: false,
        });
    }
    let record = match state.tokens.get(token) {
        Some(TokenRecord::Request(r)) if r.consumer == consumer_key => Some(Ok(r)),
        Some(TokenRecord::Access(a)) if a.consumer == consumer_key => Some(Err(a)),
        _ => None,
    };
    let (credential, secret) = match (endpoint, record) {
        (_, None) => return Err(Refusal::new(OAuthProblem::TokenRejected)),
        (Endpoint::AccessToken, Some(record)) => {
            match (get(protocol, "oauth_session_handle"), record) {
                // Renewal: only the session is checked, not the access token's own expiry.
                (Some(handle), Err(access)) => {
                    if !signature::constant_time_eq(
                        handle.as_bytes(),
                        access.session_handle.as_bytes(),
                    ) {
                        return Err(Refusal::new(OAuthProblem::TokenRejected)
                            .advice("the session handle does not belong to this token"));
                    }
                    if now > access.authorized_at.saturating_add(state.session_lifetime) {
                        return Err(Refusal::new(OAuthProblem::PermissionDenied)
                            .advice("the session has expired; authorize again"));
                    }
                    (access.credential.clone(), access.secret.clone())
                }
                (Some(_), Ok(_)) => {
                    return Err(Refusal::new(OAuthProblem::TokenRejected)
                        .advice("renewal needs an access token"));
                }
                (None, Err(_)) => {
                    return Err(Refusal::new(OAuthProblem::TokenRejected).advice(
                        "not a request token; to renew an access token send oauth_session_handle",
                    ));
                }
                (None, Ok(request)) => {
                    exchange_checks(state, now, request, protocol)?;
                    (request.credential.clone(), request.secret.clone())
                }
            }
        }
        (Endpoint::Resource(_), Some(Err(access))) => {
            if now > access.issued_at.saturating_add(state.access_token_lifetime) {
                return Err(Refusal::new(OAuthProblem::TokenExpired));
            }
            (access.credential.clone(), access.secret.clone())
        }
        (_, Some(_)) => {
            return Err(Refusal::new(OAuthProblem::TokenRejected).advice(
                "a request token cannot access resources; exchange it for an access token",
            ));
        }
    };
    Ok(Signing {
        credential,
        token_secret: secret,
        three_legged: true,
    })
}

/// The state of a request token presented for exchange.
fn exchange_checks(
    state: &State,
    now: u64,
    request: &RequestTokenRecord,
    protocol: &[(String, String)],
) -> Result<(), Refusal> {
    match &request.state {
        RequestState::Used => Err(Refusal::new(OAuthProblem::TokenRejected)
            .advice("this request token was already exchanged")),
        _ if now
            > request
                .issued_at
                .saturating_add(state.request_token_lifetime) =>
        {
            Err(Refusal::new(OAuthProblem::TokenExpired))
        }
        RequestState::Pending => Err(Refusal::new(OAuthProblem::PermissionUnknown)
            .advice("the user has not approved this request token yet")),
        RequestState::Denied => {
            Err(Refusal::new(OAuthProblem::PermissionDenied).advice("the user denied access"))
        }
        RequestState::Authorized { verifier, .. } => {
            let sent = get(protocol, "oauth_verifier").unwrap_or_default();
            if signature::constant_time_eq(sent.as_bytes(), verifier.as_bytes()) {
                Ok(())
            } else {
                Err(Refusal::new(OAuthProblem::TokenRejected)
                    .advice("the verifier does not match this request token"))
            }
        }
    }
}

fn fresh() -> Result<String, Refusal> {
    let mut out = String::with_capacity(24);
    RandomNonce.fill_nonce(&mut out).map_err(|_| {
        Refusal::new(OAuthProblem::ConsumerKeyRefused)
            .advice("the stand-in could not generate a token (no randomness)")
    })?;
    Ok(out)
}

/// A verification code as Atlassian makes them: [`VERIFIER_LEN`] letters and digits.
fn fresh_verifier() -> Result<String, Refusal> {
    let mut code = fresh()?;
    code.retain(|c| c.is_ascii_alphanumeric());
    while code.len() < VERIFIER_LEN {
        let mut more = fresh()?;
        more.retain(|c| c.is_ascii_alphanumeric());
        code.push_str(&more);
    }
    code.truncate(VERIFIER_LEN);
    Ok(code)
}

fn is_absolute_url(s: &str) -> bool {
    s.parse::<Uri>()
        .ok()
        .is_some_and(|u| u.scheme().is_some() && u.host().is_some_and(|h| !h.is_empty()))
}

/// A request token. With `oauth_callback` (an absolute URL or `oob`) the answer confirms it
/// with `oauth_callback_confirmed=true`; without, as Bitbucket does, the token is out-of-band and
/// the answer has no `oauth_callback_confirmed`.
fn issue_request_token(state: &mut State, now: u64, v: &Verified) -> Result<Reply, Refusal> {
    let callback = v.get("oauth_callback");
    if let Some(callback) = callback
        && callback != "oob"
        && !is_absolute_url(callback)
    {
        return Err(rejected(
            "oauth_callback",
            "oauth_callback must be an absolute URL or oob",
        ));
    }
    let Some(consumer) = state.consumers.get(&v.consumer) else {
        return Err(Refusal::new(OAuthProblem::ConsumerKeyUnknown));
    };
    let credential = consumer.credential.clone();
    let token = fresh()?;
    let secret = fresh()?;
    let mut body = format!("oauth_token={token}&oauth_token_secret={secret}");
    if callback.is_some() {
        body.push_str("&oauth_callback_confirmed=true");
    }
    state.tokens.insert(
        token,
        TokenRecord::Request(RequestTokenRecord {
            consumer: v.consumer.clone(),
            credential,
            secret,
            callback: callback.unwrap_or("oob").to_owned(),
            issued_at: now,
            state: RequestState::Pending,
        }),
    );
    Ok(Reply::text(200, body))
}

/// An access-token answer as Bitbucket's: `oauth_expires_in` is the access token's lifetime,
/// `oauth_authorization_expires_in` the session's.
fn access_token_body(state: &State, record: &AccessTokenRecord, token: &str) -> String {
    let mut body = String::with_capacity(200);
    body.push_str("oauth_token=");
    encode::encode_into(&mut body, token.as_bytes());
    body.push_str("&oauth_token_secret=");
    encode::encode_into(&mut body, record.secret.as_bytes());
    let _ = write!(
        body,
        "&oauth_expires_in={}&oauth_session_handle=",
        state.access_token_lifetime
    );
    encode::encode_into(&mut body, record.session_handle.as_bytes());
    let _ = write!(
        body,
        "&oauth_authorization_expires_in={}",
        state.session_lifetime
    );
    body
}

/// The exchange or the renewal, after [`token_checks`] and the signature passed. The access
/// token keeps the request token's secret (a renewed one the old token's); a renewal issues a
/// new session handle and deletes the old access token.
fn issue_access_token(state: &mut State, now: u64, v: &Verified) -> Result<Reply, Refusal> {
    let token = v.get("oauth_token").unwrap_or_default().to_owned();
    let record = match state.tokens.get_mut(&token) {
        Some(TokenRecord::Access(old)) => AccessTokenRecord {
            consumer: old.consumer.clone(),
            credential: old.credential.clone(),
            secret: old.secret.clone(),
            user: old.user.clone(),
            session_handle: fresh()?,
            issued_at: now,
            authorized_at: old.authorized_at,
        },
        Some(TokenRecord::Request(request)) => {
            let RequestState::Authorized { user, .. } = &request.state else {
                return Err(Refusal::new(OAuthProblem::TokenRejected));
            };
            let record = AccessTokenRecord {
                consumer: request.consumer.clone(),
                credential: request.credential.clone(),
                secret: request.secret.clone(),
                user: user.clone(),
                session_handle: fresh()?,
                issued_at: now,
                authorized_at: now,
            };
            request.state = RequestState::Used;
            record
        }
        None => return Err(Refusal::new(OAuthProblem::TokenRejected)),
    };
    if v.get("oauth_session_handle").is_some() {
        state.tokens.remove(&token);
    }
    let new_token = fresh()?;
    let body = access_token_body(state, &record, &new_token);
    state.tokens.insert(new_token, TokenRecord::Access(record));
    Ok(Reply::text(200, body))
}

/// An access token for `user`, as if approved now; see `StandIn::issue_access_token`.
pub(crate) fn mint_access_token(
    state: &mut State,
    now: u64,
    consumer: &str,
    credential: Credential,
    user: &str,
) -> Option<AccessToken> {
    let record = AccessTokenRecord {
        consumer: consumer.to_owned(),
        credential,
        secret: fresh().ok()?,
        user: user.to_owned(),
        session_handle: fresh().ok()?,
        issued_at: now,
        authorized_at: now,
    };
    let token = fresh().ok()?;
    let fields = vec![
        (
            "oauth_expires_in".to_owned(),
            state.access_token_lifetime.to_string(),
        ),
        (
            "oauth_session_handle".to_owned(),
            record.session_handle.clone(),
        ),
        (
            "oauth_authorization_expires_in".to_owned(),
            state.session_lifetime.to_string(),
        ),
    ];
    let access = AccessToken::new(
        Token::new(token.clone(), TokenSecret::new(record.secret.clone())),
        fields,
    );
    state.tokens.insert(token, TokenRecord::Access(record));
    Some(access)
}

/// Who a verified resource request acts for; `None` is anonymous. A 2-legged request acts as
/// the user named by `xoauth_requestor_id`, else `user_id` (with impersonation), else as the
/// execute-as user; Bitbucket refuses it without a problem (the echo) when 2-legged OAuth or
/// impersonation is off or that user cannot log in, and serves a user it does not know as
/// anonymous.
fn identity(state: &State, v: &Verified) -> Result<Option<String>, Deny> {
    let can_log_in = |user: &str| state.users.get(user).copied();
    let token = v.get("oauth_token").unwrap_or_default();
    if token.is_empty() {
        let Some(consumer) = state.consumers.get(&v.consumer) else {
            return Err(Refusal::new(OAuthProblem::ConsumerKeyUnknown).into());
        };
        if !consumer.two_legged {
            return Err(Deny::Echo);
        }
        let named = v
            .query("xoauth_requestor_id")
            .or_else(|| v.query("user_id"))
            .filter(|u| !u.is_empty());
        if let Some(user) = named {
            if !consumer.impersonation {
                return Err(Deny::Echo);
            }
            return match can_log_in(user) {
                None => Ok(None),
                Some(true) => Ok(Some(user.to_owned())),
                Some(false) => Err(Deny::Echo),
            };
        }
        return match &consumer.execute_as {
            None => Ok(None),
            Some(user) if can_log_in(user) == Some(true) => Ok(Some(user.clone())),
            Some(_) => Err(Deny::Echo),
        };
    }
    match state.tokens.get(token) {
        Some(TokenRecord::Access(a)) if can_log_in(&a.user) == Some(false) => Err(Deny::Echo),
        Some(TokenRecord::Access(a)) => Ok(Some(a.user.clone())),
        _ => Err(Refusal::new(OAuthProblem::TokenRejected).into()),
    }
}

fn json(status: u16, body: String) -> Reply {
    Reply::new(status, "application/json;charset=UTF-8", body)
}

fn serve_resource(
    state: &State,
    v: &Verified,
    resource: Resource,
    project: Option<&str>,
) -> Result<Reply, Deny> {
    let user = identity(state, v)?;
    let base = state.realm_base();
    let catalog: &Catalog = &state.catalog;
    match resource {
        Resource::Whoami => Ok(Reply::text(200, user.unwrap_or_default())),
        Resource::Projects => {
            let (start, limit) = match paging(v) {
                Ok(p) => p,
                Err(reply) => return Ok(reply),
            };
            let visible: Vec<_> = catalog
                .projects
                .iter()
                .filter(|p| Catalog::visible(p, user.as_deref()))
                .collect();
            let values: Vec<String> = visible
                .iter()
                .skip(start)
                .take(limit)
                .map(|p| {
                    let mut s = String::new();
                    data::project_json(&mut s, base, p);
                    s
                })
                .collect();
            Ok(json(
                200,
                data::page_json(&values, start, limit, visible.len()),
            ))
        }
        Resource::Repos => {
            let key = project.unwrap_or_default();
            let Some(p) = catalog.project(key) else {
                return Ok(json(
                    404,
                    data::error_json(
                        &format!("Project {key} does not exist."),
                        "com.atlassian.bitbucket.project.NoSuchProjectException",
                    ),
                ));
            };
            if !Catalog::visible(p, user.as_deref()) {
                return Ok(json(
                    401,
                    data::error_json(
                        "You are not permitted to access this resource",
                        "com.atlassian.bitbucket.AuthorisationException",
                    ),
                ));
            }
            let (start, limit) = match paging(v) {
                Ok(p) => p,
                Err(reply) => return Ok(reply),
            };
            let repos: Vec<_> = catalog
                .repositories
                .iter()
                .filter(|r| r.project_key == p.key)
                .collect();
            let values: Vec<String> = repos
                .iter()
                .skip(start)
                .take(limit)
                .map(|r| {
                    let mut s = String::new();
                    data::repository_json(&mut s, base, r, p);
                    s
                })
                .collect();
            Ok(json(
                200,
                data::page_json(&values, start, limit, repos.len()),
            ))
        }
        Resource::AllRepos => {
            let (start, limit) = match paging(v) {
                Ok(p) => p,
                Err(reply) => return Ok(reply),
            };
            let total = catalog.visible_repositories(user.as_deref()).count();
            let values: Vec<String> = catalog
                .visible_repositories(user.as_deref())
                .skip(start)
                .take(limit)
                .map(|(r, p)| {
                    let mut s = String::new();
                    data::repository_json(&mut s, base, r, p);
                    s
                })
                .collect();
            Ok(json(200, data::page_json(&values, start, limit, total)))
        }
    }
}

/// `start` (default 0) and `limit` (default 25, at most 1000, at least 1).
fn paging(v: &Verified) -> Result<(usize, usize), Reply> {
    let number = |name: &str, default: usize| -> Result<usize, Reply> {
        match v.query(name) {
            None => Ok(default),
            Some(text) => text.parse::<usize>().map_err(|_| {
                json(
                    400,
                    data::error_json(
                        &format!("{name} must be a non-negative integer"),
                        "com.atlassian.bitbucket.rest.exception.BadRequestException",
                    ),
                )
            }),
        }
    };
    let start = number("start", 0)?;
    let limit = number("limit", 25)?.clamp(1, 1000);
    Ok((start, limit))
}

/// Appends `oauth_token` and `oauth_verifier` to a callback, keeping its query and fragment.
fn callback_with(callback: &str, token: &str, verifier: &str) -> String {
    let (main, fragment) = match callback.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (callback, None),
    };
    let mut url = String::with_capacity(callback.len() + token.len() + verifier.len() + 32);
    url.push_str(main);
    if !main.contains('?') {
        url.push('?');
    } else if !main.ends_with('?') && !main.ends_with('&') {
        url.push('&');
    }
    url.push_str("oauth_token=");
    encode::encode_into(&mut url, token.as_bytes());
    url.push_str("&oauth_verifier=");
    encode::encode_into(&mut url, verifier.as_bytes());
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    url
}

/// Records the user's decision on a pending, unexpired request token. `user`: approve as them;
/// `None`: deny.
pub(crate) fn decide(
    state: &mut State,
    now: u64,
    token: &str,
    user: Option<&str>,
) -> Option<Decision> {
    let lifetime = state.request_token_lifetime;
    let Some(TokenRecord::Request(record)) = state.tokens.get_mut(token) else {
        return None;
    };
    if !matches!(record.state, RequestState::Pending)
        || now > record.issued_at.saturating_add(lifetime)
    {
        return None;
    }
    let verifier = match user {
        Some(user) => {
            let verifier = fresh_verifier().ok()?;
            record.state = RequestState::Authorized {
                user: user.to_owned(),
                verifier: verifier.clone(),
            };
            verifier
        }
        None => {
            record.state = RequestState::Denied;
            "denied".to_owned()
        }
    };
    let redirect =
        (record.callback != "oob").then(|| callback_with(&record.callback, token, &verifier));
    if let Some(user) = user {
        state.last_verifier = Some(verifier.clone());
        state.know_user(user);
    }
    Some(Decision {
        token: token.to_owned(),
        verifier,
        redirect,
    })
}

fn html_escape(s: &str) -> String {
    html_escape::encode_quoted_attribute(s).into_owned()
}

fn html(body: &str) -> Reply {
    Reply::new(
        200,
        "text/html;charset=UTF-8",
        format!(
            "<!DOCTYPE html>\n<html><head><title>OAuth authorization - Bitbucket stand-in</title></head>\n<body>\n{body}\n</body></html>\n"
        ),
    )
}

/// The page a browser sees after the decision: a redirect to the callback, or for `oob` the code.
fn present(decision: &Decision) -> Reply {
    if let Some(url) = &decision.redirect {
        return Reply::text(302, format!("Redirecting to {url}\n")).header("Location", url.clone());
    }
    if decision.verifier == "denied" {
        html(
            "<h1>Access denied</h1>\n<p>You denied access. Verification code: <code id=\"oauth_verifier\">denied</code></p>",
        )
    } else {
        html(&format!(
            "<h1>Access approved</h1>\n<p>Copy this verification code into the application: <code id=\"oauth_verifier\">{}</code></p>",
            html_escape(&decision.verifier)
        ))
    }
}

/// The name of the session cookie, as Bitbucket's.
const SESSION_COOKIE: &str = "BITBUCKETSESSIONID";
/// Where the login form posts, below the context path.
const LOGIN_PATH: &str = "/j_atl_security_check";

/// The session a request's cookie names, if any: `(session id, user, XSRF token)`.
fn session<'a>(state: &'a State, req: &RawRequest) -> Option<(&'a str, &'a Session)> {
    req.header_values("cookie")
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .find_map(|(_, id)| state.sessions.get_key_value(id))
        .filter(|(_, s)| state.users.get(&s.user) == Some(&true))
        .map(|(id, s)| (id.as_str(), s))
}

/// Bitbucket's login page: `j_username`, `j_password` and where to go next, posted to
/// `{context}/j_atl_security_check`.
fn login_page(ctx: &str, next: &str, failed: bool) -> Reply {
    let error = if failed {
        "<div class=\"error\" id=\"login-error\">Invalid username or password.</div>\n"
    } else {
        ""
    };
    html(&format!(
        "<h1>Log in</h1>\n{error}<form id=\"login-form\" method=\"post\" action=\"{}{LOGIN_PATH}\">\n\
         <p><label for=\"j_username\">Username</label> \
         <input type=\"text\" name=\"j_username\" id=\"j_username\"></p>\n\
         <p><label for=\"j_password\">Password</label> \
         <input type=\"password\" name=\"j_password\" id=\"j_password\"></p>\n\
         <input type=\"hidden\" name=\"next\" value=\"{}\">\n\
         <input type=\"submit\" id=\"login-button\" value=\"Log in\">\n</form>\n\
         <p id=\"login-hint\">This is the bitbucket-oauth stand-in: a user's password is their \
         user name (for example alice / alice).</p>",
        html_escape(ctx),
        html_escape(next)
    ))
}

/// `POST {context}/j_atl_security_check`: a known user who can log in, whose password (in the
/// stand-in) is their user name, gets a session cookie and a redirect to `next`.
pub(crate) fn login(state: &mut State, ctx: &str, req: &RawRequest) -> Handled {
    if req.method != "POST" {
        return Reply::text(
            405,
            format!("{} is not allowed here; use POST\n", req.method),
        )
        .header("Allow", "POST")
        .into();
    }
    let form = decode_pairs(&req.body).unwrap_or_default();
    let user = get(&form, "j_username").unwrap_or_default();
    let password = get(&form, "j_password").unwrap_or_default();
    let next = get(&form, "next")
        .filter(|n| n.starts_with(&format!("{ctx}/")) && !n.starts_with("//"))
        .map_or_else(|| format!("{ctx}/"), str::to_owned);
    if user.is_empty() || password != user || state.users.get(user) != Some(&true) {
        let mut reply = login_page(ctx, &next, true);
        reply.status = 401;
        return reply.into();
    }
    let (Ok(id), Ok(xsrf)) = (fresh(), fresh()) else {
        return Reply::text(500, "could not open a session\n").into();
    };
    state.sessions.insert(
        id.clone(),
        Session {
            user: user.to_owned(),
            xsrf,
        },
    );
    let path = if ctx.is_empty() { "/" } else { ctx };
    Reply::text(302, format!("Redirecting to {next}\n"))
        .header("Location", next)
        .header(
            "Set-Cookie",
            format!("{SESSION_COOKIE}={id}; Path={path}; HttpOnly"),
        )
        .into()
}

/// The approval form a logged-in user meets: the consumer, the user, and `Allow` / `Deny`
/// buttons, protected by the session's XSRF token (`atl_token`).
fn approval_page(ctx: &str, token: &str, consumer: &str, user: &str, xsrf: &str) -> Reply {
    html(&format!(
        "<h1>Allow access?</h1>\n<p><span id=\"oauth_consumer\">{}</span> would like to access \
         Bitbucket as <span id=\"oauth_user\">{}</span>.</p>\n\
         <form id=\"oauth-approve\" method=\"post\" action=\"{}{AUTHORIZE_PATH}\">\n\
         <input type=\"hidden\" name=\"oauth_token\" value=\"{}\">\n\
         <input type=\"hidden\" name=\"atl_token\" value=\"{}\">\n\
         <input type=\"submit\" id=\"approve\" name=\"approve\" value=\"Allow\">\n\
         <input type=\"submit\" id=\"deny\" name=\"deny\" value=\"Deny\">\n</form>",
        html_escape(consumer),
        html_escape(user),
        html_escape(ctx),
        html_escape(token),
        html_escape(xsrf)
    ))
}

/// `{base}/plugins/servlet/oauth/authorize`. `GET ?oauth_token=..`: for a pending request token,
/// the login page, then (with a session) the approval form; with
/// [`UserDecision::ApproveAs`]/[`UserDecision::Deny`] the decision at once; with
/// [`UserDecision::Manual`] a pending page. For a decided token, the decision. `POST` (the
/// approval form): the decision, if the session's XSRF token matches.
fn authorize_page(state: &mut State, ctx: &str, now: u64, req: &RawRequest) -> Handled {
    let realm = state.realm_base().to_owned();
    let posted = match req.method.as_str() {
        "GET" => false,
        "POST" => true,
        _ => {
            return Reply::text(
                405,
                format!("{} is not allowed here; use GET or POST\n", req.method),
            )
            .header("Allow", "GET, POST")
            .into();
        }
    };
    let params = if posted {
        decode_pairs(&req.body).unwrap_or_default()
    } else {
        decode_pairs(req.query().unwrap_or_default().as_bytes()).unwrap_or_default()
    };
    let Some(token) = get(&params, "oauth_token").filter(|t| !t.is_empty()) else {
        return Refusal::new(OAuthProblem::ParameterAbsent)
            .with("oauth_parameters_absent", "oauth_token")
            .render(&realm, false);
    };
    let lifetime = state.request_token_lifetime;
    let (callback, current, consumer) = match state.tokens.get(token) {
        Some(TokenRecord::Request(r)) => (r.callback.clone(), r.state.clone(), r.consumer.clone()),
        _ => return Refusal::new(OAuthProblem::TokenRejected).render(&realm, false),
    };
    let expired = match state.tokens.get(token) {
        Some(TokenRecord::Request(r)) => now > r.issued_at.saturating_add(lifetime),
        _ => true,
    };
    let token = token.to_owned();
    match current {
        RequestState::Used => Refusal::new(OAuthProblem::TokenUsed).render(&realm, false),
        _ if expired => Refusal::new(OAuthProblem::TokenExpired).render(&realm, false),
        RequestState::Pending => {
            let decided = match state.decision.clone() {
                UserDecision::ApproveAs(user) => decide(state, now, &token, Some(&user)),
                UserDecision::Deny => decide(state, now, &token, None),
                UserDecision::Manual => {
                    return html(&format!(
                        "<h1>Authorize access?</h1>\n<p id=\"oauth_pending\">Waiting for the user's decision on request token <code>{}</code>.</p>",
                        html_escape(&token)
                    ))
                    .into();
                }
                UserDecision::Interactive => {
                    let next = format!(
                        "{ctx}{AUTHORIZE_PATH}?oauth_token={}",
                        encode::encode(&token)
                    );
                    let Some((_, session)) = session(state, req) else {
                        return login_page(ctx, &next, false).into();
                    };
                    let (user, xsrf) = (session.user.clone(), session.xsrf.clone());
                    if !posted {
                        return approval_page(ctx, &token, &consumer, &user, &xsrf).into();
                    }
                    let sent = get(&params, "atl_token").unwrap_or_default();
                    if !signature::constant_time_eq(sent.as_bytes(), xsrf.as_bytes()) {
                        let mut reply = html(
                            "<h1>XSRF Security Token Missing</h1>\n<p id=\"xsrf-error\">The request \
                             did not carry this session's atl_token. Go back, reload the page and \
                             try again.</p>",
                        );
                        reply.status = 403;
                        return reply.into();
                    }
                    if get(&params, "approve").is_some() {
                        decide(state, now, &token, Some(&user))
                    } else {
                        decide(state, now, &token, None)
                    }
                }
            };
            match decided {
                Some(d) => present(&d).into(),
                None => Reply::text(500, "could not record the decision\n").into(),
            }
        }
        RequestState::Authorized { verifier, .. } => {
            let redirect = (callback != "oob").then(|| callback_with(&callback, &token, &verifier));
            present(&Decision {
                token,
                verifier,
                redirect,
            })
            .into()
        }
        RequestState::Denied => {
            let redirect = (callback != "oob").then(|| callback_with(&callback, &token, "denied"));
            present(&Decision {
                token,
                verifier: "denied".to_owned(),
                redirect,
            })
            .into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{StandIn, TestClock};
    use proptest::prelude::*;

    const PATHS: [&str; 9] = [
        "/bitbucket/plugins/servlet/oauth/request-token",
        "/bitbucket/plugins/servlet/oauth/access-token",
        "/bitbucket/plugins/servlet/oauth/authorize",
        "/bitbucket/plugins/servlet/applinks/whoami",
        "/bitbucket/rest/api/1.0/projects",
        "/bitbucket/rest/api/1.0/projects/ENG/repos",
        "/bitbucket/rest/api/1.0/projects/%FF/repos",
        "/bitbucket",
        "/",
    ];

    fn stand_in() -> StandIn {
        let stand_in = StandIn::builder()
            .clock(TestClock::frozen(1_700_000_000))
            .start()
            .unwrap();
        stand_in.register_hmac_consumer("k", "s");
        stand_in
    }

    fn oauth_param() -> impl Strategy<Value = (String, String)> {
        (
            prop_oneof![
                Just("oauth_consumer_key".to_owned()),
                Just("oauth_token".to_owned()),
                Just("oauth_signature_method".to_owned()),
                Just("oauth_signature".to_owned()),
                Just("oauth_timestamp".to_owned()),
                Just("oauth_nonce".to_owned()),
                Just("oauth_version".to_owned()),
                Just("oauth_callback".to_owned()),
                Just("oauth_verifier".to_owned()),
                Just("oauth_session_handle".to_owned()),
                Just("realm".to_owned()),
                "[a-z_]{1,12}",
            ],
            prop_oneof![
                Just("k".to_owned()),
                Just("HMAC-SHA1".to_owned()),
                Just("RSA-SHA1".to_owned()),
                Just("1700000000".to_owned()),
                Just("1.0".to_owned()),
                Just("oob".to_owned()),
                Just(String::new()),
                "[ -~]{0,24}",
            ],
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_request_gets_a_well_formed_answer(
            method in prop_oneof![
                Just("GET".to_owned()),
                Just("POST".to_owned()),
                Just("PUT".to_owned()),
                "[A-Z]{1,7}",
            ],
            path in 0..PATHS.len(),
            query in prop::collection::vec(oauth_param(), 0..4),
            header in prop::collection::vec(oauth_param(), 0..9),
            raw_header in prop::option::of("[ -~]{0,80}"),
            form in any::<bool>(),
            body in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let stand_in = stand_in();
            let mut target = PATHS[path].to_owned();
            for (i, (n, v)) in query.iter().enumerate() {
                target.push(if i == 0 { '?' } else { '&' });
                target.push_str(&encode::encode(n));
                target.push('=');
                target.push_str(&encode::encode(v));
            }
            let mut authorization = String::from("OAuth ");
            for (i, (n, v)) in header.iter().enumerate() {
                if i > 0 {
                    authorization.push_str(", ");
                }
                authorization.push_str(&format!("{n}=\"{}\"", encode::encode(v)));
            }
            let mut headers = vec![("Authorization".to_owned(), authorization)];
            if let Some(raw) = raw_header {
                headers.push(("Authorization".to_owned(), raw));
            }
            if form {
                headers.push(("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
            }
            let request = RawRequest { method, target, headers, body };
            let handled = handle(stand_in.shared(), &request);
            let status = handled.reply.status;
            prop_assert!([200, 302, 400, 401, 403, 404, 405, 503].contains(&status), "{status}");
            if let Some(problem) = &handled.problem {
                let expected = problem_status(problem).as_u16();
                let anonymous = *problem == OAuthProblem::ParameterAbsent && status == 401;
                prop_assert!(status == expected || anonymous, "{problem} {status}");
                let www = handled
                    .reply
                    .headers
                    .iter()
                    .find(|(n, _)| n == "WWW-Authenticate")
                    .map(|(_, v)| v.clone())
                    .unwrap();
                let parsed = parse_oauth_header(&www).unwrap();
                prop_assert_eq!(parsed.get("oauth_problem"), Some(problem.as_str()));
                prop_assert!(http::HeaderValue::from_str(&www).is_ok());
            }
        }
    }
}
