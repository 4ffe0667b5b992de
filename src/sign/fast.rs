//! The fast lane of [`Signer::authorize`](super::Signer::authorize): the usual request signed
//! with as few copies as we know how.
//!
//! It takes the request when every protocol value is unreserved text (so that it is its own
//! RFC 5849 §3.6 encoding, in the base string and in the header alike), the query and form body
//! are already in §3.6 form, no request parameter is named `oauth_*`, and there is no realm and
//! no extra protocol parameter. The consumer key and the method name are then fixed for the
//! signer, so the text around them is built once ([`Texts`]). Anything else, and every error,
//! is left to the general path, which gives the same bytes (tested in this module and in
//! `tests/authorize.rs`).

use http::{HeaderValue, Uri};

use super::PairList;
use crate::base_string::{self, UriParts};
use crate::encode;
use crate::error::Error;
use crate::signature::{HmacSha, SignatureMethod};

/// The signature method, with this crate's `HMAC-SHA1` singled out: its base64 tag is taken as
/// bytes, without a `String` in between.
#[derive(Clone, Copy)]
pub(super) enum Method<'a> {
    HmacSha1(&'a HmacSha),
    Any(&'a dyn SignatureMethod),
}

impl Method<'_> {
    /// Whether the method still has the name the signer's text was built with (a method of
    /// this crate always does; one of yours is asked).
    fn named(&self, name: &str) -> bool {
        match self {
            Self::HmacSha1(_) => true,
            Self::Any(m) => m.name() == name,
        }
    }
}

/// The protocol text that depends only on the signer: its consumer key and method name.
#[derive(Debug)]
pub(super) struct Texts {
    method_name: Box<str>,
    /// `oauth_consumer_key%3D{key}%26oauth_nonce%3D`
    base_key_nonce: Box<[u8]>,
    /// `%26oauth_signature_method%3D{method}%26oauth_timestamp%3D`
    base_method_timestamp: Box<[u8]>,
    /// `OAuth oauth_consumer_key="{key}` (its closing quote comes with the next piece)
    header_key: Box<[u8]>,
    /// `", oauth_signature_method="{method}", oauth_timestamp="`
    header_method_timestamp: Box<[u8]>,
}

impl Texts {
    /// `None` when the consumer key or the method name needs encoding (never for the methods of
    /// this crate; the general path then handles every request).
    pub(super) fn new(consumer_key: &str, method_name: &str) -> Option<Self> {
        if !encode::is_all_unreserved(consumer_key.as_bytes())
            || !encode::is_all_unreserved(method_name.as_bytes())
        {
            return None;
        }
        let bytes = |s: String| s.into_bytes().into_boxed_slice();
        Some(Self {
            method_name: method_name.into(),
            base_key_nonce: bytes(format!(
                "oauth_consumer_key%3D{consumer_key}%26oauth_nonce%3D"
            )),
            base_method_timestamp: bytes(format!(
                "%26oauth_signature_method%3D{method_name}%26oauth_timestamp%3D"
            )),
            header_key: bytes(format!("OAuth oauth_consumer_key=\"{consumer_key}")),
            header_method_timestamp: bytes(format!(
                "\", oauth_signature_method=\"{method_name}\", oauth_timestamp=\""
            )),
        })
    }
}

/// The per-request protocol values the lane needs; it takes them only when they are all
/// unreserved text (checked first thing in [`authorize`]).
pub(super) struct Lane<'a> {
    pub(super) nonce: &'a str,
    pub(super) timestamp: u64,
    /// `Some("")` for Atlassian 2-legged OAuth.
    pub(super) token: Option<&'a str>,
    pub(super) token_secret: &'a str,
    pub(super) callback: Option<&'a str>,
    pub(super) verifier: Option<&'a str>,
    pub(super) version: bool,
}

impl Lane<'_> {
    fn unreserved(&self) -> bool {
        let optional =
            |value: Option<&str>| value.is_none_or(|v| encode::is_all_unreserved(v.as_bytes()));
        encode::is_all_unreserved(self.nonce.as_bytes())
            & optional(self.token)
            & optional(self.callback)
            & optional(self.verifier)
    }
}

/// Signs in the fast lane: the header value, or `None` when the general path must do it
/// (nothing of the request is refused here) or when the signature method failed (`failure`
/// then says how: the method is not asked twice).
#[allow(clippy::too_many_arguments)]
pub(super) fn authorize(
    texts: &Texts,
    signer: Method<'_>,
    method: &http::Method,
    uri: &Uri,
    form: Option<&[u8]>,
    lane: &Lane<'_>,
    base: &mut Vec<u8>,
    signature: &mut String,
    failure: &mut Option<Error>,
) -> Option<HeaderValue> {
    if !signer.named(&texts.method_name) || !lane.unreserved() {
        return None;
    }
    let body = match form.map(std::str::from_utf8) {
        None => "",
        Some(Ok(body)) => body,
        Some(Err(_)) => return None,
    };
    let mut request = PairList::new();
    let mut len = 0;
    let mut has_percent = false;
    // How many request names sort before every protocol name (all start with `oauth_`).
    let mut below = 0;
    for input in [uri.query().unwrap_or_default(), body] {
        has_percent |= encode::split_canonical(input, |name, value| {
            len += name.len() + value.len() + 6;
            below += usize::from(sorts_before_protocol_names(name));
            request.push((name, value));
        })?;
    }
    let request = request.as_mut_slice();
    // A request parameter among the protocol names: the general path merges or refuses it.
    if request.iter().any(|(n, _)| n.starts_with("oauth_")) {
        return None;
    }
    let parts = UriParts::of(uri).ok()?;
    let mut digits = [0u8; 20];
    let timestamp = encode::decimal(lane.timestamp, &mut digits).as_bytes();
    request.sort_unstable();
    // With no `oauth_*` request names, the protocol block sits in one piece between the names
    // below `oauth_` and those above.
    let (before, after) = request.split_at(below);
    let value_len = |v: Option<&str>| v.map_or(0, str::len);
    len += 192 + lane.nonce.len() + value_len(lane.token) + value_len(lane.callback);
    len += value_len(lane.verifier);
    base.clear();
    base_string::write_into(base, method, &parts, len, |text| {
        let pair = |text: &mut Vec<u8>, (name, value): (&str, &str)| {
            if has_percent {
                encode::push_escaping_percent(text, name);
                text.extend_from_slice(b"%3D");
                encode::push_escaping_percent(text, value);
            } else {
                text.extend_from_slice(name.as_bytes());
                text.extend_from_slice(b"%3D");
                text.extend_from_slice(value.as_bytes());
            }
        };
        for &p in before {
            pair(text, p);
            text.extend_from_slice(b"%26");
        }
        if let Some(callback) = lane.callback {
            text.extend_from_slice(b"oauth_callback%3D");
            text.extend_from_slice(callback.as_bytes());
            text.extend_from_slice(b"%26");
        }
        text.extend_from_slice(&texts.base_key_nonce);
        text.extend_from_slice(lane.nonce.as_bytes());
        text.extend_from_slice(&texts.base_method_timestamp);
        text.extend_from_slice(timestamp);
        if let Some(token) = lane.token {
            text.extend_from_slice(b"%26oauth_token%3D");
            text.extend_from_slice(token.as_bytes());
        }
        if let Some(verifier) = lane.verifier {
            text.extend_from_slice(b"%26oauth_verifier%3D");
            text.extend_from_slice(verifier.as_bytes());
        }
        if lane.version {
            text.extend_from_slice(b"%26oauth_version%3D1.0");
        }
        for &p in after {
            text.extend_from_slice(b"%26");
            pair(text, p);
        }
    });

    let hmac;
    let signature = match signer {
        Method::HmacSha1(method) => {
            hmac = method.sha1_header_signature(base, lane.token_secret)?;
            Signature::Encoded(hmac.as_bytes())
        }
        Method::Any(method) => {
            signature.clear();
            if let Err(e) = method.sign(base, lane.token_secret, signature) {
                *failure = Some(Error::Signing {
                    method: texts.method_name.to_string(),
                    reason: e.to_string(),
                });
                return None;
            }
            Signature::Plain(signature.as_bytes())
        }
    };
    header(texts, lane, timestamp, signature)
}

/// A signature as the method gave it, or already in its §3.6 encoding.
#[derive(Clone, Copy)]
enum Signature<'a> {
    Plain(&'a [u8]),
    Encoded(&'a [u8]),
}

/// Whether `name` sorts before `oauth_` (the first byte decides, unless it is an `o`).
#[inline]
fn sorts_before_protocol_names(name: &str) -> bool {
    match name.as_bytes().first() {
        Some(&b) if b != b'o' => b < b'o',
        _ => name < "oauth_",
    }
}

/// `OAuth oauth_consumer_key=".."[, oauth_token=".."], oauth_signature_method="..",
/// oauth_timestamp="..", oauth_nonce=".."[, oauth_version="1.0"][, oauth_callback=".."]
/// [, oauth_verifier=".."], oauth_signature=".."`: the general path's order, in a buffer of
/// exactly the right size so that `HeaderValue` takes it over without another allocation.
/// `None` if the text is no header value (it always is: every byte is visible ASCII).
fn header(
    texts: &Texts,
    lane: &Lane<'_>,
    timestamp: &[u8],
    signature: Signature<'_>,
) -> Option<HeaderValue> {
    const TOKEN: &[u8] = b"\", oauth_token=\"";
    const NONCE: &[u8] = b"\", oauth_nonce=\"";
    const VERSION: &[u8] = b"\", oauth_version=\"1.0";
    const CALLBACK: &[u8] = b"\", oauth_callback=\"";
    const VERIFIER: &[u8] = b"\", oauth_verifier=\"";
    const SIGNATURE: &[u8] = b"\", oauth_signature=\"";
    let optional = |value: Option<&str>, name: &[u8]| value.map_or(0, |v| name.len() + v.len());
    let len = texts.header_key.len()
        + optional(lane.token, TOKEN)
        + texts.header_method_timestamp.len()
        + timestamp.len()
        + NONCE.len()
        + lane.nonce.len()
        + if lane.version { VERSION.len() } else { 0 }
        + optional(lane.callback, CALLBACK)
        + optional(lane.verifier, VERIFIER)
        + SIGNATURE.len()
        + match signature {
            Signature::Plain(plain) => encode::encoded_len(plain),
            Signature::Encoded(encoded) => encoded.len(),
        }
        + 1;
    let mut text = Vec::with_capacity(len);
    text.extend_from_slice(&texts.header_key);
    if let Some(token) = lane.token {
        text.extend_from_slice(TOKEN);
        text.extend_from_slice(token.as_bytes());
    }
    text.extend_from_slice(&texts.header_method_timestamp);
    text.extend_from_slice(timestamp);
    text.extend_from_slice(NONCE);
    text.extend_from_slice(lane.nonce.as_bytes());
    if lane.version {
        text.extend_from_slice(VERSION);
    }
    if let Some(callback) = lane.callback {
        text.extend_from_slice(CALLBACK);
        text.extend_from_slice(callback.as_bytes());
    }
    if let Some(verifier) = lane.verifier {
        text.extend_from_slice(VERIFIER);
        text.extend_from_slice(verifier.as_bytes());
    }
    text.extend_from_slice(SIGNATURE);
    match signature {
        Signature::Plain(plain) => encode::encode_exact(&mut text, plain),
        Signature::Encoded(encoded) => text.extend_from_slice(encoded),
    }
    text.push(b'"');
    debug_assert_eq!(text.len(), len, "fast-lane header length");
    let mut value = HeaderValue::try_from(text).ok()?;
    value.set_sensitive(true);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::super::{SignOptions, Signer};
    use super::*;
    use crate::credentials::{ConsumerKey, ConsumerSecret, TokenRef};
    use crate::signature::{HmacSha, Plaintext};

    fn signer(method: impl SignatureMethod + 'static) -> Signer {
        Signer::new(ConsumerKey::new("ck-1"), method)
    }

    /// Whether the lane takes the request, and if so that it gives the general path's bytes.
    fn lane_takes(
        signer: &Signer,
        request: &http::Request<Vec<u8>>,
        options: &SignOptions<'_>,
    ) -> bool {
        let (mut nonce, mut base, mut signature) = (String::new(), Vec::new(), String::new());
        let mut taken = None;
        signer
            .fast_lane(
                request.method(),
                request.uri(),
                super::super::form_of(request.headers(), request.body()),
                options,
                &mut nonce,
                &mut base,
                &mut signature,
                &mut taken,
            )
            .unwrap();
        let general = signer.sign(request, options).unwrap();
        if let Some(header) = &taken {
            assert_eq!(header, general.authorization(), "{request:?} {options:?}");
            assert!(header.is_sensitive());
            assert_eq!(base, general.base_string().as_bytes());
        }
        assert_eq!(
            &signer.authorize(request, options).unwrap(),
            general.authorization()
        );
        taken.is_some()
    }

    #[test]
    fn the_lane_takes_the_usual_requests_and_agrees_with_the_general_path() {
        let hmac = signer(HmacSha::sha1(ConsumerSecret::new("cs")));
        let token = TokenRef {
            token: "tok-1",
            secret: "ts",
        };
        let pinned = |o: SignOptions<'static>| o.nonce("n0nce").timestamp(1_700_000_000);
        let get = |uri: &str| http::Request::get(uri).body(Vec::new()).unwrap();
        let form = |uri: &str, body: &str| {
            http::Request::post(uri)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body.as_bytes().to_vec())
                .unwrap()
        };
        let taken = [
            (
                get("https://h.example/rest/api/1.0/projects?limit=100&start=0"),
                pinned(SignOptions::new()),
            ),
            (
                get("https://H.Example:443/a%20b/c?z=1&a=%2F&a=1&b"),
                pinned(SignOptions::new()),
            ),
            (
                get("http://h:8080"),
                pinned(SignOptions::new().version(false)),
            ),
            (
                get("https://[::1]/p?oauth=1&oauthz=2&o=3&p=4"),
                pinned(SignOptions::new()),
            ),
            (
                form("https://h/p?q=1", "b=2&a=%2Ax"),
                pinned(SignOptions::new()),
            ),
            (
                form("https://h/p", "a=%E2%82%AC&c"),
                pinned(SignOptions::new().callback("oob")),
            ),
            (
                get("https://h/p"),
                pinned(SignOptions::new().two_legged_empty_token()),
            ),
            (
                get("https://h/p?x=1"),
                pinned(SignOptions::new().verifier("v-1")),
            ),
        ];
        for (request, options) in &taken {
            assert!(
                lane_takes(&hmac, request, options),
                "{request:?} {options:?}"
            );
            let options = options.clone().token(token);
            assert!(
                lane_takes(&hmac, request, &options),
                "{request:?} {options:?}"
            );
        }
        let general = [
            // `+`, lowercase escapes, an escaped unreserved byte: not in §3.6 form.
            (get("https://h/p?a=b+c"), pinned(SignOptions::new())),
            (get("https://h/p?a=%2f"), pinned(SignOptions::new())),
            (get("https://h/p?a=%41"), pinned(SignOptions::new())),
            // A request parameter among the protocol names.
            (
                get("https://h/p?oauth_body_hash=x"),
                pinned(SignOptions::new()),
            ),
            // Reserved text in a protocol value, a realm, an extra parameter.
            (
                get("https://h/p"),
                pinned(SignOptions::new().callback("https://c.example/cb")),
            ),
            (
                get("https://h/p"),
                SignOptions::new().nonce("a b").timestamp(1),
            ),
            (get("https://h/p"), pinned(SignOptions::new().realm("r"))),
            (
                get("https://h/p"),
                pinned(SignOptions::new().extra("oauth_session_handle", "s")),
            ),
            (form("https://h/p", "a=\u{e9}"), pinned(SignOptions::new())),
        ];
        for (request, options) in &general {
            assert!(
                !lane_takes(&hmac, request, options),
                "{request:?} {options:?}"
            );
        }
        // A consumer key that needs encoding keeps every request on the general path.
        let odd = Signer::new(
            ConsumerKey::new("ck 1"),
            HmacSha::sha1(ConsumerSecret::new("cs")),
        );
        assert!(odd.inner.texts.is_none());
        let (request, options) = &taken[0];
        assert!(!lane_takes(&odd, request, options));
        // PLAINTEXT takes the lane; its signature (the secret) is encoded like any other.
        let plaintext = signer(Plaintext::new(ConsumerSecret::new("c s&")));
        assert!(lane_takes(
            &plaintext,
            request,
            &options.clone().token(token)
        ));
    }
}
