//! Read-only view of pending messages (`GET /api/messages?status=pending`), an extension the
//! gateway's Queue page reads.

use crate::queue::{Encoding, ItemKind};
use serde::{Deserialize, Serialize};

/// Where a pending message stands in its queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueuedState {
    /// Waiting to be handed out (possibly not before `deliver_after`).
    Pending,
    /// Handed out; the lease has not lapsed and no status came back yet.
    Leased,
}

/// One message of the pending view; listing does not lease it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedMessageView {
    /// Core message id.
    #[serde(deserialize_with = "crate::de::string_or_number")]
    pub id: String,
    /// `mt` or `receipt`.
    #[serde(default)]
    pub kind: ItemKind,
    /// Pending or leased.
    pub state: QueuedState,
    /// The bind that must send it.
    #[serde(default)]
    pub dest_smsc: String,
    /// Originator address.
    #[serde(default)]
    pub source_addr: String,
    /// Recipient address.
    #[serde(default)]
    pub destination_addr: String,
    /// Text (hex for binary).
    #[serde(default)]
    pub message_body: String,
    /// Encoding.
    #[serde(default)]
    pub encoding: Encoding,
    /// Priority (higher first).
    #[serde(default)]
    pub priority: u8,
    /// Not before this time (RFC 3339), if scheduled or being retried.
    #[serde(default)]
    pub deliver_after: Option<String>,
    /// Times handed out so far.
    #[serde(default)]
    pub delivery_attempts: u32,
    /// When the message was inserted (RFC 3339).
    #[serde(default)]
    pub created_at: String,
    /// When the current lease lapses (RFC 3339), for leased messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<String>,
}
