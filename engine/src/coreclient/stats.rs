//! Per-endpoint counters and latency histograms of the pool, in plain atomics.
//!
//! Workers add with relaxed atomic increments (no lock, no allocation); the metrics sidecar
//! reads a [`StatsSnapshot`] whenever it scrapes. Counts of one snapshot are read one by one,
//! so a snapshot taken during traffic may be off by the requests finishing meanwhile, which is
//! what a scrape of any live counter means anyway.

use super::endpoint::Endpoint;
use super::error::ErrorKind;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Number of finite latency buckets.
pub const LATENCY_BUCKETS: usize = 18;

/// Upper bounds (inclusive, microseconds) of the finite latency buckets: 100 us doubling to
/// about 13 s. A last, unbounded bucket holds anything slower.
pub const LATENCY_BUCKET_BOUNDS_US: [u64; LATENCY_BUCKETS] = {
    let mut bounds = [0u64; LATENCY_BUCKETS];
    let mut i = 0;
    while i < LATENCY_BUCKETS {
        bounds[i] = 100 << i;
        i += 1;
    }
    bounds
};

/// Index of the bucket counting a request that took `micros` (the last index is the overflow).
pub fn latency_bucket(micros: u64) -> usize {
    // Bucket i holds (100 * 2^(i-1), 100 * 2^i]: the bit length of ceil(us/100) - 1.
    let hundreds = micros.div_ceil(100).max(1) - 1;
    let index = (u64::BITS - hundreds.leading_zeros()) as usize;
    index.min(LATENCY_BUCKETS)
}

#[derive(Default)]
struct EndpointCounters {
    ok: AtomicU64,
    errors: [AtomicU64; ErrorKind::COUNT],
    latency: [AtomicU64; LATENCY_BUCKETS + 1],
    latency_sum_us: AtomicU64,
}

/// The pool's counters (shared by all workers and all client handles).
#[derive(Default)]
pub(crate) struct PoolStats {
    endpoints: [EndpointCounters; Endpoint::COUNT],
    queue_full: AtomicU64,
}

impl PoolStats {
    /// Records one finished request.
    pub(crate) fn record(
        &self,
        endpoint: Endpoint,
        outcome: Result<(), ErrorKind>,
        took: Duration,
    ) {
        let counters = &self.endpoints[endpoint.index()];
        match outcome {
            Ok(()) => counters.ok.fetch_add(1, Ordering::Relaxed),
            Err(kind) => counters.errors[kind.index()].fetch_add(1, Ordering::Relaxed),
        };
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        counters.latency[latency_bucket(micros)].fetch_add(1, Ordering::Relaxed);
        counters.latency_sum_us.fetch_add(micros, Ordering::Relaxed);
    }

    /// Records a job that ended without being sent (pool shut down).
    pub(crate) fn record_unsent(&self, endpoint: Endpoint, kind: ErrorKind) {
        self.endpoints[endpoint.index()].errors[kind.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one `try_submit` that found the channel full.
    pub(crate) fn record_queue_full(&self) {
        self.queue_full.fetch_add(1, Ordering::Relaxed);
    }

    /// Copies the counters.
    pub(crate) fn snapshot(&self, queued: usize, supports_batch: bool) -> StatsSnapshot {
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let endpoints = Endpoint::ALL
            .iter()
            .zip(&self.endpoints)
            .map(|(&endpoint, c)| EndpointStats {
                endpoint,
                ok: load(&c.ok),
                errors: std::array::from_fn(|i| load(&c.errors[i])),
                latency_buckets: std::array::from_fn(|i| load(&c.latency[i])),
                latency_sum_us: load(&c.latency_sum_us),
            })
            .collect();
        StatsSnapshot {
            endpoints,
            queue_full: load(&self.queue_full),
            queued,
            supports_batch,
        }
    }
}

/// Counters of one endpoint at snapshot time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointStats {
    /// Which call.
    pub endpoint: Endpoint,
    /// Requests that succeeded.
    pub ok: u64,
    /// Failed requests by [`ErrorKind::index`] (including jobs ended by a shutdown unsent).
    pub errors: [u64; ErrorKind::COUNT],
    /// Request latencies per bucket (not cumulative), the bounds in
    /// [`LATENCY_BUCKET_BOUNDS_US`], the last element the overflow bucket.
    pub latency_buckets: [u64; LATENCY_BUCKETS + 1],
    /// Sum of all recorded latencies in microseconds.
    pub latency_sum_us: u64,
}

impl EndpointStats {
    /// Failed requests of one kind.
    pub fn errors_of(&self, kind: ErrorKind) -> u64 {
        self.errors[kind.index()]
    }

    /// All failed requests.
    pub fn error_total(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Requests that reached the network (every latency sample).
    pub fn latency_count(&self) -> u64 {
        self.latency_buckets.iter().sum()
    }

    /// Cumulative bucket counts as Prometheus wants them (`le` = the bound), ending with `+Inf`.
    pub fn cumulative_buckets(&self) -> [u64; LATENCY_BUCKETS + 1] {
        let mut running = 0u64;
        self.latency_buckets.map(|n| {
            running += n;
            running
        })
    }
}

/// Everything the pool counts, as read at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// One entry per [`Endpoint`], in [`Endpoint::ALL`] order.
    pub endpoints: Vec<EndpointStats>,
    /// `try_submit` calls that found the channel full.
    pub queue_full: u64,
    /// Jobs waiting in the channel.
    pub queued: usize,
    /// Whether the core advertised the batch calls in its last health answer.
    pub supports_batch: bool,
}

impl StatsSnapshot {
    /// The counters of one endpoint.
    pub fn endpoint(&self, endpoint: Endpoint) -> Option<&EndpointStats> {
        self.endpoints.get(endpoint.index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_their_bounds() {
        assert_eq!(latency_bucket(0), 0);
        assert_eq!(latency_bucket(100), 0);
        assert_eq!(latency_bucket(101), 1);
        assert_eq!(latency_bucket(200), 1);
        assert_eq!(latency_bucket(201), 2);
        assert_eq!(latency_bucket(400), 2);
        assert_eq!(latency_bucket(401), 3);
        assert_eq!(LATENCY_BUCKET_BOUNDS_US[17], 100 << 17);
        assert_eq!(latency_bucket(100 << 17), 17);
        assert_eq!(latency_bucket((100 << 17) + 1), LATENCY_BUCKETS);
        assert_eq!(latency_bucket(u64::MAX), LATENCY_BUCKETS);
        for micros in [1, 99, 150, 1_000, 47_000, 5_000_000, 12_000_000] {
            let i = latency_bucket(micros);
            assert!(micros <= LATENCY_BUCKET_BOUNDS_US[i], "{micros}");
            if i > 0 {
                assert!(micros > LATENCY_BUCKET_BOUNDS_US[i - 1], "{micros}");
            }
        }
    }

    #[test]
    fn record_and_snapshot() {
        let stats = PoolStats::default();
        stats.record(Endpoint::InsertMessage, Ok(()), Duration::from_micros(150));
        stats.record(
            Endpoint::InsertMessage,
            Err(ErrorKind::Timeout),
            Duration::from_secs(60),
        );
        stats.record_unsent(Endpoint::GetQueue, ErrorKind::Shutdown);
        stats.record_queue_full();
        let snap = stats.snapshot(3, true);
        let insert = snap.endpoint(Endpoint::InsertMessage).cloned();
        let insert = insert.unwrap_or_else(|| panic!("insert stats"));
        assert_eq!(insert.ok, 1);
        assert_eq!(insert.errors_of(ErrorKind::Timeout), 1);
        assert_eq!(insert.latency_buckets[1], 1);
        assert_eq!(insert.latency_buckets[LATENCY_BUCKETS], 1);
        assert_eq!(insert.cumulative_buckets()[LATENCY_BUCKETS], 2);
        assert_eq!(insert.latency_sum_us, 60_000_150);
        let queue = snap.endpoint(Endpoint::GetQueue).cloned();
        let queue = queue.unwrap_or_else(|| panic!("queue stats"));
        assert_eq!(queue.errors_of(ErrorKind::Shutdown), 1);
        assert_eq!(queue.latency_count(), 0);
        assert_eq!(
            (snap.queue_full, snap.queued, snap.supports_batch),
            (1, 3, true)
        );
    }
}
