//! The RFC 5849 building blocks, for a provider, a proxy, or a test that checks a signature
//! itself.
//!
//! A consumer needs none of this: [`Signer`](crate::Signer) and [`Consumer`](crate::Consumer)
//! use these pieces inside. A provider-side program uses them to do what the server does:
//!
//! 1. read the `Authorization: OAuth …` header with [`parse_oauth_header`] (§3.5.1);
//! 2. collect the request's parameters into [`Parameters`]: the query, an
//!    `application/x-www-form-urlencoded` body (only when [`is_form_urlencoded`] says so,
//!    §3.4.1.3.1), and the header's `oauth_*` fields except `oauth_signature` and `realm`;
//! 3. build the [`BaseString`] from the method, the URL the request arrived at and those
//!    parameters (§3.4.1);
//! 4. check the signature with [`verify`] (§3.4).
//!
//! ```
//! use bitbucket_oauth::rfc5849::{BaseString, Parameters, VerifyKey, parse_oauth_header, verify};
//! use bitbucket_oauth::signature::MethodName;
//! use bitbucket_oauth::ConsumerSecret;
//!
//! // RFC 5849 §1.2's photo request, as the server receives it.
//! let header = parse_oauth_header(
//!     "OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", \
//!      oauth_token=\"nnch734d00sl2jdk\", oauth_signature_method=\"HMAC-SHA1\", \
//!      oauth_timestamp=\"1191242096\", oauth_nonce=\"kllo9940pd9333jh\", oauth_version=\"1.0\", \
//!      oauth_signature=\"tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D\"",
//! )?;
//! let mut params = Parameters::new();
//! params.extend_from_query("file=vacation.jpg&size=original")?;
//! for (name, value) in header.iter().filter(|(n, _)| !matches!(*n, "realm" | "oauth_signature")) {
//!     params.push(name, value);
//! }
//! let uri = "http://photos.example.net/photos?file=vacation.jpg&size=original".parse().unwrap();
//! let base = BaseString::new(&http::Method::GET, &uri, &mut params)?;
//!
//! let secret = ConsumerSecret::new("kd94hf93k423kf44");
//! let key = VerifyKey::Shared { consumer_secret: &secret, token_secret: "pfkkdhi9sl3r4s00" };
//! let signature = header.get("oauth_signature").unwrap_or_default();
//! assert!(verify(MethodName::HmacSha1, base.as_bytes(), signature, key));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Values in [`Parameters`] and in a [`BaseString`] are percent-encoded as §3.6 says
//! ([`encode`]); [`decode`] is its strict inverse, and [`decode_form_component`] reads a form
//! body's `+` as a space first.

pub use crate::base_string::{BaseString, base_string_uri};
pub use crate::encode::{DecodeError, decode, decode_form_component, encode};
pub use crate::header::{
    HeaderParams, HeaderParseError, MAX_HEADER_BYTES, MAX_HEADER_PARAMS, parse_oauth_header,
};
pub use crate::params::Parameters;
pub use crate::sign::is_form_urlencoded;
pub use crate::signature::{VerifyKey, verify};
