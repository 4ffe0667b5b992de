//! What may be shown of a base string or a parameter list: everything but the values of the
//! secret parameters.
//!
//! The access-token step signs `oauth_verifier`, a renewal signs `oauth_session_handle`; a
//! provider may echo `oauth_token_secret` or (with `PLAINTEXT`, where it *is* the shared secret)
//! `oauth_signature`. Wherever this crate shows or keeps a base string or parameters for a
//! person to read (`Debug`, `Display`, errors, the comparison in [`crate::explain`]), it goes
//! through [`redact`] first. The exact signed text stays available on purpose, through
//! accessors whose names say so.

use std::borrow::Cow;

/// What a secret value is replaced by.
pub const REDACTED: &str = "<redacted>";

/// The parameters whose values are never shown.
pub const SECRET_PARAMETERS: [&str; 4] = [
    "oauth_verifier",
    "oauth_session_handle",
    "oauth_token_secret",
    "oauth_signature",
];

/// Whether `name` (plain or §3.6-encoded: the secret names encode to themselves) is one of
/// [`SECRET_PARAMETERS`], in any letter case.
#[must_use]
pub fn is_secret_parameter(name: &str) -> bool {
    SECRET_PARAMETERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

/// `text` with the value of every [secret parameter](SECRET_PARAMETERS) replaced by
/// [`REDACTED`]. `text` is a signature base string (`POST&https%3A...&a%3D1%26oauth_verifier%3Dv`),
/// or a parameter list such as its normalized parameters or a form body
/// (`a=1&oauth_verifier=v`); borrowed back unchanged when there is nothing to hide.
///
/// ```
/// use bitbucket_oauth::redact::redact;
/// assert_eq!(
///     redact("POST&https%3A%2F%2Fh%2Fat&oauth_token%3Dt%26oauth_verifier%3Dv1%26oauth_version%3D1.0"),
///     "POST&https%3A%2F%2Fh%2Fat&oauth_token%3Dt%26oauth_verifier%3D<redacted>%26oauth_version%3D1.0"
/// );
/// assert_eq!(redact("oauth_session_handle=h%26x&a=1"), "oauth_session_handle=<redacted>&a=1");
/// assert_eq!(redact("oauth_signature_method=PLAINTEXT"), "oauth_signature_method=PLAINTEXT");
/// ```
#[must_use]
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    loop {
        if let Some((value_start, plain)) = secret_value_at(text, pos) {
            let value_end = value_end(text, value_start, plain);
            if value_end > value_start {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..value_start]);
                out.push_str(REDACTED);
                copied = value_end;
            }
            pos = value_end;
        }
        match next_pair(text, pos) {
            Some(next) => pos = next,
            None => break,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// When a secret name and its `=` (plain) or `%3D` (in a base string) start at `pos`: where its
/// value starts, and whether the list is plain.
fn secret_value_at(text: &str, pos: usize) -> Option<(usize, bool)> {
    let rest = text.as_bytes().get(pos..)?;
    SECRET_PARAMETERS.iter().find_map(|name| {
        let after = rest
            .get(..name.len())
            .filter(|head| head.eq_ignore_ascii_case(name.as_bytes()))
            .map(|_| &rest[name.len()..])?;
        if after.first() == Some(&b'=') {
            Some((pos + name.len() + 1, true))
        } else if after
            .get(..3)
            .is_some_and(|s| s.eq_ignore_ascii_case(b"%3D"))
        {
            Some((pos + name.len() + 3, false))
        } else {
            None
        }
    })
}

/// Where a value starting at `start` ends: at the next `&`, or in a base string also at the next
/// `%26`.
fn value_end(text: &str, start: usize, plain: bool) -> usize {
    let bytes = text.as_bytes();
    (start..bytes.len())
        .find(|&i| bytes[i] == b'&' || (!plain && is_encoded_amp(bytes, i)))
        .unwrap_or(bytes.len())
}

/// The start of the pair after the next separator (`&` or `%26`) at or after `from`.
fn next_pair(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    (from..bytes.len()).find_map(|i| {
        if bytes[i] == b'&' {
            Some(i + 1)
        } else if is_encoded_amp(bytes, i) {
            Some(i + 3)
        } else {
            None
        }
    })
}

fn is_encoded_amp(bytes: &[u8], i: usize) -> bool {
    bytes
        .get(i..i + 3)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"%26"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_in_every_form() {
        for (text, want) in [
            ("", ""),
            ("a=1&b=2", "a=1&b=2"),
            ("oauth_verifier=v", "oauth_verifier=<redacted>"),
            ("oauth_verifier=", "oauth_verifier="),
            (
                "OAUTH_TOKEN_SECRET=s&x=1",
                "OAUTH_TOKEN_SECRET=<redacted>&x=1",
            ),
            ("x_oauth_verifier=v", "x_oauth_verifier=v"),
            ("a=oauth_verifier=v", "a=oauth_verifier=v"),
            ("oauth_signature=a%2Bb%3D", "oauth_signature=<redacted>"),
            (
                "GET&http%3A%2F%2Fh%2F&oauth_signature%3Ds%252B%26z%3D1",
                "GET&http%3A%2F%2Fh%2F&oauth_signature%3D<redacted>%26z%3D1",
            ),
            (
                "GET&http%3A%2F%2Fh%2F&oauth_session_handle%3Dh",
                "GET&http%3A%2F%2Fh%2F&oauth_session_handle%3D<redacted>",
            ),
            (
                "a%3D1%26oauth_verifier%3Dv%26oauth_verifier%3Dw",
                "a%3D1%26oauth_verifier%3D<redacted>%26oauth_verifier%3D<redacted>",
            ),
            (
                "oauth_token=t&oauth_token_secret=s",
                "oauth_token=t&oauth_token_secret=<redacted>",
            ),
        ] {
            assert_eq!(redact(text), want, "{text}");
        }
        assert!(matches!(redact("a=1&oauth_token=t"), Cow::Borrowed(_)));
    }
}
