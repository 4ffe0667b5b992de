//! Request parameter collection and normalization (RFC 5849 §3.4.1.3).
//!
//! Parameters are kept as a multiset of *encoded* name/value pairs: duplicates survive, and
//! sorting compares the encoded bytes, name first, then value, exactly as
//! [§3.4.1.3.2](https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.3.2) says.

use crate::encode::{self, DecodeError};
use crate::error::SignError;

pub use crate::error::Source;

/// A multiset of request parameters, each name and value already encoded per RFC 5849 §3.6.
//
// Every encoded name and value lives in one shared buffer, each pair written there as
// `&name=value`; a pair is three offsets into it (its `&`, its `=` and its end), so collecting n
// parameters costs two allocations, not 2n, and a pair is one piece of the normalized string.
#[derive(Clone, Default)]
pub struct Parameters {
    buf: String,
    pairs: Vec<Pair>,
}

#[derive(Debug, Clone, Copy)]
struct Pair {
    /// The `&` before the name.
    start: usize,
    /// The `=` between name and value.
    mid: usize,
    /// The end of the value.
    end: usize,
}

impl Pair {
    fn name(self) -> std::ops::Range<usize> {
        self.start + 1..self.mid
    }

    fn value(self) -> std::ops::Range<usize> {
        self.mid + 1..self.end
    }
}

impl PartialEq for Parameters {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Parameters {}

impl std::fmt::Debug for Parameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Pairs<'a>(&'a Parameters);
        impl std::fmt::Debug for Pairs<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_list().entries(self.0.iter()).finish()
            }
        }
        f.debug_struct("Parameters")
            .field("pairs", &Pairs(self))
            .finish()
    }
}

/// One `name[=value]` segment of an urlencoded string: its byte offset and raw parts.
pub(crate) struct Segment<'a> {
    pub(crate) offset: usize,
    pub(crate) name: &'a [u8],
    pub(crate) value: &'a [u8],
}

/// The non-empty `&`-separated segments of a query string or form body, as sent.
pub(crate) fn segments(input: &[u8]) -> impl Iterator<Item = Segment<'_>> {
    let mut offset = 0;
    input.split(|&b| b == b'&').filter_map(move |segment| {
        let here = offset;
        offset += segment.len() + 1;
        if segment.is_empty() {
            return None;
        }
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(eq) => (&segment[..eq], &segment[eq + 1..]),
            None => (segment, &b""[..]),
        };
        Some(Segment {
            offset: here,
            name,
            value,
        })
    })
}

impl Segment<'_> {
    /// The error for a bad escape in this segment's name.
    pub(crate) fn name_error(&self, source: Source, e: DecodeError) -> SignError {
        SignError::MalformedEncoding {
            location: source,
            offset: self.offset + e.offset,
        }
    }

    /// The error for a bad escape in this segment's value.
    pub(crate) fn value_error(&self, source: Source, e: DecodeError) -> SignError {
        SignError::MalformedEncoding {
            location: source,
            offset: self.offset + self.name.len() + 1 + e.offset,
        }
    }
}

/// The bytes a raw query or form component stands for (`+` is a space): `raw` itself when it
/// has no `%` or `+`, else its decoding in `scratch`.
fn form_decoded<'a>(scratch: &'a mut Vec<u8>, raw: &'a [u8]) -> Result<&'a [u8], DecodeError> {
    if !raw.iter().any(|&b| b == b'%' || b == b'+') {
        return Ok(raw);
    }
    scratch.clear();
    encode::decode_into(scratch, raw, true)?;
    Ok(scratch)
}

impl Parameters {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty set with room for `n` pairs.
    #[must_use]
    pub(crate) fn with_capacity(n: usize) -> Self {
        Self {
            buf: String::with_capacity(n * 16),
            pairs: Vec::with_capacity(n),
        }
    }

    /// Adds one parameter given in its plain (decoded) form; it is encoded here.
    pub fn push(&mut self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        let start = self.begin_pair();
        encode::encode_into(&mut self.buf, name.as_ref());
        let mid = self.begin_value();
        encode::encode_into(&mut self.buf, value.as_ref());
        self.end_pair(start, mid);
    }

    /// Starts a pair: writes its `&`; where it starts.
    fn begin_pair(&mut self) -> usize {
        let start = self.buf.len();
        self.buf.push('&');
        start
    }

    /// Ends a pair's name: writes its `=`; where it is.
    fn begin_value(&mut self) -> usize {
        let mid = self.buf.len();
        self.buf.push('=');
        mid
    }

    /// Records the pair written since `start`.
    fn end_pair(&mut self, start: usize, mid: usize) {
        self.pairs.push(Pair {
            start,
            mid,
            end: self.buf.len(),
        });
    }

    /// Adds every parameter of a raw query string (without the leading `?`), as sent on the wire.
    ///
    /// `+` is a space and `%XX` a byte ([RFC 5849 §3.4.1.3.1]); a segment without `=` is a name
    /// with an empty value; empty segments (`a=1&&b=2`) are skipped. `oauth_signature` is
    /// skipped wherever it appears.
    ///
    /// # Errors
    ///
    /// [`SignError::MalformedEncoding`] for a `%` not followed by two hex digits.
    ///
    /// [RFC 5849 §3.4.1.3.1]: https://www.rfc-editor.org/rfc/rfc5849#section-3.4.1.3.1
    pub fn extend_from_query(&mut self, query: &str) -> Result<(), SignError> {
        self.extend_from_urlencoded(query.as_bytes(), Source::Query)
    }

    /// Adds every parameter of an `application/x-www-form-urlencoded` body; same rules as
    /// [`extend_from_query`](Self::extend_from_query).
    ///
    /// # Errors
    ///
    /// [`SignError::MalformedEncoding`] for a `%` not followed by two hex digits.
    pub fn extend_from_form(&mut self, body: &[u8]) -> Result<(), SignError> {
        self.extend_from_urlencoded(body, Source::FormBody)
    }

    fn extend_from_urlencoded(&mut self, input: &[u8], source: Source) -> Result<(), SignError> {
        self.buf.reserve(input.len());
        let mut scratch = Vec::new();
        for segment in segments(input) {
            let name = form_decoded(&mut scratch, segment.name)
                .map_err(|e| segment.name_error(source, e))?;
            if name == b"oauth_signature" {
                continue;
            }
            let start = self.begin_pair();
            encode::encode_into(&mut self.buf, name);
            let mid = self.begin_value();
            let value = match form_decoded(&mut scratch, segment.value) {
                Ok(value) => value,
                Err(e) => {
                    self.buf.truncate(start);
                    return Err(segment.value_error(source, e));
                }
            };
            encode::encode_into(&mut self.buf, value);
            self.end_pair(start, mid);
        }
        Ok(())
    }

    /// Adds one pair whose name and value are already RFC 5849 §3.6 encodings (the caller
    /// vouches for it: the signer's protocol parameters, encoded once).
    pub(crate) fn push_encoded(&mut self, name: &str, value: &str) {
        let start = self.begin_pair();
        self.buf.push_str(name);
        let mid = self.begin_value();
        self.buf.push_str(value);
        self.end_pair(start, mid);
    }

    #[inline]
    fn get(&self, pair: Pair) -> (&str, &str) {
        (
            self.buf.get(pair.name()).unwrap_or_default(),
            self.buf.get(pair.value()).unwrap_or_default(),
        )
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
        self.pairs.iter().map(|&p| self.get(p))
    }

    /// Whether a pair with this encoded name is present.
    #[must_use]
    pub(crate) fn contains_name(&self, encoded_name: &str) -> bool {
        self.iter().any(|(n, _)| n == encoded_name)
    }

    /// Sorts the pairs by encoded name, then encoded value (byte order), as §3.4.1.3.2 requires.
    pub(crate) fn sort(&mut self) {
        // Byte order, which for UTF-8 text is `str` order; byte slices skip the char-boundary
        // checks of `str` slicing.
        let buf = self.buf.as_bytes();
        let at = |r: std::ops::Range<usize>| buf.get(r).unwrap_or_default();
        // Stable: a short list (the usual case) is sorted by insertion, and the protocol
        // parameters arrive already in order. Equal pairs are identical, so stability changes
        // nothing in the result.
        self.pairs.sort_by(|a, b| {
            at(a.name())
                .cmp(at(b.name()))
                .then_with(|| at(a.value()).cmp(at(b.value())))
        });
    }

    /// Sorts and writes the normalized parameter string (`a=1&b=2`, not yet encoded a second time).
    pub(crate) fn write_normalized(&mut self, out: &mut String) {
        self.sort();
        out.reserve(self.encoded_len());
        self.normalized_pieces(|piece| out.push_str(piece));
    }

    /// Hands the normalized parameter string of the pairs, in their current order, to `sink`
    /// one pair at a time (`name=value`, then `&name=value` for each next one): the one writer
    /// of §3.4.1.3.2's string, whether it is kept as is or encoded again into a base string.
    pub(crate) fn normalized_pieces(&self, mut sink: impl FnMut(&str)) {
        for (i, pair) in self.pairs.iter().enumerate() {
            // The first pair leaves out its `&`.
            let from = if i == 0 { pair.start + 1 } else { pair.start };
            sink(self.buf.get(from..pair.end).unwrap_or_default());
        }
    }

    /// The normalized parameter string of §3.4.1.3.2.
    ///
    /// ```
    /// use bitbucket_oauth::rfc5849::Parameters;
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
            .map(|p| p.end - p.start)
            .sum::<usize>()
            .saturating_sub(1)
    }
}
