//! `tracing` hooks (feature `tracing`); without the feature every hook is an empty inline
//! function, so a call site is one line either way.
//!
//! What is recorded, and nothing else: the HTTP method, the host, the path (never the query), the
//! signature method, the dance step, the final HTTP status, the outcome (`ok`, `refused`,
//! `error`) and the provider's `oauth_problem` name; on a clock correction, the seconds moved.
//! Never a secret, a parameter value or a base string.
//!
//! - span `oauth_exchange` (DEBUG): one adapter operation or one middleware attempt, with
//!   `step`, `method`, `host`, `path`, `signature_method`, then `status`, `outcome`, `problem`;
//! - span `oauth_sign` (DEBUG): one signing, with `step`, `method`, `host`, `path`,
//!   `signature_method`;
//! - event (DEBUG) `refused` with `problem` when a response is read as a provider refusal;
//! - event (WARN) `clock corrected` with `correction_secs` and `clock_offset_secs`.

use http::{Method, Uri};

use crate::flow::Step;

/// The dance step (or kind of call) a [`Step`](crate::flow::Step) signs for.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn step_name(auth: &Step<'_>) -> &'static str {
    match auth {
        Step::Access(_) => "call",
        Step::TwoLegged { .. } => "two_legged",
        Step::RequestToken { .. } => "request_token",
        Step::AccessToken { .. } => "access_token",
        Step::Renew { .. } => "renew",
    }
}

/// At most this many characters of a provider's own problem name are recorded.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
const MAX_PROBLEM_CHARS: usize = 64;

#[cfg(feature = "tracing")]
mod on {
    use std::future::Future;

    use http::{Method, StatusCode, Uri};
    use tracing::field::{Empty, display};
    use tracing::{Instrument as _, Span};

    use crate::flow::Error;
    use crate::flow::Step;
    use crate::problem::Problem;

    /// The span of one exchange (an adapter operation or a middleware attempt).
    #[derive(Debug)]
    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) struct Exchange(Span);

    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    impl Exchange {
        pub(crate) fn new(step: &'static str, method: &Method, uri: &Uri, signature: &str) -> Self {
            Self(tracing::debug_span!(
                "oauth_exchange",
                step = %step,
                method = %method,
                host = %uri.host().unwrap_or_default(),
                path = %uri.path(),
                signature_method = %signature,
                status = Empty,
                outcome = Empty,
                problem = Empty,
            ))
        }

        pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
            self.0.in_scope(f)
        }

        pub(crate) fn instrument<F: Future>(&self, f: F) -> impl Future<Output = F::Output> {
            f.instrument(self.0.clone())
        }

        pub(crate) fn status(&self, status: StatusCode) {
            self.0.record("status", status.as_u16());
        }

        /// Records how an adapter operation ended.
        pub(crate) fn finish<T>(&self, result: &Result<T, Error>) {
            let (outcome, problem) = match result {
                Ok(_) => ("ok", None),
                Err(Error::Provider(p)) => ("refused", Some(&p.problem)),
                Err(Error::TwoLeggedRefused { .. }) => ("refused", None),
                Err(_) => ("error", None),
            };
            self.end(outcome, problem);
        }

        /// Records how a middleware attempt ended: a non-2xx naming `oauth_problem` in its
        /// `WWW-Authenticate` header is `refused`.
        pub(crate) fn finish_response(&self, result: Result<(StatusCode, &http::HeaderMap), ()>) {
            match result {
                Ok((status, headers)) => {
                    self.status(status);
                    match Problem::from_response(status, headers, b"") {
                        Some(problem) if !status.is_success() => {
                            self.end("refused", Some(&problem));
                        }
                        _ => self.end("ok", None),
                    }
                }
                Err(()) => self.end("error", None),
            }
        }

        fn end(&self, outcome: &str, problem: Option<&Problem>) {
            self.0.record("outcome", display(outcome));
            if let Some(problem) = problem {
                let name = crate::text::clip(problem.problem.as_str(), super::MAX_PROBLEM_CHARS);
                self.0.record("problem", display(name));
            }
        }
    }

    /// Enters the span of one signing until the guard drops.
    pub(crate) fn signing<B>(
        auth: &Step<'_>,
        request: &http::Request<B>,
        signer: &crate::sign::Signer,
    ) -> tracing::span::EnteredSpan {
        tracing::debug_span!(
            "oauth_sign",
            step = %super::step_name(auth),
            method = %request.method(),
            host = %request.uri().host().unwrap_or_default(),
            path = %request.uri().path(),
            signature_method = %signer.method_name(),
        )
        .entered()
    }

    /// A response read as a provider refusal.
    pub(crate) fn refused(problem: &Problem) {
        let name = crate::text::clip(problem.problem.as_str(), super::MAX_PROBLEM_CHARS);
        tracing::debug!(problem = %name, status = problem.status.as_u16(), "refused");
    }

    /// The signer's clock moved after `timestamp_refused`.
    pub(crate) fn clock_corrected(correction: i64, offset: i64) {
        tracing::warn!(
            correction_secs = correction,
            clock_offset_secs = offset,
            "clock corrected"
        );
    }
}

#[cfg(not(feature = "tracing"))]
mod off {
    use std::future::Future;

    use http::{Method, StatusCode, Uri};

    use crate::flow::Error;
    use crate::flow::Step;
    use crate::problem::Problem;

    #[derive(Debug)]
    pub(crate) struct Exchange;

    #[allow(dead_code, clippy::unused_self)]
    impl Exchange {
        #[inline]
        pub(crate) fn new(_: &'static str, _: &Method, _: &Uri, _: &str) -> Self {
            Self
        }
        #[inline]
        pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
            f()
        }
        #[inline]
        pub(crate) fn instrument<F: Future>(&self, f: F) -> F {
            f
        }
        #[inline]
        pub(crate) fn status(&self, _: StatusCode) {}
        #[inline]
        pub(crate) fn finish<T>(&self, _: &Result<T, Error>) {}
        #[inline]
        pub(crate) fn finish_response(&self, _: Result<(StatusCode, &http::HeaderMap), ()>) {}
    }

    /// Stands for the entered span of the feature's `signing`.
    pub(crate) struct Entered;

    #[inline]
    pub(crate) fn signing<B>(
        _: &Step<'_>,
        _: &http::Request<B>,
        _: &crate::sign::Signer,
    ) -> Entered {
        Entered
    }
    #[inline]
    pub(crate) fn refused(_: &Problem) {}
    #[inline]
    pub(crate) fn clock_corrected(_: i64, _: i64) {}
}

#[cfg(not(feature = "tracing"))]
#[allow(unused_imports)]
pub(crate) use off::*;
#[cfg(feature = "tracing")]
pub(crate) use on::*;

/// Opens the span of an adapter operation or middleware attempt for `auth`'s step.
#[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
pub(crate) fn exchange(auth: &Step<'_>, method: &Method, uri: &Uri, signature: &str) -> Exchange {
    Exchange::new(step_name(auth), method, uri, signature)
}
