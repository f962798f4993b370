//! The one time seam. Everything in the crate that asks "what time is it?" (claims
//! validation, JWKS freshness and cooldowns, session tokens, client assertions, delegation
//! timestamps, response signatures) asks a [`Clock`], so tests move time by hand instead of
//! sleeping and nothing reads the system clock behind the caller's back.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of "now" as time since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> Duration;

    /// The current time in whole seconds (JWT `NumericDate`).
    fn unix_seconds(&self) -> i64 {
        i64::try_from(self.now().as_secs()).unwrap_or(i64::MAX)
    }
}

/// A shareable clock handle, as every `with_clock` setter takes it.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock: the default everywhere.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
    }
}

/// The default clock handle ([`SystemClock`]).
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

/// A clock that moves only when told to (tests, replaying a past decision).
#[derive(Default)]
pub struct ManualClock {
    millis: AtomicU64,
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

impl ManualClock {
    /// A clock at `start` since the epoch.
    pub fn new(start: Duration) -> ManualClock {
        ManualClock {
            millis: AtomicU64::new(u64::try_from(start.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// A clock at `unix_seconds` since the epoch (negative values clamp to the epoch).
    pub fn at_unix_seconds(unix_seconds: i64) -> ManualClock {
        ManualClock::new(Duration::from_secs(
            u64::try_from(unix_seconds).unwrap_or(0),
        ))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(by))
            });
    }

    /// Sets the clock to `to` since the epoch.
    pub fn set(&self, to: Duration) {
        self.millis.store(
            u64::try_from(to.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_unix_seconds(100);
        assert_eq!(c.unix_seconds(), 100);
        c.advance(Duration::from_secs(5));
        assert_eq!(c.unix_seconds(), 105);
        c.advance(Duration::MAX);
        assert_eq!(c.now(), Duration::from_millis(u64::MAX));
        assert_eq!(ManualClock::at_unix_seconds(-5).unix_seconds(), 0);
        assert!(SystemClock.unix_seconds() > 1_700_000_000);
    }
}
