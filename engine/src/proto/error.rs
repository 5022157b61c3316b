//! Codec errors, kept apart the way h2 does it: a bad PDU (answer it and read on), a broken
//! stream (answer if possible, then close) and caller misuse when building a PDU.

use thiserror::Error;

use super::command::CommandId;
use super::pdu::{Body, Pdu};
use super::status::CommandStatus;
use super::tlv::TlvTag;

/// What was wrong with a received PDU, with enough of its header to answer it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} (command {command}, sequence {sequence})",
    command = OptDisplay(self.command_id.map(|id| id.to_string())),
    sequence = OptDisplay(self.sequence_number.map(|seq| seq.to_string())))]
pub struct DecodeError {
    kind: DecodeErrorKind,
    command_id: Option<CommandId>,
    sequence_number: Option<u32>,
}

struct OptDisplay(Option<String>);

impl std::fmt::Display for OptDisplay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.as_deref().unwrap_or("unknown"))
    }
}

/// The specific decoding problem.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// command_length below 16 or above the configured maximum: the stream cannot be
    /// resynchronised.
    #[error("command_length {command_length} outside 16..={max}")]
    InvalidCommandLength {
        /// The length the header claimed.
        command_length: u32,
        /// The decoder's maximum.
        max: u32,
    },
    /// A command_id SMPP 3.4 does not define.
    #[error("unknown command_id")]
    UnknownCommandId,
    /// The body ended inside a mandatory field.
    #[error("body ends inside {field}")]
    UnexpectedEnd {
        /// The field that was cut.
        field: &'static str,
    },
    /// A C-Octet String longer than its spec maximum (NUL included).
    #[error("{field} longer than {max} octets")]
    StringTooLong {
        /// The field.
        field: &'static str,
        /// The maximum including the NUL.
        max: usize,
    },
    /// A C-Octet String with no NUL before the end of the body.
    #[error("{field} is not NUL-terminated")]
    Unterminated {
        /// The field.
        field: &'static str,
    },
    /// An SMPP time that is neither empty nor `YYMMDDhhmmsstnnp`.
    #[error("{field} is not an SMPP time")]
    InvalidTime {
        /// The field.
        field: &'static str,
    },
    /// sm_length above 254.
    #[error("sm_length {sm_length} above 254")]
    ShortMessageTooLong {
        /// The sm_length octet.
        sm_length: u8,
    },
    /// Octets after the last field of a PDU that carries no TLVs.
    #[error("{len} unexpected octets after the body")]
    TrailingBytes {
        /// How many.
        len: usize,
    },
    /// The TLV part does not split into whole tag-length-value triples.
    #[error("malformed TLV stream")]
    InvalidTlvStream,
    /// A standard TLV with a length its definition does not allow.
    #[error("TLV {tag} has invalid length {len}")]
    InvalidTlvLength {
        /// The TLV.
        tag: TlvTag,
        /// The length found.
        len: u16,
    },
    /// A submit_multi dest_flag other than 1 (SME address) or 2 (distribution list).
    #[error("invalid dest_flag {0}")]
    InvalidDestFlag(u8),
    /// number_of_dests of 0 or above 254.
    #[error("invalid number_of_dests {0}")]
    InvalidNumberOfDests(u8),
}

impl DecodeError {
    pub(crate) fn new(
        kind: DecodeErrorKind,
        command_id: Option<CommandId>,
        sequence_number: Option<u32>,
    ) -> Self {
        Self {
            kind,
            command_id,
            sequence_number,
        }
    }

    /// The specific problem.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.kind
    }

    /// The PDU's command_id, when the header was readable.
    pub fn command_id(&self) -> Option<CommandId> {
        self.command_id
    }

    /// The PDU's sequence_number, when the header was readable.
    pub fn sequence_number(&self) -> Option<u32> {
        self.sequence_number
    }

    /// True when the byte stream is lost (bad command_length): reply, then close.
    pub fn is_fatal(&self) -> bool {
        matches!(self.kind, DecodeErrorKind::InvalidCommandLength { .. })
    }

    /// The SMPP status that describes this error on the wire.
    pub fn command_status(&self) -> CommandStatus {
        match &self.kind {
            DecodeErrorKind::InvalidCommandLength { .. }
            | DecodeErrorKind::UnexpectedEnd { .. }
            | DecodeErrorKind::TrailingBytes { .. } => CommandStatus::ESME_RINVCMDLEN,
            DecodeErrorKind::UnknownCommandId => CommandStatus::ESME_RINVCMDID,
            DecodeErrorKind::StringTooLong { field, .. }
            | DecodeErrorKind::Unterminated { field }
            | DecodeErrorKind::InvalidTime { field } => field_status(field),
            DecodeErrorKind::ShortMessageTooLong { .. } => CommandStatus::ESME_RINVMSGLEN,
            DecodeErrorKind::InvalidTlvStream => CommandStatus::ESME_RINVOPTPARSTREAM,
            DecodeErrorKind::InvalidTlvLength { .. } => CommandStatus::ESME_RINVPARLEN,
            DecodeErrorKind::InvalidDestFlag(_) => CommandStatus::ESME_RINVDESTFLAG,
            DecodeErrorKind::InvalidNumberOfDests(_) => CommandStatus::ESME_RINVNUMDESTS,
        }
    }

    /// The PDU to send back: generic_nack for a bad header (bad length, unknown request id),
    /// the request's own `*_resp` with [`Self::command_status`] for a bad body, and `None` for
    /// a bad response or a request that has no response (log and drop those; for a bad
    /// response, [`Self::sequence_number`] still identifies the request it answered).
    /// Responses with an error status never get here: their body is not needed, so a
    /// malformed one decodes as empty.
    pub fn reply(&self) -> Option<Pdu> {
        let sequence_number = self.sequence_number.unwrap_or(0);
        let status = self.command_status();
        let nack = || Some(Pdu::generic_nack(status, sequence_number));
        match self.kind {
            DecodeErrorKind::InvalidCommandLength { .. } => {
                // With an unreadable header we cannot tell a request from a response; the peer
                // gets a nack either way since the connection is about to close.
                match self.command_id {
                    Some(id) if id.is_response() => None,
                    _ => nack(),
                }
            }
            DecodeErrorKind::UnknownCommandId => match self.command_id {
                // Nacking an unknown response could ping-pong with a peer that does the same.
                Some(id) if !id.is_response() => nack(),
                _ => None,
            },
            _ => {
                let response = self.command_id?.response()?;
                let body = Body::empty_response(response)?;
                Some(Pdu::new(status, sequence_number, body))
            }
        }
    }
}

/// The status that names a bad mandatory field. Choices where the spec has no dedicated code:
/// address_range -> ESME_RBINDFAIL (only bind carries it), short fields of unknown purpose ->
/// ESME_RINVCMDLEN (their length disagrees with command_length).
fn field_status(field: &str) -> CommandStatus {
    match field {
        "system_id" => CommandStatus::ESME_RINVSYSID,
        "password" => CommandStatus::ESME_RINVPASWD,
        "system_type" => CommandStatus::ESME_RINVSYSTYP,
        "address_range" => CommandStatus::ESME_RBINDFAIL,
        "service_type" => CommandStatus::ESME_RINVSERTYP,
        "source_addr" => CommandStatus::ESME_RINVSRCADR,
        "destination_addr" | "esme_addr" => CommandStatus::ESME_RINVDSTADR,
        "dl_name" => CommandStatus::ESME_RINVDLNAME,
        "message_id" => CommandStatus::ESME_RINVMSGID,
        "schedule_delivery_time" => CommandStatus::ESME_RINVSCHED,
        "validity_period" => CommandStatus::ESME_RINVEXPIRY,
        "short_message" => CommandStatus::ESME_RINVMSGLEN,
        _ => CommandStatus::ESME_RINVCMDLEN,
    }
}

/// Caller misuse: a value that does not fit its SMPP field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value is longer than the field allows.
    #[error("{field}: {len} octets exceed the limit of {max}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The largest allowed content length in octets (for C-Octet Strings, the NUL excluded).
        max: usize,
        /// The length given.
        len: usize,
    },
    /// A NUL inside a C-Octet String would end it early.
    #[error("{field}: contains a NUL octet")]
    InteriorNul {
        /// The field.
        field: &'static str,
    },
    /// Not an SMPP time (`YYMMDDhhmmsstnnp`, or empty).
    #[error("{field}: not an SMPP time (YYMMDDhhmmsstnnp)")]
    InvalidTime {
        /// The field.
        field: &'static str,
    },
    /// A TLV value whose length the tag's definition does not allow.
    #[error("TLV {tag}: value length {len} not allowed")]
    InvalidTlvLength {
        /// The TLV.
        tag: TlvTag,
        /// The length given.
        len: usize,
    },
    /// A list with more entries than its count octet allows.
    #[error("{field}: more than {max} entries")]
    TooManyItems {
        /// The list.
        field: &'static str,
        /// The maximum.
        max: usize,
    },
}
