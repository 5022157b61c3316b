//! Items of the MT queue (`GET /api/message_queue`).

use serde::{Deserialize, Serialize};

/// How `message_body` is to be encoded on the SMPP side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// GSM-7 when every character fits, else UCS-2.
    #[default]
    Auto,
    /// GSM 03.38 default alphabet (with the extension table).
    Gsm7,
    /// ISO-8859-1.
    Latin1,
    /// UCS-2 (UTF-16BE, surrogate pairs allowed).
    Ucs2,
    /// Raw octets: `message_body` is hex.
    Binary,
    /// A value this version does not know; the item cannot be encoded (report it failed).
    #[serde(other)]
    Unsupported,
}

impl Encoding {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Gsm7 => "gsm7",
            Encoding::Latin1 => "latin1",
            Encoding::Ucs2 => "ucs2",
            Encoding::Binary => "binary",
            Encoding::Unsupported => "unsupported",
        }
    }
}

/// What a queue item asks the gateway to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// A message to send (`submit_sm` on a client bind, `deliver_sm` on a server bind).
    #[default]
    Mt,
    /// A delivery receipt for a server-bind partner (`deliver_sm` with esm_class 0x04).
    Receipt,
    /// A kind this version does not know (report it failed, permanent).
    #[serde(other)]
    Unsupported,
}

/// The receipt a `kind: receipt` item carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptInfo {
    /// The id the partner was given for its original message (`receipted_message_id`).
    #[serde(deserialize_with = "crate::de::string_or_number")]
    pub message_id: String,
    /// Receipt `stat` text: DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE.
    pub stat: String,
    /// Receipt `err` text, three digits.
    #[serde(default = "default_err")]
    pub err: String,
    /// When the original message was submitted (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_date: Option<String>,
    /// When the final state was reached (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_date: Option<String>,
    /// Extension: the core's own id of the original message (equals `message_id` unless the
    /// partner was given a frontend-generated id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_message_id: Option<String>,
}

fn default_err() -> String {
    "000".to_owned()
}

/// One item of `GET /api/message_queue`; handing it out leases it to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    /// Core message id (also accepted as a JSON number).
    #[serde(deserialize_with = "crate::de::string_or_number")]
    pub id: String,
    /// `mt` or `receipt`.
    #[serde(default)]
    pub kind: ItemKind,
    /// Originator address.
    #[serde(default)]
    pub source_addr: String,
    /// Originator type of number.
    #[serde(default)]
    pub source_addr_ton: u8,
    /// Originator numbering plan.
    #[serde(default)]
    pub source_addr_npi: u8,
    /// Recipient address.
    #[serde(default)]
    pub destination_addr: String,
    /// Recipient type of number.
    #[serde(default)]
    pub dest_addr_ton: u8,
    /// Recipient numbering plan.
    #[serde(default)]
    pub dest_addr_npi: u8,
    /// Text (or hex when `encoding` is `binary`).
    #[serde(default)]
    pub message_body: String,
    /// Encoding to use.
    #[serde(default)]
    pub encoding: Encoding,
    /// SMPP priority_flag; higher is more urgent.
    #[serde(default)]
    pub priority: u8,
    /// Whether a delivery receipt is requested.
    #[serde(default)]
    pub registered_delivery: bool,
    /// Expiry of the message (RFC 3339), if any.
    #[serde(default)]
    pub validity_period: Option<String>,
    /// Not to be sent before this time (RFC 3339); the queue never hands out a future one.
    #[serde(default)]
    pub deliver_after: Option<String>,
    /// The bind that must send it.
    #[serde(default)]
    pub dest_smsc: String,
    /// Times this message was handed out before this lease (0 the first time).
    #[serde(default)]
    pub delivery_attempts: u32,
    /// Hex UDH: the item is one part of a concatenated message; send unsplit with UDHI set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udh: Option<String>,
    /// The receipt of a `kind: receipt` item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<ReceiptInfo>,
}
