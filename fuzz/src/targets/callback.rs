//! Callback parsing (RFC 5849 §2.2): `bitbucket_oauth::flow::parse_callback` on an arbitrary
//! callback URL (or bare query) against an arbitrary pending request token.
//!
//! Properties: never panics; a verifier comes back only when the callback carries exactly one
//! `oauth_token`, equal to the pending token, and exactly one non-empty `oauth_verifier` other
//! than `denied` (Atlassian's refusal), equal to what an independent decoding finds.

use crate::input::CallbackInput;
use bitbucket_oauth::rfc5849::decode_form_component;
use bitbucket_oauth::flow::parse_callback;
use bitbucket_oauth::{Error, Temporary, Token, TokenSecret};

/// Every value of `name` in the callback's query, decoded independently (lossily, as a browser
/// would show it).
fn values(callback: &str, name: &str) -> Vec<String> {
    let query = callback.split_once('?').map_or(callback, |(_, q)| q);
    let query = query.split('#').next().unwrap_or_default();
    query
        .trim_ascii()
        .split('&')
        .filter_map(|segment| {
            let (n, v) = segment.split_once('=').unwrap_or((segment, ""));
            let lossy = |raw: &str| match decode_form_component(raw) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(_) => raw.to_owned(),
            };
            (!segment.is_empty() && lossy(n) == name).then(|| lossy(v))
        })
        .collect()
}

/// The target's body: checks the properties above on one input.
pub fn run(input: CallbackInput<'_>) {
    let pending = Token::<Temporary>::new(input.pending, TokenSecret::new("secret"));
    let result = parse_callback(input.callback, &pending);
    let tokens = values(input.callback, "oauth_token");
    let verifiers = values(input.callback, "oauth_verifier");
    match result {
        Ok(verifier) => {
            assert_eq!(tokens, [input.pending]);
            assert_eq!(verifiers.len(), 1);
            assert_eq!(verifier.secret(), verifiers[0]);
            assert!(!verifier.secret().is_empty() && verifier.secret() != "denied");
        }
        Err(Error::CallbackTokenMismatch) => {
            assert_eq!(tokens.len(), 1);
            assert_ne!(tokens[0], input.pending);
        }
        Err(Error::UserDenied) => assert_eq!(verifiers, ["denied"]),
        Err(Error::CallbackMissing { .. }) => {
            assert!(tokens.len() != 1 || verifiers.len() != 1 || verifiers[0].is_empty());
        }
        Err(other) => panic!("undocumented error {other:?}"),
    }
}
