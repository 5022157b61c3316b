//! The simulator's in-memory message store: sharded message records, per-destination queues
//! with leases, status transitions, receipts for partners and idempotent inserts.
//!
//! Locking: message records live in [`SHARDS`] mutex-protected maps keyed by id; each
//! destination bind has its own [`queue::DestQueue`] whose heaps only hold `(id, generation)`
//! keys. A thread may take a shard lock while holding a queue lock (polling), never the
//! reverse, and no JSON work happens under any lock. Every state change bumps the record's
//! generation, so heap entries left behind by an earlier state are recognised and dropped.

mod enqueue;
mod insert;
pub(crate) mod queue;
mod record;
mod status;
mod view;

pub(crate) use enqueue::EnqueueError;
pub(crate) use insert::{InsertError, InsertOutcome};
pub(crate) use record::{MessageRecord, MsgState};
pub(crate) use status::StatusError;
pub(crate) use view::ViewFilter;

use crate::core_sim::admin_types::{MessageDetail, QueueCounts, Stats, UnmatchedReceipt};
use crate::core_sim::routes::RouteTable;
use core_api::{DeliveryReceiptPost, DeliveryStatus};
use queue::DestQueue;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// Number of message shards (a power of two).
const SHARDS: usize = 64;
/// Shards of the idempotency index.
const IDEM_SHARDS: usize = 16;
/// Unmatched receipts kept for the admin view (older ones are dropped, still counted).
const MAX_UNMATCHED_KEPT: usize = 100_000;

/// Timing and policy knobs of the store.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StorePolicy {
    /// How long a handed-out item stays leased.
    pub(crate) lease_ms: i64,
    /// Delay before a throttled or temporarily failed message is offered again.
    pub(crate) retry_delay_ms: i64,
    /// After this many hand-outs a temporary failure becomes final (0 = never).
    pub(crate) max_attempts: u32,
}

/// Monotonic counters shown by `/admin/stats`.
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) inserted: AtomicU64,
    pub(crate) enqueued: AtomicU64,
    pub(crate) duplicates_suppressed: AtomicU64,
    pub(crate) inserts_rejected: AtomicU64,
    pub(crate) unrouted: AtomicU64,
    pub(crate) leases_granted: AtomicU64,
    pub(crate) leases_expired: AtomicU64,
    pub(crate) requeued: AtomicU64,
    pub(crate) receipts_queued: AtomicU64,
    pub(crate) unmatched_receipts: AtomicU64,
    pub(crate) status_reports: [AtomicU64; 11],
    pub(crate) final_states: [AtomicU64; 11],
    pub(crate) expired_in_queue: AtomicU64,
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Relaxed)
}

/// `(smsc_name, frontend_message_id)` -> core id.
pub(crate) type IdempotencyIndex = HashMap<(Box<str>, Box<str>), u64>;

/// The whole in-memory core.
pub(crate) struct Store {
    shards: Box<[Mutex<HashMap<u64, MessageRecord>>]>,
    queues: RwLock<HashMap<Arc<str>, Arc<DestQueue>>>,
    idempotency: Box<[Mutex<IdempotencyIndex>]>,
    unmatched: Mutex<VecDeque<UnmatchedReceipt>>,
    routes: RwLock<Arc<RouteTable>>,
    next_id: AtomicU64,
    pub(crate) counters: Counters,
    pub(crate) policy: StorePolicy,
}

/// Locks a mutex, recovering the data if a panicking thread poisoned it (every critical section
/// leaves the data consistent between statements that can panic).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Store {
    /// An empty store.
    pub(crate) fn new(policy: StorePolicy, routes: RouteTable) -> Store {
        Store {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            queues: RwLock::new(HashMap::new()),
            idempotency: (0..IDEM_SHARDS)
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
            unmatched: Mutex::new(VecDeque::new()),
            routes: RwLock::new(Arc::new(routes)),
            next_id: AtomicU64::new(1),
            counters: Counters::default(),
            policy,
        }
    }

    fn shard(&self, id: u64) -> &Mutex<HashMap<u64, MessageRecord>> {
        // SHARDS is a power of two; the mask keeps the index in range.
        &self.shards[(id as usize) & (SHARDS - 1)]
    }

    /// Reserves `count` consecutive ids and returns the first.
    fn allocate_ids(&self, count: u64) -> u64 {
        self.next_id.fetch_add(count, Relaxed)
    }

    /// The queue of `dest`, if any message was ever routed there.
    pub(crate) fn queue(&self, dest: &str) -> Option<Arc<DestQueue>> {
        let queues = self.queues.read().unwrap_or_else(|p| p.into_inner());
        queues.get(dest).cloned()
    }

    /// The queue of `dest`, created on first use.
    pub(crate) fn queue_or_create(&self, dest: &str) -> Arc<DestQueue> {
        if let Some(queue) = self.queue(dest) {
            return queue;
        }
        let mut queues = self.queues.write().unwrap_or_else(|p| p.into_inner());
        queues
            .entry(Arc::from(dest))
            .or_insert_with(|| Arc::new(DestQueue::new(Arc::from(dest))))
            .clone()
    }

    fn all_queues(&self) -> Vec<Arc<DestQueue>> {
        let queues = self.queues.read().unwrap_or_else(|p| p.into_inner());
        queues.values().cloned().collect()
    }

    /// The current routing table.
    pub(crate) fn routes(&self) -> Arc<RouteTable> {
        self.routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the routing table (applies to later inserts).
    pub(crate) fn set_routes(&self, routes: RouteTable) {
        *self.routes.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(routes);
    }

    /// Stores an unmatched receipt and returns its id (`u<n>`).
    pub(crate) fn add_unmatched_receipt(
        &self,
        receipt: DeliveryReceiptPost,
        now_ms: i64,
    ) -> String {
        let number = self.counters.unmatched_receipts.fetch_add(1, Relaxed) + 1;
        let id = format!("u{number}");
        let mut kept = lock(&self.unmatched);
        if kept.len() >= MAX_UNMATCHED_KEPT {
            kept.pop_front();
        }
        kept.push_back(UnmatchedReceipt {
            id: id.clone(),
            received_at: core_api::rfc3339::format_millis(now_ms),
            receipt,
        });
        id
    }

    /// The most recent unmatched receipts, oldest first.
    pub(crate) fn unmatched_receipts(&self, limit: usize) -> Vec<UnmatchedReceipt> {
        let kept = lock(&self.unmatched);
        let skip = kept.len().saturating_sub(limit);
        kept.iter().skip(skip).cloned().collect()
    }

    /// A message with its status history.
    pub(crate) fn detail(&self, id: u64) -> Option<MessageDetail> {
        let shard = lock(self.shard(id));
        shard.get(&id).map(|record| record.detail(id))
    }

    /// Forgets every message, queue, idempotency key and unmatched receipt and zeroes the
    /// counters. Ids keep increasing so an id from before the reset is never reused.
    pub(crate) fn reset(&self) {
        self.queues
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
        for shard in self.shards.iter() {
            lock(shard).clear();
        }
        for shard in self.idempotency.iter() {
            lock(shard).clear();
        }
        lock(&self.unmatched).clear();
        let c = &self.counters;
        for counter in [
            &c.inserted,
            &c.enqueued,
            &c.duplicates_suppressed,
            &c.inserts_rejected,
            &c.unrouted,
            &c.leases_granted,
            &c.leases_expired,
            &c.requeued,
            &c.receipts_queued,
            &c.unmatched_receipts,
            &c.expired_in_queue,
        ] {
            counter.store(0, Relaxed);
        }
        for counter in c.status_reports.iter().chain(c.final_states.iter()) {
            counter.store(0, Relaxed);
        }
    }

    /// Counters and per-queue gauges (lapsed leases are reclaimed first so the gauges are
    /// current).
    pub(crate) fn stats(&self, now_ms: i64, frontends: u64) -> Stats {
        let mut queues = BTreeMap::new();
        let (mut queued, mut leased) = (0, 0);
        for queue in self.all_queues() {
            self.reclaim(&queue, now_ms);
            let counts = QueueCounts {
                pending: queue.pending(),
                leased: queue.leased(),
            };
            queued += counts.pending;
            leased += counts.leased;
            queues.insert(queue.name().to_owned(), counts);
        }
        let c = &self.counters;
        let by_status = |table: &[AtomicU64; 11]| {
            DeliveryStatus::ALL
                .iter()
                .filter_map(|s| {
                    let n = load(&table[s.index()]);
                    (n > 0).then(|| (s.as_str().to_owned(), n))
                })
                .collect::<BTreeMap<_, _>>()
        };
        Stats {
            inserted: load(&c.inserted),
            enqueued: load(&c.enqueued),
            duplicates_suppressed: load(&c.duplicates_suppressed),
            inserts_rejected: load(&c.inserts_rejected),
            unrouted: load(&c.unrouted),
            queued,
            leased,
            queues,
            leases_granted: load(&c.leases_granted),
            leases_expired: load(&c.leases_expired),
            sent: load(&c.status_reports[DeliveryStatus::Sent.index()]),
            failed: load(&c.status_reports[DeliveryStatus::Failed.index()]),
            throttled: load(&c.status_reports[DeliveryStatus::Throttled.index()]),
            requeued: load(&c.requeued),
            status_reports: by_status(&c.status_reports),
            final_states: by_status(&c.final_states),
            expired_in_queue: load(&c.expired_in_queue),
            receipts_queued: load(&c.receipts_queued),
            unmatched_receipts: load(&c.unmatched_receipts),
            frontends,
        }
    }
}
