//! The reqwest adapter (feature `reqwest`): async [`AsyncClient`] and [`BlockingClient`].
//!
//! A thin layer over the sans-IO [`Consumer`] and [`Call`]: every attempt and every redirect hop
//! is signed afresh (new nonce and timestamp), the `Authorization` header never goes to another
//! origin, one `timestamp_refused` is answered by correcting the clock and retrying once, and
//! response bodies are read only up to a limit. reqwest's own redirect following is turned off
//! (the [`Call`] follows redirects itself, re-signing each hop).
//!
//! Both clients run the same operations (one driver, see `driver.rs`); each only carries a
//! request to its response.
//!
//! reqwest is built without TLS by this feature: enable `reqwest-native-tls`, or reqwest's own
//! `rustls` feature in your `Cargo.toml`, to reach an `https` server.

use std::time::Duration;

use http::Response;

use crate::call::Call;
use crate::credentials::{Access, Temporary, Token, Verifier};
use crate::flow::Error;
use crate::flow::Step;
use crate::flow::{AccessToken, Consumer, SentRequest};

mod blocking;
pub use blocking::BlockingClient;
mod driver;
#[cfg(feature = "reqwest-middleware")]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest-middleware")))]
pub mod middleware;

/// The default limit on an API response body read by the adapter: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of a whole request (connect, send, read).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

fn transport(e: ::reqwest::Error) -> Error {
    Error::Transport(Box::new(e))
}

fn too_large(limit: usize) -> Error {
    Error::ResponseTooLarge { limit }
}

/// The status line and headers of a reqwest response as an `http` builder (the headers are moved
/// out); a response that announces a body over `limit` is refused before any of it is read.
fn response_head(
    status: http::StatusCode,
    version: http::Version,
    content_length: Option<u64>,
    headers: &mut http::HeaderMap,
    limit: usize,
) -> Result<http::response::Builder, Error> {
    if content_length.is_some_and(|len| len > limit as u64) {
        return Err(too_large(limit));
    }
    let mut builder = Response::builder().status(status).version(version);
    if let Some(slot) = builder.headers_mut() {
        *slot = std::mem::take(headers);
    }
    Ok(builder)
}

/// The async adapter.
#[derive(Debug, Clone)]
pub struct AsyncClient {
    oauth: Consumer,
    http: ::reqwest::Client,
    max_body: usize,
}

impl driver::AsyncTransport for AsyncClient {
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
        limit: usize,
    ) -> Result<Response<Vec<u8>>, Error> {
        let request = ::reqwest::Request::try_from(request).map_err(transport)?;
        let mut response = self.http.execute(request).await.map_err(transport)?;
        let builder = response_head(
            response.status(),
            response.version(),
            response.content_length(),
            response.headers_mut(),
            limit,
        )?;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk);
        }
        builder
            .body(body)
            .map_err(|e| Error::Transport(Box::new(e)))
    }
}

impl AsyncClient {
    /// An adapter with its own reqwest client: redirects off (the adapter follows them),
    /// [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] if reqwest cannot build a client.
    pub fn new(oauth: Consumer) -> Result<Self, Error> {
        let http = ::reqwest::Client::builder()
            .redirect(::reqwest::redirect::Policy::none())
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .build()
            .map_err(transport)?;
        Ok(Self::with_http_client(oauth, http))
    }

    /// An adapter over your reqwest client. **Build it with
    /// `redirect(reqwest::redirect::Policy::none())`**: otherwise reqwest follows redirects
    /// itself, with a stale signature.
    #[must_use]
    pub fn with_http_client(oauth: Consumer, http: ::reqwest::Client) -> Self {
        Self {
            oauth,
            http,
            max_body: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// Sets the most bytes read of an API response body.
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// The sans-IO client.
    #[must_use]
    pub fn oauth(&self) -> &Consumer {
        &self.oauth
    }

    /// Drives a [`Call`] to its final response, reading at most `limit` bytes of each body.
    ///
    /// # Errors
    ///
    /// Transport, signing and redirect errors, [`Error::ResponseTooLarge`].
    pub async fn drive(
        &self,
        call: Call<'_>,
        limit: usize,
    ) -> Result<(Response<Vec<u8>>, Option<SentRequest>), Error> {
        driver::drive_async(self, call, limit).await
    }

    /// Step 1: a request token (`callback`: an absolute URL, or `oob`).
    ///
    /// # Errors
    ///
    /// As [`Consumer::finish_request_token`], plus transport errors.
    pub async fn request_token(&self, callback: &str) -> Result<Token<Temporary>, Error> {
        driver::request_token(&self.oauth, callback)
            .run_async(self)
            .await
    }

    /// Step 3: the access token.
    ///
    /// # Errors
    ///
    /// As [`Consumer::finish_access_token`], plus transport errors.
    pub async fn access_token(
        &self,
        token: &Token<Temporary>,
        verifier: &Verifier,
    ) -> Result<AccessToken, Error> {
        driver::access_token(&self.oauth, token, verifier)
            .run_async(self)
            .await
    }

    /// Renews an access token with its session handle.
    ///
    /// # Errors
    ///
    /// As [`Consumer::finish_access_token`], plus transport errors.
    pub async fn renew(&self, access: &AccessToken) -> Result<AccessToken, Error> {
        driver::renew(&self.oauth, access).run_async(self).await
    }

    /// The user name behind an access token (Atlassian `whoami`).
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] when the token is refused; transport errors.
    pub async fn whoami(&self, token: &Token<Access>) -> Result<String, Error> {
        driver::whoami(&self.oauth, token)?.run_async(self).await
    }

    /// Sends an API request signed with an access token. A refusal with `oauth_problem` is an
    /// [`Error::Provider`]; any other response, whatever its status, is returned.
    ///
    /// # Errors
    ///
    /// Signing, transport and redirect errors, [`Error::Provider`], [`Error::ResponseTooLarge`].
    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        token: &Token<Access>,
    ) -> Result<Response<Vec<u8>>, Error> {
        driver::api(&self.oauth, Step::Access(token), request, self.max_body)
            .run_async(self)
            .await
    }

    /// Sends an API request with Atlassian 2-legged OAuth, optionally impersonating a user.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_two_legged(
        &self,
        request: http::Request<Vec<u8>>,
        impersonate: Option<&str>,
    ) -> Result<Response<Vec<u8>>, Error> {
        let auth = Step::TwoLegged { impersonate };
        driver::api(&self.oauth, auth, request, self.max_body)
            .run_async(self)
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::signature::HmacSha;
    use crate::{ConsumerKey, ConsumerSecret, Endpoints, Signer, TokenSecret};

    fn assert_send<T: Send>(_: &T) {}

    /// Every operation's future can move to another thread (a multi-threaded runtime's task).
    #[test]
    fn async_operations_are_send() {
        let signer = Signer::new(
            ConsumerKey::new("k"),
            HmacSha::sha1(ConsumerSecret::new("s")),
        );
        let oauth = Consumer::new(signer, Endpoints::bitbucket("http://127.0.0.1:9").unwrap());
        let client = AsyncClient::new(oauth).unwrap();
        let request_token = Token::<Temporary>::new("rt", TokenSecret::new("rts"));
        let access = AccessToken::new(Token::new("at", TokenSecret::new("ats")), Vec::new());
        let verifier = Verifier::new("v");
        let get = || {
            http::Request::get("http://127.0.0.1:9/x")
                .body(Vec::new())
                .unwrap()
        };
        assert_send(&client.request_token("oob"));
        assert_send(&client.access_token(&request_token, &verifier));
        assert_send(&client.renew(&access));
        assert_send(&client.whoami(access.token()));
        assert_send(&client.send(get(), access.token()));
        assert_send(&client.send_two_legged(get(), Some("alice")));
    }
}
