//! Time and nonces, behind small traits so that tests can pin them (RFC 5849 §3.3).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::Error;

/// A source of the current time in seconds since the Unix epoch (`oauth_timestamp`).
pub trait Clock: fmt::Debug + Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> u64;
}

/// The operating system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock stopped at one instant, for tests and reproducible output.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// A source of `oauth_nonce` values (RFC 5849 §3.3).
///
/// A nonce must never repeat for the same timestamp, consumer and token: providers refuse a
/// reused one with `nonce_used`.
pub trait NonceSource: fmt::Debug + Send + Sync {
    /// Writes a fresh nonce into `out` (which is empty).
    ///
    /// # Errors
    ///
    /// [`Error::Nonce`] when no nonce can be produced.
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error>;
}

const ALPHANUMERIC: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The default nonce source: 24 alphanumeric characters (about 143 bits) from the operating
/// system's CSPRNG.
///
/// Alphanumeric and 20-30 characters long, because common provider stacks (oauthlib among them)
/// refuse anything else.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl RandomNonce {
    /// Characters per nonce.
    pub const LEN: usize = 24;
}

impl NonceSource for RandomNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error> {
        // Rejection sampling: bytes >= 248 (= 4 * 62) would bias the distribution.
        let mut buf = [0u8; 48];
        let mut written = 0;
        while written < Self::LEN {
            getrandom::fill(&mut buf).map_err(|e| Error::Nonce(e.to_string()))?;
            for &b in &buf {
                if b < 248 && written < Self::LEN {
                    out.push(char::from(ALPHANUMERIC[usize::from(b % 62)]));
                    written += 1;
                }
            }
        }
        Ok(())
    }
}

/// A nonce source that always answers the same value, for tests and reproducible output.
///
/// Never use it against a real provider: the second request is refused with `nonce_used`.
#[derive(Debug, Clone)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), Error> {
        out.push_str(&self.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nonces_are_alphanumeric_24_and_differ() {
        let mut a = String::new();
        let mut b = String::new();
        RandomNonce.fill_nonce(&mut a).unwrap();
        RandomNonce.fill_nonce(&mut b).unwrap();
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
