//! The reqwest adapter (feature `reqwest`): async [`AsyncClient`] and [`BlockingClient`].
//!
//! A thin layer over the sans-IO [`Client`] and [`Call`]: every attempt and every redirect hop
//! is signed afresh (new nonce and timestamp), the `Authorization` header never goes to another
//! origin, one `timestamp_refused` is answered by correcting the clock and retrying once, and
//! response bodies are read only up to a limit. reqwest's own redirect following is turned off
//! (the [`Call`] follows redirects itself, re-signing each hop).
//!
//! reqwest is built without TLS by this feature: enable `reqwest-native-tls`, or reqwest's own
//! `rustls` feature in your `Cargo.toml`, to reach an `https` server.

use std::time::Duration;

use http::Response;

use crate::call::{Call, Next};

use crate::flow::Step;
use crate::credentials::{Access, Temporary, Token, Verifier};
use crate::error::Error;
use crate::flow::{
    AccessToken, Client, MAX_TOKEN_RESPONSE_BYTES, PendingAccessToken, PendingRequestToken,
    SentRequest,
};

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

/// The answer of a token endpoint, turned into what its step expects.
fn token_step_sent(
    response: &Response<Vec<u8>>,
    sent: Option<SentRequest>,
) -> Result<SentRequest, Error> {
    sent.ok_or_else(|| {
        crate::flow::unexpected_response(
            response,
            "the token endpoint redirected to another host; the request was not signed there",
        )
    })
}

/// The final response of an API call: a refusal with `oauth_problem` becomes
/// [`Error::Provider`] (or, when the report is over this client's limits,
/// [`Error::UnexpectedResponse`]); any other status (a 404, a 500) is returned for the caller to
/// judge.
fn api_result(
    response: Response<Vec<u8>>,
    sent: Option<SentRequest>,
) -> Result<Response<Vec<u8>>, Error> {
    if let Some(sent) = &sent {
        // A 2xx is the answer, whatever its body says; a refusal is a non-2xx naming
        // `oauth_problem` (read, or over this client's limits), or Bitbucket's 401 that echoes
        // the request's OAuth parameters without one (a refused 2-legged request).
        if !response.status().is_success() {
            if crate::flow::mentions_problem(response.headers(), response.body()) {
                crate::flow::check_response(sent, &response)?;
            } else if let Some(refusal) = crate::flow::echoed_refusal(sent, &response) {
                return Err(refusal);
            }
        }
    }
    Ok(response)
}

fn whoami_result(response: Response<Vec<u8>>, sent: Option<SentRequest>) -> Result<String, Error> {
    let sent = token_step_sent(&response, sent)?;
    crate::flow::check_response(&sent, &response)?;
    Ok(String::from_utf8_lossy(response.body()).trim().to_owned())
}

fn whoami_call<'a>(client: &'a Client, token: &'a Token<Access>) -> Result<Call<'a>, Error> {
    Ok(Call::new(
        client,
        Step::Access(token),
        client.whoami_request()?,
    ))
}

/// The async adapter.
#[derive(Debug, Clone)]
pub struct AsyncClient {
    oauth: Client,
    http: ::reqwest::Client,
    max_body: usize,
}

impl AsyncClient {
    /// An adapter with its own reqwest client: redirects off (the adapter follows them),
    /// [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_TIMEOUT`].
    ///
    /// # Errors
    ///
    /// [`Error::Transport`] if reqwest cannot build a client.
    pub fn new(oauth: Client) -> Result<Self, Error> {
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
    pub fn with_http_client(oauth: Client, http: ::reqwest::Client) -> Self {
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
    pub fn oauth(&self) -> &Client {
        &self.oauth
    }

    async fn execute_one(
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

    /// Drives a [`Call`] to its final response, reading at most `limit` bytes of each body.
    ///
    /// # Errors
    ///
    /// Transport, signing and redirect errors, [`Error::ResponseTooLarge`].
    pub async fn drive(
        &self,
        mut call: Call<'_>,
        limit: usize,
    ) -> Result<(Response<Vec<u8>>, Option<SentRequest>), Error> {
        let mut request = call.start()?;
        loop {
            let response = self.execute_one(request, limit).await?;
            match call.receive(response)? {
                Next::Send(next) => request = next,
                Next::Done { response, sent } => return Ok((response, sent)),
            }
        }
    }

    /// Step 1: a request token (`callback`: an absolute URL, or `oob`).
    ///
    /// # Errors
    ///
    /// As [`Client::finish_request_token`], plus transport errors.
    pub async fn request_token(&self, callback: &str) -> Result<Token<Temporary>, Error> {
        let call = Call::request_token(&self.oauth, callback);
        let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES).await?;
        let sent = token_step_sent(&response, sent)?;
        self.oauth
            .finish_request_token(PendingRequestToken::from(sent), &response)
    }

    /// Step 3: the access token.
    ///
    /// # Errors
    ///
    /// As [`Client::finish_access_token`], plus transport errors.
    pub async fn access_token(
        &self,
        token: &Token<Temporary>,
        verifier: &Verifier,
    ) -> Result<AccessToken, Error> {
        let call = Call::access_token(&self.oauth, token, verifier);
        let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES).await?;
        let sent = token_step_sent(&response, sent)?;
        self.oauth
            .finish_access_token(PendingAccessToken::from(sent), &response)
    }

    /// Renews an access token with its session handle.
    ///
    /// # Errors
    ///
    /// As [`Client::finish_access_token`], plus transport errors.
    pub async fn renew(&self, access: &AccessToken) -> Result<AccessToken, Error> {
        let call = Call::renew(&self.oauth, access);
        let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES).await?;
        let sent = token_step_sent(&response, sent)?;
        self.oauth
            .finish_access_token(PendingAccessToken::from(sent), &response)
    }

    /// The user name behind an access token (Atlassian `whoami`).
    ///
    /// # Errors
    ///
    /// [`Error::Provider`] when the token is refused; transport errors.
    pub async fn whoami(&self, token: &Token<Access>) -> Result<String, Error> {
        let call = whoami_call(&self.oauth, token)?;
        let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES).await?;
        whoami_result(response, sent)
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
        let call = Call::new(&self.oauth, Step::Access(token), request);
        let (response, sent) = self.drive(call, self.max_body).await?;
        api_result(response, sent)
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
        let call = Call::new(&self.oauth, Step::TwoLegged { impersonate }, request);
        let (response, sent) = self.drive(call, self.max_body).await?;
        api_result(response, sent)
    }
}

/// The blocking adapter (reqwest's blocking client; do not use it inside an async runtime).
pub mod blocking {
    use std::io::Read as _;
    use std::time::{Duration, Instant};

    use http::Response;

    use super::{
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT, api_result,
        response_head, token_step_sent, too_large, transport, whoami_call, whoami_result,
    };
    use crate::call::{Call, Next};
    use crate::flow::Step;
    use crate::credentials::{Access, Temporary, Token, Verifier};
    use crate::error::Error;
    use crate::flow::{
        AccessToken, MAX_TOKEN_RESPONSE_BYTES, PendingAccessToken, PendingRequestToken, SentRequest,
    };

    /// The blocking adapter; the same operations as [`super::AsyncClient`].
    #[derive(Debug, Clone)]
    pub struct Client {
        oauth: crate::flow::Consumer,
        http: ::reqwest::blocking::Client,
        max_body: usize,
        body_timeout: Duration,
    }

    impl Client {
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

        fn execute_one(
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

        /// See [`super::AsyncClient::drive`].
        ///
        /// # Errors
        ///
        /// Transport, signing and redirect errors, [`Error::ResponseTooLarge`].
        pub fn drive(
            &self,
            mut call: Call<'_>,
            limit: usize,
        ) -> Result<(Response<Vec<u8>>, Option<SentRequest>), Error> {
            let mut request = call.start()?;
            loop {
                let response = self.execute_one(request, limit)?;
                match call.receive(response)? {
                    Next::Send(next) => request = next,
                    Next::Done { response, sent } => return Ok((response, sent)),
                }
            }
        }

        /// See [`super::AsyncClient::request_token`].
        ///
        /// # Errors
        ///
        /// As there.
        pub fn request_token(&self, callback: &str) -> Result<Token<Temporary>, Error> {
            let call = Call::request_token(&self.oauth, callback);
            let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES)?;
            let sent = token_step_sent(&response, sent)?;
            self.oauth
                .finish_request_token(PendingRequestToken::from(sent), &response)
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
            let call = Call::access_token(&self.oauth, token, verifier);
            let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES)?;
            let sent = token_step_sent(&response, sent)?;
            self.oauth
                .finish_access_token(PendingAccessToken::from(sent), &response)
        }

        /// See [`super::AsyncClient::renew`].
        ///
        /// # Errors
        ///
        /// As there.
        pub fn renew(&self, access: &AccessToken) -> Result<AccessToken, Error> {
            let call = Call::renew(&self.oauth, access);
            let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES)?;
            let sent = token_step_sent(&response, sent)?;
            self.oauth
                .finish_access_token(PendingAccessToken::from(sent), &response)
        }

        /// See [`super::AsyncClient::whoami`].
        ///
        /// # Errors
        ///
        /// As there.
        pub fn whoami(&self, token: &Token<Access>) -> Result<String, Error> {
            let call = whoami_call(&self.oauth, token)?;
            let (response, sent) = self.drive(call, MAX_TOKEN_RESPONSE_BYTES)?;
            whoami_result(response, sent)
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
            let call = Call::new(&self.oauth, Step::Access(token), request);
            let (response, sent) = self.drive(call, self.max_body)?;
            api_result(response, sent)
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
            let call = Call::new(&self.oauth, Step::TwoLegged { impersonate }, request);
            let (response, sent) = self.drive(call, self.max_body)?;
            api_result(response, sent)
        }
    }
}
