//! The blocking adapter (reqwest's blocking client; do not use it inside an async runtime).

use std::io::Read as _;
use std::time::{Duration, Instant};

use http::Response;

use super::driver;
use super::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT};
use super::{response_head, too_large, transport};
use crate::call::Call;
use crate::credentials::{Access, Temporary, Token, Verifier};
use crate::flow::Error;
use crate::flow::Step;
use crate::flow::{AccessToken, SentRequest};

/// The blocking adapter; the same operations as [`super::AsyncClient`].
#[derive(Debug, Clone)]
pub struct BlockingClient {
    oauth: crate::flow::Consumer,
    http: ::reqwest::blocking::Client,
    max_body: usize,
    body_timeout: Duration,
}

impl driver::SyncTransport for BlockingClient {
    fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
        limit: usize,
    ) -> Result<Response<Vec<u8>>, Error> {
        let deadline = Instant::now() + self.body_timeout;
        let request = ::reqwest::blocking::Request::try_from(request).map_err(transport)?;
        let mut response = self.http.execute(request).map_err(transport)?;
        let builder = response_head(
            response.status(),
            response.version(),
            response.content_length(),
            response.headers_mut(),
            limit,
        )?;
        let mut body = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if Instant::now() >= deadline {
                return Err(Error::Transport(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "the response body did not arrive within {} s (the adapter's body_timeout)",
                        self.body_timeout.as_secs_f64()
                    ),
                ))));
            }
            let n = match response.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Error::Transport(Box::new(e))),
            };
            if body.len() + n > limit {
                return Err(too_large(limit));
            }
            body.extend_from_slice(&chunk[..n]);
        }
        builder
            .body(body)
            .map_err(|e| Error::Transport(Box::new(e)))
    }
}

impl BlockingClient {
    /// See [`super::AsyncClient::new`].
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] if reqwest cannot build a client.
    pub fn new(oauth: crate::flow::Consumer) -> Result<Self, Error> {
        let http = ::reqwest::blocking::Client::builder()
            .redirect(::reqwest::redirect::Policy::none())
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .build()
            .map_err(transport)?;
        Ok(Self::with_http_client(oauth, http))
    }

    /// See [`super::AsyncClient::with_http_client`]: build it with redirects off.
    #[must_use]
    pub fn with_http_client(
        oauth: crate::flow::Consumer,
        http: ::reqwest::blocking::Client,
    ) -> Self {
        Self {
            oauth,
            http,
            max_body: DEFAULT_MAX_BODY_BYTES,
            body_timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the most bytes read of an API response body.
    #[must_use]
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body = limit;
        self
    }

    /// Sets the longest one exchange (request sent, whole body read) may take; default
    /// [`DEFAULT_TIMEOUT`]. reqwest's blocking timeout bounds each read, not the sum of them:
    /// this bounds a server that drips its body a few bytes at a time. Past it, the error is
    /// an [`Error::Transport`] whose [`Error::is_timeout`] is true.
    #[must_use]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The sans-IO client.
    #[must_use]
    pub fn oauth(&self) -> &crate::flow::Consumer {
        &self.oauth
    }

    /// See [`super::AsyncClient::drive`].
    ///
    /// # Errors
    ///
    /// Transport, signing and redirect errors, [`Error::ResponseTooLarge`].
    pub fn drive(
        &self,
        call: Call<'_>,
        limit: usize,
    ) -> Result<(Response<Vec<u8>>, Option<SentRequest>), Error> {
        driver::drive_sync(self, call, limit)
    }

    /// See [`super::AsyncClient::request_token`].
    ///
    /// # Errors
    ///
    /// As there.
    pub fn request_token(&self, callback: &str) -> Result<Token<Temporary>, Error> {
        driver::request_token(&self.oauth, callback).run_sync(self)
    }

    /// See [`super::AsyncClient::access_token`].
    ///
    /// # Errors
    ///
    /// As there.
    pub fn access_token(
        &self,
        token: &Token<Temporary>,
        verifier: &Verifier,
    ) -> Result<AccessToken, Error> {
        driver::access_token(&self.oauth, token, verifier).run_sync(self)
    }

    /// See [`super::AsyncClient::renew`].
    ///
    /// # Errors
    ///
    /// As there.
    pub fn renew(&self, access: &AccessToken) -> Result<AccessToken, Error> {
        driver::renew(&self.oauth, access).run_sync(self)
    }

    /// See [`super::AsyncClient::whoami`].
    ///
    /// # Errors
    ///
    /// As there.
    pub fn whoami(&self, token: &Token<Access>) -> Result<String, Error> {
        driver::whoami(&self.oauth, token)?.run_sync(self)
    }

    /// See [`super::AsyncClient::send`].
    ///
    /// # Errors
    ///
    /// As there.
    pub fn send(
        &self,
        request: http::Request<Vec<u8>>,
        token: &Token<Access>,
    ) -> Result<Response<Vec<u8>>, Error> {
        driver::api(&self.oauth, Step::Access(token), request, self.max_body).run_sync(self)
    }

    /// See [`super::AsyncClient::send_two_legged`].
    ///
    /// # Errors
    ///
    /// As there.
    pub fn send_two_legged(
        &self,
        request: http::Request<Vec<u8>>,
        impersonate: Option<&str>,
    ) -> Result<Response<Vec<u8>>, Error> {
        let auth = Step::TwoLegged { impersonate };
        driver::api(&self.oauth, auth, request, self.max_body).run_sync(self)
    }
}
