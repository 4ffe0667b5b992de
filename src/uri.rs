//! URLs given as text, parsed and resolved with the [`url`] crate, and turned into the
//! [`http::Uri`] that is both signed and sent.
//!
//! Every URL this crate takes as text goes through here: [`Endpoints`](crate::Endpoints) from a
//! base URL, [`Endpoints::resolve`](crate::Endpoints::resolve), a redirect's `Location`
//! ([`crate::call`]), and the `dance` example's arguments. Parsing is the URL Standard's, the one
//! reqwest (through `url`) and browsers apply: the host is lowercased (an IPv6 address written in
//! its RFC 5952 form, an internationalized name in punycode), a default port is dropped, `.` and
//! `..` segments are removed, and a character that cannot appear in a URI (a space) is
//! percent-encoded. A reference is resolved by [RFC 3986 §5] (`url::Url::join`). The result is the
//! URL a client built on `url` sends, so the base string signs exactly that.
//!
//! ```
//! use bitbucket_oauth::uri;
//! let u = uri::parse("HTTPS://Git.Example.com:443/a/./b/../hello world?q=1#frag").unwrap();
//! assert_eq!(u.to_string(), "https://git.example.com/a/hello%20world?q=1");
//! let next = uri::resolve(&u, "?page=2").unwrap();
//! assert_eq!(next.to_string(), "https://git.example.com/a/hello%20world?page=2");
//! ```
//!
//! [RFC 3986 §5]: https://www.rfc-editor.org/rfc/rfc3986#section-5

use http::Uri;
use url::Url;

use crate::error::{SignError, UriProblem};

/// Parses an absolute URL (`scheme://host/...`); the fragment is dropped.
///
/// # Errors
///
/// [`SignError::InvalidUri`]: [`UriProblem::NoScheme`] for a relative reference,
/// [`UriProblem::BadPort`], [`UriProblem::Unparsable`] when no `//host` follows the scheme or
/// for anything else the URL Standard refuses.
pub fn parse(text: &str) -> Result<Uri, SignError> {
    check_authority(text)?;
    to_uri(Url::parse(text).map_err(problem)?)
}

/// Resolves `reference` (absolute, scheme-relative `//host/p`, absolute-path `/p`, relative
/// `p`, `../p`, `?q`) against `base` by RFC 3986 §5; the fragment is dropped.
///
/// ```
/// use bitbucket_oauth::uri::resolve;
/// let base: http::Uri = "https://h:8443/a/b?q=1".parse().unwrap();
/// let at = |r: &str| resolve(&base, r).unwrap().to_string();
/// assert_eq!(at("/login?next=https://x.example/"), "https://h:8443/login?next=https://x.example/");
/// assert_eq!(at("?page=2"), "https://h:8443/a/b?page=2");
/// assert_eq!(at("../c/./d"), "https://h:8443/c/d");
/// assert_eq!(at("//other.example/p"), "https://other.example/p");
/// ```
///
/// # Errors
///
/// [`SignError::InvalidUri`] when `base` is not absolute or the result is no URL with a host (see
/// [`parse`]).
pub fn resolve(base: &Uri, reference: &str) -> Result<Uri, SignError> {
    check_authority(reference)?;
    to_uri(to_url(base)?.join(reference).map_err(problem)?)
}

/// The URI as a client built on `url` (reqwest) sends it: `uri` parsed and serialized again.
///
/// ```
/// let uri: http::Uri = "http://[2001:DB8:0:0::5]:8080/a/../x".parse().unwrap();
/// assert_eq!(bitbucket_oauth::uri::normalize(&uri).unwrap().to_string(), "http://[2001:db8::5]:8080/x");
/// ```
///
/// # Errors
///
/// As [`parse`].
pub fn normalize(uri: &Uri) -> Result<Uri, SignError> {
    to_uri(to_url(uri)?)
}

/// `uri` with `pairs` (already `name=value` form, each part encoded) appended to its query,
/// after a `&` when it has one.
pub(crate) fn append_query(uri: &Uri, pairs: &str) -> Result<Uri, SignError> {
    let mut path_and_query = String::from(uri.path());
    path_and_query.push('?');
    if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
        path_and_query.push_str(query);
        path_and_query.push('&');
    }
    path_and_query.push_str(pairs);
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(
        path_and_query
            .parse()
            .map_err(|_| SignError::InvalidUri(UriProblem::Unparsable))?,
    );
    Uri::from_parts(parts).map_err(|_| SignError::InvalidUri(UriProblem::Unparsable))
}

/// `uri` as a [`Url`].
pub(crate) fn to_url(uri: &Uri) -> Result<Url, SignError> {
    if uri.scheme().is_none() {
        return Err(SignError::InvalidUri(UriProblem::NoScheme));
    }
    Url::parse(&uri.to_string()).map_err(problem)
}

/// `url` without its fragment as an [`http::Uri`]; it must have a host.
pub(crate) fn to_uri(mut url: Url) -> Result<Uri, SignError> {
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SignError::InvalidUri(UriProblem::NoHost));
    }
    url.set_fragment(None);
    Uri::try_from(url.as_str()).map_err(|_| SignError::InvalidUri(UriProblem::Unparsable))
}

/// A reference that names a scheme (RFC 3986 §3.1) must go on with `//` and a non-empty
/// authority: the URL Standard would otherwise read `https:///x` or `http:x` leniently, guessing
/// a host or a relative path the user did not write.
fn check_authority(text: &str) -> Result<(), SignError> {
    let text = text.trim_matches(|c: char| c <= ' ');
    let scheme_len = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(text.len());
    let starts_alpha = text.bytes().next().is_some_and(|b| b.is_ascii_alphabetic());
    let Some(rest) = text[scheme_len..].strip_prefix(':') else {
        return Ok(());
    };
    if !starts_alpha {
        return Ok(());
    }
    match rest.strip_prefix("//") {
        Some(after) if !after.is_empty() && !after.starts_with(['/', '?', '#']) => Ok(()),
        _ => Err(SignError::InvalidUri(UriProblem::Unparsable)),
    }
}

fn problem(e: url::ParseError) -> SignError {
    SignError::InvalidUri(match e {
        url::ParseError::RelativeUrlWithoutBase => UriProblem::NoScheme,
        url::ParseError::InvalidPort => UriProblem::BadPort,
        _ => UriProblem::Unparsable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_with_a_scheme_need_an_authority() {
        for bad in ["https:///x", "http:x", "http://", "http://?q", " http:"] {
            assert!(
                matches!(
                    parse(bad),
                    Err(SignError::InvalidUri(UriProblem::Unparsable))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse("/only/a/path"),
            Err(SignError::InvalidUri(UriProblem::NoScheme))
        ));
        assert!(matches!(
            parse("http://h:99999/"),
            Err(SignError::InvalidUri(UriProblem::BadPort))
        ));
        assert!(matches!(
            parse("http://[::1"),
            Err(SignError::InvalidUri(UriProblem::Unparsable))
        ));
    }
}
