//! Cache counters (the `smpp_cache_*` metrics) and the operator summary.

use std::sync::atomic::{AtomicU64, Ordering};

/// Monotonic counters of one shard's cache; read them with [`CacheStats::snapshot`].
#[derive(Debug, Default)]
pub struct CacheStats {
    pub(super) delivered: AtomicU64,
    pub(super) retries: AtomicU64,
    pub(super) permanent_failures: AtomicU64,
    pub(super) overflows: AtomicU64,
    pub(super) stored: AtomicU64,
}

impl CacheStats {
    pub(super) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now (the per-bind size gauge is in [`CacheSummary`]).
    pub fn snapshot(&self) -> CacheCounters {
        CacheCounters {
            delivered_total: self.delivered.load(Ordering::Relaxed),
            retry_total: self.retries.load(Ordering::Relaxed),
            permanent_failures_total: self.permanent_failures.load(Ordering::Relaxed),
            overflow_total: self.overflows.load(Ordering::Relaxed),
            stored_total: self.stored.load(Ordering::Relaxed),
        }
    }
}

/// A copy of [`CacheStats`]; add the snapshots of all shards for the process totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheCounters {
    /// `smpp_cache_delivered_total`: cached messages the core took.
    pub delivered_total: u64,
    /// `smpp_cache_retry_total`: failed deliveries put back for a later retry.
    pub retry_total: u64,
    /// `smpp_cache_permanent_failures_total`: messages marked `failed_permanent`.
    pub permanent_failures_total: u64,
    /// `smpp_cache_overflow_total`: oldest messages deleted above `cache_max_size`.
    pub overflow_total: u64,
    /// Messages written to the cache durably.
    pub stored_total: u64,
}

impl std::ops::Add for CacheCounters {
    type Output = CacheCounters;

    fn add(self, other: CacheCounters) -> CacheCounters {
        CacheCounters {
            delivered_total: self.delivered_total + other.delivered_total,
            retry_total: self.retry_total + other.retry_total,
            permanent_failures_total: self.permanent_failures_total
                + other.permanent_failures_total,
            overflow_total: self.overflow_total + other.overflow_total,
            stored_total: self.stored_total + other.stored_total,
        }
    }
}

/// Record counts of a bind or of a whole cache (`smpp_cache_size` is `total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheCounts {
    /// Every record.
    pub total: usize,
    /// Waiting for delivery (including those being delivered right now).
    pub pending: usize,
    /// Of `pending`, handed to a flush and not yet answered.
    pub delivering: usize,
    /// `failed_permanent`.
    pub failed: usize,
}

impl std::ops::AddAssign for CacheCounts {
    fn add_assign(&mut self, other: CacheCounts) {
        self.total += other.total;
        self.pending += other.pending;
        self.delivering += other.delivering;
        self.failed += other.failed;
    }
}

/// Counts overall and per bind (binds sorted by name).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CacheSummary {
    /// All binds together.
    pub overall: CacheCounts,
    /// Each bind with at least one record.
    pub binds: Vec<(String, CacheCounts)>,
}
