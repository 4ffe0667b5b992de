//! Time and nonces, behind small traits so that tests can pin them (RFC 5849 §3.3).

use std::cell::RefCell;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::SeedableRng as _;
use rand::distr::{Alphanumeric, SampleString as _};
use rand::rngs::{StdRng, SysRng, ThreadRng};

use crate::error::SignError;

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
    /// [`SignError::Nonce`] when no nonce can be produced.
    fn fill_nonce(&self, out: &mut String) -> Result<(), SignError>;
}

/// The default nonce source: 24 alphanumeric characters (about 143 bits), uniform over
/// `[0-9A-Za-z]`, drawn with [`rand::distr::Alphanumeric`] from `rand`'s thread-local
/// generator ([`rand::rngs::ThreadRng`]: ChaCha12, seeded from the operating system and reseeded
/// from it periodically).
///
/// Alphanumeric and 20-30 characters long, because common provider stacks (oauthlib among them)
/// refuse anything else.
///
/// # Forks
///
/// A process made by `fork()` starts with a copy of its parent's memory, generator included,
/// and would repeat the parent's next nonces, which the provider refuses (`nonce_used`).
/// `ThreadRng` does not notice a fork by itself, so each thread remembers the process id it
/// last drew in; when it differs, the generator is reseeded from the operating system
/// ([`rand::rngs::ThreadRng::reseed`]) before the nonce is drawn. A virtual machine snapshot
/// restored more than once is not detected (as with any generator kept in user space).
///
/// # Errors
///
/// [`SignError::Nonce`] when the operating system's generator fails.
///
/// # Panics
///
/// `rand` panics if the operating system cannot seed a thread's generator at all, the first
/// time that thread draws from it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl RandomNonce {
    /// Characters per nonce.
    pub const LEN: usize = 24;
}

thread_local! {
    /// This thread's handle on `rand`'s generator (which keeps it alive while this thread's
    /// destructors run) and the process id it last drew in.
    static GENERATOR: RefCell<Option<(ThreadRng, u32)>> = const { RefCell::new(None) };
}

fn os_error(e: impl fmt::Display) -> SignError {
    SignError::Nonce(format!(
        "the operating system's random number generator failed: {e}"
    ))
}

impl NonceSource for RandomNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), SignError> {
        let pid = std::process::id();
        let drawn = GENERATOR.try_with(|cell| {
            let mut slot = cell.try_borrow_mut().ok()?;
            let (rng, drawn_in) = slot.get_or_insert_with(|| (rand::rng(), pid));
            if *drawn_in != pid {
                if let Err(e) = rng.reseed() {
                    return Some(Err(os_error(e)));
                }
                *drawn_in = pid;
            }
            Alphanumeric.append_string(rng, out, Self::LEN);
            Some(Ok(()))
        });
        match drawn {
            Ok(Some(result)) => result,
            // This thread's state is gone (its destructors are running) or in use: a generator
            // seeded from the operating system for this one nonce.
            Ok(None) | Err(_) => {
                let mut rng = StdRng::try_from_rng(&mut SysRng).map_err(os_error)?;
                Alphanumeric.append_string(&mut rng, out, Self::LEN);
                Ok(())
            }
        }
    }
}

/// A nonce source that always answers the same value, for tests and reproducible output.
///
/// Never use it against a real provider: the second request is refused with `nonce_used`.
#[derive(Debug, Clone)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn fill_nonce(&self, out: &mut String) -> Result<(), SignError> {
        out.push_str(&self.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nonce() -> String {
        let mut out = String::new();
        RandomNonce.fill_nonce(&mut out).unwrap();
        out
    }

    #[test]
    fn random_nonces_are_alphanumeric_24_and_differ() {
        let (a, b) = (nonce(), nonce());
        for n in [&a, &b] {
            assert_eq!(n.len(), RandomNonce::LEN);
            assert!(n.bytes().all(|c| c.is_ascii_alphanumeric()), "{n}");
        }
        assert_ne!(a, b);
    }

    #[test]
    fn a_changed_process_id_takes_the_reseed_branch() {
        // What a forked child sees: its parent's generator, recorded under another pid. The
        // reseed itself is `rand`'s; this checks that the branch is taken and recorded.
        let _ = nonce();
        GENERATOR.with(|cell| {
            if let Some((_, pid)) = cell.borrow_mut().as_mut() {
                *pid = pid.wrapping_add(1);
            }
        });
        let _ = nonce();
        GENERATOR.with(|cell| {
            assert_eq!(
                cell.borrow().as_ref().map(|(_, pid)| *pid),
                Some(std::process::id())
            );
        });
    }
}
