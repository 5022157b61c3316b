//! One stored message: its immutable content, its state and its status history.

use super::queue::DestQueue;
use crate::core_sim::admin_types::{HistoryEntry, MessageDetail};
use core_api::rfc3339::format_millis;
use core_api::{BindMode, Concat, DeliveryStatus, Encoding, ItemKind, QueueItem, ReceiptInfo};
use std::sync::Arc;

/// Status history entries kept per message (later ones are counted, not kept).
const MAX_HISTORY: usize = 64;

/// What a message is, fixed at insert; shared by `Arc` so a poll can copy it out cheaply.
#[derive(Debug)]
pub(crate) struct StoredMessage {
    pub(crate) kind: ItemKind,
    pub(crate) source_addr: Arc<str>,
    pub(crate) source_ton: u8,
    pub(crate) source_npi: u8,
    pub(crate) destination_addr: Arc<str>,
    pub(crate) dest_ton: u8,
    pub(crate) dest_npi: u8,
    pub(crate) body: Arc<str>,
    pub(crate) encoding: Encoding,
    pub(crate) data_coding: Option<u8>,
    pub(crate) esm_class: Option<u8>,
    pub(crate) priority: u8,
    pub(crate) registered_delivery: bool,
    pub(crate) validity_ms: Option<i64>,
    pub(crate) source_smsc: Option<Box<str>>,
    pub(crate) source_mode: Option<BindMode>,
    pub(crate) smsc_name: Option<Box<str>>,
    pub(crate) frontend_message_id: Option<Box<str>>,
    pub(crate) concat: Option<Concat>,
    pub(crate) udh: Option<Box<str>>,
    pub(crate) receipt: Option<Box<ReceiptInfo>>,
    pub(crate) created_ms: i64,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MsgState {
    /// No route matched; kept for inspection, never handed out.
    Unrouted,
    /// In its queue, waiting (possibly for `deliver_after`).
    Pending,
    /// Handed out; comes back when the lease lapses.
    Leased,
    /// Accepted by the SMSC; awaiting its receipt.
    Sent,
    /// An intermediate receipt (ENROUTE) arrived.
    Enroute,
    /// Ended: a final receipt state, or `failed` (permanent).
    Final(DeliveryStatus),
}

impl MsgState {
    /// The spelling used by the admin views.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MsgState::Unrouted => "unrouted",
            MsgState::Pending => "pending",
            MsgState::Leased => "leased",
            MsgState::Sent => "sent",
            MsgState::Enroute => "enroute",
            MsgState::Final(status) => status.as_str(),
        }
    }

    /// True once the message has ended.
    pub(crate) fn is_final(self) -> bool {
        matches!(self, MsgState::Final(_))
    }
}

/// Per-part receipt states of a message sent as several SMS.
#[derive(Debug, Clone)]
pub(crate) struct PartTracker {
    pub(crate) states: Vec<Option<DeliveryStatus>>,
}

impl PartTracker {
    /// Severity used to combine part outcomes: the worst part decides.
    fn severity(status: DeliveryStatus) -> u8 {
        match status {
            DeliveryStatus::Delivered => 0,
            DeliveryStatus::Accepted => 1,
            DeliveryStatus::Unknown => 2,
            DeliveryStatus::Deleted => 3,
            DeliveryStatus::Expired => 4,
            DeliveryStatus::Undeliverable => 5,
            DeliveryStatus::Rejected => 6,
            _ => 7,
        }
    }

    /// The combined final state once every part has a final receipt state.
    pub(crate) fn outcome(&self) -> Option<DeliveryStatus> {
        let mut worst: Option<DeliveryStatus> = None;
        for state in &self.states {
            let state = (*state)?;
            if worst.is_none_or(|w| Self::severity(state) > Self::severity(w)) {
                worst = Some(state);
            }
        }
        worst
    }
}

/// What status reports left on a message; boxed apart because most records of a large
/// pre-loaded queue never get any.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    pub(crate) smsc_message_ids: Vec<String>,
    pub(crate) parts: Option<PartTracker>,
    pub(crate) history: Vec<HistoryEntry>,
    pub(crate) history_dropped: u32,
}

/// A message in the store.
#[derive(Debug)]
pub(crate) struct MessageRecord {
    pub(crate) msg: Arc<StoredMessage>,
    /// The queue of its `dest_smsc`; `None` when unrouted.
    pub(crate) queue: Option<Arc<DestQueue>>,
    pub(crate) state: MsgState,
    /// Bumped on every state change; heap entries carry the generation they were made for.
    pub(crate) generation: u32,
    /// Hand-outs so far.
    pub(crate) attempts: u32,
    pub(crate) deliver_after_ms: Option<i64>,
    pub(crate) lease_until_ms: i64,
    pub(crate) reports: Option<Box<Reports>>,
    pub(crate) updated_ms: i64,
}

impl MessageRecord {
    /// A fresh record, `Pending` in `queue` or `Unrouted` without one.
    pub(crate) fn new(
        msg: Arc<StoredMessage>,
        queue: Option<Arc<DestQueue>>,
        deliver_after_ms: Option<i64>,
    ) -> MessageRecord {
        let state = match &queue {
            Some(queue) => {
                queue.adjust(MsgState::Pending, 1);
                MsgState::Pending
            }
            None => MsgState::Unrouted,
        };
        MessageRecord {
            updated_ms: msg.created_ms,
            msg,
            queue,
            state,
            generation: 0,
            attempts: 0,
            deliver_after_ms,
            lease_until_ms: 0,
            reports: None,
        }
    }

    /// Moves to `next`, keeping the queue gauges right, and returns the new generation.
    pub(crate) fn set_state(&mut self, next: MsgState, now_ms: i64) -> u32 {
        if let Some(queue) = &self.queue {
            queue.adjust(self.state, -1);
            queue.adjust(next, 1);
        }
        self.state = next;
        self.generation = self.generation.wrapping_add(1);
        self.updated_ms = now_ms;
        self.generation
    }

    /// The report data, created on first use.
    pub(crate) fn reports_mut(&mut self) -> &mut Reports {
        self.reports.get_or_insert_with(Default::default)
    }

    /// The per-part tracker of a multi-part send, if any.
    pub(crate) fn parts(&self) -> Option<&PartTracker> {
        self.reports.as_ref().and_then(|r| r.parts.as_ref())
    }

    /// Appends to the status history (bounded).
    pub(crate) fn record_history(&mut self, entry: HistoryEntry) {
        let reports = self.reports_mut();
        if reports.history.len() < MAX_HISTORY {
            reports.history.push(entry);
        } else {
            reports.history_dropped = reports.history_dropped.saturating_add(1);
        }
    }

    /// The `dest_smsc` name (empty when unrouted).
    pub(crate) fn dest_smsc(&self) -> &str {
        self.queue.as_ref().map_or("", |q| q.name())
    }

    /// The admin view of this record.
    pub(crate) fn detail(&self, id: u64) -> MessageDetail {
        let msg = &self.msg;
        MessageDetail {
            id: id.to_string(),
            kind: msg.kind,
            state: self.state.as_str().to_owned(),
            dest_smsc: self.queue.as_ref().map(|q| q.name().to_owned()),
            source_addr: msg.source_addr.to_string(),
            source_addr_ton: msg.source_ton,
            source_addr_npi: msg.source_npi,
            destination_addr: msg.destination_addr.to_string(),
            dest_addr_ton: msg.dest_ton,
            dest_addr_npi: msg.dest_npi,
            message_body: msg.body.to_string(),
            encoding: msg.encoding,
            data_coding: msg.data_coding,
            esm_class: msg.esm_class,
            priority: msg.priority,
            registered_delivery: msg.registered_delivery,
            validity_period: msg.validity_ms.map(format_millis),
            deliver_after: self.deliver_after_ms.map(format_millis),
            source_smsc: msg.source_smsc.as_deref().map(str::to_owned),
            source_mode: msg.source_mode,
            smsc_name: msg.smsc_name.as_deref().map(str::to_owned),
            frontend_message_id: msg.frontend_message_id.as_deref().map(str::to_owned),
            concat: msg.concat,
            udh: msg.udh.as_deref().map(str::to_owned),
            receipt: msg.receipt.as_deref().cloned(),
            delivery_attempts: self.attempts,
            lease_expires_at: (self.state == MsgState::Leased)
                .then(|| format_millis(self.lease_until_ms)),
            smsc_message_ids: self
                .reports
                .as_ref()
                .map(|r| r.smsc_message_ids.clone())
                .unwrap_or_default(),
            part_states: self.parts().map(|p| {
                p.states
                    .iter()
                    .map(|s| s.map_or("open", |s| s.as_str()).to_owned())
                    .collect()
            }),
            created_at: format_millis(msg.created_ms),
            updated_at: format_millis(self.updated_ms),
            history: self
                .reports
                .as_ref()
                .map(|r| r.history.clone())
                .unwrap_or_default(),
            history_dropped: self.reports.as_ref().map_or(0, |r| r.history_dropped),
        }
    }
}

/// Builds the wire item of a message being handed out (outside any lock).
pub(crate) fn queue_item(
    id: u64,
    msg: &StoredMessage,
    dest_smsc: &str,
    attempts_before: u32,
    deliver_after_ms: Option<i64>,
) -> QueueItem {
    QueueItem {
        id: id.to_string(),
        kind: msg.kind,
        source_addr: msg.source_addr.to_string(),
        source_addr_ton: msg.source_ton,
        source_addr_npi: msg.source_npi,
        destination_addr: msg.destination_addr.to_string(),
        dest_addr_ton: msg.dest_ton,
        dest_addr_npi: msg.dest_npi,
        message_body: msg.body.to_string(),
        encoding: msg.encoding,
        priority: msg.priority,
        registered_delivery: msg.registered_delivery,
        validity_period: msg.validity_ms.map(format_millis),
        deliver_after: deliver_after_ms.map(format_millis),
        dest_smsc: dest_smsc.to_owned(),
        delivery_attempts: attempts_before,
        udh: msg.udh.as_deref().map(str::to_owned),
        receipt: msg.receipt.as_deref().cloned(),
    }
}
