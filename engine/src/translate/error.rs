//! Why a message could not be translated.

use crate::proto::concat::SplitError;
use crate::proto::text::hex::HexError;
use crate::proto::udh::UdhError;
use crate::proto::CommandStatus;

/// A message that cannot be translated, naming the field at fault.
///
/// Outbound (queue item -> PDU) every variant is permanent: the item is wrong and would fail
/// the same way on every attempt. Inbound (PDU -> insert) [`TranslateError::command_status`]
/// is the status to answer the PDU with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    /// The item's `encoding` is not one this version knows.
    #[error("encoding is not one of auto, gsm7, latin1, ucs2, binary")]
    UnsupportedEncoding,
    /// The item's `kind` is not one this function handles.
    #[error("queue item kind {0:?} cannot be sent this way")]
    UnsupportedKind(core_api::ItemKind),
    /// `message_body` of a binary item is not hex.
    #[error("message_body is not valid hex: {0}")]
    BodyHex(HexError),
    /// `udh` is not hex.
    #[error("udh is not valid hex: {0}")]
    UdhHex(HexError),
    /// A UDH (the item's `udh`, or the one a PDU announces with UDHI) is malformed.
    #[error("invalid udh: {0}")]
    Udh(UdhError),
    /// The body cannot be split as the bind's concatenation mode asks.
    #[error("{0}")]
    Split(SplitError),
    /// A field does not fit its SMPP limits.
    #[error("{field}: {reason}")]
    Field {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A time (`validity_period`, `schedule_delivery_time`) cannot be converted.
    #[error("{field} {value:?}: {reason}")]
    Time {
        /// The field.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A `kind: receipt` item without its `receipt` object.
    #[error("receipt item has no receipt object")]
    MissingReceipt,
    /// A receipt `stat` that is not one of the SMPP 3.4 states.
    #[error("receipt stat {0:?} is not a known state")]
    UnknownStat(String),
}

impl TranslateError {
    /// The SMPP status to answer an inbound PDU with when it could not be translated.
    ///
    /// | error | status |
    /// |---|---|
    /// | malformed UDH | `ESME_RINVESMCLASS` (0x43): UDHI promised a header that is not there |
    /// | `validity_period` | `ESME_RINVEXPIRY` (0x62) |
    /// | `schedule_delivery_time` | `ESME_RINVSCHED` (0x61) |
    /// | anything else | `ESME_RSYSERR` (0x08) |
    pub fn command_status(&self) -> CommandStatus {
        match self {
            TranslateError::Udh(_) => CommandStatus::ESME_RINVESMCLASS,
            TranslateError::Time {
                field: "schedule_delivery_time",
                ..
            } => CommandStatus::ESME_RINVSCHED,
            TranslateError::Time { .. } => CommandStatus::ESME_RINVEXPIRY,
            _ => CommandStatus::ESME_RSYSERR,
        }
    }

    pub(crate) fn field(field: &'static str, reason: impl ToString) -> TranslateError {
        TranslateError::Field {
            field,
            reason: reason.to_string(),
        }
    }
}
