//! `POST /admin/enqueue`: pre-loads many MT messages in one go (ids in one block, one lock per
//! shard, one heap extension).

use super::queue::Ready;
use super::record::{MessageRecord, StoredMessage};
use super::{lock, Store, SHARDS};
use crate::core_sim::admin_types::EnqueueRequest;
use core_api::rfc3339::parse_millis;
use core_api::{Encoding, ItemKind};
use std::cmp::Reverse;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

/// Most messages one enqueue call may create.
pub(crate) const MAX_ENQUEUE: u64 = 10_000_000;

/// Why an enqueue request was refused (names the field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnqueueError(pub(crate) String);

/// Generates the destination numbers: a fixed address, or a zero-padded counter from a base.
enum Destinations {
    Fixed(Arc<str>),
    Counter {
        prefix: String,
        start: u128,
        width: usize,
    },
}

impl Destinations {
    fn new(base: &str, vary: bool) -> Result<Destinations, EnqueueError> {
        if base.is_empty() || base.len() > 32 {
            return Err(EnqueueError(
                "destination must be 1 to 32 characters".into(),
            ));
        }
        if !vary {
            return Ok(Destinations::Fixed(base.into()));
        }
        let (prefix, digits) = match base.strip_prefix('+') {
            Some(rest) => ("+", rest),
            None => ("", base),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(EnqueueError(
                "destination must be digits (optionally after '+') when vary_destination is set"
                    .into(),
            ));
        }
        let start = digits
            .parse::<u128>()
            .map_err(|_| EnqueueError("destination is too long".into()))?;
        Ok(Destinations::Counter {
            prefix: prefix.to_owned(),
            start,
            width: digits.len(),
        })
    }

    fn nth(&self, n: u64) -> Arc<str> {
        match self {
            Destinations::Fixed(fixed) => fixed.clone(),
            Destinations::Counter {
                prefix,
                start,
                width,
            } => format!("{prefix}{:0width$}", start + u128::from(n)).into(),
        }
    }
}

impl Store {
    /// Creates `count` pending MT messages for `dest_smsc`; returns the first id.
    pub(crate) fn enqueue(&self, req: &EnqueueRequest, now_ms: i64) -> Result<u64, EnqueueError> {
        if req.dest_smsc.is_empty() {
            return Err(EnqueueError("dest_smsc is empty".into()));
        }
        if req.count == 0 || req.count > MAX_ENQUEUE {
            return Err(EnqueueError(format!("count must be 1..={MAX_ENQUEUE}")));
        }
        if req.encoding == Encoding::Unsupported {
            return Err(EnqueueError("encoding: unsupported value".into()));
        }
        let destinations = Destinations::new(&req.destination, req.vary_destination)?;
        let time = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| parse_millis(v).map_err(|e| EnqueueError(format!("{field}: {e}"))))
                .transpose()
        };
        let deliver_after_ms = time("deliver_after", &req.deliver_after)?;
        let validity_ms = time("validity_period", &req.validity_period)?;
        let scheduled = deliver_after_ms.is_some_and(|due| due > now_ms);

        let queue = self.queue_or_create(&req.dest_smsc);
        let first = self.allocate_ids(req.count);
        let templated = req.body.contains("{n}");
        let shared_body: Arc<str> = Arc::from(req.body.as_str());
        let source: Arc<str> = req.source.as_str().into();
        let per_shard_capacity = usize::try_from(req.count).unwrap_or(0) / SHARDS + 1;
        let mut per_shard: Vec<Vec<(u64, MessageRecord)>> = (0..SHARDS)
            .map(|_| Vec::with_capacity(per_shard_capacity))
            .collect();
        let mut keys = Vec::with_capacity(usize::try_from(req.count).unwrap_or(0));
        for n in 0..req.count {
            let id = first + n;
            let body = if templated {
                Arc::from(req.body.replace("{n}", &n.to_string()))
            } else {
                shared_body.clone()
            };
            let msg = StoredMessage {
                kind: ItemKind::Mt,
                source_addr: source.clone(),
                source_ton: req.source_ton,
                source_npi: req.source_npi,
                destination_addr: destinations.nth(n),
                dest_ton: req.dest_ton,
                dest_npi: req.dest_npi,
                body,
                encoding: req.encoding,
                data_coding: None,
                esm_class: None,
                priority: req.priority,
                registered_delivery: req.registered_delivery,
                validity_ms,
                source_smsc: None,
                source_mode: None,
                smsc_name: None,
                frontend_message_id: None,
                concat: None,
                udh: None,
                receipt: None,
                created_ms: now_ms,
            };
            let record = MessageRecord::new(Arc::new(msg), Some(queue.clone()), deliver_after_ms);
            keys.push((id, record.generation));
            if let Some(bucket) = per_shard.get_mut((id as usize) & (SHARDS - 1)) {
                bucket.push((id, record));
            }
        }
        for (index, bucket) in per_shard.into_iter().enumerate() {
            if let Some(shard) = self.shards.get(index) {
                lock(shard).extend(bucket);
            }
        }
        {
            let mut heaps = lock(&queue.heaps);
            match deliver_after_ms {
                Some(due) if scheduled => heaps.scheduled.extend(
                    keys.into_iter()
                        .map(|(id, generation)| Reverse((due, id, generation))),
                ),
                _ => heaps
                    .ready
                    .extend(keys.into_iter().map(|(id, generation)| Ready {
                        priority: req.priority,
                        id,
                        generation,
                    })),
            }
        }
        self.counters.enqueued.fetch_add(req.count, Relaxed);
        Ok(first)
    }
}
