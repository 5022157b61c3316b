//! Bodies of the simulator's own admin API (`/admin/...`), shared with tests and benchmarks.

use core_api::rfc3339::format_millis;
use core_api::{
    BindMode, Concat, DeliveryReceiptPost, DeliveryStatus, DeliveryStatusUpdate, Encoding,
    FrontendRegistration, ItemKind, ReceiptInfo,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `POST /admin/enqueue`: pre-load `count` MT messages for `dest_smsc`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnqueueRequest {
    /// The bind whose queue receives them.
    pub dest_smsc: String,
    /// How many (1..=10,000,000).
    #[serde(default = "default_count")]
    pub count: u64,
    /// Body text; `{n}` is replaced by the message's index (0-based). Alias: `template`.
    #[serde(default = "default_body", alias = "template")]
    pub body: String,
    /// Encoding of every message.
    #[serde(default)]
    pub encoding: Encoding,
    /// Source address.
    #[serde(default = "default_source")]
    pub source: String,
    /// Source TON.
    #[serde(default)]
    pub source_ton: u8,
    /// Source NPI.
    #[serde(default)]
    pub source_npi: u8,
    /// First destination number (digits, optionally after `+`).
    #[serde(default = "default_destination")]
    pub destination: String,
    /// When true (the default) message n goes to `destination + n`, zero-padded to its width.
    #[serde(default = "default_true")]
    pub vary_destination: bool,
    /// Destination TON.
    #[serde(default = "default_one_u8")]
    pub dest_ton: u8,
    /// Destination NPI.
    #[serde(default = "default_one_u8")]
    pub dest_npi: u8,
    /// Priority of every message.
    #[serde(default)]
    pub priority: u8,
    /// Request receipts.
    #[serde(default)]
    pub registered_delivery: bool,
    /// Not before this time (RFC 3339).
    #[serde(default)]
    pub deliver_after: Option<String>,
    /// Expiry (RFC 3339).
    #[serde(default)]
    pub validity_period: Option<String>,
}

fn default_count() -> u64 {
    1
}
fn default_body() -> String {
    "Load test message {n}".to_owned()
}
fn default_source() -> String {
    "loadgen".to_owned()
}
fn default_destination() -> String {
    "61400000000".to_owned()
}
fn default_true() -> bool {
    true
}
fn default_one_u8() -> u8 {
    1
}

impl EnqueueRequest {
    /// `count` messages for `dest_smsc` with every other field at its default.
    pub fn new(dest_smsc: &str, count: u64) -> EnqueueRequest {
        EnqueueRequest {
            dest_smsc: dest_smsc.to_owned(),
            count,
            body: default_body(),
            encoding: Encoding::Auto,
            source: default_source(),
            source_ton: 0,
            source_npi: 0,
            destination: default_destination(),
            vary_destination: true,
            dest_ton: 1,
            dest_npi: 1,
            priority: 0,
            registered_delivery: false,
            deliver_after: None,
            validity_period: None,
        }
    }
}

/// Answer to an enqueue: the ids are `first_id..=last_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnqueueResponse {
    /// Messages created.
    pub count: u64,
    /// First id.
    pub first_id: String,
    /// Last id.
    pub last_id: String,
    /// Milliseconds the store took.
    pub elapsed_ms: u64,
}

/// Gauges of one queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct QueueCounts {
    /// Waiting (due or scheduled).
    pub pending: u64,
    /// Handed out, lease running.
    pub leased: u64,
}

/// `GET /admin/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stats {
    /// Messages created by `POST /api/messages` (single and batch), repeats excluded.
    pub inserted: u64,
    /// Messages created by `/admin/enqueue`.
    pub enqueued: u64,
    /// Idempotent repeats answered with the existing id.
    pub duplicates_suppressed: u64,
    /// Inserts refused with 400.
    pub inserts_rejected: u64,
    /// Inserted messages no route matched.
    pub unrouted: u64,
    /// Messages waiting in all queues.
    pub queued: u64,
    /// Messages leased out in all queues.
    pub leased: u64,
    /// Per `dest_smsc` gauges.
    pub queues: BTreeMap<String, QueueCounts>,
    /// Hand-outs so far.
    pub leases_granted: u64,
    /// Leases that lapsed and put their message back.
    pub leases_expired: u64,
    /// `sent` reports.
    pub sent: u64,
    /// `failed` reports.
    pub failed: u64,
    /// `throttled` reports.
    pub throttled: u64,
    /// Messages put back with a retry delay.
    pub requeued: u64,
    /// Reports received, by status.
    pub status_reports: BTreeMap<String, u64>,
    /// Messages that ended, by final state.
    pub final_states: BTreeMap<String, u64>,
    /// Messages whose validity period passed while queued.
    pub expired_in_queue: u64,
    /// `kind: receipt` items queued for partners.
    pub receipts_queued: u64,
    /// `POST /api/delivery_receipts` received.
    pub unmatched_receipts: u64,
    /// Frontends registered and not expired.
    pub frontends: u64,
}

/// One status report (or core event) in a message's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Reported status.
    pub status: DeliveryStatus,
    /// When the core received it.
    pub received_at: String,
    /// The reporter's own timestamp.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// SMPP error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    /// Permanent failure flag.
    #[serde(default)]
    pub permanent: bool,
    /// SMSC id(s).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub smsc_message_ids: Vec<String>,
    /// Part of a per-part receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// Parts of the message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<u32>,
    /// Reporting bind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_name: Option<String>,
    /// Reporting frontend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smsc_name: Option<String>,
    /// Set for events the core made itself (e.g. expiry in the queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl HistoryEntry {
    /// The history entry of a received report.
    pub(crate) fn from_update(update: &DeliveryStatusUpdate, now_ms: i64) -> HistoryEntry {
        let mut ids = update.smsc_message_ids.clone();
        if ids.is_empty() {
            ids.extend(update.smsc_message_id.iter().cloned());
        }
        HistoryEntry {
            status: update.status,
            received_at: format_millis(now_ms),
            timestamp: update.timestamp.clone(),
            error_code: update.error_code,
            permanent: update.permanent,
            smsc_message_ids: ids,
            part: update.part,
            parts: update.parts,
            bind_name: update.bind_name.clone(),
            smsc_name: update.smsc_name.clone(),
            note: None,
        }
    }

    /// An event of the core itself.
    pub(crate) fn core_note(status: DeliveryStatus, note: &str, now_ms: i64) -> HistoryEntry {
        HistoryEntry {
            status,
            received_at: format_millis(now_ms),
            timestamp: None,
            error_code: None,
            permanent: true,
            smsc_message_ids: Vec::new(),
            part: None,
            parts: None,
            bind_name: None,
            smsc_name: None,
            note: Some(note.to_owned()),
        }
    }
}

/// `GET /admin/messages/<id>`: a message, its state and its status history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageDetail {
    /// Core id.
    pub id: String,
    /// `mt` or `receipt`.
    pub kind: ItemKind,
    /// unrouted, pending, leased, sent, enroute, or the final state (delivered, failed, ...).
    pub state: String,
    /// Routed destination bind (absent when unrouted).
    pub dest_smsc: Option<String>,
    /// Source address.
    pub source_addr: String,
    /// Source TON.
    pub source_addr_ton: u8,
    /// Source NPI.
    pub source_addr_npi: u8,
    /// Destination address.
    pub destination_addr: String,
    /// Destination TON.
    pub dest_addr_ton: u8,
    /// Destination NPI.
    pub dest_addr_npi: u8,
    /// Body.
    pub message_body: String,
    /// Encoding.
    pub encoding: Encoding,
    /// Raw data_coding, if given.
    pub data_coding: Option<u8>,
    /// Raw esm_class, if given.
    pub esm_class: Option<u8>,
    /// Priority.
    pub priority: u8,
    /// Receipt requested.
    pub registered_delivery: bool,
    /// Expiry.
    pub validity_period: Option<String>,
    /// Not before.
    pub deliver_after: Option<String>,
    /// Bind it arrived on.
    pub source_smsc: Option<String>,
    /// Partner submit or carrier MO.
    pub source_mode: Option<BindMode>,
    /// Inserting frontend.
    pub smsc_name: Option<String>,
    /// Frontend's idempotency id.
    pub frontend_message_id: Option<String>,
    /// Concatenation info.
    pub concat: Option<Concat>,
    /// Part UDH.
    pub udh: Option<String>,
    /// Receipt of a `kind: receipt` item.
    pub receipt: Option<ReceiptInfo>,
    /// Hand-outs so far.
    pub delivery_attempts: u32,
    /// Lease end, while leased.
    pub lease_expires_at: Option<String>,
    /// SMSC ids from the `sent` report.
    pub smsc_message_ids: Vec<String>,
    /// Per-part receipt states (`open` until a final one arrived), for multi-part sends.
    pub part_states: Option<Vec<String>>,
    /// Insert time.
    pub created_at: String,
    /// Last state change.
    pub updated_at: String,
    /// Status reports, oldest first (at most 64 kept).
    pub history: Vec<HistoryEntry>,
    /// Reports beyond the kept 64.
    pub history_dropped: u32,
}

/// An unmatched receipt as kept by the simulator (`GET /admin/receipts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnmatchedReceipt {
    /// Id the simulator gave it (`u<n>`).
    pub id: String,
    /// When it arrived.
    pub received_at: String,
    /// The posted fields.
    pub receipt: DeliveryReceiptPost,
}

/// A registered frontend (`GET /admin/frontends`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontendView {
    /// The registration as last posted.
    pub registration: FrontendRegistration,
    /// First registration.
    pub first_seen: String,
    /// Last registration.
    pub last_seen: String,
    /// When it lapses unless renewed.
    pub expires_at: String,
    /// Registrations received.
    pub registrations: u64,
}
