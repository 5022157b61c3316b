//! Inserts: validation, routing, idempotency by `(smsc_name, frontend_message_id)`.

use super::queue::DestQueue;
use super::record::{MessageRecord, StoredMessage};
use super::{lock, Store, IDEM_SHARDS};
use core_api::rfc3339::parse_millis;
use core_api::{Encoding, InsertMessage, ItemKind};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Longest address accepted (SMPP allows 20 digits; the core is lenient).
const MAX_ADDR: usize = 64;
/// Longest body accepted (a `message_payload` carries up to 64 KiB).
const MAX_BODY: usize = 65_535;
/// Longest bind name, frontend name or frontend message id accepted.
const MAX_NAME: usize = 128;

/// Result of an accepted insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InsertOutcome {
    /// The core id.
    pub(crate) id: u64,
    /// False when an idempotent repeat returned the existing id.
    pub(crate) created: bool,
}

/// Why an insert was refused (the reason names the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsertError(pub(crate) String);

fn invalid(text: impl Into<String>) -> InsertError {
    InsertError(text.into())
}

fn is_hex(text: &str) -> bool {
    text.len().is_multiple_of(2) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn check_len(field: &str, value: &str, max: usize) -> Result<(), InsertError> {
    if value.len() > max {
        return Err(invalid(format!("{field} is longer than {max} bytes")));
    }
    Ok(())
}

fn parse_time(field: &str, value: Option<&str>) -> Result<Option<i64>, InsertError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| parse_millis(v).map_err(|e| invalid(format!("{field}: {e}"))))
        .transpose()
}

/// Checks an insert's fields beyond what the types enforce.
fn validate(msg: &InsertMessage) -> Result<(Option<i64>, Option<i64>), InsertError> {
    if msg.destination_addr.trim().is_empty() {
        return Err(invalid("destination_addr is empty"));
    }
    if msg.source_smsc.trim().is_empty() {
        return Err(invalid("source_smsc is empty"));
    }
    check_len("source_addr", &msg.source_addr, MAX_ADDR)?;
    check_len("destination_addr", &msg.destination_addr, MAX_ADDR)?;
    check_len("message_body", &msg.message_body, MAX_BODY)?;
    check_len("source_smsc", &msg.source_smsc, MAX_NAME)?;
    if let Some(name) = &msg.smsc_name {
        check_len("smsc_name", name, MAX_NAME)?;
    }
    if let Some(fid) = &msg.frontend_message_id {
        if fid.is_empty() {
            return Err(invalid("frontend_message_id is empty"));
        }
        check_len("frontend_message_id", fid, MAX_NAME)?;
    }
    match msg.encoding {
        Encoding::Unsupported => return Err(invalid("encoding: unsupported value")),
        Encoding::Binary if !is_hex(&msg.message_body) => {
            return Err(invalid("message_body must be hex when encoding is binary"))
        }
        _ => {}
    }
    if let Some(udh) = &msg.udh {
        if !is_hex(udh) || udh.len() > 2 * 256 {
            return Err(invalid("udh must be hex (at most 256 octets)"));
        }
    }
    if let Some(concat) = &msg.concat {
        if concat.total == 0 || concat.seq == 0 || concat.seq > concat.total {
            return Err(invalid(
                "concat: seq must be 1..=total and total at least 1",
            ));
        }
    }
    let validity = parse_time("validity_period", msg.validity_period.as_deref())?;
    let deliver_after = parse_time("deliver_after", msg.deliver_after.as_deref())?;
    Ok((validity, deliver_after))
}

impl Store {
    /// Stores a new record (ids are allocated here) and queues it; returns the id.
    pub(crate) fn insert_record(
        &self,
        msg: Arc<StoredMessage>,
        queue: Option<Arc<DestQueue>>,
        deliver_after_ms: Option<i64>,
        now_ms: i64,
    ) -> u64 {
        let id = self.allocate_ids(1);
        self.store_record(id, msg, queue, deliver_after_ms, now_ms);
        id
    }

    fn store_record(
        &self,
        id: u64,
        msg: Arc<StoredMessage>,
        queue: Option<Arc<DestQueue>>,
        deliver_after_ms: Option<i64>,
        now_ms: i64,
    ) {
        let priority = msg.priority;
        let record = MessageRecord::new(msg, queue.clone(), deliver_after_ms);
        let generation = record.generation;
        lock(self.shard(id)).insert(id, record);
        if let Some(queue) = queue {
            queue.push(id, generation, priority, deliver_after_ms, now_ms);
        }
    }

    /// `POST /api/messages`: validates, routes and stores one message. `frontend` is the
    /// `X-Frontend` header, used when the body has no `smsc_name`.
    pub(crate) fn insert(
        &self,
        msg: InsertMessage,
        frontend: Option<&str>,
        now_ms: i64,
    ) -> Result<InsertOutcome, InsertError> {
        let (validity_ms, deliver_after_ms) = match validate(&msg) {
            Ok(times) => times,
            Err(e) => {
                self.counters.inserts_rejected.fetch_add(1, Relaxed);
                return Err(e);
            }
        };
        let routes = self.routes();
        let dest = routes.route(&msg.source_smsc, msg.source_mode, &msg.destination_addr);
        let queue = dest.map(|d| self.queue_or_create(d));
        let smsc_name = msg
            .smsc_name
            .clone()
            .or_else(|| frontend.map(str::to_owned));
        let stored = Arc::new(StoredMessage {
            kind: ItemKind::Mt,
            source_addr: msg.source_addr.into(),
            source_ton: msg.source_addr_ton,
            source_npi: msg.source_addr_npi,
            destination_addr: msg.destination_addr.into(),
            dest_ton: msg.dest_addr_ton,
            dest_npi: msg.dest_addr_npi,
            body: Arc::from(msg.message_body),
            encoding: msg.encoding,
            data_coding: msg.data_coding,
            esm_class: msg.esm_class,
            priority: msg.priority,
            registered_delivery: msg.registered_delivery,
            validity_ms,
            source_smsc: Some(msg.source_smsc.into()),
            source_mode: Some(msg.source_mode),
            smsc_name: smsc_name.clone().map(Into::into),
            frontend_message_id: msg.frontend_message_id.clone().map(Into::into),
            concat: msg.concat,
            udh: msg.udh.map(Into::into),
            receipt: None,
            created_ms: now_ms,
        });
        let routed = queue.is_some();
        let outcome = match msg.frontend_message_id {
            Some(fid) => {
                let key: (Box<str>, Box<str>) = (smsc_name.unwrap_or_default().into(), fid.into());
                let mut hasher = DefaultHasher::new();
                key.hash(&mut hasher);
                let slot = (hasher.finish() as usize) % IDEM_SHARDS;
                // Held while the record is stored so a concurrent repeat cannot see the id
                // before the message exists.
                let mut index = lock(&self.idempotency[slot]);
                if let Some(&id) = index.get(&key) {
                    self.counters.duplicates_suppressed.fetch_add(1, Relaxed);
                    return Ok(InsertOutcome { id, created: false });
                }
                let id = self.allocate_ids(1);
                index.insert(key, id);
                self.store_record(id, stored, queue, deliver_after_ms, now_ms);
                InsertOutcome { id, created: true }
            }
            None => InsertOutcome {
                id: self.insert_record(stored, queue, deliver_after_ms, now_ms),
                created: true,
            },
        };
        self.counters.inserted.fetch_add(1, Relaxed);
        if !routed {
            self.counters.unrouted.fetch_add(1, Relaxed);
        }
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::is_hex;

    #[test]
    fn hex_check() {
        assert!(is_hex("00aF"));
        assert!(is_hex(""));
        assert!(!is_hex("0"));
        assert!(!is_hex("zz"));
    }
}
