//! The signature base string (RFC 5849 §3.4.1) and its base string URI (§3.4.1.2).

use std::fmt;

use http::{Method, Uri};

use crate::encode;
use crate::error::{SignError, UriProblem};
use crate::params::Parameters;
use crate::redact;

/// Writes the base string URI of `uri` (RFC 5849 §3.4.1.2) to `out`.
///
/// Scheme and host are lowercased, the port is dropped only when it is the default port of *its
/// own* scheme (80 for `http`, 443 for `https`), an empty path becomes `/`, the path is otherwise
/// kept exactly as it will be sent, and query, fragment and user information are left out.
///
/// # Errors
///
/// [`SignError::InvalidUri`] when the URI has no scheme, no host, or a port that is not a number
/// from 0 to 65535.
pub(crate) fn write_base_string_uri(out: &mut String, uri: &Uri) -> Result<(), SignError> {
    UriParts::of(uri)?.write_plain(out);
    Ok(())
}

/// The pieces of a base string URI, borrowed from the request URI.
struct UriParts<'a> {
    scheme: &'a str,
    host: &'a str,
    /// The port to print: `None` when absent or the scheme's default.
    port: Option<u16>,
    /// The path as sent; empty means `/`.
    path: &'a str,
}

impl<'a> UriParts<'a> {
    /// Splits `uri` into the parts of its base string URI.
    fn of(uri: &'a Uri) -> Result<Self, SignError> {
        let scheme = uri
            .scheme_str()
            .ok_or(SignError::InvalidUri(UriProblem::NoScheme))?;
        let authority = uri
            .authority()
            .ok_or(SignError::InvalidUri(UriProblem::NoHost))?
            .as_str();
        // User information never reaches the base string.
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
        let (host, port) = split_host_port(host_port)?;
        if host.is_empty() {
            return Err(SignError::InvalidUri(UriProblem::NoHost));
        }
        let default = if scheme.eq_ignore_ascii_case("http") {
            Some(80)
        } else if scheme.eq_ignore_ascii_case("https") {
            Some(443)
        } else {
            None
        };
        Ok(Self {
            scheme,
            host,
            port: port.filter(|&p| Some(p) != default),
            path: uri.path(),
        })
    }

    /// Writes the base string URI (not yet encoded).
    fn write_plain(&self, out: &mut String) {
        self.pieces(|piece| out.push_str(piece));
    }
}

/// The host as it is sent (what a client built on `url`, such as reqwest, writes in `Host`):
/// lowercase, and an IPv6 literal in its RFC 5952 form as the URL Standard writes it
/// (`[2001:DB8:0:0::5]` is sent as `[2001:db8::5]`; an IPv4-mapped address in hex too).
fn host_as_sent(host: &str) -> std::borrow::Cow<'_, str> {
    let v6 = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
    match v6.and_then(|h| h.parse::<std::net::Ipv6Addr>().ok()) {
        Some(addr) => url::Host::<&str>::Ipv6(addr).to_string().into(),
        None if host.bytes().any(|b| b.is_ascii_uppercase()) => host.to_ascii_lowercase().into(),
        None => host.into(),
    }
}

/// Hands `text` to `sink` in ASCII lowercase (a copy only when it has uppercase letters).
fn lowercase(text: &str, sink: &mut impl FnMut(&str)) {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        sink(&text.to_ascii_lowercase());
    } else {
        sink(text);
    }
}

/// Text a base string is made of, handed to a sink piece by piece (and encoded as it arrives):
/// a base string URI, the normalized parameters, or either part given whole.
trait Pieces {
    fn pieces(&self, sink: impl FnMut(&str));
}

impl Pieces for UriParts<'_> {
    /// Hands the base string URI to `sink` piece by piece: the one writer of §3.4.1.2's URI.
    fn pieces(&self, mut sink: impl FnMut(&str)) {
        lowercase(self.scheme, &mut sink);
        sink("://");
        sink(&host_as_sent(self.host));
        if let Some(port) = self.port {
            sink(":");
            sink(&port.to_string());
        }
        sink(if self.path.is_empty() { "/" } else { self.path });
    }
}

impl Pieces for Parameters {
    fn pieces(&self, sink: impl FnMut(&str)) {
        self.normalized_pieces(sink);
    }
}

impl Pieces for str {
    fn pieces(&self, mut sink: impl FnMut(&str)) {
        sink(self);
    }
}

/// Splits `host[:port]` or `[v6]:port`; an empty port (`host:`) counts as no port (RFC 3986 §3.2.3).
fn split_host_port(host_port: &str) -> Result<(&str, Option<u16>), SignError> {
    let (host, port) = if host_port.starts_with('[') {
        let end = host_port
            .find(']')
            .ok_or(SignError::InvalidUri(UriProblem::BadHost))?;
        let (host, rest) = host_port.split_at(end + 1);
        match rest.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if rest.is_empty() => (host, None),
            None => return Err(SignError::InvalidUri(UriProblem::BadHost)),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Some(
            p.parse::<u16>()
                .map_err(|_| SignError::InvalidUri(UriProblem::BadPort))?,
        ),
        Some(_) => return Err(SignError::InvalidUri(UriProblem::BadPort)),
    };
    Ok((host, port))
}

/// The base string URI of `uri` (RFC 5849 §3.4.1.2).
///
/// ```
/// use bitbucket_oauth::rfc5849::base_string_uri;
/// let uri = "HTTP://EXAMPLE.com:80/r%20v/X?id=123".parse().unwrap();
/// assert_eq!(base_string_uri(&uri).unwrap(), "http://example.com/r%20v/X");
/// let uri = "https://www.example.net:8080/?q=1".parse().unwrap();
/// assert_eq!(base_string_uri(&uri).unwrap(), "https://www.example.net:8080/");
/// ```
///
/// # Errors
///
/// [`SignError::InvalidUri`] when the URI has no scheme or host, or a malformed host or port.
pub fn base_string_uri(uri: &Uri) -> Result<String, SignError> {
    let mut out = String::with_capacity(uri.host().map_or(0, str::len) + uri.path().len() + 16);
    write_base_string_uri(&mut out, uri)?;
    Ok(out)
}

/// A signature base string (RFC 5849 §3.4.1.1), with access to its three parts.
///
/// `Display` and `Debug` show it with the values of `oauth_verifier`, `oauth_session_handle`,
/// `oauth_token_secret` and `oauth_signature` as `<redacted>` (the access-token step signs the
/// verifier, a renewal the session handle); [`unredacted`](Self::unredacted) gives the exact
/// text that is signed, on purpose. [`method`](Self::method),
/// [`uri`](Self::uri) and [`normalized_parameters`](Self::normalized_parameters) give the parts
/// back in plain form, which is what a person comparing two base strings wants to read.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseString {
    text: String,
    // Byte offsets of the two `&` separators.
    first_amp: usize,
    second_amp: usize,
}

impl BaseString {
    /// Builds the base string from a method, the request URI and the collected parameters
    /// (RFC 5849 §3.4.1): the parameters are sorted (§3.4.1.3.2), then joined with the method
    /// and the base string URI.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidUri`] for a URI without scheme or host, or with a bad port.
    pub fn new(method: &Method, uri: &Uri, params: &mut Parameters) -> Result<Self, SignError> {
        let uri = UriParts::of(uri)?;
        params.sort();
        let capacity =
            method.as_str().len() + uri.path.len() * 3 / 2 + 64 + params.encoded_len() * 3 / 2;
        Ok(Self::write(method.as_str(), capacity, &uri, params))
    }

    /// Assembles `METHOD&enc(uri)&enc(normalized)` from its three plain parts. The method is
    /// uppercased.
    #[must_use]
    pub fn from_parts(method: &str, base_uri: &str, normalized_params: &str) -> Self {
        Self::write(
            method,
            method.len() + (base_uri.len() + normalized_params.len()) * 3 / 2 + 2,
            base_uri,
            normalized_params,
        )
    }

    /// The one place where a base string is written (RFC 5849 §3.4.1.1): the method, encoded
    /// and uppercased, `&`, the base string URI and `&`, the normalized parameters, each piece
    /// of the last two encoded (§3.6) as it is handed over.
    fn write(
        method: &str,
        capacity: usize,
        uri: &(impl Pieces + ?Sized),
        normalized: &(impl Pieces + ?Sized),
    ) -> Self {
        let mut text = String::with_capacity(capacity);
        encode::encode_into(&mut text, method.as_bytes());
        text.make_ascii_uppercase();
        let first_amp = text.len();
        text.push('&');
        uri.pieces(|piece| encode::encode_into(&mut text, piece.as_bytes()));
        let second_amp = text.len();
        text.push('&');
        normalized.pieces(|piece| encode::encode_into(&mut text, piece.as_bytes()));
        Self {
            text,
            first_amp,
            second_amp,
        }
    }

    /// Parses a base string someone else computed, for instance the `oauth_signature_base_string`
    /// a provider returns with `signature_invalid`.
    ///
    /// # Errors
    ///
    /// [`SignError::MalformedBaseString`] unless the text has exactly three `&`-separated parts, each
    /// valid §3.6 encoding.
    pub fn parse(text: &str) -> Result<Self, SignError> {
        let mut amps = text.match_indices('&').map(|(i, _)| i);
        let (Some(first_amp), Some(second_amp), None) = (amps.next(), amps.next(), amps.next())
        else {
            return Err(SignError::MalformedBaseString);
        };
        for part in [
            &text[..first_amp],
            &text[first_amp + 1..second_amp],
            &text[second_amp + 1..],
        ] {
            encode::decode(part).map_err(|_| SignError::MalformedBaseString)?;
        }
        Ok(Self {
            text: text.to_owned(),
            first_amp,
            second_amp,
        })
    }

    /// The exact text that is signed, secrets included: keep it out of logs. `Display` shows it
    /// redacted.
    #[must_use]
    pub fn unredacted(&self) -> &str {
        &self.text
    }

    /// The exact bytes that are signed, secrets included (see [`unredacted`](Self::unredacted)).
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The first part, the HTTP method (as it appears: encoded, which changes only odd methods).
    #[must_use]
    pub fn method(&self) -> String {
        decode_lossy(&self.text[..self.first_amp])
    }

    /// The second part, decoded once: the base string URI.
    #[must_use]
    pub fn uri(&self) -> String {
        decode_lossy(&self.text[self.first_amp + 1..self.second_amp])
    }

    /// The third part, decoded once: the normalized parameters (`a=1&b=2`).
    #[must_use]
    pub fn normalized_parameters(&self) -> String {
        decode_lossy(&self.text[self.second_amp + 1..])
    }

    /// The normalized parameters as encoded `(name, value)` pairs, in order.
    #[must_use]
    pub fn parameters(&self) -> Vec<(String, String)> {
        let normalized = self.normalized_parameters();
        normalized
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((n, v)) => (n.to_owned(), v.to_owned()),
                None => (pair.to_owned(), String::new()),
            })
            .collect()
    }

    /// Takes the exact text out, secrets included.
    #[must_use]
    pub fn into_unredacted_string(self) -> String {
        self.text
    }
}

fn decode_lossy(part: &str) -> String {
    match encode::decode(part) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => part.to_owned(),
    }
}

/// The base string with the values of the [secret parameters](crate::redact::SECRET_PARAMETERS)
/// shown as `<redacted>`; [`unredacted`](BaseString::unredacted) gives the exact text.
impl fmt::Display for BaseString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact::redact(&self.text))
    }
}

/// Redacted like `Display`.
impl fmt::Debug for BaseString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&redact::redact(&self.text), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bsu(s: &str) -> Result<String, SignError> {
        base_string_uri(&s.parse::<Uri>().unwrap())
    }

    #[test]
    fn ports_and_hosts() {
        assert_eq!(bsu("http://h:443/").unwrap(), "http://h:443/");
        assert_eq!(bsu("https://h:80/").unwrap(), "https://h:80/");
        assert_eq!(bsu("https://H:443").unwrap(), "https://h/");
        assert_eq!(bsu("http://[::1]:8080/a").unwrap(), "http://[::1]:8080/a");
        assert_eq!(bsu("http://[FE80::1]:80/a").unwrap(), "http://[fe80::1]/a");
        assert_eq!(
            bsu("http://[2001:DB8:0:0::5]:8080/x").unwrap(),
            "http://[2001:db8::5]:8080/x"
        );
        assert_eq!(bsu("http://h:/a").unwrap(), "http://h/a");
        assert_eq!(bsu("http://user:pw@h/a").unwrap(), "http://h/a");
        assert!(matches!(
            bsu("/only/a/path"),
            Err(SignError::InvalidUri(UriProblem::NoScheme))
        ));
    }
}
