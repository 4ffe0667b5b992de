//! The crate's error type.

use crate::params::Source;

/// Why a URI cannot be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UriProblem {
    /// The URI has no scheme: sign an absolute URI such as `https://host/path`.
    NoScheme,
    /// The URI has no host, or an empty one.
    NoHost,
    /// The host is malformed (for example an unclosed `[` of an IPv6 address).
    BadHost,
    /// The port is not a number from 0 to 65535.
    BadPort,
    /// The URI could not be parsed at all.
    Unparsable,
}

impl std::fmt::Display for UriProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoScheme => "it has no scheme; sign an absolute URI such as https://host/path",
            Self::NoHost => "it has no host; sign an absolute URI such as https://host/path",
            Self::BadHost => "its host is malformed (an IPv6 address must be written [addr])",
            Self::BadPort => "its port is not a number from 0 to 65535",
            Self::Unparsable => "it is not a valid URI",
        })
    }
}

/// Everything that can go wrong in this crate.
///
/// Messages name the problem and what to check, and never contain a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request URI cannot be signed.
    #[error("cannot sign this URI: {0}")]
    InvalidUri(UriProblem),

    /// A query string or form body has a `%` not followed by two hex digits.
    #[error(
        "malformed percent-encoding in the {location} at byte {offset}: `%` must be followed by two hex digits"
    )]
    MalformedEncoding {
        /// Where the bad escape is.
        location: Source,
        /// Byte offset of the `%` within that part.
        offset: usize,
    },

    /// A text given as a signature base string is not one.
    #[error("not a signature base string: expected three `&`-separated, percent-encoded parts")]
    MalformedBaseString,

    /// A protocol parameter given by the caller is not acceptable.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter, e.g. `oauth_callback`.
        name: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// The request already carries a protocol parameter that signing would add again.
    #[error(
        "the request's query or form body already contains `{name}`; protocol parameters go in one place only (RFC 5849 §3.5), remove it from the request"
    )]
    DuplicateProtocolParameter {
        /// The encoded parameter name.
        name: String,
    },

    /// The `realm` contains a character that cannot appear in a header.
    #[error("invalid realm: it must be printable ASCII without control characters")]
    InvalidRealm,

    /// No `oauth_body_hash` can be made for this request (see [`crate::body_hash`]).
    #[error(transparent)]
    BodyHash(#[from] crate::body_hash::BodyHashError),

    /// Loading, generating or exporting a key failed.
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),

    /// The signature method failed to produce a signature.
    #[error("signing failed ({method}): {reason}")]
    Signing {
        /// The signature method's name, e.g. `RSA-SHA1`.
        method: String,
        /// What went wrong, without secrets.
        reason: String,
    },

    /// The provider refused the request with an `oauth_problem`.
    #[error("{0}")]
    Provider(Box<ProviderError>),

    /// Bitbucket refused a 2-legged request without naming a problem: a `401` whose
    /// `WWW-Authenticate: OAuth` challenge echoes the request's own `oauth_*` parameters. It
    /// answers so when "Allow 2-Legged OAuth" or "Allow user impersonation" is off for the
    /// consumer, or when the user the request acts as cannot log in.
    #[error(
        "the provider refused the 2-legged request without naming a problem (HTTP 401 echoing the request's OAuth parameters): in the Application Link's Incoming Authentication for consumer `{}`, check \"Allow 2-Legged OAuth\"{}, and that the user it acts as ({}) exists and can log in",
        crate::flow::clip(consumer_key, 64),
        if user.is_some() { ", \"Allow user impersonation\" (the request names a user)" } else { "" },
        user.as_deref().map_or_else(|| "the \"Execute as\" user".to_owned(), |u| format!("`{}`", crate::flow::clip(u, 64)))
    )]
    TwoLeggedRefused {
        /// The consumer key the request was signed with.
        consumer_key: String,
        /// The user the request asked to act as (`xoauth_requestor_id`, else `user_id`), if any.
        user: Option<String>,
    },

    /// The response is not what the protocol step expects, and carries no `oauth_problem`.
    #[error("unexpected response (HTTP {}): {reason}{}; body: {body:?}", status.as_u16(), content_type.as_deref().map(|c| format!(", Content-Type {c}")).unwrap_or_default())]
    UnexpectedResponse {
        /// The HTTP status.
        status: http::StatusCode,
        /// What looks wrong.
        reason: &'static str,
        /// The response's `Content-Type`, if any.
        content_type: Option<String>,
        /// A bounded excerpt of the body, secrets redacted (see [`crate::flow::body_excerpt`]).
        body: String,
    },

    /// A token response lacks a field, repeats one, or is malformed.
    #[error("invalid token response: {reason}")]
    InvalidTokenResponse {
        /// What is wrong.
        reason: &'static str,
    },

    /// A response body exceeds what this step reads.
    #[error("the response body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// A token response has more parameters than
    /// [`MAX_TOKEN_RESPONSE_PARAMS`](crate::flow::MAX_TOKEN_RESPONSE_PARAMS).
    #[error(
        "the token response has more than the limit of {limit} parameters (flow::MAX_TOKEN_RESPONSE_PARAMS)"
    )]
    TooManyParameters {
        /// The limit.
        limit: usize,
    },

    /// The request-token response lacks `oauth_callback_confirmed=true` (RFC 5849 §2.1).
    #[error(
        "the provider did not confirm the callback (oauth_callback_confirmed=true missing): it may be an OAuth 1.0 (not 1.0a) provider, or the response was tampered with"
    )]
    CallbackNotConfirmed,

    /// The user denied access on the authorization page (`oauth_verifier=denied`).
    #[error("the user denied access on the authorization page")]
    UserDenied,

    /// The callback's `oauth_token` is not the pending request token: a forged or stale callback.
    #[error(
        "the callback's oauth_token does not match the pending request token: a forged or stale callback (start the dance again)"
    )]
    CallbackTokenMismatch,

    /// The callback lacks a field.
    #[error("the callback lacks {field}")]
    CallbackMissing {
        /// The missing field.
        field: &'static str,
    },

    /// A redirect chain is longer than the limit.
    #[error("more than {limit} redirects (a redirect loop?)")]
    TooManyRedirects {
        /// The limit.
        limit: usize,
    },

    /// The HTTP transport failed (adapters only).
    #[error("HTTP transport error: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),

    /// The nonce source failed (for the default source: the operating system's random number
    /// generator is unavailable).
    #[error("could not generate a nonce: {0}")]
    Nonce(String),
}

/// A provider's refusal, with our side of the story.
///
/// It keeps no secret value, so neither `Debug` nor `Display` shows one: base strings appear
/// as [`crate::redact::redact`] renders them, in `our_base_string` and in the problem's
/// `provider_base_string`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderError {
    /// What the provider said.
    pub problem: crate::problem::Problem,
    /// With `signature_invalid` and the provider's base string: how it differs from ours
    /// (compared on the real values; secret values shown as `<redacted>`).
    pub differences: Vec<crate::explain::Difference>,
    /// With `timestamp_refused` and an `oauth_acceptable_timestamps` window that excludes the
    /// timestamp we sent: the seconds to add to our clock that the window justifies.
    pub clock_offset: Option<i64>,
    /// The base string we signed, with the values of `oauth_verifier`, `oauth_session_handle`,
    /// `oauth_token_secret` and `oauth_signature` replaced by `<redacted>`
    /// ([`crate::redact::redact`]). The exact one is [`crate::SentRequest::base_string`].
    pub our_base_string: String,
}

impl std::fmt::Display for ProviderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.problem)?;
        if let Some(offset) = self.clock_offset {
            write!(
                f,
                " Measured clock offset: our clock is {} seconds {} the provider's.",
                offset.unsigned_abs(),
                if offset > 0 { "behind" } else { "ahead of" }
            )?;
        }
        if !self.differences.is_empty() {
            f.write_str(" Base string differences:")?;
            for d in self.differences.iter().take(10) {
                write!(f, "\n  - {d}")?;
            }
            if self.differences.len() > 10 {
                write!(f, "\n  - ... and {} more", self.differences.len() - 10)?;
            }
        }
        Ok(())
    }
}

impl Error {
    /// Whether this is a transport error caused by a timeout (reqwest's, or an adapter's own
    /// deadline), as opposed to a refused connection or a malformed response.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        let Self::Transport(source) = self else {
            return false;
        };
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
        // Bounded: a cyclic source chain must not hang this.
        for _ in 0..32 {
            let Some(e) = cause else { break };
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::TimedOut {
                    return true;
                }
                // `io::Error::source` skips the wrapped error itself; look at it.
                if let Some(inner) = io.get_ref() {
                    cause = Some(inner);
                    continue;
                }
            }
            #[cfg(feature = "reqwest")]
            if e.downcast_ref::<::reqwest::Error>()
                .is_some_and(::reqwest::Error::is_timeout)
            {
                return true;
            }
            cause = e.source();
        }
        false
    }

    /// The provider's problem, when this is a refusal.
    #[must_use]
    pub fn problem(&self) -> Option<&crate::problem::Problem> {
        match self {
            Self::Provider(p) => Some(&p.problem),
            _ => None,
        }
    }
}
