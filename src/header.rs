//! The `Authorization: OAuth ...` header (RFC 5849 §3.5.1): rendering, and parsing of it and of
//! `WWW-Authenticate: OAuth ...` challenges.

use std::fmt;

use crate::encode;

/// The longest `OAuth` header value [`parse_oauth_header`] reads, in bytes. A real one is a few
/// hundred bytes (a PLAINTEXT or RSA-4096 signature adds under a kilobyte); HTTP servers and
/// clients commonly cap a whole header block at 8 to 64 KiB.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most parameters [`parse_oauth_header`] accepts in one header. RFC 5849 defines nine
/// protocol parameters, and the problem reporting extension a handful more.
pub const MAX_HEADER_PARAMS: usize = 256;

/// Why an `OAuth` header could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderParseError {
    /// The scheme is not `OAuth`.
    #[error("not an OAuth header (the scheme must be `OAuth`)")]
    NotOAuth,
    /// The parameter list is malformed at this byte offset.
    #[error("malformed OAuth header parameter list at byte {offset}")]
    Malformed {
        /// Byte offset in the header value.
        offset: usize,
    },
    /// A parameter value is not valid percent-encoding.
    #[error("parameter `{name}` is not valid percent-encoding")]
    BadEncoding {
        /// The parameter name.
        name: String,
    },
    /// The header value is longer than [`MAX_HEADER_BYTES`].
    #[error(
        "the OAuth header is longer than the limit of {limit} bytes (rfc5849::MAX_HEADER_BYTES)"
    )]
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// The header has more than [`MAX_HEADER_PARAMS`] parameters.
    #[error(
        "the OAuth header has more than the limit of {limit} parameters (rfc5849::MAX_HEADER_PARAMS)"
    )]
    TooManyParameters {
        /// The limit.
        limit: usize,
    },
}

/// Parameters of an `OAuth` header, in order, values decoded.
///
/// `realm` is kept as written (it is a quoted-string, not percent-encoded, per RFC 5849 §3.5.1);
/// every other value is percent-decoded (and must be UTF-8, or it is decoded lossily).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HeaderParams {
    params: Vec<(String, String)>,
}

impl HeaderParams {
    /// The first value of `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` in header order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of parameters.
    #[must_use]
    pub fn len(&self) -> usize {
        self.params.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }
}

impl fmt::Debug for HeaderParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // oauth_signature of PLAINTEXT is the secret itself: never print it.
        f.debug_map()
            .entries(self.params.iter().map(|(n, v)| {
                let shown = if n == "oauth_signature" {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (n, shown)
            }))
            .finish()
    }
}

/// Parses `OAuth realm="..", oauth_x="..", ...` (an `Authorization` value or a
/// `WWW-Authenticate` challenge). Values may be quoted strings (with `\` escapes) or tokens.
///
/// ```
/// use bitbucket_oauth::rfc5849::parse_oauth_header;
/// let p = parse_oauth_header(r#"OAuth realm="http%3A%2F%2Flocalhost%3A7990", oauth_problem="token_rejected""#).unwrap();
/// assert_eq!(p.get("oauth_problem"), Some("token_rejected"));
/// assert_eq!(p.get("realm"), Some("http%3A%2F%2Flocalhost%3A7990"));
/// ```
///
/// # Errors
///
/// [`HeaderParseError`] for another scheme or a malformed list, and
/// [`HeaderParseError::TooLong`] / [`HeaderParseError::TooManyParameters`] beyond
/// [`MAX_HEADER_BYTES`] / [`MAX_HEADER_PARAMS`]: the work is linear in the input and bounded.
pub fn parse_oauth_header(value: &str) -> Result<HeaderParams, HeaderParseError> {
    if value.len() > MAX_HEADER_BYTES {
        return Err(HeaderParseError::TooLong {
            limit: MAX_HEADER_BYTES,
        });
    }
    let trimmed = value.trim_start();
    let lead = value.len() - trimmed.len();
    let scheme_end = trimmed
        .find(|c: char| c.is_ascii_whitespace())
        .unwrap_or(trimmed.len());
    if !trimmed[..scheme_end].eq_ignore_ascii_case("OAuth") {
        return Err(HeaderParseError::NotOAuth);
    }
    let bytes = value.as_bytes();
    let mut i = lead + scheme_end;
    let mut params = Vec::new();
    let skip_ws = |i: &mut usize| {
        while bytes.get(*i).is_some_and(|b| matches!(b, b' ' | b'\t')) {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        // Tolerate empty list elements (`a="1", , b="2"`), as RFC 9110 §5.6.1 asks.
        while bytes.get(i) == Some(&b',') {
            i += 1;
            skip_ws(&mut i);
        }
        if i >= bytes.len() {
            break;
        }
        if params.len() == MAX_HEADER_PARAMS {
            return Err(HeaderParseError::TooManyParameters {
                limit: MAX_HEADER_PARAMS,
            });
        }
        let name_start = i;
        while bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
        {
            i += 1;
        }
        if i == name_start {
            return Err(HeaderParseError::Malformed { offset: i });
        }
        let name = &value[name_start..i];
        skip_ws(&mut i);
        if bytes.get(i) != Some(&b'=') {
            return Err(HeaderParseError::Malformed { offset: i });
        }
        i += 1;
        skip_ws(&mut i);
        let raw = if bytes.get(i) == Some(&b'"') {
            i += 1;
            let mut raw = String::new();
            loop {
                match bytes.get(i) {
                    None => return Err(HeaderParseError::Malformed { offset: i }),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        let Some(c) = value[i + 1..].chars().next() else {
                            return Err(HeaderParseError::Malformed { offset: i });
                        };
                        raw.push(c);
                        i += 1 + c.len_utf8();
                    }
                    Some(_) => {
                        let Some(c) = value[i..].chars().next() else {
                            return Err(HeaderParseError::Malformed { offset: i });
                        };
                        raw.push(c);
                        i += c.len_utf8();
                    }
                }
            }
            raw
        } else {
            let start = i;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b' ' | b'\t'))
            {
                i += 1;
            }
            value[start..i].to_owned()
        };
        let decoded = if name == "realm" {
            raw
        } else {
            let bytes = encode::decode(&raw).map_err(|_| HeaderParseError::BadEncoding {
                name: name.to_owned(),
            })?;
            String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        };
        params.push((name.to_owned(), decoded));
        skip_ws(&mut i);
        match bytes.get(i) {
            None => break,
            Some(b',') => i += 1,
            Some(_) => return Err(HeaderParseError::Malformed { offset: i }),
        }
    }
    Ok(HeaderParams { params })
}

/// Renders an `Authorization` header value, `OAuth realm="..", name="value", ...`
/// (RFC 5849 §3.5.1): the one place where one is written. `realm` becomes an RFC 9110
/// quoted-string (`"` and `\` escaped, not percent-encoded); the names and values, in the
/// order given, are already their §3.6 encodings (the signer encodes each value once) and are
/// quoted as they are.
pub(crate) fn write_authorization<'p, I>(realm: Option<&str>, params: I) -> String
where
    I: IntoIterator<Item = (&'p str, &'p str)>,
    I::IntoIter: Clone,
{
    let params = params.into_iter();
    // The exact length, so that the `HeaderValue` made of it takes the buffer over as it is.
    let realm_len = realm.map_or(0, |r| {
        "realm=\"\"".len() + r.len() + r.bytes().filter(|&b| b == b'"' || b == b'\\').count()
    });
    let (count, params_len) = params.clone().fold((0, 0), |(n, len), (name, value)| {
        (n + 1, len + name.len() + value.len() + "=\"\"".len())
    });
    let items = count + usize::from(realm.is_some());
    let len = "OAuth ".len() + realm_len + params_len + items.saturating_sub(1) * ", ".len();
    let mut out = String::with_capacity(len);
    out.push_str("OAuth ");
    let mut first = true;
    if let Some(realm) = realm {
        out.push_str("realm=\"");
        for c in realm.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
        first = false;
    }
    for (name, value) in params {
        if !first {
            out.push_str(", ");
        }
        first = false;
        out.push_str(name);
        out.push_str("=\"");
        out.push_str(value);
        out.push('"');
    }
    debug_assert_eq!(out.len(), len, "Authorization length");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tokens_quotes_and_escapes() {
        let p = parse_oauth_header(r#"oauth  a=1 ,b="x\"y", , c="%41%20b""#).unwrap();
        let all: Vec<_> = p.iter().collect();
        assert_eq!(all, [("a", "1"), ("b", "x\"y"), ("c", "A b")]);
        assert_eq!(
            parse_oauth_header("Basic abc"),
            Err(HeaderParseError::NotOAuth)
        );
        assert_eq!(
            parse_oauth_header(r#"OAuth a="unterminated"#),
            Err(HeaderParseError::Malformed { offset: 21 })
        );
    }
}
