//! A lock-free rate limiter shared by every session of a bind, on any shard.
//!
//! It is GCRA (the "generic cell rate algorithm", a token bucket expressed as one timestamp):
//! the limiter keeps the theoretical arrival time (TAT) of the next unit in one `AtomicU64`.
//! Taking `n` units moves the TAT `n` emission intervals forward, starting from now if the
//! bucket has been idle; the take is refused when the TAT would run more than `burst`
//! intervals ahead of now. One compare-and-swap per take, no lock, no background refill.
//!
//! Time is counted in sixteenths of a nanosecond ("ticks"), so the emission interval of any
//! rate up to 100,000/s is exact to 1/16 ns: a whole-nanosecond interval would turn 30,000/s
//! into 30,000.3/s and 70,000/s into 70,001.4/s. A `u64` of ticks lasts 36 years.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Ticks per nanosecond.
const TICKS_PER_NS: u64 = 16;
/// Ticks per second.
const TICKS_PER_SEC: u64 = 1_000_000_000 * TICKS_PER_NS;

/// Units per second with a burst allowance; cheap to share (`Arc`) across threads.
#[derive(Debug)]
pub struct RateLimiter {
    epoch: Instant,
    /// Ticks between two units.
    interval: u64,
    /// How far (ticks) the TAT may run ahead of now: the burst.
    tolerance: u64,
    /// Theoretical arrival time of the next unit, in ticks since `epoch`.
    tat: AtomicU64,
}

impl RateLimiter {
    /// A limiter of `per_second` units (at least 1) that lets `burst` units (at least 1) pass
    /// back to back after an idle period.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let interval = TICKS_PER_SEC / u64::from(per_second.max(1));
        let tolerance = interval.saturating_mul(u64::from(burst.max(1)));
        Self {
            epoch: Instant::now(),
            interval,
            tolerance,
            tat: AtomicU64::new(0),
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
        let now = self.ticks_since_epoch(now);
        let cost = self.interval.saturating_mul(u64::from(units));
        let allowed = self.tolerance.max(cost);
        let mut current = self.tat.load(Ordering::Relaxed);
        loop {
            let new_tat = current.max(now).saturating_add(cost);
            let ahead = new_tat - now;
            if ahead > allowed {
                // Rounded up: waiting that long always lets the same take pass.
                let wait_ns = (ahead - allowed).div_ceil(TICKS_PER_NS);
                return Err(Duration::from_nanos(wait_ns));
            }
            match self.tat.compare_exchange_weak(
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
        let now = self.ticks_since_epoch(now);
        let tat = self.tat.load(Ordering::Relaxed).max(now);
        let spare = now.saturating_add(self.tolerance).saturating_sub(tat);
        u32::try_from(spare / self.interval.max(1)).unwrap_or(u32::MAX)
    }

    /// The configured rate in units per second (rounded to the nearest unit).
    pub fn rate(&self) -> u64 {
        let interval = self.interval.max(1);
        (TICKS_PER_SEC + interval / 2) / interval
    }

    fn ticks_since_epoch(&self, now: Instant) -> u64 {
        let nanos = now.saturating_duration_since(self.epoch).as_nanos();
        u64::try_from(nanos.saturating_mul(u128::from(TICKS_PER_NS))).unwrap_or(u64::MAX)
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

    /// Offers far more than `per_second` for `seconds` (a take every `step`) and returns how
    /// many passed, the first burst left out.
    fn passed_after_the_burst(per_second: u32, seconds: u64, step: Duration) -> u64 {
        let limiter = RateLimiter::per_second(per_second);
        let t0 = Instant::now();
        let burst = u64::from((per_second / 10).max(1));
        let mut passed = 0u64;
        let end = t0 + Duration::from_secs(seconds);
        let mut now = t0;
        while now < end {
            while limiter.try_acquire(1, now).is_ok() {
                passed += 1;
            }
            now += step;
        }
        passed - burst
    }

    #[test]
    fn the_rate_is_exact_across_the_configurable_range() {
        // Saturated for 10 s of simulated time: exactly the rate times the seconds, give or
        // take the unit due at the last step.
        for (rate, step) in [
            (1, Duration::from_millis(1)),
            (10_000, Duration::from_micros(10)),
            (30_000, Duration::from_micros(10)),
            (100_000, Duration::from_micros(1)),
        ] {
            let passed = passed_after_the_burst(rate, 10, step);
            let expected = u64::from(rate) * 10;
            assert!(
                passed.abs_diff(expected) <= 1,
                "{rate}/s passed {passed} in 10 s, expected {expected}"
            );
            assert_eq!(RateLimiter::per_second(rate).rate(), u64::from(rate));
        }
    }

    #[test]
    fn at_100000_per_second_the_burst_is_a_tenth_of_a_second() {
        let limiter = RateLimiter::per_second(100_000);
        let t0 = Instant::now();
        assert_eq!(limiter.available(t0), 10_000);
        assert!(limiter.try_acquire(10_000, t0).is_ok());
        let wait = limiter.try_acquire(1, t0).unwrap_err();
        assert_eq!(wait, Duration::from_micros(10), "one interval at 100,000/s");
        assert!(limiter.try_acquire(1, t0 + wait).is_ok());
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
