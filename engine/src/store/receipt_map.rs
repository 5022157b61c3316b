//! Carrier message id -> core message id and part, for matching delivery receipts.
//!
//! Ids are stored under their normalised keys (`proto::message_id`): the primary reading in
//! one index and, for an all-digit id, the alternate (hex) reading in another, so a receipt
//! that writes the id in another base, case or with leading zeros still matches; lookups follow
//! `message_id::find`'s order (a match as written beats one through a base conversion).
//!
//! Writes are not fsynced (fjall's buffered journal): a mapping lost in a crash only means its
//! receipt goes unmatched to `POST /api/delivery_receipts`, which is far cheaper than an fsync
//! per `submit_sm_resp`. Entries live `ttl` (default 72 h): a lookup ignores expired ones and
//! [`ReceiptMap::purge_expired`] deletes them, walking a second keyspace ordered by expiry.

use std::time::{Duration, SystemTime};

use fjall::{Database, Keyspace};

use super::{stored_ms, StoreError};
use crate::proto::message_id::{self, Index, MessageIdKey};

/// How long a mapping is kept unless configured otherwise.
pub const DEFAULT_RECEIPT_TTL: Duration = Duration::from_secs(72 * 3600);

/// Removals per batch while purging.
const PURGE_BATCH: usize = 1024;

/// The core message a carrier id belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CoreRef {
    /// The core's message id.
    pub core_id: String,
    /// Which part (1-based) the carrier id is for.
    pub part: u8,
    /// How many parts the message was sent as.
    pub parts: u8,
}

/// Carrier message id -> [`CoreRef`], with a time to live.
#[derive(Clone)]
pub struct ReceiptMap {
    db: Database,
    ids: Keyspace,
    expiry: Keyspace,
    ttl_ms: u64,
}

impl std::fmt::Debug for ReceiptMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptMap")
            .field("ttl_ms", &self.ttl_ms)
            .finish_non_exhaustive()
    }
}

fn index_tag(index: Index) -> u8 {
    match index {
        Index::Primary => b'P',
        Index::Alternate => b'A',
    }
}

fn id_key(index: Index, key: &MessageIdKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(18);
    out.push(index_tag(index));
    key.write_bytes(&mut out);
    out
}

fn expiry_key(expires_ms: u64, id_key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + id_key.len());
    out.extend_from_slice(&expires_ms.to_be_bytes());
    out.extend_from_slice(id_key);
    out
}

/// Value layout: expiry (u64 BE ms), part, parts, core id (UTF-8).
fn encode_value(expires_ms: u64, core: &CoreRef) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + core.core_id.len());
    out.extend_from_slice(&expires_ms.to_be_bytes());
    out.push(core.part);
    out.push(core.parts);
    out.extend_from_slice(core.core_id.as_bytes());
    out
}

fn value_expiry(value: &[u8]) -> Option<u64> {
    let bytes: [u8; 8] = value.get(..8)?.try_into().ok()?;
    Some(u64::from_be_bytes(bytes))
}

fn decode_value(value: &[u8]) -> Option<(u64, CoreRef)> {
    let expires = value_expiry(value)?;
    let (&part, rest) = value.get(8..)?.split_first()?;
    let (&parts, id) = rest.split_first()?;
    let core_id = std::str::from_utf8(id).ok()?.to_owned();
    Some((
        expires,
        CoreRef {
            core_id,
            part,
            parts,
        },
    ))
}

impl ReceiptMap {
    /// Opens the map's keyspaces in `db`; entries expire `ttl` after they were recorded.
    pub fn open(db: &Database, ttl: Duration) -> Result<ReceiptMap, StoreError> {
        Ok(ReceiptMap {
            db: db.clone(),
            ids: db.keyspace("receipt_ids", super::keyspace_options)?,
            expiry: db.keyspace("receipt_expiry", super::keyspace_options)?,
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// Records one mapping (see [`ReceiptMap::record_batch`]).
    pub fn record(
        &self,
        carrier_message_id: &str,
        core: &CoreRef,
        now: SystemTime,
    ) -> Result<usize, StoreError> {
        self.record_batch([(carrier_message_id, core)], now)
    }

    /// Records every `(carrier id, core message)` pair in one write batch (no fsync); a later
    /// record of the same id replaces the earlier one. Empty ids are skipped. Returns how
    /// many were recorded.
    pub fn record_batch<'a>(
        &self,
        entries: impl IntoIterator<Item = (&'a str, &'a CoreRef)>,
        now: SystemTime,
    ) -> Result<usize, StoreError> {
        let expires = stored_ms(now).saturating_add(self.ttl_ms);
        let mut batch = self.db.batch();
        let mut recorded = 0;
        for (carrier_id, core) in entries {
            let Some(keys) = message_id::keys(carrier_id) else {
                continue;
            };
            let value = encode_value(expires, core);
            for (index, key) in keys.indexed() {
                let key = id_key(index, key);
                batch.insert(&self.expiry, expiry_key(expires, &key), []);
                batch.insert(&self.ids, key, value.as_slice());
            }
            recorded += 1;
        }
        batch.commit()?;
        Ok(recorded)
    }

    /// The core message a receipt's carrier id belongs to, if recorded and not expired at
    /// `now`.
    pub fn lookup(&self, receipt_id: &str, now: SystemTime) -> Result<Option<CoreRef>, StoreError> {
        let now_ms = stored_ms(now);
        let mut failure = None;
        let found = message_id::find(receipt_id, |index, key| {
            match self.ids.get(id_key(index, key)) {
                Ok(value) => value
                    .as_deref()
                    .and_then(decode_value)
                    .filter(|&(expires, _)| expires > now_ms)
                    .map(|(_, core)| core),
                Err(e) => {
                    failure.get_or_insert(e);
                    None
                }
            }
        });
        match (found, failure) {
            (Some(core), _) => Ok(Some(core)),
            (None, Some(e)) => Err(e.into()),
            (None, None) => Ok(None),
        }
    }

    /// Forgets one carrier id (see [`ReceiptMap::forget_batch`]).
    pub fn forget(&self, carrier_message_id: &str) -> Result<usize, StoreError> {
        self.forget_batch([carrier_message_id])
    }

    /// Forgets carrier ids whose final receipt the core has taken, in one write batch (no
    /// fsync), so that answered messages do not sit on disk for the whole TTL. Only the readings
    /// that point at the message the id matches are removed: the other reading of an all-digit
    /// id may belong to another message. Unknown ids are skipped. Returns how many ids were
    /// forgotten.
    pub fn forget_batch<'a>(
        &self,
        carrier_message_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<usize, StoreError> {
        let mut batch = self.db.batch();
        let mut forgotten = 0;
        for carrier_id in carrier_message_ids {
            let Some(keys) = message_id::keys(carrier_id) else {
                continue;
            };
            let mut failure = None;
            let target = message_id::find(carrier_id, |index, key| {
                match self.ids.get(id_key(index, key)) {
                    Ok(value) => value
                        .as_deref()
                        .and_then(decode_value)
                        .map(|(_, core)| core),
                    Err(e) => {
                        failure.get_or_insert(e);
                        None
                    }
                }
            });
            if let Some(e) = failure {
                return Err(e.into());
            }
            let Some(target) = target else {
                continue;
            };
            for (index, key) in keys.indexed() {
                let key = id_key(index, key);
                let Some((expires, core)) = self.ids.get(&key)?.as_deref().and_then(decode_value)
                else {
                    continue;
                };
                if core == target {
                    batch.remove(&self.expiry, expiry_key(expires, &key));
                    batch.remove(&self.ids, key);
                }
            }
            forgotten += 1;
        }
        batch.commit()?;
        Ok(forgotten)
    }

    /// Index entries held (one per reading of each carrier id kept). Walks the whole index:
    /// for tests and diagnostics, not for the message path.
    pub fn indexed_ids(&self) -> Result<usize, StoreError> {
        Ok(self.ids.len()?)
    }

    /// Deletes every mapping expired at `now` (a re-recorded id keeps its newer mapping).
    /// Returns how many index entries were removed. Run it now and then (e.g. hourly).
    pub fn purge_expired(&self, now: SystemTime) -> Result<usize, StoreError> {
        let now_ms = stored_ms(now);
        let end = now_ms.saturating_add(1).to_be_bytes();
        let mut removed = 0;
        loop {
            let mut batch = self.db.batch();
            let mut seen = 0;
            for entry in self.expiry.range(..end.as_slice()).take(PURGE_BATCH) {
                let key = entry.key()?;
                seen += 1;
                let id = key.get(8..).unwrap_or_default();
                let expired = self
                    .ids
                    .get(id)?
                    .is_some_and(|value| value_expiry(&value).is_none_or(|at| at <= now_ms));
                if expired {
                    batch.remove(&self.ids, id);
                    removed += 1;
                }
                batch.remove(&self.expiry, key);
            }
            batch.commit()?;
            if seen < PURGE_BATCH {
                return Ok(removed);
            }
        }
    }
}
