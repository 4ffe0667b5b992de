//! Request parameter collection and normalization (RFC 5849 §3.4.1.3).
//!
//! Parameters are kept as a multiset of *encoded* name/value pairs: duplicates survive, and
//! sorting compares the encoded bytes, name first, then value, exactly as
//! [§3.4.1.3.2](https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.3.2) says.

use crate::encode::{self, DecodeError};
use crate::error::Error;

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

/// A multiset of request parameters, each name and value already encoded per RFC 5849 §3.6.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    pairs: Vec<(String, String)>,
}

impl Parameters {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `n` pairs.
    #[must_use]
    pub fn with_capacity(n: usize) -> Self {
        Self {
            pairs: Vec::with_capacity(n),
        }
    }

    /// Adds one parameter given in its plain (decoded) form; it is encoded here.
    pub fn push(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.pairs.push((
            encode::encode(name.as_ref()),
            encode::encode(value.as_ref()),
        ));
    }

    /// Adds every parameter of a raw query string (without the leading `?`), as sent on the wire.
    ///
    /// `+` is a space and `%XX` a byte ([RFC 5849 §3.4.1.3.1]); a segment without `=` is a name
    /// with an empty value; empty segments (`a=1&&b=2`) are skipped. `oauth_signature` is
    /// skipped wherever it appears.
    ///
    /// # Errors
    ///
    /// [`Error::MalformedEncoding`] for a `%` not followed by two hex digits.
    ///
    /// [RFC 5849 §3.4.1.3.1]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.3.1
    pub fn extend_from_query(&mut self, query: &str) -> Result<(), Error> {
        self.extend_from_urlencoded(query.as_bytes(), Source::Query)
    }

    /// Adds every parameter of an `application/x-www-form-urlencoded` body; same rules as
    /// [`extend_from_query`](Self::extend_from_query).
    ///
    /// # Errors
    ///
    /// [`Error::MalformedEncoding`] for a `%` not followed by two hex digits.
    pub fn extend_from_form(&mut self, body: &[u8]) -> Result<(), Error> {
        self.extend_from_urlencoded(body, Source::FormBody)
    }

    fn extend_from_urlencoded(&mut self, input: &[u8], source: Source) -> Result<(), Error> {
        let mut offset = 0;
        for segment in input.split(|&b| b == b'&') {
            let here = offset;
            offset += segment.len() + 1;
            if segment.is_empty() {
                continue;
            }
            let (raw_name, raw_value) = match segment.iter().position(|&b| b == b'=') {
                Some(eq) => (&segment[..eq], &segment[eq + 1..]),
                None => (segment, &b""[..]),
            };
            let at = |e: DecodeError, base: usize| Error::MalformedEncoding {
                location: source,
                offset: base + e.offset,
            };
            let mut name = String::with_capacity(raw_name.len());
            encode::reencode_form_component(&mut name, raw_name).map_err(|e| at(e, here))?;
            if name == "oauth_signature" {
                continue;
            }
            let mut value = String::with_capacity(raw_value.len());
            encode::reencode_form_component(&mut value, raw_value)
                .map_err(|e| at(e, here + raw_name.len() + 1))?;
            self.pairs.push((name, value));
        }
        Ok(())
    }

    /// Adds one already-encoded pair. The caller vouches that both are valid §3.6 output.
    pub(crate) fn push_encoded(&mut self, name: String, value: String) {
        self.pairs.push((name, value));
    }

    /// Number of pairs, duplicates included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The encoded pairs in their current order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether a pair with this encoded name is present.
    #[must_use]
    pub fn contains_name(&self, encoded_name: &str) -> bool {
        self.pairs.iter().any(|(n, _)| n == encoded_name)
    }

    /// Sorts the pairs by encoded name, then encoded value (byte order), as §3.4.1.3.2 requires.
    pub fn sort(&mut self) {
        self.pairs.sort_unstable();
    }

    /// Sorts and writes the normalized parameter string (`a=1&b=2`, not yet encoded a second time).
    pub fn write_normalized(&mut self, out: &mut String) {
        self.sort();
        for (i, (name, value)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
    }

    /// The normalized parameter string of §3.4.1.3.2.
    ///
    /// ```
    /// use bitbucket_oauth::params::Parameters;
    /// let mut p = Parameters::new();
    /// p.extend_from_query("b=2&a=x+y&a=x!y&a1=").unwrap();
    /// assert_eq!(p.normalized(), "a=x%20y&a=x%21y&a1=&b=2");
    /// ```
    #[must_use]
    pub fn normalized(&mut self) -> String {
        let mut out = String::with_capacity(self.encoded_len());
        self.write_normalized(&mut out);
        out
    }

    /// Length of the normalized string.
    pub(crate) fn encoded_len(&self) -> usize {
        self.pairs
            .iter()
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum::<usize>()
            .saturating_sub(1)
    }
}
