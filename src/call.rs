//! A transport-independent driver for one signed exchange: signs every attempt afresh, follows
//! redirects (each `Location` resolved by RFC 3986 §5, see [`crate::uri`]; each hop re-signed
//! for the URL it lands on; `Authorization` never sent to another origin), and retries once
//! after `timestamp_refused`.
//!
//! Only a `timestamp_refused` from the origin being called moves the clock, and only by what
//! its `oauth_acceptable_timestamps` window justifies: nothing when the timestamp we sent lies
//! inside it, else into the window (its middle, or [`TIMESTAMP_MARGIN_SECS`] past the nearer
//! edge of a wide one), never more than [`MAX_CLOCK_CORRECTION_SECS`]. The correction is the
//! [`Signer`](crate::Signer)'s: every clone of that signer (every [`Consumer`] and adapter built
//! from one) signs with the moved clock from then on; a signer built separately keeps its own.
//!
//! An HTTP client adapter is then a five-line loop; see the crate's `reqwest` module, or this one
//! with any `send` function:
//!
//! ```no_run
//! # use bitbucket_oauth::call::{Call, Next};
//! # use bitbucket_oauth::{Consumer, Error};
//! # fn send(r: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, Error> { unimplemented!() }
//! # fn demo(mut call: Call<'_>) -> Result<http::Response<Vec<u8>>, Error> {
//! let mut request = call.start()?;
//! loop {
//!     match call.receive(send(request)?)? {
//!         Next::Send(again) => request = again,
//!         Next::Done { response, .. } => return Ok(response),
//!     }
//! }
//! # }
//! ```

use http::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use http::{Method, Request as HttpRequest, Response, StatusCode, Uri};

use crate::credentials::{Access, Temporary, Token, Verifier};
use crate::error::{Error, UriProblem};
use crate::flow::{AccessToken, Consumer, SentRequest};
use crate::problem::{OAuthProblem, Problem};

/// The most redirects a [`Call`] follows by default.
pub const DEFAULT_MAX_REDIRECTS: usize = 10;

/// The largest clock correction (in seconds, either way) applied after `timestamp_refused`: a
/// provider window further off than a week is not trusted to move the signer's clock.
pub const MAX_CLOCK_CORRECTION_SECS: i64 = 7 * 24 * 3600;

/// How a [`Call`] signs each attempt.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Auth<'a> {
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

/// What to do after a response. Exhaustive on purpose: an adapter's loop matches both arms.
#[derive(Debug)]
pub enum Next {
    /// Send this (freshly signed) request next.
    Send(HttpRequest<Vec<u8>>),
    /// The exchange is over: here is the final response and what was last signed.
    Done {
        /// The final response (not checked for `oauth_problem`: see [`Consumer::check_response`]).
        response: Response<Vec<u8>>,
        /// What the last attempt signed. `None` when an API call's last hop went to another
        /// origin (sent without `Authorization`), or when a token endpoint redirected to another
        /// origin: then `response` is that redirect, and nothing was sent there.
        sent: Option<SentRequest>,
    },
}

/// One signed exchange; see the [module docs](self).
#[derive(Debug)]
pub struct Call<'a> {
    client: &'a Consumer,
    auth: Auth<'a>,
    request: HttpRequest<Vec<u8>>,
    origin: (String, String),
    hops: usize,
    max_redirects: usize,
    retried: bool,
    last_sent: Option<SentRequest>,
}

fn origin(uri: &Uri) -> (String, String) {
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_ascii_lowercase())
        .unwrap_or_default();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    let authority = match authority.strip_suffix(default_port) {
        Some(stripped) if !default_port.is_empty() => stripped.to_owned(),
        _ => authority,
    };
    (scheme, authority)
}

impl<'a> Call<'a> {
    /// A call of `request`, signed per `auth` on every attempt.
    #[must_use]
    pub fn new(client: &'a Consumer, auth: Auth<'a>, mut request: HttpRequest<Vec<u8>>) -> Self {
        // Sign the URI as a client built on `url` (reqwest) sends it; one that cannot be parsed
        // is left as it is, for signing to refuse with its precise problem.
        if let Ok(uri) = crate::uri::normalize(request.uri()) {
            *request.uri_mut() = uri;
        }
        let origin = origin(request.uri());
        Self {
            client,
            auth,
            request,
            origin,
            hops: 0,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            retried: false,
            last_sent: None,
        }
    }

    /// The request-token step as a call.
    #[must_use]
    pub fn request_token(client: &'a Consumer, callback: &'a str) -> Self {
        Self::new(
            client,
            Step::RequestToken { callback },
            post(client.endpoints().request_token()),
        )
    }

    /// The access-token step as a call.
    #[must_use]
    pub fn access_token(
        client: &'a Consumer,
        token: &'a Token<Temporary>,
        verifier: &'a Verifier,
    ) -> Self {
        Self::new(
            client,
            Step::AccessToken { token, verifier },
            post(client.endpoints().access_token()),
        )
    }

    /// Renewal as a call.
    #[must_use]
    pub fn renew(client: &'a Consumer, access: &'a AccessToken) -> Self {
        Self::new(
            client,
            Step::Renew { access },
            post(client.endpoints().access_token()),
        )
    }

    /// Follow at most `max` redirects (default [`DEFAULT_MAX_REDIRECTS`]).
    #[must_use]
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.max_redirects = max;
        self
    }

    /// The first request to send.
    ///
    /// # Errors
    ///
    /// Signing errors.
    pub fn start(&mut self) -> Result<HttpRequest<Vec<u8>>, Error> {
        if let Step::TwoLegged {
            impersonate: Some(user),
        } = self.auth
        {
            // Add `user_id` once, to the original request, then sign it like any query parameter.
            let mut scratch = std::mem::take(&mut self.request);
            self.client.add_user_id(&mut scratch, user)?;
            self.request = scratch;
        }
        self.signed_current()
    }

    fn signed_current(&mut self) -> Result<HttpRequest<Vec<u8>>, Error> {
        let mut request = clone_request(&self.request);
        request.headers_mut().remove(AUTHORIZATION);
        if origin(request.uri()) != self.origin {
            // Never send our Authorization header to another origin.
            self.last_sent = None;
            return Ok(request);
        }
        let sent = self.client.sign_for(&mut request, self.auth)?;
        self.last_sent = Some(sent);
        Ok(request)
    }

    /// Takes the response to the last request sent and says what to do next.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyRedirects`], [`Error::InvalidUri`] for an unusable `Location`, signing
    /// errors.
    pub fn receive(&mut self, response: Response<Vec<u8>>) -> Result<Next, Error> {
        let status = response.status();
        // `last_sent` is `None` unless the response comes from the origin being called (a hop to
        // another origin is sent unsigned): no one else's refusal moves the clock.
        if let (false, false, Some(sent)) = (self.retried, status.is_success(), &self.last_sent)
            && let Some(problem) =
                Problem::from_response(status, response.headers(), response.body())
            && let Some(delta) = clock_correction(&problem, sent.timestamp())
        {
            self.retried = true;
            let signer = self.client.signer();
            signer.set_clock_offset(signer.clock_offset().saturating_add(delta));
            return self.signed_current().map(Next::Send);
        }
        if is_followed_redirect(status)
            && let Some(location) = response.headers().get(LOCATION)
        {
            if self.hops >= self.max_redirects {
                return Err(Error::TooManyRedirects {
                    limit: self.max_redirects,
                });
            }
            self.hops += 1;
            // A `Location` in UTF-8 (not only ASCII) is read too: the URL parser percent-encodes
            // it as a browser would.
            let location = std::str::from_utf8(location.as_bytes())
                .map_err(|_| Error::InvalidUri(UriProblem::Unparsable))?;
            let next = crate::uri::resolve(self.request.uri(), location)?;
            // A redirect to the public address of endpoints signed for another base URL is
            // followed at the address we connect to.
            let next = self.client.endpoints().connect_uri(&next).unwrap_or(next);
            // Validates host and port (a port over 65535 is `UriProblem::BadPort`).
            crate::base_string::base_string_uri(&next)?;
            if self.is_token_step() && origin(&next) != self.origin {
                // A token endpoint sent elsewhere: stop here rather than hand another host
                // the request (the caller reports it, see `Next::Done { sent: None }`).
                return Ok(Next::Done {
                    response,
                    sent: None,
                });
            }
            *self.request.uri_mut() = next;
            if matches!(
                status,
                StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND | StatusCode::SEE_OTHER
            ) && self.request.method() != Method::HEAD
            {
                *self.request.method_mut() = Method::GET;
                self.request.body_mut().clear();
                self.request.headers_mut().remove(CONTENT_TYPE);
                self.request.headers_mut().remove(CONTENT_LENGTH);
            }
            return self.signed_current().map(Next::Send);
        }
        Ok(Next::Done {
            response,
            sent: self.last_sent.take(),
        })
    }
}

impl Call<'_> {
    fn is_token_step(&self) -> bool {
        matches!(
            self.auth,
            Step::RequestToken { .. } | Step::AccessToken { .. } | Step::Renew { .. }
        )
    }
}

fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

fn post(uri: &Uri) -> HttpRequest<Vec<u8>> {
    let mut request = HttpRequest::new(Vec::new());
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri.clone();
    request
}

fn clone_request(request: &HttpRequest<Vec<u8>>) -> HttpRequest<Vec<u8>> {
    let mut copy = HttpRequest::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// The clock correction a refusal justifies, in seconds to add to the signer's clock: only for
/// `timestamp_refused` with a well-formed `oauth_acceptable_timestamps=low-high` that does not
/// contain the timestamp we sent (`sent`). The correction lands the next timestamp inside the
/// window, at its middle or at most [`TIMESTAMP_MARGIN_SECS`] past the nearer edge,
/// whichever is closer to where we are, and is never more than [`MAX_CLOCK_CORRECTION_SECS`].
///
/// Every clone of the [`Signer`](crate::Signer) shares the correction (it lives behind the
/// signer's `Arc`): every [`Consumer`] and adapter built from those clones signs with the moved
/// clock. A signer built separately keeps its own.
pub(crate) fn clock_correction(problem: &Problem, sent: u64) -> Option<i64> {
    if problem.problem != OAuthProblem::TimestampRefused {
        return None;
    }
    let (low, high) = problem.acceptable_timestamps?;
    let (low, high, sent) = (i128::from(low), i128::from(high), i128::from(sent));
    if low > high || (low..=high).contains(&sent) {
        return None;
    }
    let margin = ((high - low) / 2).min(i128::from(TIMESTAMP_MARGIN_SECS));
    let target = if sent < low {
        low + margin
    } else {
        high - margin
    };
    i64::try_from(target - sent)
        .ok()
        .filter(|d| d.unsigned_abs() <= MAX_CLOCK_CORRECTION_SECS.unsigned_abs())
}

/// How far inside a provider's timestamp window a clock correction aims, at most: half of
/// Bitbucket's ±300 s window is the whole margin it needs.
pub const TIMESTAMP_MARGIN_SECS: u64 = 300;

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(window: Option<(u64, u64)>) -> Problem {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, OAuthProblem::TimestampRefused);
        p.acceptable_timestamps = window;
        p
    }

    #[test]
    fn only_a_window_that_excludes_us_moves_the_clock() {
        // Bitbucket's window: ±300 s around its clock, which is 1000 s ahead of ours.
        assert_eq!(
            clock_correction(&refused(Some((1_700, 2_300))), 1_000),
            Some(1_000)
        );
        assert_eq!(
            clock_correction(&refused(Some((0, 600))), 1_000),
            Some(-700)
        );
        // Our timestamp was acceptable: nothing to correct.
        assert_eq!(clock_correction(&refused(Some((900, 1_500))), 1_000), None);
        // A huge window justifies only reaching it (plus the margin), not its middle.
        assert_eq!(
            clock_correction(&refused(Some((2_000, 9_000_000))), 1_000),
            Some(1_300)
        );
        // Beyond a week, or no window, or another problem: never.
        assert_eq!(
            clock_correction(&refused(Some((1_000_000, 1_000_600))), 1_000),
            None
        );
        assert_eq!(clock_correction(&refused(None), 1_000), None);
        let mut other = refused(Some((1_700, 2_300)));
        other.problem = OAuthProblem::SignatureInvalid;
        assert_eq!(clock_correction(&other, 1_000), None);
    }

    #[test]
    fn origins_ignore_default_ports_and_case() {
        assert_eq!(
            origin(&"https://H:443/x".parse().unwrap()),
            origin(&"https://h/y".parse().unwrap())
        );
        assert_ne!(
            origin(&"http://h/x".parse().unwrap()),
            origin(&"https://h/x".parse().unwrap())
        );
    }
}
