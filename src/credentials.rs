//! Consumer and token credentials (RFC 5849 §1.1).
//!
//! Secrets are newtypes: their `Debug` prints `<redacted>`, they have no `PartialEq` (a
//! comparison that is not constant-time is a timing leak), their memory is wiped on drop, and the
//! value is reached only through an explicit `secret()` accessor.
//!
//! A request token and an access token are different types, [`Token<Temporary>`] and
//! [`Token<Access>`], so an API call cannot be signed with a request token by mistake.

use std::fmt;
use std::marker::PhantomData;

use zeroize::Zeroize;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// # Security Warning
        ///
        /// Keep this value out of logs: `Debug` redacts it, but `secret()` does not.
        #[derive(Clone)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            #[must_use]
            pub fn new(secret: impl Into<String>) -> Self {
                Self(secret.into())
            }

            /// The secret value itself.
            #[must_use]
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }
    };
}

secret_type!(
    /// The consumer secret ("client shared secret") used by HMAC-* and PLAINTEXT signatures.
    ConsumerSecret
);
secret_type!(
    /// The secret half of a token, used in the signing key of HMAC-* and PLAINTEXT.
    TokenSecret
);
secret_type!(
    /// The verification code (`oauth_verifier`) the provider hands the user after authorization.
    Verifier
);

/// The consumer key ("client identifier") registered with the provider. Not secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ConsumerKey(String);

impl ConsumerKey {
    /// Wraps a consumer key.
    #[must_use]
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ConsumerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ConsumerKey").field(&self.0).finish()
    }
}

impl fmt::Display for ConsumerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// The kind of a [`Token`]: [`Request`] or [`Access`]. Sealed.
pub trait TokenKind: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    /// `"request"` or `"access"`, for messages.
    const NAME: &'static str;
}

/// Marker: a temporary credential (request token, RFC 5849 §2.1).
#[derive(Debug, Clone, Copy)]
pub enum Request {}
/// Marker: a token credential (access token, RFC 5849 §2.3).
#[derive(Debug, Clone, Copy)]
pub enum Access {}

impl sealed::Sealed for Request {}
impl sealed::Sealed for Access {}
impl TokenKind for Request {
    const NAME: &'static str = "request";
}
impl TokenKind for Access {
    const NAME: &'static str = "access";
}

/// A token (`oauth_token`) with its secret, typed by kind.
pub struct Token<K: TokenKind> {
    token: String,
    secret: TokenSecret,
    kind: PhantomData<K>,
}

impl<K: TokenKind> Token<K> {
    /// Builds a token from its identifier and secret, for instance one loaded from storage.
    #[must_use]
    pub fn new(token: impl Into<String>, secret: TokenSecret) -> Self {
        Self {
            token: token.into(),
            secret,
            kind: PhantomData,
        }
    }

    /// The token identifier (`oauth_token`). Not a secret on its own, but it names a credential:
    /// log it with care.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The token secret.
    #[must_use]
    pub fn secret(&self) -> &TokenSecret {
        &self.secret
    }

    /// Borrows the token as the untyped pair the signer takes.
    #[must_use]
    pub fn as_ref(&self) -> TokenRef<'_> {
        TokenRef {
            token: &self.token,
            secret: self.secret.secret(),
        }
    }
}

impl<K: TokenKind> Clone for Token<K> {
    fn clone(&self) -> Self {
        Self {
            token: self.token.clone(),
            secret: self.secret.clone(),
            kind: PhantomData,
        }
    }
}

impl<K: TokenKind> fmt::Debug for Token<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(if K::NAME == "request" {
            "Token<Temporary>"
        } else {
            "Token<Access>"
        })
        .field("token", &self.token)
        .field("secret", &self.secret)
        .finish()
    }
}

/// A borrowed, untyped token and secret, as the low-level signer takes it.
#[derive(Clone, Copy)]
pub struct TokenRef<'a> {
    /// `oauth_token`.
    pub token: &'a str,
    /// The token secret (empty when there is none).
    pub secret: &'a str,
}

impl fmt::Debug for TokenRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRef")
            .field("token", &self.token)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = Token::<Access>::new("tok", TokenSecret::new("hunter2"));
        let s = format!(
            "{t:?} {:?} {:?}",
            ConsumerSecret::new("hunter2"),
            t.as_ref()
        );
        assert!(!s.contains("hunter2"), "{s}");
        assert_eq!(
            format!("{t:?}"),
            r#"Token<Access> { token: "tok", secret: TokenSecret(<redacted>) }"#
        );
    }
}

/// Tokens serialize as `{"token": "...", "secret": "..."}`: **the secret is written in clear**,
/// so store the result as you would a password.
#[cfg(feature = "serde")]
mod serde_impls {
    use super::{Token, TokenKind, TokenSecret};

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Stored<'a> {
        token: std::borrow::Cow<'a, str>,
        secret: std::borrow::Cow<'a, str>,
    }

    impl<K: TokenKind> serde::Serialize for Token<K> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Stored {
                token: self.token.as_str().into(),
                secret: self.secret.secret().into(),
            }
            .serialize(serializer)
        }
    }

    impl<'de, K: TokenKind> serde::Deserialize<'de> for Token<K> {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let stored = Stored::deserialize(deserializer)?;
            Ok(Token::new(
                stored.token.into_owned(),
                TokenSecret::new(stored.secret.into_owned()),
            ))
        }
    }
}
