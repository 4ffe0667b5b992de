//! The signature base string (RFC 5849 §3.4.1) and its base string URI (§3.4.1.2).

use std::fmt;

use http::{Method, Uri};

use crate::encode;
use crate::error::{Error, UriProblem};
use crate::params::Parameters;

/// Writes the base string URI of `uri` (RFC 5849 §3.4.1.2) to `out`.
///
/// Scheme and host are lowercased, the port is dropped only when it is the default port of *its
/// own* scheme (80 for `http`, 443 for `https`), an empty path becomes `/`, the path is otherwise
/// kept exactly as it will be sent, and query, fragment and user information are left out.
///
/// # Errors
///
/// [`Error::InvalidUri`] when the URI has no scheme, no host, or a port that is not a number
/// from 0 to 65535.
pub fn write_base_string_uri(out: &mut String, uri: &Uri) -> Result<(), Error> {
    UriParts::of(uri)?.write_plain(out);
    Ok(())
}

/// The pieces of a base string URI, borrowed from the request URI.
pub(crate) struct UriParts<'a> {
    scheme: &'a str,
    host: &'a str,
    /// The port to print: `None` when absent or the scheme's default.
    port: Option<u16>,
    /// The path as sent; empty means `/`.
    path: &'a str,
    /// Whether `host` is lowercase unreserved text: its own base string encoding.
    host_verbatim: bool,
}

impl<'a> UriParts<'a> {
    /// Splits `uri` into the parts of its base string URI.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUri`]: see [`write_base_string_uri`].
    #[inline]
    pub(crate) fn of(uri: &'a Uri) -> Result<Self, Error> {
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| Error::InvalidUri(UriProblem::NoScheme))?;
        let authority = uri
            .authority()
            .ok_or_else(|| Error::InvalidUri(UriProblem::NoHost))?
            .as_str();
        // The usual authority is a bare lowercase host name: one branch-free pass finds that out.
        let plain_host = authority
            .bytes()
            .fold(true, |plain, b| plain & lowercase_unreserved(b));
        let (host, port) = if plain_host {
            (authority, None)
        } else {
            // User information never reaches the base string.
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
            split_host_port(host_port)?
        };
        if host.is_empty() {
            return Err(Error::InvalidUri(UriProblem::NoHost));
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
            host_verbatim: plain_host,
        })
    }

    /// An upper bound of the encoded length.
    pub(crate) fn max_encoded_len(&self) -> usize {
        (self.scheme.len() + self.host.len() + self.path.len()) * 3 + 3 * 3 + 3 + 5 + 3
    }

    /// Writes the base string URI as is.
    fn write_plain(&self, out: &mut String) {
        let start = out.len();
        out.push_str(self.scheme);
        out[start..].make_ascii_lowercase();
        out.push_str("://");
        out.push_str(&host_as_sent(self.host));
        if let Some(port) = self.port {
            out.push(':');
            out.push_str(encode::decimal(u64::from(port), &mut [0u8; 20]));
        }
        out.push_str(if self.path.is_empty() { "/" } else { self.path });
    }

    /// Writes the §3.6 encoding of the base string URI, without an intermediate string.
    #[inline]
    pub(crate) fn write_encoded(&self, out: &mut Vec<u8>) {
        match self.scheme {
            "https" => out.extend_from_slice(b"https%3A%2F%2F"),
            "http" => out.extend_from_slice(b"http%3A%2F%2F"),
            scheme => {
                encode_lowercase(out, scheme);
                out.extend_from_slice(b"%3A%2F%2F");
            }
        }
        if self.host_verbatim {
            out.extend_from_slice(self.host.as_bytes());
        } else {
            encode::encode_to_vec(out, host_as_sent(self.host).as_bytes());
        }
        if let Some(port) = self.port {
            out.extend_from_slice(b"%3A");
            out.extend_from_slice(encode::decimal(u64::from(port), &mut [0u8; 20]).as_bytes());
        }
        if self.path.is_empty() {
            out.extend_from_slice(b"%2F");
        } else {
            encode::encode_to_vec(out, self.path.as_bytes());
        }
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

/// Whether `b` is a lowercase letter, a digit, `.` or `-`: the bytes of the usual host name,
/// which is then its own base string encoding.
#[inline]
fn lowercase_unreserved(b: u8) -> bool {
    b.is_ascii_lowercase() | b.is_ascii_digit() | (b == b'.') | (b == b'-')
}

/// Encodes the ASCII-lowercased `text` (lowercasing first, so escapes keep uppercase hex).
fn encode_lowercase(out: &mut Vec<u8>, text: &str) {
    // The usual scheme and host: lowercase and unreserved, their own encoding.
    if text
        .bytes()
        .fold(true, |ok, b| ok & lowercase_unreserved(b))
    {
        out.extend_from_slice(text.as_bytes());
    } else if text.bytes().any(|b| b.is_ascii_uppercase()) {
        for &b in text.as_bytes() {
            encode::encode_to_vec(out, &[b.to_ascii_lowercase()]);
        }
    } else {
        encode::encode_to_vec(out, text.as_bytes());
    }
}

/// Splits `host[:port]` or `[v6]:port`; an empty port (`host:`) counts as no port (RFC 3986 §3.2.3).
fn split_host_port(host_port: &str) -> Result<(&str, Option<u16>), Error> {
    let (host, port) = if host_port.starts_with('[') {
        let end = host_port
            .find(']')
            .ok_or_else(|| Error::InvalidUri(UriProblem::BadHost))?;
        let (host, rest) = host_port.split_at(end + 1);
        match rest.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if rest.is_empty() => (host, None),
            None => return Err(Error::InvalidUri(UriProblem::BadHost)),
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
                .map_err(|_| Error::InvalidUri(UriProblem::BadPort))?,
        ),
        Some(_) => return Err(Error::InvalidUri(UriProblem::BadPort)),
    };
    Ok((host, port))
}

/// The base string URI of `uri` (RFC 5849 §3.4.1.2).
///
/// ```
/// use bitbucket_oauth::base_string::base_string_uri;
/// let uri = "HTTP://EXAMPLE.com:80/r%20v/X?id=123".parse().unwrap();
/// assert_eq!(base_string_uri(&uri).unwrap(), "http://example.com/r%20v/X");
/// let uri = "https://www.example.net:8080/?q=1".parse().unwrap();
/// assert_eq!(base_string_uri(&uri).unwrap(), "https://www.example.net:8080/");
/// ```
///
/// # Errors
///
/// See [`write_base_string_uri`].
pub fn base_string_uri(uri: &Uri) -> Result<String, Error> {
    let mut out = String::with_capacity(uri.host().map_or(0, str::len) + uri.path().len() + 16);
    write_base_string_uri(&mut out, uri)?;
    Ok(out)
}

/// Appends `METHOD&enc(base uri)&` to `text`, then lets `write_params` append the encoded
/// normalized parameters; returns the offsets of the two `&` separators. `params_len` is the
/// length of the normalized string (a capacity hint).
pub(crate) fn write_into(
    text: &mut Vec<u8>,
    method: &Method,
    uri: &UriParts<'_>,
    params_len: usize,
    write_params: impl FnOnce(&mut Vec<u8>),
) -> (usize, usize) {
    let method = method.as_str();
    // Encoding an encoded string only turns `%` into `%25`: at most 5/3 as long.
    text.reserve(method.len() * 3 + uri.max_encoded_len() + params_len * 5 / 3 + 4);
    let start = text.len();
    if method == "GET" || method == "POST" {
        text.extend_from_slice(method.as_bytes());
    } else {
        encode::encode_to_vec(text, method.as_bytes());
        text[start..].make_ascii_uppercase();
    }
    let first_amp = text.len();
    text.push(b'&');
    uri.write_encoded(text);
    let second_amp = text.len();
    text.push(b'&');
    write_params(text);
    (first_amp, second_amp)
}

/// A signature base string (RFC 5849 §3.4.1.1), with access to its three parts.
///
/// `Display` prints the exact bytes that are signed. [`method`](Self::method),
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
    /// Builds the base string from a method, the request URI and the collected parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUri`] for a URI without scheme or host, or with a bad port.
    pub fn new(method: &Method, uri: &Uri, params: &mut Parameters) -> Result<Self, Error> {
        let parts = UriParts::of(uri)?;
        params.sort();
        let len = params.encoded_len();
        Ok(Self::write(
            method,
            &parts,
            params.iter(),
            len,
            encode::encode_to_vec_str,
        ))
    }

    /// Writes `METHOD&enc(base uri)&enc(normalized)` straight from sorted encoded pairs, without
    /// intermediate strings. `params_len` is the length of the normalized string (a hint).
    pub(crate) fn write<'p>(
        method: &Method,
        uri: &UriParts<'_>,
        sorted_pairs: impl Iterator<Item = (&'p str, &'p str)>,
        params_len: usize,
        encode_part: fn(&mut Vec<u8>, &str),
    ) -> Self {
        Self::write_with(method, uri, params_len, |text| {
            for (i, (name, value)) in sorted_pairs.enumerate() {
                if i > 0 {
                    text.extend_from_slice(b"%26");
                }
                encode_part(text, name);
                text.extend_from_slice(b"%3D");
                encode_part(text, value);
            }
        })
    }

    /// Writes `METHOD&enc(base uri)&`, then lets `write_params` append the encoded normalized
    /// parameters. `params_len` is the length of the normalized string (a capacity hint).
    pub(crate) fn write_with(
        method: &Method,
        uri: &UriParts<'_>,
        params_len: usize,
        write_params: impl FnOnce(&mut Vec<u8>),
    ) -> Self {
        let mut text = Vec::new();
        let (first_amp, second_amp) = write_into(&mut text, method, uri, params_len, write_params);
        Self::from_written(text, first_amp, second_amp)
    }

    /// A base string from what [`write_into`] wrote into an empty buffer.
    pub(crate) fn from_written(text: Vec<u8>, first_amp: usize, second_amp: usize) -> Self {
        // Only ASCII was written: every part is §3.6 output.
        let text = String::from_utf8(text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Self {
            text,
            first_amp,
            second_amp,
        }
    }

    /// Assembles `METHOD&enc(uri)&enc(normalized)` from its three plain parts.
    #[must_use]
    pub fn from_parts(method: &str, base_uri: &str, normalized_params: &str) -> Self {
        let mut text = String::with_capacity(
            method.len() + base_uri.len() * 3 / 2 + normalized_params.len() * 3 / 2 + 2,
        );
        let start = text.len();
        encode::encode_into(&mut text, method.as_bytes());
        text[start..].make_ascii_uppercase();
        let first_amp = text.len();
        text.push('&');
        encode::encode_into(&mut text, base_uri.as_bytes());
        let second_amp = text.len();
        text.push('&');
        encode::encode_into(&mut text, normalized_params.as_bytes());
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
    /// [`Error::MalformedBaseString`] unless the text has exactly three `&`-separated parts, each
    /// valid §3.6 encoding.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let mut amps = text.match_indices('&').map(|(i, _)| i);
        let (Some(first_amp), Some(second_amp), None) = (amps.next(), amps.next(), amps.next())
        else {
            return Err(Error::MalformedBaseString);
        };
        for part in [
            &text[..first_amp],
            &text[first_amp + 1..second_amp],
            &text[second_amp + 1..],
        ] {
            encode::decode(part).map_err(|_| Error::MalformedBaseString)?;
        }
        Ok(Self {
            text: text.to_owned(),
            first_amp,
            second_amp,
        })
    }

    /// The exact text that is signed.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The exact bytes that are signed.
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

    /// Takes the text out.
    #[must_use]
    pub fn into_string(self) -> String {
        self.text
    }
}

fn decode_lossy(part: &str) -> String {
    match encode::decode(part) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => part.to_owned(),
    }
}

impl fmt::Display for BaseString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for BaseString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text, f)
    }
}

impl AsRef<str> for BaseString {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bsu(s: &str) -> Result<String, Error> {
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
            Err(Error::InvalidUri(UriProblem::NoScheme))
        ));
    }
}
