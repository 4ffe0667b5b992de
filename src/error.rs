//! What can go wrong while signing: the error of the bottom layers (URIs, parameters, the base
//! string, nonces, keys, signature methods). It depends on nothing above them; the dance's
//! [`Error`](crate::Error) wraps it.

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

/// Where a parameter came from; used in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The query component of the request URI.
    Query,
    /// An `application/x-www-form-urlencoded` entity-body.
    FormBody,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Query => "query string",
            Self::FormBody => "form body",
        })
    }
}

/// What can go wrong while building or signing a request.
///
/// Messages name the problem and what to check, and never contain a secret. The dance's
/// [`Error`](crate::Error) wraps it as [`Error::Sign`](crate::Error::Sign).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
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

    /// The nonce source failed (for the default source: the operating system's random number
    /// generator is unavailable).
    #[error("could not generate a nonce: {0}")]
    Nonce(String),
}
