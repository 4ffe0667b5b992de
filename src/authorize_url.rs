//! The resource owner authorization URL (RFC 5849 §2.2), with the extra parameters some
//! providers read there: [`AuthorizeUrl`].

use http::Uri;

use crate::credentials::{Temporary, Token};
use crate::encode;
use crate::error::SignError;

/// The resource owner authorization URL (RFC 5849 §2.2), with the extra parameters some
/// providers read there.
///
/// RFC 5849 puts only `oauth_token` on the URL the user's browser is sent to, and lets a
/// provider define more. Trello reads the application's `name`, the token's `expiration`
/// (`1hour`, `1day`, `30days`, `never`) and its `scope` (`read`, `write`, `account`,
/// comma-separated) there; E*TRADE names the token `token` and wants the consumer key as `key`.
/// [`AuthorizeUrl`] writes them: the endpoint as configured (its own query kept), then the
/// token, then each extra parameter in the order given, every name and value percent-encoded
/// per RFC 3986 (RFC 5849 §3.6), so that `read,write` goes out as `read%2Cwrite`.
///
/// ```
/// use bitbucket_oauth::{Consumer, ConsumerKey, ConsumerSecret, Endpoints, Signer, Token, TokenSecret};
/// use bitbucket_oauth::signature::HmacSha;
///
/// let trello = Endpoints::new(
///     "https://trello.com/1/OAuthGetRequestToken",
///     "https://trello.com/1/OAuthAuthorizeToken",
///     "https://trello.com/1/OAuthGetAccessToken",
/// )?;
/// let client = Consumer::new(
///     Signer::new(ConsumerKey::new("key"), HmacSha::sha1(ConsumerSecret::new("secret"))),
///     trello,
/// );
/// let request_token = Token::new("a1b2c3", TokenSecret::new("s"));
/// let url = client
///     .authorize_url_builder(&request_token)
///     .param("name", "My Board Sync")
///     .param("expiration", "30days")
///     .param("scope", "read,write")
///     .build()?;
/// assert_eq!(
///     url,
///     "https://trello.com/1/OAuthAuthorizeToken?oauth_token=a1b2c3&name=My%20Board%20Sync&expiration=30days&scope=read%2Cwrite"
/// );
/// # Ok::<(), bitbucket_oauth::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AuthorizeUrl<'a> {
    endpoint: &'a Uri,
    token: &'a str,
    token_name: &'a str,
    params: Vec<(&'a str, &'a str)>,
}

impl<'a> AuthorizeUrl<'a> {
    /// The authorization URL of `endpoint` for `token`, as `oauth_token`.
    pub fn new(endpoint: &'a Uri, token: &'a Token<Temporary>) -> Self {
        Self {
            endpoint,
            token: token.token(),
            token_name: "oauth_token",
            params: Vec::new(),
        }
    }

    /// Appends `name=value` (Trello's `name`, `expiration`, `scope`; E*TRADE's `key`).
    pub fn param(mut self, name: &'a str, value: &'a str) -> Self {
        self.params.push((name, value));
        self
    }

    /// Names the token parameter `name` instead of `oauth_token` (E*TRADE: `token`).
    pub fn token_parameter(mut self, name: &'a str) -> Self {
        self.token_name = name;
        self
    }

    /// The URL.
    ///
    /// # Errors
    ///
    /// [`SignError::InvalidParameter`] for an empty parameter name, or an extra parameter that
    /// repeats the token parameter's name (the builder writes the token itself).
    pub fn build(&self) -> Result<String, SignError> {
        if self.token_name.is_empty() || self.params.iter().any(|(name, _)| name.is_empty()) {
            return Err(SignError::InvalidParameter {
                name: "authorize URL parameter",
                reason: "a parameter name must not be empty",
            });
        }
        if self.params.iter().any(|(name, _)| *name == self.token_name) {
            return Err(SignError::InvalidParameter {
                name: "authorize URL parameter",
                reason: "the builder writes the request token itself; do not add it with param()",
            });
        }
        Ok(self.write())
    }

    /// The URL, without the checks of [`build`](Self::build) (for the plain `oauth_token` form,
    /// which needs none).
    pub(crate) fn write(&self) -> String {
        let base = self.endpoint.to_string();
        let extra: usize = self.params.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
        let mut url = String::with_capacity(base.len() + self.token.len() + extra + 16);
        url.push_str(&base);
        url.push(if self.endpoint.query().is_some() {
            '&'
        } else {
            '?'
        });
        encode::encode_into(&mut url, self.token_name.as_bytes());
        url.push('=');
        encode::encode_into(&mut url, self.token.as_bytes());
        for (name, value) in &self.params {
            url.push('&');
            encode::encode_into(&mut url, name.as_bytes());
            url.push('=');
            encode::encode_into(&mut url, value.as_bytes());
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::TokenSecret;

    fn token(t: &str) -> Token<Temporary> {
        Token::new(t, TokenSecret::new("s"))
    }

    #[test]
    fn writes_token_then_params_encoded() {
        let endpoint: Uri = "https://us.etrade.com/e/t/etws/authorize".parse().unwrap();
        let t = token("a+b/c=");
        let url = AuthorizeUrl::new(&endpoint, &t)
            .token_parameter("token")
            .param("key", "ck!1")
            .build()
            .unwrap();
        assert_eq!(
            url,
            "https://us.etrade.com/e/t/etws/authorize?token=a%2Bb%2Fc%3D&key=ck%211"
        );
    }

    #[test]
    fn keeps_the_endpoints_query() {
        let endpoint: Uri = "https://h.example.com/authorize?lang=en".parse().unwrap();
        let t = token("tok");
        assert_eq!(
            AuthorizeUrl::new(&endpoint, &t)
                .param("ü", "a b")
                .build()
                .unwrap(),
            "https://h.example.com/authorize?lang=en&oauth_token=tok&%C3%BC=a%20b"
        );
    }

    #[test]
    fn refuses_empty_names_and_a_second_token() {
        let endpoint: Uri = "https://h.example.com/authorize".parse().unwrap();
        let t = token("tok");
        for builder in [
            AuthorizeUrl::new(&endpoint, &t).param("", "x"),
            AuthorizeUrl::new(&endpoint, &t).token_parameter(""),
        ] {
            assert!(matches!(
                builder.build(),
                Err(SignError::InvalidParameter {
                    name: "authorize URL parameter",
                    reason: "a parameter name must not be empty"
                })
            ));
        }
        assert!(matches!(
            AuthorizeUrl::new(&endpoint, &t)
                .param("oauth_token", "x")
                .build(),
            Err(SignError::InvalidParameter {
                name: "authorize URL parameter",
                reason: "the builder writes the request token itself; do not add it with param()"
            })
        ));
    }
}
