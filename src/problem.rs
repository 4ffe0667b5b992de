//! Provider refusals: `oauth_problem` and its companions, as the OAuth Problem Reporting
//! extension defines them and Atlassian's servlet sends them.
//!
//! A provider says why it refused a request in a `WWW-Authenticate: OAuth realm="..",
//! oauth_problem="..", ...` header and, on Atlassian servers, with the same parameters
//! form-encoded in the body. [`Problem::from_response`] reads both.

use std::collections::HashSet;
use std::fmt;

use http::header::WWW_AUTHENTICATE;
use http::{HeaderMap, StatusCode};

use crate::encode;
use crate::header::parse_oauth_header;
use crate::redact;

/// The longest response body [`Problem::from_response`] reads for a problem report, in bytes.
/// A longer body is not a problem report (and still shows, cut short, in
/// [`crate::Error::UnexpectedResponse`]).
pub(crate) const MAX_PROBLEM_BODY_BYTES: usize = 64 * 1024;
/// The most parameters [`Problem::from_response`] keeps from the `WWW-Authenticate` headers, and
/// separately from the body.
pub(crate) const MAX_PROBLEM_PARAMS: usize = 256;

macro_rules! problems {
    ($($variant:ident => $name:literal, $advice:literal;)*) => {
        /// The value of `oauth_problem`. Unknown names survive as [`OAuthProblem::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum OAuthProblem {
            $(
                #[doc = concat!("`", $name, "`: ", $advice)]
                $variant,
            )*
            /// A problem name this crate does not know, kept verbatim.
            Other(String),
        }

        impl OAuthProblem {
            /// Every known problem, in a stable order.
            pub const KNOWN: &'static [OAuthProblem] = &[$(OAuthProblem::$variant),*];

            /// Maps a wire name to a problem; unknown names become [`OAuthProblem::Other`].
            #[must_use]
            pub fn from_name(name: &str) -> Self {
                match name {
                    $($name => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }

            /// The wire name.
            #[must_use]
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Other(name) => name,
                }
            }

            /// What to check, in a sentence.
            #[must_use]
            pub fn advice(&self) -> &'static str {
                match self {
                    $(Self::$variant => $advice,)*
                    Self::Other(_) => "the provider reported a problem this client does not know; see the provider's advice and logs",
                }
            }
        }
    };
}

problems! {
    VersionRejected => "version_rejected", "the provider does not accept oauth_version=1.0 as sent; try without oauth_version";
    ParameterAbsent => "parameter_absent", "a required parameter is missing (see the parameters listed as absent)";
    ParameterRejected => "parameter_rejected", "a parameter was not accepted (see the parameters listed as rejected)";
    TimestampRefused => "timestamp_refused", "oauth_timestamp is outside the provider's window (about +-5 minutes on Atlassian servers): fix this machine's clock or apply the measured clock offset";
    NonceUsed => "nonce_used", "this nonce was already used: every request, including each retry, must be signed afresh";
    SignatureMethodRejected => "signature_method_rejected", "the provider does not accept this signature method; a Bitbucket consumer registered with a public key must use RSA-SHA1";
    SignatureInvalid => "signature_invalid", "the provider computed a different signature: check that the base URL you use is exactly the one the server believes it serves (scheme, host, port and context path; a reverse proxy often changes these), that the key is the one whose public key was registered, and compare the base strings";
    ConsumerKeyUnknown => "consumer_key_unknown", "the provider does not know this consumer key: check the Incoming Authentication consumer key in the Application Link";
    ConsumerKeyRejected => "consumer_key_rejected", "the consumer key is permanently refused: ask the admin to check the Application Link";
    ConsumerKeyRefused => "consumer_key_refused", "the consumer key is temporarily refused (for example a rate limit); try again later";
    TokenUsed => "token_used", "this token was already used (a request token can be exchanged only once; Bitbucket says so only on its authorization page): start the dance again";
    TokenExpired => "token_expired", "the token has expired (Atlassian request tokens live 10 minutes): start the dance again, or renew the access token";
    TokenRevoked => "token_revoked", "the user or an admin revoked the token: authorize again";
    TokenRejected => "token_rejected", "the provider does not accept this token: it is unknown or mistyped, was already exchanged, was replaced by a renewal, was revoked, or was issued to another consumer; or the oauth_verifier or session handle does not belong to it. Start the dance again";
    TokenNotAuthorized => "token_not_authorized", "the request token has not been authorized by the user yet";
    AdditionalAuthorizationRequired => "additional_authorization_required", "the token lacks some authorization: authorize again";
    PermissionUnknown => "permission_unknown", "the user has not approved the request token yet (Bitbucket's answer to an exchange before approval): wait until the user has approved on the authorization page, then exchange it";
    PermissionDenied => "permission_denied", "the user denied access on the authorization page (an exchange after denial), or the session behind the access token has expired (a renewal after the authorization expired): authorize again";
    UserRefused => "user_refused", "the user refused access";
}

impl fmt::Display for OAuthProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider's refusal, with everything it said.
///
/// `Debug` shows the provider's base string redacted (see [`crate::redact`]).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Problem {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// `oauth_problem`.
    pub problem: OAuthProblem,
    /// `oauth_problem_advice`: the provider's own free text.
    pub advice: Option<String>,
    /// `oauth_acceptable_timestamps=a-b` (with `timestamp_refused`).
    pub acceptable_timestamps: Option<(u64, u64)>,
    /// `oauth_acceptable_versions=a-b`, kept as sent.
    pub acceptable_versions: Option<String>,
    /// `oauth_acceptable_signature_methods`, split on `&`.
    pub acceptable_signature_methods: Vec<String>,
    /// `oauth_parameters_absent`, split on `&`.
    pub parameters_absent: Vec<String>,
    /// `oauth_parameters_rejected`, split on `&`.
    pub parameters_rejected: Vec<String>,
    /// `oauth_signature_base_string`: the base string the provider computed
    /// (with `signature_invalid`).
    pub provider_base_string: Option<String>,
    /// The challenge's `realm`.
    pub realm: Option<String>,
    /// Any other parameters, in order (the values of the
    /// [secret parameters](crate::redact::SECRET_PARAMETERS), should a provider send them, are
    /// replaced by `<redacted>`).
    pub other: Vec<(String, String)>,
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("status", &self.status)
            .field("problem", &self.problem)
            .field("advice", &self.advice)
            .field("acceptable_timestamps", &self.acceptable_timestamps)
            .field("acceptable_versions", &self.acceptable_versions)
            .field(
                "acceptable_signature_methods",
                &self.acceptable_signature_methods,
            )
            .field("parameters_absent", &self.parameters_absent)
            .field("parameters_rejected", &self.parameters_rejected)
            .field(
                "provider_base_string",
                &self.provider_base_string.as_deref().map(redact::redact),
            )
            .field("realm", &self.realm)
            .field("other", &self.other)
            .finish()
    }
}

impl Problem {
    /// A problem with only a name and a status.
    #[must_use]
    pub fn new(status: StatusCode, problem: OAuthProblem) -> Self {
        Self {
            status,
            problem,
            advice: None,
            acceptable_timestamps: None,
            acceptable_versions: None,
            acceptable_signature_methods: Vec::new(),
            parameters_absent: Vec::new(),
            parameters_rejected: Vec::new(),
            provider_base_string: None,
            realm: None,
            other: Vec::new(),
        }
    }

    /// Reads `oauth_problem` and companions from the `WWW-Authenticate: OAuth` challenge that
    /// names an `oauth_problem` and from a form-encoded body (whatever its `Content-Type`:
    /// Atlassian's servlet sends `application/x-www-form-urlencoded;charset=UTF-8`, some proxies
    /// `text/plain`). The header wins where both carry a parameter, and the first of repeated
    /// body parameters wins. `None` when neither names an `oauth_problem`.
    ///
    /// Only one challenge is read: Bitbucket adds a second, bare `OAuth realm="…"` challenge to a
    /// refused resource request, and echoes the request's own `oauth_*` parameters in a challenge
    /// when it refuses a 2-legged request; neither is part of the report. When no challenge
    /// names a problem, the first challenge's `realm` is still kept.
    ///
    /// The work is bounded whatever the response: a body longer than 64 KiB
    /// is not read (a problem report is a few hundred bytes), headers that are not valid `OAuth`
    /// challenges or exceed the limits of [`parse_oauth_header`](crate::rfc5849::parse_oauth_header) are skipped, and at most
    /// 256 parameters are kept from the header and as many from the body.
    #[must_use]
    pub fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Self> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut realm: Option<String> = None;
        for value in headers.get_all(WWW_AUTHENTICATE) {
            let Ok(text) = value.to_str() else { continue };
            let Ok(params) = parse_oauth_header(text) else {
                continue;
            };
            if params.get("oauth_problem").is_some() {
                pairs.extend(
                    params
                        .iter()
                        .take(MAX_PROBLEM_PARAMS)
                        .map(|(n, v)| (n.to_owned(), v.to_owned())),
                );
                break;
            }
            if realm.is_none() {
                realm = params.get("realm").map(str::to_owned);
            }
        }
        if let Some(realm) = realm
            && !pairs.iter().any(|(n, _)| n == "realm")
        {
            pairs.push(("realm".to_owned(), realm));
        }
        if body.len() <= MAX_PROBLEM_BODY_BYTES && looks_like_form(body) {
            let mut seen: HashSet<String> = pairs.iter().map(|(n, _)| n.clone()).collect();
            for (name, value) in form_pairs(body).take(MAX_PROBLEM_PARAMS) {
                if !seen.contains(&name) {
                    seen.insert(name.clone());
                    pairs.push((name, value));
                }
            }
        }
        Self::from_pairs(status, pairs)
    }

    /// Builds a problem from decoded `(name, value)` pairs; `None` without `oauth_problem`.
    #[must_use]
    pub fn from_pairs(status: StatusCode, pairs: Vec<(String, String)>) -> Option<Self> {
        let name = pairs
            .iter()
            .find(|(n, _)| n == "oauth_problem")
            .map(|(_, v)| v.clone())?;
        let mut problem = Self::new(status, OAuthProblem::from_name(&name));
        for (n, v) in pairs {
            match n.as_str() {
                "oauth_problem" => {}
                "oauth_problem_advice" => problem.advice = Some(v),
                "oauth_acceptable_timestamps" => {
                    problem.acceptable_timestamps = parse_range(&v);
                    if problem.acceptable_timestamps.is_none() {
                        problem.other.push((n, v));
                    }
                }
                "oauth_acceptable_versions" => problem.acceptable_versions = Some(v),
                "oauth_acceptable_signature_methods" => {
                    problem.acceptable_signature_methods = split_list(&v);
                }
                "oauth_parameters_absent" => problem.parameters_absent = split_list(&v),
                "oauth_parameters_rejected" => problem.parameters_rejected = split_list(&v),
                "oauth_signature_base_string" => problem.provider_base_string = Some(v),
                "realm" => problem.realm = Some(v),
                _ if is_secret_field(&n) => problem.other.push((n, "<redacted>".to_owned())),
                _ => problem.other.push((n, v)),
            }
        }
        Some(problem)
    }

    /// With `oauth_acceptable_timestamps=a-b`: how many seconds to add to a request's
    /// `oauth_timestamp` (`sent`) to land in the middle of the provider's window.
    #[must_use]
    pub fn clock_offset(&self, sent: u64) -> Option<i64> {
        let (low, high) = self.acceptable_timestamps?;
        let middle = (i128::from(low) + i128::from(high)) / 2;
        i64::try_from(middle - i128::from(sent)).ok()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Everything the provider sent is clipped: a hostile answer must not flood a log.
        write!(
            f,
            "the provider refused the request: {} (HTTP {})",
            clip(self.problem.as_str(), 64),
            self.status.as_u16()
        )?;
        if let Some(advice) = &self.advice {
            write!(f, "; provider's advice: {}", clip(advice, 512))?;
        }
        for (label, list) in [
            ("absent", &self.parameters_absent),
            ("rejected", &self.parameters_rejected),
            (
                "acceptable signature methods",
                &self.acceptable_signature_methods,
            ),
        ] {
            if !list.is_empty() {
                write!(f, "; {label}: ")?;
                write_list(f, list)?;
            }
        }
        if let Some((low, high)) = self.acceptable_timestamps {
            write!(f, "; acceptable timestamps: {low}-{high}")?;
        }
        let advice = self.problem.advice();
        let mut chars = advice.chars();
        match chars.next() {
            Some(first) => write!(f, ". {}{}", first.to_ascii_uppercase(), chars.as_str()),
            None => Ok(()),
        }
    }
}

use crate::text::clip;

/// Writes at most 16 items, each clipped, then how many more there are.
fn write_list(f: &mut fmt::Formatter<'_>, list: &[String]) -> fmt::Result {
    for (i, item) in list.iter().take(16).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(&clip(item, 64))?;
    }
    if list.len() > 16 {
        write!(f, " and {} more", list.len() - 16)?;
    }
    Ok(())
}

/// Fields whose values are secrets: kept out of [`Problem::other`]'s values.
fn is_secret_field(name: &str) -> bool {
    redact::is_secret_parameter(name)
}

fn parse_range(v: &str) -> Option<(u64, u64)> {
    let (a, b) = v.split_once('-')?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

fn split_list(v: &str) -> Vec<String> {
    v.split('&')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a body plausibly is `name=value&...` rather than HTML or JSON.
pub(crate) fn looks_like_form(body: &[u8]) -> bool {
    let body = body.trim_ascii();
    !body.is_empty()
        && body.contains(&b'=')
        && !body.starts_with(b"<")
        && !body.starts_with(b"{")
        && !body.starts_with(b"[")
}

/// Decodes a form body into pairs, lossily (bad escapes are kept verbatim, bytes that are not
/// UTF-8 are replaced). For reading what a provider said, not for signing.
pub(crate) fn form_pairs(body: &[u8]) -> impl Iterator<Item = (String, String)> + '_ {
    body.trim_ascii()
        .split(|&b| b == b'&')
        .filter(|s| !s.is_empty())
        .map(|segment| {
            let (n, v) = match segment.iter().position(|&b| b == b'=') {
                Some(i) => (&segment[..i], &segment[i + 1..]),
                None => (segment, &b""[..]),
            };
            (lossy_form_decode(n), lossy_form_decode(v))
        })
}

fn lossy_form_decode(raw: &[u8]) -> String {
    match encode::decode_form_component(raw) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::from_utf8_lossy(raw).into_owned(),
    }
}

/// The largest clock correction (in seconds, either way) applied after `timestamp_refused`: a
/// provider window further off than a week is not trusted to move the signer's clock.
pub(crate) const MAX_CLOCK_CORRECTION_SECS: i64 = 7 * 24 * 3600;

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
pub(crate) const TIMESTAMP_MARGIN_SECS: u64 = 300;

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
}
