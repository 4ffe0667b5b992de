use super::{MethodError, SignatureMethod, shared_secret_key};
use crate::credentials::ConsumerSecret;

/// `PLAINTEXT` (RFC 5849 §3.4.4): the signature is the key itself,
/// `encode(consumer_secret)&encode(token_secret)`. Only safe over TLS.
#[derive(Debug, Clone)]
pub struct Plaintext {
    consumer_secret: ConsumerSecret,
}

impl Plaintext {
    /// A PLAINTEXT signer for this consumer secret.
    #[must_use]
    pub fn new(consumer_secret: ConsumerSecret) -> Self {
        Self { consumer_secret }
    }
}

impl SignatureMethod for Plaintext {
    fn name(&self) -> &str {
        "PLAINTEXT"
    }

    fn sign(&self, _base: &[u8], token_secret: &str, out: &mut String) -> Result<(), MethodError> {
        out.push_str(&shared_secret_key(&self.consumer_secret, token_secret));
        Ok(())
    }
}
