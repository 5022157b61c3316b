//! A lock-free rate limiter shared by every session of a bind, on any shard.
//!
//! It is GCRA (the "generic cell rate algorithm", a token bucket expressed as one timestamp):
//! the limiter keeps the theoretical arrival time (TAT) of the next unit in one `AtomicU64`.
//! Taking `n` units moves the TAT `n` emission intervals forward, starting from now if the
//! bucket has been idle; the take is refused when the TAT would run more than `burst`
//! intervals ahead of now. One compare-and-swap per take, no lock, no background refill.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Units per second with a burst allowance; cheap to share (`Arc`) across threads.
#[derive(Debug)]
pub struct RateLimiter {
    epoch: Instant,
    interval_ns: u64,
    tolerance_ns: u64,
    /// Theoretical arrival time of the next unit, in nanoseconds since `epoch`.
    tat_ns: AtomicU64,
}

impl RateLimiter {
    /// A limiter of `per_second` units (at least 1) that lets `burst` units (at least 1) pass
    /// back to back after an idle period.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let interval_ns = 1_000_000_000 / u64::from(per_second.max(1));
        let tolerance_ns = interval_ns.saturating_mul(u64::from(burst.max(1)));
        Self {
            epoch: Instant::now(),
            interval_ns,
            tolerance_ns,
            tat_ns: AtomicU64::new(0),
        }
    }

    /// The burst most binds use: a tenth of a second's worth of units (at least one), so a
    /// limit of 100/s sends at most 10 back to back and never more than 100 in any second
    /// plus that burst.
    pub fn per_second(per_second: u32) -> Self {
        Self::new(per_second, (per_second / 10).max(1))
    }

    /// Takes `units` if the rate allows it now; otherwise takes nothing and returns how long
    /// to wait before the same take would pass.
    pub fn try_acquire(&self, units: u32, now: Instant) -> Result<(), Duration> {
        let now_ns = self.nanos_since_epoch(now);
        let cost = self.interval_ns.saturating_mul(u64::from(units));
        let mut current = self.tat_ns.load(Ordering::Relaxed);
        loop {
            let new_tat = current.max(now_ns).saturating_add(cost);
            let ahead = new_tat - now_ns;
            if ahead > self.tolerance_ns.max(cost) {
                return Err(Duration::from_nanos(ahead - self.tolerance_ns.max(cost)));
            }
            match self.tat_ns.compare_exchange_weak(
                current,
                new_tat,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => current = actual,
            }
        }
    }

    /// How many units could be taken now without waiting (an estimate: other sessions may
    /// take them first).
    pub fn available(&self, now: Instant) -> u32 {
        let now_ns = self.nanos_since_epoch(now);
        let tat = self.tat_ns.load(Ordering::Relaxed).max(now_ns);
        let spare = (now_ns + self.tolerance_ns).saturating_sub(tat);
        u32::try_from(spare / self.interval_ns.max(1)).unwrap_or(u32::MAX)
    }

    /// The configured rate in units per second.
    pub fn rate(&self) -> u64 {
        1_000_000_000 / self.interval_ns.max(1)
    }

    fn nanos_since_epoch(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn burst_passes_then_the_rate_holds() {
        let limiter = RateLimiter::new(10, 3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.try_acquire(1, t0).is_ok());
        }
        let wait = limiter.try_acquire(1, t0).unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(wait > Duration::from_millis(90), "{wait:?}");
        // One interval later exactly one more unit is due.
        let t1 = t0 + Duration::from_millis(100);
        assert!(limiter.try_acquire(1, t1).is_ok());
        assert!(limiter.try_acquire(1, t1).is_err());
    }

    #[test]
    fn over_a_second_the_count_matches_the_rate() {
        let limiter = RateLimiter::new(100, 10);
        let t0 = Instant::now();
        let mut passed = 0;
        // Offer 10 units every millisecond for one second.
        for ms in 0..1000u64 {
            let now = t0 + Duration::from_millis(ms);
            for _ in 0..10 {
                if limiter.try_acquire(1, now).is_ok() {
                    passed += 1;
                }
            }
        }
        assert!((100..=111).contains(&passed), "{passed}");
    }

    #[test]
    fn multi_unit_takes_are_all_or_nothing() {
        let limiter = RateLimiter::new(10, 5);
        let t0 = Instant::now();
        assert!(limiter.try_acquire(4, t0).is_ok());
        assert!(limiter.try_acquire(2, t0).is_err());
        assert_eq!(limiter.available(t0), 1);
        assert!(limiter.try_acquire(1, t0).is_ok());
        assert_eq!(limiter.available(t0), 0);
    }

    #[test]
    fn a_take_larger_than_the_burst_passes_when_idle() {
        // A message of 6 parts on a burst of 2 must not be refused for ever.
        let limiter = RateLimiter::new(10, 2);
        let t0 = Instant::now();
        assert!(limiter.try_acquire(6, t0).is_ok());
        assert!(limiter.try_acquire(1, t0).is_err());
    }

    #[test]
    fn threads_share_one_budget() {
        let limiter = Arc::new(RateLimiter::new(1000, 500));
        let now = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                std::thread::spawn(move || {
                    (0..1000)
                        .filter(|_| limiter.try_acquire(1, now).is_ok())
                        .count()
                })
            })
            .collect();
        let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(total, 500);
    }
}
