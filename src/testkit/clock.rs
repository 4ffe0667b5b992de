//! [`TestClock`]: a clock that tests set and advance, shared between the stand-in and a client.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::clock::{Clock, SystemClock};

/// A controllable clock, in seconds since the Unix epoch, shared by every clone.
///
/// Two kinds:
///
/// - [`TestClock::system`] follows the system clock, shifted by whatever [`set`](Self::set) and
///   [`advance`](Self::advance) asked for: time keeps passing (what a long-running demo needs);
/// - [`TestClock::frozen`] stands still unless moved: every reading is reproducible (what a test
///   asserting exact timestamps needs).
///
/// It implements [`Clock`], so the same clock can drive both the stand-in and a
/// [`Signer`](crate::Signer) (`Signer::builder(..).clock(clock.clone())`).
///
/// ```
/// use bitbucket_oauth::clock::Clock;
/// use bitbucket_oauth::testkit::TestClock;
///
/// let clock = TestClock::frozen(1_700_000_000);
/// let shared = clock.clone();
/// clock.advance(601);
/// assert_eq!(shared.now(), 1_700_000_601);
/// shared.set(5);
/// assert_eq!(clock.now(), 5);
/// ```
#[derive(Clone)]
pub struct TestClock {
    inner: Arc<Inner>,
}

struct Inner {
    frozen: bool,
    /// Frozen: the time itself. Following the system clock: the offset from it.
    value: AtomicI64,
}

fn system_now() -> i64 {
    i64::try_from(SystemClock.now()).unwrap_or(i64::MAX)
}

impl TestClock {
    /// A clock that follows the system clock (shifted by later [`set`](Self::set) /
    /// [`advance`](Self::advance) calls). The stand-in's default.
    #[must_use]
    pub fn system() -> Self {
        Self {
            inner: Arc::new(Inner {
                frozen: false,
                value: AtomicI64::new(0),
            }),
        }
    }

    /// A clock stopped at `seconds` (since the Unix epoch) until moved.
    #[must_use]
    pub fn frozen(seconds: u64) -> Self {
        Self {
            inner: Arc::new(Inner {
                frozen: true,
                value: AtomicI64::new(i64::try_from(seconds).unwrap_or(i64::MAX)),
            }),
        }
    }

    /// Whether this clock stands still between [`set`](Self::set) / [`advance`](Self::advance)
    /// calls.
    #[must_use]
    pub fn is_frozen(&self) -> bool {
        self.inner.frozen
    }

    /// The current reading, in seconds since the Unix epoch (0 if shifted before it).
    #[must_use]
    pub fn now(&self) -> u64 {
        let value = self.inner.value.load(Ordering::SeqCst);
        let now = if self.is_frozen() {
            value
        } else {
            system_now().saturating_add(value)
        };
        u64::try_from(now).unwrap_or(0)
    }

    /// Sets the reading to `seconds`. A system-following clock keeps ticking from there.
    pub fn set(&self, seconds: u64) {
        let target = i64::try_from(seconds).unwrap_or(i64::MAX);
        let value = if self.is_frozen() {
            target
        } else {
            target.saturating_sub(system_now())
        };
        self.inner.value.store(value, Ordering::SeqCst);
    }

    /// Moves the reading by `seconds` (negative: back in time).
    pub fn advance(&self, seconds: i64) {
        let _ = self
            .inner
            .value
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| {
                Some(v.saturating_add(seconds))
            });
    }
}

impl Default for TestClock {
    /// [`TestClock::system`].
    fn default() -> Self {
        Self::system()
    }
}

impl Clock for TestClock {
    fn now(&self) -> u64 {
        TestClock::now(self)
    }
}

impl fmt::Debug for TestClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClock")
            .field("now", &self.now())
            .field("frozen", &self.is_frozen())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_follows_the_system_and_shifts() {
        let clock = TestClock::system();
        let before = SystemClock.now();
        let reading = clock.now();
        assert!(reading >= before && reading <= SystemClock.now());
        clock.advance(1000);
        assert!(clock.now() >= before + 1000 && clock.now() <= SystemClock.now() + 1000);
        clock.set(42);
        assert!((42..=44).contains(&clock.now()));
        clock.advance(-100);
        assert_eq!(clock.now(), 0);
    }
}
