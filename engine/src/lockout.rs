//! Per-address lockout after repeated failed binds: a pure tracker, no sockets, no clock.
//!
//! The listener tells the tracker of every bind refused for a wrong password or an unknown
//! system_id ([`BindFailures::record_failure`]) and asks it, for every new connection, whether
//! the peer address is locked out ([`BindFailures::is_locked`]). `limit` failures from one
//! address within `window` (counted from the first of them) lock that address out for
//! `duration`; a successful bind clears its count. A limit of 0 turns the tracker off.
//!
//! Memory is bounded: at most `capacity` addresses are tracked. When the table is full, entries
//! whose window and lockout are over are dropped first, then the unlocked entry seen least
//! recently; if every entry is a running lockout, the new address is not tracked (its failures
//! are still refused and counted by the listener, only not locked out).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The lockout settings (`[listen]` `bind_failure_limit`, `bind_failure_window`,
/// `lockout_duration`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed binds within `window` that lock an address out; 0 = never.
    pub limit: u32,
    /// The time failures are counted over, from the first one.
    pub window: Duration,
    /// How long a locked-out address has its connections closed at accept.
    pub duration: Duration,
}

impl LockoutPolicy {
    /// Whether lockouts can happen at all.
    pub fn enabled(&self) -> bool {
        self.limit > 0
    }
}

/// What [`BindFailures::record_failure`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Counted; `failures` within the current window so far.
    Counted {
        /// Failures in the window, this one included.
        failures: u32,
    },
    /// This failure reached the limit: the address is locked out until `until`.
    LockedOut {
        /// End of the lockout.
        until: Instant,
    },
    /// The address was already locked out (a connection opened before the lockout began).
    AlreadyLocked,
    /// Not counted: the tracker is off, or full of running lockouts.
    Ignored,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    window_start: Instant,
    failures: u32,
    locked_until: Option<Instant>,
    last_seen: Instant,
}

impl Entry {
    fn locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// Neither a running lockout nor a window still counting: forgetting it changes nothing.
    fn spent(&self, now: Instant, window: Duration) -> bool {
        !self.locked(now) && now.saturating_duration_since(self.window_start) >= window
    }
}

/// Failed binds per address, bounded in size.
#[derive(Debug)]
pub struct BindFailures {
    policy: LockoutPolicy,
    capacity: usize,
    entries: HashMap<IpAddr, Entry>,
}

impl BindFailures {
    /// Addresses tracked at most by default.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A tracker of at most `capacity` addresses (at least 1).
    pub fn new(policy: LockoutPolicy, capacity: usize) -> Self {
        Self {
            policy,
            capacity: capacity.max(1),
            entries: HashMap::new(),
        }
    }

    /// The settings in force.
    pub fn policy(&self) -> LockoutPolicy {
        self.policy
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.entries.len()
    }

    /// Whether connections from `address` are to be closed at accept.
    pub fn is_locked(&mut self, address: IpAddr, now: Instant) -> bool {
        if !self.policy.enabled() {
            return false;
        }
        let Some(entry) = self.entries.get(&address) else {
            return false;
        };
        if entry.locked(now) {
            return true;
        }
        if entry.spent(now, self.policy.window) {
            self.entries.remove(&address);
        }
        false
    }

    /// Counts a bind refused for a wrong password or an unknown system_id.
    pub fn record_failure(&mut self, address: IpAddr, now: Instant) -> FailureOutcome {
        if !self.policy.enabled() {
            return FailureOutcome::Ignored;
        }
        if !self.entries.contains_key(&address) && !self.make_room(now) {
            return FailureOutcome::Ignored;
        }
        let policy = self.policy;
        let entry = self.entries.entry(address).or_insert(Entry {
            window_start: now,
            failures: 0,
            locked_until: None,
            last_seen: now,
        });
        entry.last_seen = now;
        if entry.locked(now) {
            // A bind on a connection opened before the lockout began.
            return FailureOutcome::AlreadyLocked;
        }
        if entry.spent(now, policy.window) {
            entry.window_start = now;
            entry.failures = 0;
            entry.locked_until = None;
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= policy.limit {
            let until = now + policy.duration;
            entry.locked_until = Some(until);
            entry.failures = 0;
            entry.window_start = now;
            return FailureOutcome::LockedOut { until };
        }
        FailureOutcome::Counted {
            failures: entry.failures,
        }
    }

    /// A successful bind from `address`: its failures are forgotten (a running lockout stays).
    pub fn record_success(&mut self, address: IpAddr, now: Instant) {
        if let Some(entry) = self.entries.get(&address) {
            if !entry.locked(now) {
                self.entries.remove(&address);
            }
        }
    }

    /// Frees a slot for a new address; false if every entry is a running lockout.
    fn make_room(&mut self, now: Instant) -> bool {
        if self.entries.len() < self.capacity {
            return true;
        }
        let window = self.policy.window;
        self.entries.retain(|_, entry| !entry.spent(now, window));
        if self.entries.len() < self.capacity {
            return true;
        }
        let oldest = self
            .entries
            .iter()
            .filter(|(_, entry)| !entry.locked(now))
            .min_by_key(|(_, entry)| entry.last_seen)
            .map(|(address, _)| *address);
        match oldest {
            Some(address) => {
                self.entries.remove(&address);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn policy(limit: u32) -> LockoutPolicy {
        LockoutPolicy {
            limit,
            window: Duration::from_secs(60),
            duration: Duration::from_secs(300),
        }
    }

    fn ip(n: u32) -> IpAddr {
        IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + n))
    }

    #[test]
    fn the_limit_within_the_window_locks_for_the_duration() {
        let mut t = BindFailures::new(policy(3), 100);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert_eq!(
            t.record_failure(ip(1), at(0)),
            FailureOutcome::Counted { failures: 1 }
        );
        assert_eq!(
            t.record_failure(ip(1), at(10)),
            FailureOutcome::Counted { failures: 2 }
        );
        assert!(!t.is_locked(ip(1), at(10)));
        assert_eq!(
            t.record_failure(ip(1), at(20)),
            FailureOutcome::LockedOut { until: at(320) }
        );
        assert!(t.is_locked(ip(1), at(21)));
        // A bind on a connection opened before: no second lockout, no longer one.
        assert_eq!(
            t.record_failure(ip(1), at(22)),
            FailureOutcome::AlreadyLocked
        );
        assert!(t.is_locked(ip(1), at(319)));
        // Another address is not affected.
        assert!(!t.is_locked(ip(2), at(21)));
        // Over: connections are accepted again and the count starts afresh.
        assert!(!t.is_locked(ip(1), at(320)));
        assert_eq!(
            t.record_failure(ip(1), at(321)),
            FailureOutcome::Counted { failures: 1 }
        );
    }

    #[test]
    fn failures_spread_wider_than_the_window_never_lock() {
        let mut t = BindFailures::new(policy(3), 100);
        let t0 = Instant::now();
        for i in 0..20 {
            let now = t0 + Duration::from_secs(31 * i);
            let outcome = t.record_failure(ip(1), now);
            assert!(
                !matches!(outcome, FailureOutcome::LockedOut { .. }),
                "failure {i}"
            );
            assert!(!t.is_locked(ip(1), now));
        }
    }

    #[test]
    fn a_successful_bind_clears_the_count_but_not_a_lockout() {
        let mut t = BindFailures::new(policy(2), 100);
        let t0 = Instant::now();
        t.record_failure(ip(1), t0);
        t.record_success(ip(1), t0);
        assert_eq!(
            t.record_failure(ip(1), t0),
            FailureOutcome::Counted { failures: 1 }
        );
        assert!(matches!(
            t.record_failure(ip(1), t0),
            FailureOutcome::LockedOut { .. }
        ));
        t.record_success(ip(1), t0);
        assert!(t.is_locked(ip(1), t0 + Duration::from_secs(1)));
    }

    #[test]
    fn limit_zero_is_off() {
        let mut t = BindFailures::new(policy(0), 100);
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(t.record_failure(ip(1), now), FailureOutcome::Ignored);
        }
        assert!(!t.is_locked(ip(1), now));
        assert_eq!(t.tracked(), 0);
    }

    #[test]
    fn a_limit_of_one_locks_at_the_first_failure() {
        let mut t = BindFailures::new(policy(1), 100);
        let now = Instant::now();
        assert!(matches!(
            t.record_failure(ip(1), now),
            FailureOutcome::LockedOut { .. }
        ));
        assert!(t.is_locked(ip(1), now));
    }

    #[test]
    fn memory_is_bounded_and_running_lockouts_are_kept() {
        let mut t = BindFailures::new(policy(2), 50);
        let t0 = Instant::now();
        // 10 addresses locked out.
        for n in 0..10 {
            t.record_failure(ip(n), t0);
            t.record_failure(ip(n), t0);
        }
        // A storm from 100,000 other addresses, one failure each.
        for n in 10..100_010 {
            t.record_failure(ip(n), t0 + Duration::from_millis(u64::from(n)));
            assert!(t.tracked() <= 50);
        }
        let later = t0 + Duration::from_secs(200);
        for n in 0..10 {
            assert!(t.is_locked(ip(n), later), "lockout of {n} was evicted");
        }
        // Full of running lockouts: new addresses are not tracked.
        let mut full = BindFailures::new(policy(1), 3);
        for n in 0..3 {
            full.record_failure(ip(n), t0);
        }
        assert_eq!(full.record_failure(ip(9), t0), FailureOutcome::Ignored);
        assert!(!full.is_locked(ip(9), t0));
        // Once those lockouts are over, there is room again.
        let after = t0 + Duration::from_secs(301);
        assert!(matches!(
            full.record_failure(ip(9), after),
            FailureOutcome::LockedOut { .. }
        ));
    }

    #[test]
    fn spent_entries_are_dropped_when_asked_about() {
        let mut t = BindFailures::new(policy(3), 100);
        let t0 = Instant::now();
        t.record_failure(ip(1), t0);
        assert_eq!(t.tracked(), 1);
        assert!(!t.is_locked(ip(1), t0 + Duration::from_secs(61)));
        assert_eq!(t.tracked(), 0);
    }
}
