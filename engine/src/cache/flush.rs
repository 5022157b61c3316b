//! The flush state machine: pending -> delivering -> delivered (removed) | pending again with
//! a backoff | failed_permanent. Driven by the time the caller passes in.

use std::time::{Duration, SystemTime};

use core_api::{DeliveryReceiptPost, InsertMessage};

use super::index::Entry;
use super::partition::{time_of, unix_ms, MessageCache};
use super::record::{bounded_error, record_key, MessageState, StateRecord};
use super::stats::CacheStats;
use super::CacheError;

/// What a cached record holds for the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CachedPayload {
    /// `POST /api/messages` (a partner submit or a carrier MO), `frontend_message_id` set to
    /// the local id when handed out by [`MessageCache::due`].
    Insert(InsertMessage),
    /// `POST /api/delivery_receipts` (a carrier receipt that matched no message).
    Receipt(DeliveryReceiptPost),
}

/// How a record body is stored: an insert as its own JSON (the original layout), a receipt
/// wrapped as `{"delivery_receipt": {...}}`.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum StoredBody {
    Receipt {
        delivery_receipt: DeliveryReceiptPost,
    },
    Insert(InsertMessage),
}

impl StoredBody {
    pub(super) fn into_payload(self) -> CachedPayload {
        match self {
            StoredBody::Receipt { delivery_receipt } => CachedPayload::Receipt(delivery_receipt),
            StoredBody::Insert(message) => CachedPayload::Insert(message),
        }
    }
}

/// A cached message to deliver now (its state is `delivering` until [`MessageCache::delivered`]
/// or [`MessageCache::failed`] is called with its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueMessage {
    /// The local id (also the insert's `frontend_message_id`).
    pub id: i64,
    /// The bind it arrived on.
    pub bind: String,
    /// Failed deliveries so far.
    pub retry_count: u32,
    /// What to send to the core.
    pub payload: CachedPayload,
}

impl DueMessage {
    /// The insert, when the record holds one.
    pub fn message(&self) -> Option<&InsertMessage> {
        match &self.payload {
            CachedPayload::Insert(message) => Some(message),
            CachedPayload::Receipt(_) => None,
        }
    }
}

/// What [`MessageCache::failed`] did with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOutcome {
    /// Back to pending, to be retried at `next_retry_at`.
    Retry {
        /// Failed deliveries so far (1 after the first failure).
        retry_count: u32,
        /// When it is due again.
        next_retry_at: SystemTime,
    },
    /// Marked `failed_permanent` (max retries reached, or the core refused it with a 4xx).
    FailedPermanent {
        /// Failed deliveries so far.
        retry_count: u32,
    },
    /// No such message in this cache (deleted meanwhile, or another shard's id).
    Unknown,
}

/// What [`MessageCache::settle`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// The core took it; removed from the cache.
    Delivered,
    /// It failed (see the outcome).
    Failed(FailOutcome),
}

/// `interval * multiplier^exponent`, saturating.
pub(super) fn backoff(interval: Duration, multiplier: u32, exponent: u32) -> Duration {
    let factor = multiplier.checked_pow(exponent).unwrap_or(u32::MAX);
    interval.saturating_mul(factor)
}

/// A log timestamp as the operator guide shows it: `2026-02-01 12:34:56Z` (UTC, seconds).
fn log_time(time: SystemTime) -> String {
    let ms = i64::try_from(unix_ms(time)).unwrap_or(i64::MAX);
    core_api::rfc3339::format_millis(ms - ms.rem_euclid(1000)).replacen('T', " ", 1)
}

impl MessageCache {
    /// Takes up to `limit` records due at `now` (pending with `next_retry_at <= now`; by due
    /// time, then oldest first), marks them `delivering` and returns them. Deliver each with
    /// its `frontend_message_id`, then report [`MessageCache::delivered`] or
    /// [`MessageCache::failed`]. A record whose body cannot be read any more is marked
    /// `failed_permanent` and not returned.
    pub fn due(&self, now: SystemTime, limit: usize) -> Result<Vec<DueMessage>, CacheError> {
        let now_ms = unix_ms(now);
        let store = self.store()?;
        let picked = {
            let mut index = self.index();
            let picked: Vec<(u64, Entry)> = index
                .due
                .range(..=(now_ms, u64::MAX))
                .take(limit)
                .filter_map(|&(_, counter)| Some((counter, index.entries.get(&counter)?.clone())))
                .collect();
            let mut batch = store.db.batch();
            for (counter, entry) in &picked {
                let record = StateRecord {
                    state: MessageState::Delivering,
                    ..entry.record.clone()
                };
                batch.insert(
                    &store.states,
                    record_key(&entry.bind, *counter),
                    record.encode(),
                );
            }
            self.noted(batch.commit())?;
            for (counter, entry) in &picked {
                let record = StateRecord {
                    state: MessageState::Delivering,
                    ..entry.record.clone()
                };
                index.update(*counter, record);
            }
            picked
        };
        let mut due = Vec::with_capacity(picked.len());
        let mut failure = None;
        for (counter, entry) in picked {
            let id = self.id_of(counter);
            let body = match store.bodies.get(record_key(&entry.bind, counter)) {
                Ok(body) => body,
                Err(e) => {
                    // Leave it for the next flush rather than stranded in `delivering`.
                    self.set_state(counter, entry.record)?;
                    failure.get_or_insert(e);
                    continue;
                }
            };
            let Some(body) = body else {
                // Deleted meanwhile (overflow or an operator).
                continue;
            };
            match serde_json::from_slice::<StoredBody>(&body) {
                Ok(stored) => {
                    let mut payload = stored.into_payload();
                    if let CachedPayload::Insert(message) = &mut payload {
                        message.frontend_message_id = Some(id.to_string());
                    }
                    due.push(DueMessage {
                        id,
                        bind: entry.bind.to_string(),
                        retry_count: entry.record.retry_count,
                        payload,
                    });
                }
                Err(e) => {
                    let error = format!("unreadable cached message: {e}");
                    self.failed(id, &error, false, now)?;
                }
            }
        }
        match failure {
            Some(e) if due.is_empty() => Err(e.into()),
            _ => Ok(due),
        }
    }

    /// Applies the core's answer to the insert of message `id`: [`MessageCache::delivered`]
    /// on success, else [`MessageCache::failed`] with the error's text, temporary unless the
    /// core refused the body (`CoreError::is_temporary`).
    pub fn settle(
        &self,
        id: i64,
        answer: Result<&core_api::InsertResponse, &crate::coreclient::CoreError>,
        now: SystemTime,
    ) -> Result<Settled, CacheError> {
        match answer {
            Ok(inserted) => {
                self.delivered(id, &inserted.id)?;
                Ok(Settled::Delivered)
            }
            Err(error) => {
                let text = error.to_string();
                let outcome = self.failed(id, &text, error.is_temporary(), now)?;
                Ok(Settled::Failed(outcome))
            }
        }
    }

    /// Writes `record` as a record's state (disk, then index).
    fn set_state(&self, counter: u64, record: StateRecord) -> Result<bool, CacheError> {
        let store = self.store()?;
        let mut index = self.index();
        let Some(bind) = index.entries.get(&counter).map(|e| e.bind.clone()) else {
            return Ok(false);
        };
        self.noted(
            store
                .states
                .insert(record_key(&bind, counter), record.encode()),
        )?;
        index.update(counter, record);
        Ok(true)
    }

    /// The core took message `id` (its id there is `api_id`): removes it from the cache, logs
    /// `Successfully delivered cached message <id>, API ID: <api_id>` and counts it. Returns
    /// whether the record was still there (an operator or an overflow may have deleted it
    /// meanwhile; the delivery is counted anyway).
    pub fn delivered(&self, id: i64, api_id: &str) -> Result<bool, CacheError> {
        Ok(self.delivered_many(&[(id, api_id)])? == 1)
    }

    /// [`MessageCache::delivered`] for many messages in one write batch (after a batch
    /// insert, or to settle a whole flush round at once). Returns how many were still there.
    pub fn delivered_many(&self, delivered: &[(i64, &str)]) -> Result<usize, CacheError> {
        let counters: Vec<u64> = delivered
            .iter()
            .filter_map(|&(id, _)| self.counter_of(id))
            .collect();
        let binds: Vec<std::sync::Arc<str>> = {
            let index = self.index();
            counters
                .iter()
                .filter_map(|c| Some(index.entries.get(c)?.bind.clone()))
                .collect()
        };
        // Delivered is delivered: when the deletion cannot be written (the database failed)
        // the index forgets them anyway, and the reopen deletes them from disk, so a
        // reopened database never sends them again.
        let removed = self.remove_records(&counters, true)?;
        {
            let mut index = self.index();
            for bind in &binds {
                index.count_for(bind, |c| c.delivered_total += 1);
            }
        }
        for (id, api_id) in delivered {
            CacheStats::bump(&self.inner.stats.delivered);
            log::info!("Successfully delivered cached message {id}, API ID: {api_id}");
        }
        Ok(removed)
    }

    /// Deletes records from disk and index (no fsync: a removal lost in a crash only means a
    /// repeated, deduplicated delivery or a record an operator deletes again). Returns how
    /// many were there. With `forget_on_error` a failed write still takes them out of the
    /// index (returning the error): a reopen after the failure deletes what is on disk but
    /// not in the index.
    pub(super) fn remove_records(
        &self,
        counters: &[u64],
        forget_on_error: bool,
    ) -> Result<usize, CacheError> {
        let store = self.store();
        let mut index = self.index();
        let store = match store {
            Ok(store) => store,
            Err(e) => {
                if forget_on_error {
                    for counter in counters {
                        index.remove(*counter);
                    }
                }
                return Err(e);
            }
        };
        let mut batch = store.db.batch();
        let mut present = Vec::with_capacity(counters.len());
        for &counter in counters {
            if let Some(entry) = index.entries.get(&counter) {
                let key = record_key(&entry.bind, counter);
                batch.remove(&store.states, key.clone());
                batch.remove(&store.bodies, key);
                present.push(counter);
            }
        }
        if let Err(e) = self.noted(batch.commit()) {
            if forget_on_error {
                for counter in &present {
                    index.remove(*counter);
                }
            }
            return Err(e);
        }
        for counter in &present {
            index.remove(*counter);
        }
        Ok(present.len())
    }

    /// Delivery of message `id` failed at `now` with `error`.
    ///
    /// A `temporary` failure (connection error, time-out, 5xx: `CoreError::is_temporary`)
    /// schedules retry n+1 of `cache_max_retry_attempts` when n retries were scheduled before:
    /// the message goes back to pending, due at `now + cache_retry_interval *
    /// cache_backoff_multiplier^n` (60, 120, 240, ..., 30720 s for n = 9), logging `Failed to
    /// deliver message <id> (retry <n+1>/<max>), next retry at <YYYY-MM-DD hh:mm:ssZ>`. When
    /// the last allowed retry fails too it becomes `failed_permanent` (`Message <id> exceeded
    /// max retries (<max>), marking as failed_permanent`). A permanent failure (a 4xx: the core
    /// refuses this body) marks it `failed_permanent` at once.
    pub fn failed(
        &self,
        id: i64,
        error: &str,
        temporary: bool,
        now: SystemTime,
    ) -> Result<FailOutcome, CacheError> {
        let Some(counter) = self.counter_of(id) else {
            return Ok(FailOutcome::Unknown);
        };
        let max = self.inner.max_retry_attempts;
        let (outcome, record, bind) = {
            let index = self.index();
            let Some(entry) = index.entries.get(&counter) else {
                return Ok(FailOutcome::Unknown);
            };
            let bind = entry.bind.clone();
            let interval = index.settings(&entry.bind).retry_interval;
            let mut record = entry.record.clone();
            record.last_error = Some(bounded_error(error));
            let retries_so_far = record.retry_count;
            if !temporary || retries_so_far >= max {
                record.state = MessageState::FailedPermanent;
                let outcome = FailOutcome::FailedPermanent {
                    retry_count: record.retry_count,
                };
                (outcome, record, bind)
            } else {
                let delay = backoff(interval, self.inner.backoff_multiplier, retries_so_far);
                let next = now.checked_add(delay).unwrap_or(now);
                record.retry_count = retries_so_far + 1;
                record.state = MessageState::Pending;
                record.next_retry_ms = unix_ms(next);
                let outcome = FailOutcome::Retry {
                    retry_count: record.retry_count,
                    next_retry_at: time_of(record.next_retry_ms),
                };
                (outcome, record, bind)
            }
        };
        if !self.set_state(counter, record)? {
            return Ok(FailOutcome::Unknown);
        }
        let stats = &self.inner.stats;
        match outcome {
            FailOutcome::Retry {
                retry_count,
                next_retry_at,
            } => {
                CacheStats::bump(&stats.retries);
                self.index().count_for(&bind, |c| c.retry_total += 1);
                log::warn!(
                    "Failed to deliver message {id} (retry {retry_count}/{max}), next retry at {}",
                    log_time(next_retry_at)
                );
            }
            FailOutcome::FailedPermanent { .. } => {
                CacheStats::bump(&stats.permanent_failures);
                self.index()
                    .count_for(&bind, |c| c.permanent_failures_total += 1);
                if temporary {
                    log::error!(
                        "Message {id} exceeded max retries ({max}), marking as failed_permanent"
                    );
                } else {
                    log::error!(
                        "Message {id} refused by the core ({error}), marking as failed_permanent"
                    );
                }
            }
            FailOutcome::Unknown => {}
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_multiplies_and_saturates() {
        let minute = Duration::from_secs(60);
        assert_eq!(backoff(minute, 2, 0), minute);
        assert_eq!(backoff(minute, 2, 9), Duration::from_secs(30_720));
        assert_eq!(backoff(minute, 1, 5), minute);
        assert_eq!(backoff(minute, 2, 200), minute.saturating_mul(u32::MAX));
    }
}
