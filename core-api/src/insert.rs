//! Inserts (`POST /api/messages`, batch form), unmatched receipts and error bodies.

use crate::queue::Encoding;
use crate::registry::BindMode;
use serde::{Deserialize, Serialize};

/// Concatenation info of one part of a long message that arrived over SMPP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Concat {
    /// Reference number shared by all parts (8- or 16-bit).
    #[serde(rename = "ref")]
    pub reference: u16,
    /// Total number of parts.
    pub total: u8,
    /// This part's sequence number (1-based).
    pub seq: u8,
}

/// `POST /api/messages` body: a message that arrived over SMPP (partner submit or carrier MO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsertMessage {
    /// Originator address.
    pub source_addr: String,
    /// Originator type of number.
    #[serde(default)]
    pub source_addr_ton: u8,
    /// Originator numbering plan.
    #[serde(default)]
    pub source_addr_npi: u8,
    /// Recipient address.
    pub destination_addr: String,
    /// Recipient type of number.
    #[serde(default)]
    pub dest_addr_ton: u8,
    /// Recipient numbering plan.
    #[serde(default)]
    pub dest_addr_npi: u8,
    /// Decoded text (hex when `encoding` is `binary`).
    pub message_body: String,
    /// Encoding the message arrived in.
    #[serde(default)]
    pub encoding: Encoding,
    /// The raw SMPP data_coding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_coding: Option<u8>,
    /// The raw SMPP esm_class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub esm_class: Option<u8>,
    /// Whether the sender asked for a delivery receipt.
    #[serde(default)]
    pub registered_delivery: bool,
    /// SMPP priority_flag.
    #[serde(default)]
    pub priority: u8,
    /// Expiry (RFC 3339), if the sender gave one.
    #[serde(default)]
    pub validity_period: Option<String>,
    /// Extension: scheduled delivery time (RFC 3339), from `schedule_delivery_time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deliver_after: Option<String>,
    /// The bind the message arrived on.
    pub source_smsc: String,
    /// `server` (partner submit_sm) or `client` (carrier MO via deliver_sm).
    pub source_mode: BindMode,
    /// The inserting frontend (falls back to the `X-Frontend` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smsc_name: Option<String>,
    /// Locally generated id when the message went through the frontend's cache; a repeat from
    /// the same `smsc_name` is the same message (idempotent insert).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontend_message_id: Option<String>,
    /// Set when this is one part of a concatenated message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concat: Option<Concat>,
    /// The part's UDH (hex), with `concat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udh: Option<String>,
}

/// Answer to an insert: `201 {"id":"184468"}` (200 when an idempotent repeat returned the
/// existing id). Also the answer of `POST /api/delivery_receipts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsertResponse {
    /// The core id of the message.
    #[serde(deserialize_with = "crate::de::string_or_number")]
    pub id: String,
}

/// One element of the `POST /api/messages/batch` answer, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInsertResult {
    /// HTTP-like outcome of this element: 201 inserted, 200 idempotent repeat, 400 bad element.
    pub status: u16,
    /// The core id when inserted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Reason when the element was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /api/delivery_receipts` body: a receipt the gateway could not match, raw fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReceiptPost {
    /// The carrier's message id as received (`id:` or `receipted_message_id`).
    pub smsc_message_id: String,
    /// Receipt `stat` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat: Option<String>,
    /// Receipt `err` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err: Option<String>,
    /// Receipt `submit date` text, as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_date: Option<String>,
    /// Receipt `done date` text, as received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_date: Option<String>,
    /// Receipt `sub` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Receipt `dlvrd` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dlvrd: Option<String>,
    /// Receipt `text` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The `message_state` TLV, if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_state: Option<u8>,
    /// The `network_error_code` TLV (hex), if present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_error_code: Option<String>,
    /// The deliver_sm's source_addr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_addr: Option<String>,
    /// The deliver_sm's destination_addr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_addr: Option<String>,
    /// The bind the receipt arrived on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_name: Option<String>,
    /// The reporting frontend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smsc_name: Option<String>,
    /// When the receipt arrived (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// Body of every 4xx/5xx answer of the core: `{"error":"<reason>"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Human-readable reason, naming the field when a field is at fault.
    pub error: String,
}
