//! The in-memory index of a shard's cached messages: state per record, records per bind
//! (oldest first, for overflow and listing) and the pending records by due time (for flushes).
//! It mirrors what is durable on disk and is rebuilt from disk at open.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use super::record::{MessageState, StateRecord};
use super::stats::CacheCounters;

/// Cache settings of one bind (`cache_max_size`, `cache_retry_interval`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindCacheSettings {
    /// Most records kept for the bind; above it the oldest is deleted.
    pub max_size: u32,
    /// First retry delay (`cache_retry_interval`).
    pub retry_interval: Duration,
}

impl Default for BindCacheSettings {
    /// The documented defaults: 10000 records, 60 s.
    fn default() -> Self {
        BindCacheSettings {
            max_size: 10_000,
            retry_interval: Duration::from_secs(60),
        }
    }
}

/// One indexed record.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) bind: Arc<str>,
    pub(super) record: StateRecord,
}

/// Records of one bind.
#[derive(Debug, Default)]
pub(super) struct BindRecords {
    /// Counters, oldest first.
    pub(super) order: BTreeSet<u64>,
    pub(super) delivering: usize,
    pub(super) failed: usize,
    /// This bind's share of the shard's counters.
    pub(super) counters: CacheCounters,
}

impl BindRecords {
    pub(super) fn pending(&self) -> usize {
        self.order.len() - self.delivering - self.failed
    }
}

/// See the module doc.
#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) entries: HashMap<u64, Entry>,
    pub(super) binds: HashMap<Arc<str>, BindRecords>,
    /// `(next_retry_at, counter)` of every pending record.
    pub(super) due: BTreeSet<(u64, u64)>,
    pub(super) settings: HashMap<Arc<str>, BindCacheSettings>,
}

impl Index {
    pub(super) fn settings(&self, bind: &str) -> BindCacheSettings {
        self.settings.get(bind).copied().unwrap_or_default()
    }

    /// The shared name of `bind` (one allocation per bind, not per record).
    pub(super) fn bind_name(&mut self, bind: &str) -> Arc<str> {
        match self.binds.get_key_value(bind) {
            Some((name, _)) => name.clone(),
            None => {
                let name: Arc<str> = bind.into();
                self.binds.insert(name.clone(), BindRecords::default());
                name
            }
        }
    }

    /// Updates `bind`'s counters.
    pub(super) fn count_for(&mut self, bind: &str, update: impl FnOnce(&mut CacheCounters)) {
        let name = self.bind_name(bind);
        if let Some(records) = self.binds.get_mut(&name) {
            update(&mut records.counters);
        }
    }

    pub(super) fn len_of(&self, bind: &str) -> usize {
        self.binds.get(bind).map_or(0, |b| b.order.len())
    }

    pub(super) fn oldest_of(&self, bind: &str) -> Option<u64> {
        self.binds.get(bind)?.order.first().copied()
    }

    fn count(&mut self, bind: &str, state: MessageState, delta: isize) {
        if let Some(records) = self.binds.get_mut(bind) {
            let slot = match state {
                MessageState::Pending => return,
                MessageState::Delivering => &mut records.delivering,
                MessageState::FailedPermanent => &mut records.failed,
            };
            *slot = slot.saturating_add_signed(delta);
        }
    }

    pub(super) fn insert(&mut self, counter: u64, entry: Entry) {
        // A counter is never reused; replacing keeps the index consistent anyway.
        let _ = self.remove(counter);
        let name = self.bind_name(&entry.bind);
        if let Some(records) = self.binds.get_mut(&name) {
            records.order.insert(counter);
        }
        self.count(&name, entry.record.state, 1);
        if entry.record.state == MessageState::Pending {
            self.due.insert((entry.record.next_retry_ms, counter));
        }
        self.entries.insert(
            counter,
            Entry {
                bind: name,
                ..entry
            },
        );
    }

    pub(super) fn remove(&mut self, counter: u64) -> Option<Entry> {
        let entry = self.entries.remove(&counter)?;
        if entry.record.state == MessageState::Pending {
            self.due.remove(&(entry.record.next_retry_ms, counter));
        }
        self.count(&entry.bind, entry.record.state, -1);
        if let Some(records) = self.binds.get_mut(&entry.bind) {
            records.order.remove(&counter);
        }
        Some(entry)
    }

    /// Replaces a record's state; returns the updated entry.
    pub(super) fn update(&mut self, counter: u64, record: StateRecord) -> Option<&Entry> {
        let old = self.entries.get(&counter)?.record.clone();
        let bind = self.entries.get(&counter)?.bind.clone();
        if old.state == MessageState::Pending {
            self.due.remove(&(old.next_retry_ms, counter));
        }
        if record.state == MessageState::Pending {
            self.due.insert((record.next_retry_ms, counter));
        }
        self.count(&bind, old.state, -1);
        self.count(&bind, record.state, 1);
        let entry = self.entries.get_mut(&counter)?;
        entry.record = record;
        Some(entry)
    }
}
