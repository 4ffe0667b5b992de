//! The stand-in's check of `oauth_body_hash` (draft-eaton-oauth-bodyhash-00, see
//! [`crate::body_hash`]).
//!
//! When a signed request carries `oauth_body_hash`, the stand-in checks it after the signature
//! (the signature covers the hash, the hash covers the body): the hash named by the signature
//! method ([`BodyHashAlgorithm::for_method`]) of the body bytes as received must be the value
//! sent. A request without the parameter is not checked: the extension is opt-in, and
//! Bitbucket's own servlet (built on net.oauth, which knows nothing of it) signs it as one more
//! protocol parameter and looks no further.
//!
//! A failed check is refused as `parameter_rejected` (HTTP 400) with
//! `oauth_parameters_rejected=oauth_body_hash` and advice in `oauth_problem_advice`: the OAuth
//! Problem Reporting extension has no problem of its own for a body hash, and
//! `parameter_rejected` ("a parameter was sent that is unexpected or has a value that is not
//! acceptable") is its closest, naming the parameter as the problem reporting convention does.
//! Refused the same way: `oauth_body_hash` with a form-encoded body (draft §4.1.1 forbids a
//! consumer to send it), and with a method that names no hash (`PLAINTEXT`).

use crate::body_hash::BodyHashAlgorithm;

/// `Err(advice)` unless the request's `oauth_body_hash`, if it has one, is the hash of `body`.
/// `method` is the request's `oauth_signature_method`, `form` whether the body is
/// `application/x-www-form-urlencoded`.
pub(crate) fn check(
    method: &str,
    sent: Option<&str>,
    form: bool,
    body: &[u8],
) -> Result<(), &'static str> {
    let Some(sent) = sent else {
        return Ok(());
    };
    if form {
        return Err(
            "oauth_body_hash must not be sent with a form-encoded body (draft-eaton-oauth-bodyhash §4.1.1)",
        );
    }
    let algorithm = BodyHashAlgorithm::for_method(method).map_err(
        |_| "no body hash goes with this signature method; sign with HMAC-SHA1 or RSA-SHA1",
    )?;
    if algorithm.hash(body) != sent {
        return Err(
            "oauth_body_hash is not the hash of the body received: the body changed after it was signed",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn checks_the_hash_only_when_sent() {
        assert_eq!(check("HMAC-SHA1", None, false, b"anything"), Ok(()));
        // draft-eaton-oauth-bodyhash-00 Appendix A.1 and A.2.
        assert_eq!(
            check(
                "HMAC-SHA1",
                Some("Lve95gjOVATpfV8EL5X4nxwjKHE="),
                false,
                b"Hello World!"
            ),
            Ok(())
        );
        assert_eq!(
            check("RSA-SHA1", Some("2jmj7l5rSw0yVb/vlWAYkK/YBwk="), false, b""),
            Ok(())
        );
        assert!(
            check(
                "HMAC-SHA1",
                Some("2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
                false,
                b"x"
            )
            .is_err()
        );
        assert!(check("HMAC-SHA1", Some("2jmj7l5rSw0yVb/vlWAYkK/YBwk="), true, b"").is_err());
        assert!(
            check(
                "PLAINTEXT",
                Some("2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
                false,
                b""
            )
            .is_err()
        );
    }
}
