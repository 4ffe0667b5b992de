//! The web application: "Sign in with Bitbucket Server" over OAuth 1.0a (RSA-SHA1), then the
//! "Add project" screen listing the repositories the signed-in user can see.
//!
//! Routes:
//!
//! | route | what |
//! |---|---|
//! | `GET /` | one "Sign in with Bitbucket Server (host)" button per configured server |
//! | `GET /auth/{host}` | asks `host` for a request token, keeps it in the server-side session, redirects to Bitbucket's authorization page |
//! | `GET /auth/auth/{host}` | the OAuth callback: checks the token against the pending one, exchanges the verifier, asks whoami, keeps the access token in the session, redirects to `/projects` |
//! | `GET /projects` | "Add project": every repository of `GET /rest/api/1.0/repos`, page after page |
//! | `GET /logout` | forgets the session |
//!
//! The session lives server-side (`tower-sessions`, in memory here); the browser holds only its
//! id, in an `HttpOnly`, `SameSite=Lax` cookie (`Lax`, not `Strict`: the callback is a
//! top-level navigation coming back from Bitbucket, which must carry the cookie).

mod pages;
mod repos;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use bitbucket_oauth::reqwest::AsyncClient;
use bitbucket_oauth::{
    AccessToken, Consumer, ConsumerKey, Endpoints, Error, RsaPrivateKey, Signer, Token,
};
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration as CookieDuration;
use tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer};

use self::pages::Page;

/// How long Bitbucket keeps a request token: a callback later than this is stale.
const REQUEST_TOKEN_LIFETIME_SECS: u64 = 600;
/// How long a session lives without activity.
const SESSION_IDLE_HOURS: i64 = 8;
/// The session key of the pending sign-in.
const PENDING: &str = "pending";
/// The session key of the signed-in user.
const SIGNED_IN: &str = "signed_in";

/// One Bitbucket Server the app signs in with.
#[derive(Debug)]
pub struct BitbucketServer {
    /// Its host name: the `{host}` of `/auth/{host}` and of the callback URL.
    host: String,
    /// Its base URL, context path included.
    base_url: String,
    http: AsyncClient,
}

impl BitbucketServer {
    /// A server at `base_url` (context path included, as in
    /// `https://git.example.com/bitbucket`) where an admin registered `consumer_key` with the
    /// public half of `key` (Application Links -> Incoming Authentication).
    ///
    /// # Errors
    ///
    /// A base URL that is not an absolute http(s) URL with a host, or a reqwest client that
    /// cannot be built.
    pub fn new(base_url: &str, consumer_key: &str, key: RsaPrivateKey) -> Result<Self, String> {
        let endpoints = Endpoints::bitbucket(base_url)
            .map_err(|e| format!("Bitbucket base URL {base_url:?}: {e}"))?;
        let host = url::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .ok_or_else(|| format!("Bitbucket base URL {base_url:?} has no host name"))?;
        let client = Consumer::new(
            Signer::rsa_sha1(ConsumerKey::new(consumer_key), key),
            endpoints,
        );
        let http = AsyncClient::new(client).map_err(|e| e.to_string())?;
        Ok(Self {
            host,
            base_url: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// Its host name, as in the app's routes.
    pub fn host(&self) -> &str {
        &self.host
    }
}

/// The app's configuration and its servers, shared by every request.
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    app_url: String,
    servers: Vec<BitbucketServer>,
}

impl App {
    /// The app served at `app_url` (what the browser sees; the callback URLs registered in
    /// Bitbucket are `{app_url}/auth/auth/{host}`), signing in with `servers`.
    ///
    /// # Errors
    ///
    /// No server, or two servers with the same host name (their callback URLs would collide).
    pub fn new(app_url: &str, servers: Vec<BitbucketServer>) -> Result<Self, String> {
        if servers.is_empty() {
            return Err("configure at least one Bitbucket server".into());
        }
        let mut seen = HashMap::new();
        for server in &servers {
            if seen.insert(server.host.clone(), ()).is_some() {
                return Err(format!(
                    "two Bitbucket servers have the host name {}: the callback path /auth/auth/{} would be ambiguous",
                    server.host, server.host
                ));
            }
        }
        Ok(Self {
            inner: Arc::new(Inner {
                app_url: app_url.trim_end_matches('/').to_owned(),
                servers,
            }),
        })
    }

    fn server(&self, host: &str) -> Option<&BitbucketServer> {
        self.inner.servers.iter().find(|s| s.host == host)
    }

    /// The host names of the servers, in configuration order.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.inner.servers.iter().map(BitbucketServer::host)
    }

    /// The callback URL of a server: `{app_url}/auth/auth/{host}`.
    pub fn callback_url(&self, host: &str) -> String {
        format!("{}/auth/auth/{host}", self.inner.app_url)
    }

    /// The routes, with the session layer.
    pub fn router(self) -> Router {
        let secure = self.inner.app_url.starts_with("https://");
        let sessions = SessionManagerLayer::new(MemoryStore::default())
            .with_name("webapp_session")
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_secure(secure)
            .with_expiry(Expiry::OnInactivity(CookieDuration::hours(
                SESSION_IDLE_HOURS,
            )));
        Router::new()
            .route("/", get(index))
            .route("/auth/{host}", get(start_sign_in))
            .route("/auth/auth/{host}", get(callback))
            .route("/projects", get(projects))
            .route("/logout", get(logout))
            .fallback(not_found)
            .layer(sessions)
            .with_state(self)
    }
}

/// Serves the app on `listener` until the task is dropped or the listener fails.
///
/// # Errors
///
/// The listener's error.
pub async fn serve(listener: tokio::net::TcpListener, app: App) -> std::io::Result<()> {
    axum::serve(listener, app.router()).await
}

/// A sign-in under way: the request token (its secret stays server-side) and where it came from.
#[derive(Serialize, Deserialize)]
struct Pending {
    host: String,
    token: Token<bitbucket_oauth::Temporary>,
    started_at: u64,
}

/// A signed-in user: who, on which server, and their access token.
#[derive(Serialize, Deserialize)]
struct SignedIn {
    host: String,
    user: String,
    access: AccessToken,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A page for a session store failure (the in-memory store does not fail, others can).
fn session_failure(e: &tower_sessions::session::Error) -> Response {
    eprintln!("webapp: session store error: {e}");
    Page::error(
        500,
        "Session error",
        "The app could not read or write your session. Try again.",
    )
}

/// Where an expired or missing session sends the browser: back to sign-in, with a notice.
fn back_to_sign_in() -> Response {
    Redirect::to("/?notice=session-expired").into_response()
}

#[derive(Deserialize)]
struct Notice {
    notice: Option<String>,
}

async fn index(State(app): State<App>, session: Session, Query(notice): Query<Notice>) -> Response {
    let signed_in = match session.get::<SignedIn>(SIGNED_IN).await {
        Ok(s) => s,
        Err(e) => return session_failure(&e),
    };
    let hosts: Vec<&str> = app.inner.servers.iter().map(|s| s.host.as_str()).collect();
    pages::index(
        &hosts,
        signed_in
            .as_ref()
            .map(|s| (s.user.as_str(), s.host.as_str())),
        notice.notice.as_deref(),
    )
}

/// The 404 page for a host name no configured server has.
fn unknown_server(host: &str) -> Response {
    Page::error(
        404,
        "Unknown Bitbucket server",
        &format!("No Bitbucket server with the host name {host} is configured."),
    )
}

async fn start_sign_in(
    State(app): State<App>,
    Path(host): Path<String>,
    session: Session,
) -> Response {
    let Some(server) = app.server(&host) else {
        return unknown_server(&host);
    };
    let callback = app.callback_url(&server.host);
    let token = match server.http.request_token(&callback).await {
        Ok(token) => token,
        Err(e) => {
            return pages::oauth_error(&server.host, &server.base_url, "starting the sign-in", &e);
        }
    };
    let authorize_url = server.http.oauth().authorize_url(&token);
    let pending = Pending {
        host: server.host.clone(),
        token,
        started_at: now(),
    };
    if let Err(e) = session.insert(PENDING, pending).await {
        return session_failure(&e);
    }
    Redirect::to(&authorize_url).into_response()
}

async fn callback(
    State(app): State<App>,
    Path(host): Path<String>,
    RawQuery(query): RawQuery,
    session: Session,
) -> Response {
    let Some(server) = app.server(&host) else {
        return unknown_server(&host);
    };
    // The pending token is used once, whatever happens next: a second callback (a replay, a
    // reload) finds none.
    let pending = match session.remove::<Pending>(PENDING).await {
        Ok(p) => p,
        Err(e) => return session_failure(&e),
    };
    let Some(pending) = pending else {
        if session.is_empty().await {
            // No session at all: it expired, or this browser never started a sign-in.
            return back_to_sign_in();
        }
        return Page::bad_callback(
            "This sign-in callback was already used, or no sign-in was started from this browser.",
        );
    };
    if pending.host != server.host {
        return Page::bad_callback(&format!(
            "This callback is for {}, but the sign-in was started with {}.",
            server.host, pending.host
        ));
    }
    if now().saturating_sub(pending.started_at) > REQUEST_TOKEN_LIFETIME_SECS {
        return Page::bad_callback(
            "This sign-in took longer than the 10 minutes Bitbucket allows; its request token has expired.",
        );
    }
    let verifier = match server
        .http
        .oauth()
        .parse_callback(query.as_deref().unwrap_or_default(), &pending.token)
    {
        Ok(v) => v,
        Err(Error::UserDenied) => return pages::denied(&server.host),
        Err(e) => {
            return Page::bad_callback(&format!("The callback does not match this sign-in: {e}."));
        }
    };
    let access = match server.http.access_token(&pending.token, &verifier).await {
        Ok(a) => a,
        Err(e) => {
            return pages::oauth_error(&server.host, &server.base_url, "finishing the sign-in", &e);
        }
    };
    let user = match server.http.whoami(access.token()).await {
        Ok(u) => u,
        Err(e) => {
            return pages::oauth_error(&server.host, &server.base_url, "asking who you are", &e);
        }
    };
    // A new session id once signed in, so that an id planted before sign-in is worth nothing.
    if let Err(e) = session.cycle_id().await {
        return session_failure(&e);
    }
    let signed_in = SignedIn {
        host: server.host.clone(),
        user,
        access,
    };
    if let Err(e) = session.insert(SIGNED_IN, signed_in).await {
        return session_failure(&e);
    }
    Redirect::to("/projects").into_response()
}

async fn projects(State(app): State<App>, session: Session) -> Response {
    let signed_in = match session.get::<SignedIn>(SIGNED_IN).await {
        Ok(Some(s)) => s,
        Ok(None) => return back_to_sign_in(),
        Err(e) => return session_failure(&e),
    };
    let Some(server) = app.server(&signed_in.host) else {
        // The server left the configuration since this session signed in.
        let _ = session.flush().await;
        return back_to_sign_in();
    };
    match repos::list_all(&server.http, &server.base_url, signed_in.access.token()).await {
        Ok(repositories) => pages::projects(&server.host, &signed_in.user, &repositories),
        Err(repos::ListError::OAuth(e)) => {
            if e.problem().is_some() {
                // The token was refused (revoked, expired): signing in again is the way out.
                let _ = session.remove_value(SIGNED_IN).await;
            }
            pages::oauth_error(
                &server.host,
                &server.base_url,
                "listing your repositories",
                &e,
            )
        }
        Err(e) => pages::listing_error(&server.host, &e),
    }
}

async fn logout(session: Session) -> Response {
    if let Err(e) = session.flush().await {
        return session_failure(&e);
    }
    Redirect::to("/?notice=signed-out").into_response()
}

async fn not_found() -> Response {
    Page::error(404, "Not found", "There is no page here.")
}
