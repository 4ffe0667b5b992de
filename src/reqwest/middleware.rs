//! A [`reqwest_middleware`] middleware that signs every request it sees (feature
//! `reqwest-middleware`).
//!
//! [`SigningMiddleware`] signs each attempt afresh, with a new nonce and timestamp, through the
//! same [`Consumer`] as the rest of the crate (its endpoints, realm and signer). Add it **after**
//! a retry middleware such as `reqwest-retry`'s, so that it runs inside the retry loop and every
//! retry is signed again: a provider refuses a nonce it has seen (`nonce_used`).
//!
//! ```no_run
//! # async fn demo(oauth: bitbucket_oauth::Consumer, token: bitbucket_oauth::Token<bitbucket_oauth::Access>)
//! # -> Result<(), reqwest_middleware::Error> {
//! use bitbucket_oauth::reqwest::middleware::SigningMiddleware;
//!
//! let http = reqwest::Client::builder()
//!     // Redirects change the URL that was signed: let them come back to you.
//!     .redirect(reqwest::redirect::Policy::none())
//!     .build()?;
//! let client = reqwest_middleware::ClientBuilder::new(http)
//!     // .with(reqwest_retry::RetryTransientMiddleware::new_with_policy(policy))
//!     .with(SigningMiddleware::access(oauth, token))
//!     .build();
//! let response = client
//!     .get("https://bitbucket.example.com/rest/api/1.0/projects")
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! The middleware signs and passes the response on as it comes: a refusal is a response with
//! status 401 (or 400, 503) and `oauth_problem` in `WWW-Authenticate`; use [`AsyncClient`](super::AsyncClient)
//! for typed refusals, redirects re-signed hop by hop and the clock correction.

use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use crate::credentials::{Access, Token};
use crate::flow::Consumer;
use crate::flow::Error;

/// How the middleware signs.
#[derive(Debug, Clone)]
enum Mode {
    Access(Token<Access>),
    TwoLegged { impersonate: Option<String> },
}

/// Signs every request with an access token, or Atlassian 2-legged; see the
/// [module docs](self).
#[derive(Debug, Clone)]
pub struct SigningMiddleware {
    oauth: Consumer,
    mode: Mode,
}

impl SigningMiddleware {
    /// Signs every request with `token`.
    #[must_use]
    pub fn access(oauth: Consumer, token: Token<Access>) -> Self {
        Self {
            oauth,
            mode: Mode::Access(token),
        }
    }

    /// Signs every request with Atlassian 2-legged OAuth (an empty `oauth_token`), adding
    /// `user_id=<impersonate>` to each request's query when given (see
    /// [`Consumer::sign_two_legged`]).
    #[must_use]
    pub fn two_legged(oauth: Consumer, impersonate: Option<&str>) -> Self {
        Self {
            oauth,
            mode: Mode::TwoLegged {
                impersonate: impersonate.map(str::to_owned),
            },
        }
    }

    /// The sans-IO client that signs.
    #[must_use]
    pub fn oauth(&self) -> &Consumer {
        &self.oauth
    }

    /// Signs `request` in place: its `Authorization` header, and for 2-legged impersonation its
    /// `user_id` query parameter.
    ///
    /// # Errors
    ///
    /// Signing errors; [`SignError::InvalidParameter`](crate::SignError::InvalidParameter) for a form body given as a stream (its
    /// parameters must be signed, and a stream cannot be read twice); [`SignError::InvalidUri`](crate::SignError::InvalidUri).
    pub fn sign(&self, request: &mut ::reqwest::Request) -> Result<(), Error> {
        let is_form = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .is_some_and(|ct| crate::sign::is_form_urlencoded(ct.as_bytes()));
        let body = match request.body().map(::reqwest::Body::as_bytes) {
            None => &[][..],
            Some(Some(bytes)) => bytes,
            // Only a form body is signed: another body's bytes do not matter.
            Some(None) if !is_form => &[][..],
            Some(None) => {
                return Err(crate::SignError::InvalidParameter {
                    name: "body",
                    reason: "a form body given as a stream cannot be signed; give reqwest the body as bytes (RequestBuilder::body with a String or Vec, or form)",
                }
                .into());
            }
        };
        let uri: http::Uri = request
            .url()
            .as_str()
            .parse()
            .map_err(|_| crate::SignError::InvalidUri(crate::error::UriProblem::Unparsable))?;
        let mut signed = http::Request::new(body);
        *signed.method_mut() = request.method().clone();
        *signed.uri_mut() = uri;
        *signed.headers_mut() = request.headers().clone();
        signed.headers_mut().remove(http::header::AUTHORIZATION);
        let impersonate = match &self.mode {
            Mode::Access(token) => {
                self.oauth.sign_request(&mut signed, token)?;
                None
            }
            Mode::TwoLegged { impersonate } => {
                self.oauth
                    .sign_two_legged(&mut signed, impersonate.as_deref())?;
                impersonate.as_ref()
            }
        };
        // With `user_id` added, the URL to send is the one signed.
        let url =
            match impersonate {
                Some(_) => Some(::reqwest::Url::parse(&signed.uri().to_string()).map_err(
                    |_| crate::SignError::InvalidUri(crate::error::UriProblem::Unparsable),
                )?),
                None => None,
            };
        let authorization = signed.headers_mut().remove(http::header::AUTHORIZATION);
        if let Some(url) = url {
            *request.url_mut() = url;
        }
        if let Some(authorization) = authorization {
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, authorization);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Middleware for SigningMiddleware {
    async fn handle(
        &self,
        mut request: ::reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<::reqwest::Response> {
        let trace = crate::flow::trace::Exchange::new(
            match self.mode {
                Mode::Access(_) => "call",
                Mode::TwoLegged { .. } => "two_legged",
            },
            request.method(),
            &request.url().as_str().parse().unwrap_or_default(),
            self.oauth.signer().method_name(),
        );
        let result = trace
            .instrument(async {
                self.sign(&mut request)
                    .map_err(reqwest_middleware::Error::middleware)?;
                next.run(request, extensions).await
            })
            .await;
        trace.finish_response(
            result
                .as_ref()
                .map(|r| (r.status(), r.headers()))
                .map_err(|_| ()),
        );
        result
    }
}
