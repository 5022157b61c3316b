//! A lock-free budget of log lines per second, so a flood of identical events (a wrong-password
//! bind storm) cannot flood the log: the first lines of each second are written, the rest are
//! counted and reported with the next line that gets through.

use std::sync::atomic::{AtomicU64, Ordering};

/// At most `per_second` lines a second; shared by every thread that logs the event.
#[derive(Debug)]
pub struct LogBudget {
    per_second: u64,
    /// The second (since the caller's epoch) the count belongs to.
    second: AtomicU64,
    used: AtomicU64,
    suppressed: AtomicU64,
}

impl LogBudget {
    /// A budget of `per_second` lines a second.
    pub const fn new(per_second: u64) -> LogBudget {
        LogBudget {
            per_second,
            second: AtomicU64::new(0),
            used: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    /// Whether a line may be written at `now_ms` (milliseconds since any fixed epoch);
    /// `Some(n)` lets it through with the number of lines suppressed since the last one
    /// that was written, `None` suppresses it.
    pub fn admit(&self, now_ms: u64) -> Option<u64> {
        let second = now_ms / 1000;
        let current = self.second.load(Ordering::Relaxed);
        if second > current
            && self
                .second
                .compare_exchange(current, second, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            self.used.store(0, Ordering::Release);
        }
        if self.used.fetch_add(1, Ordering::AcqRel) < self.per_second {
            Some(self.suppressed.swap(0, Ordering::AcqRel))
        } else {
            self.suppressed.fetch_add(1, Ordering::AcqRel);
            None
        }
    }

    /// [`LogBudget::admit`] at the wall clock's now.
    pub fn admit_now(&self) -> Option<u64> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        self.admit(now_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_admits_its_rate_and_reports_what_it_suppressed() {
        let budget = LogBudget::new(3);
        let first_second: Vec<_> = (0..10).map(|i| budget.admit(5_000 + i)).collect();
        assert_eq!(&first_second[..3], &[Some(0), Some(0), Some(0)]);
        assert!(first_second[3..].iter().all(Option::is_none));
        // The next second: the first line carries the 7 suppressed ones.
        assert_eq!(budget.admit(6_001), Some(7));
        assert_eq!(budget.admit(6_002), Some(0));
        assert_eq!(budget.admit(6_003), Some(0));
        assert_eq!(budget.admit(6_004), None);
    }
}
