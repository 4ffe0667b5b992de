//! `parse_oauth_header` (RFC 5849 §3.5.1 `Authorization`, and `WWW-Authenticate` challenges) on
//! arbitrary text.
//!
//! Properties: never panics; `TooLong` exactly beyond `MAX_HEADER_BYTES`; at most
//! `MAX_HEADER_PARAMS` parameters; names are RFC 9110 tokens; and parsing is a fixed point:
//! rendering the parsed parameters canonically (`realm` quoted, every other value
//! percent-encoded) and parsing again gives the same parameters.

use bitbucket_oauth::rfc5849::encode_into;
use bitbucket_oauth::rfc5849::{
    HeaderParseError, MAX_HEADER_BYTES, MAX_HEADER_PARAMS, parse_oauth_header,
};

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn render<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::from("OAuth ");
    for (i, (name, value)) in params.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(name);
        out.push_str("=\"");
        if name == "realm" {
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
        } else {
            encode_into(&mut out, value.as_bytes());
        }
        out.push('"');
    }
    out
}

/// The target's body: checks the properties above on one input.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match parse_oauth_header(&text) {
        Ok(params) => {
            assert!(text.len() <= MAX_HEADER_BYTES);
            assert!(params.len() <= MAX_HEADER_PARAMS);
            for (name, _) in params.iter() {
                assert!(!name.is_empty() && name.bytes().all(is_tchar), "{name:?}");
            }
            if let Some((first, _)) = params.iter().next() {
                assert!(params.get(first).is_some());
            }
            let rendered = render(params.iter());
            if rendered.len() <= MAX_HEADER_BYTES {
                let again = parse_oauth_header(&rendered)
                    .unwrap_or_else(|e| panic!("{rendered:?} does not parse: {e}"));
                assert_eq!(again, params, "{rendered:?}");
            }
        }
        Err(HeaderParseError::TooLong { limit }) => {
            assert_eq!(limit, MAX_HEADER_BYTES);
            assert!(text.len() > MAX_HEADER_BYTES);
        }
        Err(e) => {
            assert!(text.len() <= MAX_HEADER_BYTES);
            let _ = e.to_string();
        }
    }
}
