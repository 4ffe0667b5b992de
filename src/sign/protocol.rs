//! The protocol parameters of one signature: each plain value once, its §3.6 encoding once, and
//! from them the base string and the `Authorization` header (through the crate's one writer of
//! each).

use http::{HeaderMap, HeaderValue, Method, Uri};

use super::has_form_body;
use crate::base_string::BaseString;
use crate::encode;
use crate::error::SignError;
use crate::header;
use crate::params::Parameters;
use zeroize::Zeroizing;

/// Positions of the fixed protocol parameters in [`Protocol::fixed`], in header order.
pub(super) const CONSUMER_KEY: usize = 0;
pub(super) const TOKEN: usize = 1;
pub(super) const SIGNATURE_METHOD: usize = 2;
pub(super) const TIMESTAMP: usize = 3;
pub(super) const NONCE: usize = 4;
pub(super) const VERSION: usize = 5;
pub(super) const CALLBACK: usize = 6;
pub(super) const VERIFIER: usize = 7;
pub(super) const FIXED_NAMES: [&str; 8] = [
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
    "oauth_callback",
    "oauth_verifier",
];

/// The fixed slots in the byte order of their names.
pub(super) const SLOTS_BY_NAME: [usize; 8] = [
    CALLBACK,
    CONSUMER_KEY,
    NONCE,
    SIGNATURE_METHOD,
    TIMESTAMP,
    TOKEN,
    VERIFIER,
    VERSION,
];

/// A byte range of the plain-values buffer of a [`Signed`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) start: u32,
    pub(super) end: u32,
}

impl Span {
    pub(super) fn of(start: usize, end: usize) -> Result<Self, SignError> {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(start), Ok(end)) => Ok(Self { start, end }),
            _ => Err(SignError::InvalidParameter {
                name: "protocol parameters",
                reason: "longer than 4 GiB in all",
            }),
        }
    }

    /// Appends the §3.6 encoding of `value` to `encoded`; its span there.
    pub(super) fn encode(encoded: &mut String, value: &str) -> Result<Self, SignError> {
        let start = encoded.len();
        encode::encode_into(encoded, value.as_bytes());
        Self::of(start, encoded.len())
    }

    pub(super) fn push(plain: &mut String, value: &str) -> Result<Self, SignError> {
        let start = plain.len();
        plain.push_str(value);
        Self::of(start, plain.len())
    }

    pub(super) fn get(self, plain: &str) -> &str {
        plain
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// The protocol parameters in header order: spans of their plain values in the plain-values
/// buffer, and their RFC 5849 §3.6 encodings, made once and used by the base string, the
/// header and the urlencoded form.
#[derive(Debug, Clone, Default)]
pub(super) struct Protocol {
    pub(super) fixed: [Option<Span>; 8],
    /// `SignOptions::extra` pairs; empty (and unallocated) unless there are some.
    pub(super) extra: Vec<(Span, Span)>,
    /// The encoded values, in [`iter`](Self::iter) order, then the encoded signature. Wiped
    /// when dropped: it holds the verifier, and with `PLAINTEXT` the shared secret.
    pub(super) encoded: Zeroizing<String>,
    pub(super) encoded_fixed: [Option<Span>; 8],
    pub(super) encoded_extra: Vec<Span>,
    pub(super) encoded_signature: Option<Span>,
}

impl Protocol {
    /// `(name, plain value)` in header order.
    pub(super) fn iter<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> + Clone {
        self.fixed
            .iter()
            .zip(FIXED_NAMES)
            .filter_map(move |(span, name)| span.map(|s| (name, s.get(plain))))
            .chain(
                self.extra
                    .iter()
                    .map(move |(n, v)| (n.get(plain), v.get(plain))),
            )
    }

    /// `(name, encoded value)` in header order. Names need no encoding: the fixed ones are
    /// unreserved text, and [`validate`] holds extra names to unreserved characters.
    pub(super) fn iter_encoded<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> + Clone {
        let encoded = self.encoded.as_str();
        self.encoded_fixed
            .iter()
            .zip(FIXED_NAMES)
            .filter_map(move |(span, name)| span.map(|s| (name, s.get(encoded))))
            .chain(self.extra_encoded(plain))
    }

    /// `(name, encoded value)` of the extra parameters, in the order they were given.
    pub(super) fn extra_encoded<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> + Clone {
        let encoded = self.encoded.as_str();
        self.extra
            .iter()
            .zip(&self.encoded_extra)
            .map(move |((n, _), v)| (n.get(plain), v.get(encoded)))
    }

    /// `(name, encoded value)` with the fixed parameters in the byte order of their names (the
    /// order the base string sorts them into, so that sorting finds them in place), then the
    /// extra ones.
    pub(super) fn iter_encoded_by_name<'s>(
        &'s self,
        plain: &'s str,
    ) -> impl Iterator<Item = (&'s str, &'s str)> {
        let encoded = self.encoded.as_str();
        SLOTS_BY_NAME
            .iter()
            .filter_map(move |&slot| {
                self.encoded_fixed[slot].map(|s| (FIXED_NAMES[slot], s.get(encoded)))
            })
            .chain(self.extra_encoded(plain))
    }

    /// Encodes every value once; the consumer key's and the method name's encodings are the
    /// signer's, made when it was built.
    pub(super) fn encode_values(
        &mut self,
        plain: &str,
        consumer_key_encoded: &str,
        method_name_encoded: &str,
    ) -> Result<(), SignError> {
        self.encoded.reserve(plain.len() + plain.len() / 2);
        for (slot, span) in self.fixed.iter().enumerate() {
            let Some(span) = span else { continue };
            self.encoded_fixed[slot] = Some(match slot {
                CONSUMER_KEY => Span::push(&mut self.encoded, consumer_key_encoded)?,
                SIGNATURE_METHOD => Span::push(&mut self.encoded, method_name_encoded)?,
                _ => Span::encode(&mut self.encoded, span.get(plain))?,
            });
        }
        for (_, value) in &self.extra {
            let span = Span::encode(&mut self.encoded, value.get(plain))?;
            self.encoded_extra.push(span);
        }
        Ok(())
    }

    /// Encodes the signature, after the values.
    pub(super) fn encode_signature(&mut self, signature: &str) -> Result<(), SignError> {
        self.encoded_signature = Some(Span::encode(&mut self.encoded, signature)?);
        Ok(())
    }

    /// The encoded signature.
    pub(super) fn encoded_signature(&self) -> &str {
        self.encoded_signature
            .map_or("", |s| s.get(self.encoded.as_str()))
    }
}

/// The error for a request that already carries one of the protocol parameters.
pub(super) fn duplicate<'p>(
    protocol: impl Iterator<Item = (&'p str, &'p str)>,
    mut request_has: impl FnMut(&str) -> bool,
) -> Result<(), SignError> {
    for (name, _) in protocol {
        if request_has(name) {
            return Err(SignError::DuplicateProtocolParameter {
                name: name.to_owned(),
            });
        }
    }
    Ok(())
}

/// The form body of a request, when its content type says it is one (RFC 5849 §3.4.1.3.1).
pub(super) fn form_of<'b>(headers: &HeaderMap, body: &'b [u8]) -> Option<&'b [u8]> {
    has_form_body(headers).then_some(body)
}

/// The base string of a request (RFC 5849 §3.4.1): its query and form parameters, then the
/// protocol parameters, collected, encoded, sorted and written by [`BaseString::new`].
pub(super) fn base_string(
    method: &Method,
    uri: &Uri,
    form: Option<&[u8]>,
    plain: &str,
    proto: &Protocol,
) -> Result<BaseString, SignError> {
    let mut params = Parameters::with_capacity(proto.fixed.len() + proto.extra.len() + 8);
    if let Some(query) = uri.query() {
        params.extend_from_query(query)?;
    }
    if let Some(body) = form {
        params.extend_from_form(body)?;
    }
    // Every protocol parameter name starts with `oauth_`.
    if params.iter().any(|(name, _)| name.starts_with("oauth_")) {
        duplicate(proto.iter(plain), |name| params.contains_name(name))?;
    }
    for (name, value) in proto.iter_encoded_by_name(plain) {
        params.push_encoded(name, value);
    }
    BaseString::new(method, uri, &mut params)
}

/// The `Authorization` header value (RFC 5849 §3.5.1) of the protocol parameters and the
/// signature, marked sensitive.
pub(super) fn authorization(
    realm: Option<&str>,
    proto: &Protocol,
    plain: &str,
) -> Result<HeaderValue, SignError> {
    let params = proto.iter_encoded(plain).chain(std::iter::once((
        "oauth_signature",
        proto.encoded_signature(),
    )));
    let text = header::write_authorization(realm, params);
    let mut authorization = HeaderValue::try_from(text).map_err(|_| SignError::InvalidRealm)?;
    authorization.set_sensitive(true);
    Ok(authorization)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_by_name_are_the_fixed_names_in_byte_order() {
        let names: Vec<&str> = SLOTS_BY_NAME
            .iter()
            .map(|&slot| FIXED_NAMES[slot])
            .collect();
        let mut sorted = FIXED_NAMES.to_vec();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
    }
}
