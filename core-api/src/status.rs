//! Delivery status reports (`PUT /api/messages/<id>/delivery_status` and its batch form).

use serde::{Deserialize, Serialize};

/// Outcome of a send or a delivery receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// The SMSC accepted the submit (`submit_sm_resp` OK); a receipt may follow.
    Sent,
    /// Receipt: delivered to the handset.
    Delivered,
    /// Receipt: validity period expired.
    Expired,
    /// Receipt: deleted.
    Deleted,
    /// Receipt: undeliverable.
    Undeliverable,
    /// Receipt: rejected.
    Rejected,
    /// Receipt: state unknown.
    Unknown,
    /// Receipt: still en route (intermediate).
    Enroute,
    /// Receipt: accepted (read on behalf of the subscriber).
    Accepted,
    /// The submit failed (error status or no response); see `permanent`.
    Failed,
    /// The SMSC throttled the submit (0x58 / 0x14): temporary, the core reschedules.
    Throttled,
}

/// Every status, for tables indexed by [`DeliveryStatus::index`].
const ALL: [DeliveryStatus; 11] = [
    DeliveryStatus::Sent,
    DeliveryStatus::Delivered,
    DeliveryStatus::Expired,
    DeliveryStatus::Deleted,
    DeliveryStatus::Undeliverable,
    DeliveryStatus::Rejected,
    DeliveryStatus::Unknown,
    DeliveryStatus::Enroute,
    DeliveryStatus::Accepted,
    DeliveryStatus::Failed,
    DeliveryStatus::Throttled,
];

impl DeliveryStatus {
    /// Every status in declaration order.
    pub const ALL: [DeliveryStatus; 11] = ALL;

    /// Position in [`DeliveryStatus::ALL`] (for counters).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Expired => "expired",
            DeliveryStatus::Deleted => "deleted",
            DeliveryStatus::Undeliverable => "undeliverable",
            DeliveryStatus::Rejected => "rejected",
            DeliveryStatus::Unknown => "unknown",
            DeliveryStatus::Enroute => "enroute",
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Throttled => "throttled",
        }
    }

    /// True for the states a delivery receipt can carry.
    pub fn is_receipt_state(self) -> bool {
        !matches!(
            self,
            DeliveryStatus::Sent | DeliveryStatus::Failed | DeliveryStatus::Throttled
        )
    }

    /// True for receipt states that end a message (every receipt state but `enroute`, as in
    /// SMPP 3.4 section 5.2.28 where only ENROUTE is not final).
    pub fn is_final_receipt_state(self) -> bool {
        self.is_receipt_state() && self != DeliveryStatus::Enroute
    }

    /// The receipt `stat` text (SMPP 3.4 Appendix B), for receipt states.
    pub fn receipt_stat(self) -> Option<&'static str> {
        Some(match self {
            DeliveryStatus::Delivered => "DELIVRD",
            DeliveryStatus::Expired => "EXPIRED",
            DeliveryStatus::Deleted => "DELETED",
            DeliveryStatus::Undeliverable => "UNDELIV",
            DeliveryStatus::Accepted => "ACCEPTD",
            DeliveryStatus::Unknown => "UNKNOWN",
            DeliveryStatus::Rejected => "REJECTD",
            DeliveryStatus::Enroute => "ENROUTE",
            _ => return None,
        })
    }

    /// Parses a receipt `stat` text (case-insensitive).
    pub fn from_receipt_stat(stat: &str) -> Option<DeliveryStatus> {
        let stat = stat.trim();
        ALL.into_iter().find(|s| {
            s.receipt_stat()
                .is_some_and(|text| text.eq_ignore_ascii_case(stat))
        })
    }

    /// The SMPP `message_state` value (SMPP 3.4 section 5.2.28) of a receipt state.
    pub fn message_state(self) -> Option<u8> {
        Some(match self {
            DeliveryStatus::Enroute => 1,
            DeliveryStatus::Delivered => 2,
            DeliveryStatus::Expired => 3,
            DeliveryStatus::Deleted => 4,
            DeliveryStatus::Undeliverable => 5,
            DeliveryStatus::Accepted => 6,
            DeliveryStatus::Unknown => 7,
            DeliveryStatus::Rejected => 8,
            _ => return None,
        })
    }

    /// The receipt state of an SMPP `message_state` value.
    pub fn from_message_state(state: u8) -> Option<DeliveryStatus> {
        ALL.into_iter().find(|s| s.message_state() == Some(state))
    }
}

/// `PUT /api/messages/<id>/delivery_status` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStatusUpdate {
    /// The outcome.
    pub status: DeliveryStatus,
    /// The SMSC's message id (single part).
    #[serde(default)]
    pub smsc_message_id: Option<String>,
    /// Every part's SMSC message id, in part order (multi-part sends).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub smsc_message_ids: Vec<String>,
    /// SMPP command_status of a failed submit, or the receipt's `err` (number or numeric string
    /// on read).
    #[serde(default, deserialize_with = "crate::de::opt_error_code")]
    pub error_code: Option<u32>,
    /// True when the failure must not be retried.
    #[serde(default)]
    pub permanent: bool,
    /// The bind that sent the message / received the receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_name: Option<String>,
    /// The reporting frontend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smsc_name: Option<String>,
    /// Number of SMS parts the message was sent as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<u32>,
    /// For a per-part receipt: which part (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<u32>,
    /// When the outcome happened (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl DeliveryStatusUpdate {
    /// An update with only `status` set.
    pub fn new(status: DeliveryStatus) -> DeliveryStatusUpdate {
        DeliveryStatusUpdate {
            status,
            smsc_message_id: None,
            smsc_message_ids: Vec::new(),
            error_code: None,
            permanent: false,
            bind_name: None,
            smsc_name: None,
            parts: None,
            part: None,
            timestamp: None,
        }
    }
}

/// One element of `PUT /api/delivery_status/batch`: the message id plus the update's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStatusUpdate {
    /// Core message id.
    #[serde(deserialize_with = "crate::de::string_or_number")]
    pub id: String,
    /// The update, flattened beside `id`.
    #[serde(flatten)]
    pub update: DeliveryStatusUpdate,
}

/// One element of the batch status answer, in request order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchStatusResult {
    /// The id of the request element (empty when it had none).
    #[serde(default)]
    pub id: String,
    /// HTTP-like outcome of this element: 200 applied, 400 bad element, 404 unknown id.
    pub status: u16,
    /// Reason when `status` is not 200.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
