//! Per-destination queues: ready items by priority, scheduled items by due time, and leases by
//! expiry. Handing out an item leases it; a lapsed lease puts it back.

use super::record::{queue_item, MsgState, StoredMessage};
use super::{lock, Store};
use core_api::{DeliveryStatus, QueueItem};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicI64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// A ready entry: higher priority first, then lower id (insertion order).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Ready {
    pub(crate) priority: u8,
    pub(crate) id: u64,
    pub(crate) generation: u32,
}

impl Ord for Ready {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority
            .cmp(&other.priority)
            .then_with(|| other.id.cmp(&self.id))
            .then_with(|| self.generation.cmp(&other.generation))
    }
}

impl PartialOrd for Ready {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `(time, id, generation)`, earliest first in a `BinaryHeap<Reverse<_>>`.
pub(crate) type Timed = Reverse<(i64, u64, u32)>;

/// The heaps of one queue; every entry is checked against its record before use.
#[derive(Default)]
pub(crate) struct Heaps {
    pub(crate) ready: BinaryHeap<Ready>,
    pub(crate) scheduled: BinaryHeap<Timed>,
    pub(crate) leases: BinaryHeap<Timed>,
}

/// The queue of one `dest_smsc`.
pub(crate) struct DestQueue {
    name: Arc<str>,
    pub(crate) heaps: Mutex<Heaps>,
    pending: AtomicI64,
    leased: AtomicI64,
}

impl std::fmt::Debug for DestQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DestQueue")
            .field("name", &self.name)
            .finish()
    }
}

impl DestQueue {
    /// An empty queue for `name`.
    pub(crate) fn new(name: Arc<str>) -> DestQueue {
        DestQueue {
            name,
            heaps: Mutex::new(Heaps::default()),
            pending: AtomicI64::new(0),
            leased: AtomicI64::new(0),
        }
    }

    /// The bind name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Messages waiting in this queue.
    pub(crate) fn pending(&self) -> u64 {
        u64::try_from(self.pending.load(Relaxed)).unwrap_or(0)
    }

    /// Messages handed out and not yet reported or reclaimed.
    pub(crate) fn leased(&self) -> u64 {
        u64::try_from(self.leased.load(Relaxed)).unwrap_or(0)
    }

    /// Keeps the gauges in step with a record entering (`delta` 1) or leaving (-1) `state`.
    pub(crate) fn adjust(&self, state: MsgState, delta: i64) {
        match state {
            MsgState::Pending => self.pending.fetch_add(delta, Relaxed),
            MsgState::Leased => self.leased.fetch_add(delta, Relaxed),
            _ => 0,
        };
    }

    /// Queues a pending record: ready now, or scheduled for `due_ms`.
    pub(crate) fn push(
        &self,
        id: u64,
        generation: u32,
        priority: u8,
        due_ms: Option<i64>,
        now_ms: i64,
    ) {
        let mut heaps = lock(&self.heaps);
        match due_ms {
            Some(due) if due > now_ms => heaps.scheduled.push(Reverse((due, id, generation))),
            _ => heaps.ready.push(Ready {
                priority,
                id,
                generation,
            }),
        }
    }
}

/// A message taken out under the locks, turned into JSON afterwards.
struct Handout {
    id: u64,
    msg: Arc<StoredMessage>,
    attempts_before: u32,
    deliver_after_ms: Option<i64>,
}

impl Store {
    /// Moves due scheduled items to ready and lapsed leases back to pending.
    pub(crate) fn reclaim(&self, queue: &DestQueue, now_ms: i64) {
        let mut heaps = lock(&queue.heaps);
        self.reclaim_locked(&mut heaps, now_ms);
    }

    fn reclaim_locked(&self, heaps: &mut Heaps, now_ms: i64) {
        while let Some(&Reverse((expiry, id, generation))) = heaps.leases.peek() {
            if expiry > now_ms {
                break;
            }
            heaps.leases.pop();
            let mut shard = lock(self.shard(id));
            let Some(record) = shard.get_mut(&id) else {
                continue;
            };
            if record.generation != generation || record.state != MsgState::Leased {
                continue;
            }
            let generation = record.set_state(MsgState::Pending, now_ms);
            heaps.ready.push(Ready {
                priority: record.msg.priority,
                id,
                generation,
            });
            self.counters.leases_expired.fetch_add(1, Relaxed);
        }
        while let Some(&Reverse((due, id, generation))) = heaps.scheduled.peek() {
            if due > now_ms {
                break;
            }
            heaps.scheduled.pop();
            let shard = lock(self.shard(id));
            if let Some(record) = shard.get(&id) {
                if record.generation == generation && record.state == MsgState::Pending {
                    heaps.ready.push(Ready {
                        priority: record.msg.priority,
                        id,
                        generation,
                    });
                }
            }
        }
    }

    /// `GET /api/message_queue`: leases up to `limit` due items of `dest`, highest priority
    /// first, then oldest first.
    pub(crate) fn lease(&self, dest: &str, limit: usize, now_ms: i64) -> Vec<QueueItem> {
        let Some(queue) = self.queue(dest) else {
            return Vec::new();
        };
        let mut handouts = Vec::new();
        let mut expired = Vec::new();
        {
            let mut guard = lock(&queue.heaps);
            let heaps = &mut *guard;
            self.reclaim_locked(heaps, now_ms);
            handouts.reserve(limit.min(heaps.ready.len()));
            while handouts.len() < limit {
                let Some(entry) = heaps.ready.pop() else {
                    break;
                };
                let mut shard = lock(self.shard(entry.id));
                let Some(record) = shard.get_mut(&entry.id) else {
                    continue;
                };
                if record.generation != entry.generation || record.state != MsgState::Pending {
                    continue;
                }
                if record.msg.validity_ms.is_some_and(|v| v <= now_ms) {
                    record.set_state(MsgState::Final(DeliveryStatus::Expired), now_ms);
                    expired.push(entry.id);
                    continue;
                }
                let attempts_before = record.attempts;
                record.attempts = record.attempts.saturating_add(1);
                record.lease_until_ms = now_ms.saturating_add(self.policy.lease_ms);
                let generation = record.set_state(MsgState::Leased, now_ms);
                heaps
                    .leases
                    .push(Reverse((record.lease_until_ms, entry.id, generation)));
                handouts.push(Handout {
                    id: entry.id,
                    msg: record.msg.clone(),
                    attempts_before,
                    deliver_after_ms: record.deliver_after_ms,
                });
            }
        }
        self.counters
            .leases_granted
            .fetch_add(handouts.len() as u64, Relaxed);
        for id in expired {
            self.counters.expired_in_queue.fetch_add(1, Relaxed);
            self.finish_expired_in_queue(id, now_ms);
        }
        handouts
            .into_iter()
            .map(|h| queue_item(h.id, &h.msg, dest, h.attempts_before, h.deliver_after_ms))
            .collect()
    }
}
