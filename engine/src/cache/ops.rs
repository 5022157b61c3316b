//! Operator calls for the sidecar (web UI, admin API): summary, listing, retry, delete.
//! Changes made here are fsynced before returning, so an operator's action survives a crash.

use std::time::SystemTime;

use core_api::InsertMessage;
use fjall::PersistMode;

use super::partition::{time_of, unix_ms, MessageCache};
use super::record::{record_key, MessageState};
use super::stats::{CacheCounters, CacheCounts, CacheSummary};
use super::CacheError;

/// One cached message as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedMessageView {
    /// The local id.
    pub id: i64,
    /// The bind it arrived on.
    pub bind: String,
    /// Its state.
    pub state: MessageState,
    /// Failed deliveries so far.
    pub retry_count: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it is (or was) due.
    pub next_retry_at: SystemTime,
    /// When it was cached.
    pub created_at: SystemTime,
}

impl MessageCache {
    /// Record counts overall and per bind (from memory; no disk access).
    pub fn summary(&self) -> CacheSummary {
        let index = self.index();
        let mut summary = CacheSummary::default();
        for (bind, records) in &index.binds {
            if records.order.is_empty() {
                continue;
            }
            let counts = CacheCounts {
                total: records.order.len(),
                pending: records.pending() + records.delivering,
                delivering: records.delivering,
                failed: records.failed,
            };
            summary.overall += counts;
            summary.binds.push((bind.to_string(), counts));
        }
        summary.binds.sort_by(|a, b| a.0.cmp(&b.0));
        summary
    }

    /// Each bind's counters (labelled `bind_name` in the metrics), sorted by bind.
    pub fn bind_counters(&self) -> Vec<(String, CacheCounters)> {
        let index = self.index();
        let mut out: Vec<(String, CacheCounters)> = index
            .binds
            .iter()
            .map(|(bind, records)| (bind.to_string(), records.counters))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Number of records of `bind` (the `smpp_cache_size` gauge).
    pub fn size_of(&self, bind: &str) -> usize {
        self.index().len_of(bind)
    }

    /// Up to `limit` records of `bind`, oldest first.
    pub fn list(&self, bind: &str, limit: usize) -> Vec<CachedMessageView> {
        let index = self.index();
        let Some(records) = index.binds.get(bind) else {
            return Vec::new();
        };
        records
            .order
            .iter()
            .take(limit)
            .filter_map(|counter| {
                let entry = index.entries.get(counter)?;
                Some(CachedMessageView {
                    id: self.id_of(*counter),
                    bind: entry.bind.to_string(),
                    state: entry.record.state,
                    retry_count: entry.record.retry_count,
                    last_error: entry.record.last_error.as_deref().map(str::to_owned),
                    next_retry_at: time_of(entry.record.next_retry_ms),
                    created_at: time_of(entry.record.created_ms),
                })
            })
            .collect()
    }

    /// The stored insert of message `id` (with its `frontend_message_id`), if cached here
    /// (`None` for a cached receipt).
    pub fn message(&self, id: i64) -> Result<Option<InsertMessage>, CacheError> {
        let Some(counter) = self.counter_of(id) else {
            return Ok(None);
        };
        let Some(bind) = self.index().entries.get(&counter).map(|e| e.bind.clone()) else {
            return Ok(None);
        };
        let Some(body) = self.store()?.bodies.get(record_key(&bind, counter))? else {
            return Ok(None);
        };
        let stored: super::flush::StoredBody = serde_json::from_slice(&body)
            .map_err(|e| CacheError::Encode(format!("cached message {id}: {e}")))?;
        match stored.into_payload() {
            super::flush::CachedPayload::Insert(mut message) => {
                message.frontend_message_id = Some(id.to_string());
                Ok(Some(message))
            }
            super::flush::CachedPayload::Receipt(_) => Ok(None),
        }
    }

    /// Puts a `failed_permanent` (or waiting `pending`) message back to pending, due at
    /// `now`, with `retry_count` 0. Returns false when `id` is unknown here or is being
    /// delivered right now.
    pub fn retry(&self, id: i64, now: SystemTime) -> Result<bool, CacheError> {
        let Some(counter) = self.counter_of(id) else {
            return Ok(false);
        };
        let store = self.store()?;
        {
            let mut index = self.index();
            let Some(entry) = index.entries.get(&counter) else {
                return Ok(false);
            };
            if entry.record.state == MessageState::Delivering {
                return Ok(false);
            }
            let mut record = entry.record.clone();
            record.state = MessageState::Pending;
            record.retry_count = 0;
            record.next_retry_ms = unix_ms(now);
            self.noted(
                store
                    .states
                    .insert(record_key(&entry.bind, counter), record.encode()),
            )?;
            index.update(counter, record);
        }
        self.noted(store.db.persist(PersistMode::SyncData))?;
        log::info!("Cached message {id} reset to pending by an operator");
        Ok(true)
    }

    /// Deletes message `id`; returns whether it was there.
    pub fn delete(&self, id: i64) -> Result<bool, CacheError> {
        let Some(counter) = self.counter_of(id) else {
            return Ok(false);
        };
        let store = self.store()?;
        let removed = self.remove_records(&[counter], false)? > 0;
        if removed {
            self.noted(store.db.persist(PersistMode::SyncData))?;
            log::info!("Cached message {id} deleted by an operator");
        }
        Ok(removed)
    }

    /// Deletes every `failed_permanent` message of `bind`; returns how many.
    pub fn delete_failed(&self, bind: &str) -> Result<usize, CacheError> {
        let failed: Vec<u64> = {
            let index = self.index();
            let Some(records) = index.binds.get(bind) else {
                return Ok(0);
            };
            records
                .order
                .iter()
                .copied()
                .filter(|c| {
                    index
                        .entries
                        .get(c)
                        .is_some_and(|e| e.record.state == MessageState::FailedPermanent)
                })
                .collect()
        };
        let store = self.store()?;
        let removed = self.remove_records(&failed, false)?;
        if removed > 0 {
            self.noted(store.db.persist(PersistMode::SyncData))?;
            log::info!("Deleted {removed} failed cached messages of {bind} by an operator");
        }
        Ok(removed)
    }
}
