//! PDUs: the header fields plus a [`Body`] with one variant per SMPP 3.4 command, so the
//! command_id is derived from the body and the two cannot disagree.

mod bind;
mod data;
mod multi;
mod query;
mod sm;

use bytes::{BufMut, Bytes, BytesMut};

pub use bind::{Bind, BindResp, Outbind};
pub use data::{AlertNotification, DataSm, DataSmResp};
pub use multi::{
    CountedList, DestAddress, DestAddresses, SubmitMulti, SubmitMultiResp, UnsuccessSme,
    UnsuccessSmes,
};
pub use query::{CancelSm, QuerySm, QuerySmResp, ReplaceSm};
pub use sm::{DeliverSm, DeliverSmResp, SubmitSm, SubmitSmResp};

use super::command::CommandId;
use super::error::{DecodeError, DecodeErrorKind};
use super::reader::Reader;
use super::status::CommandStatus;

/// Length of the PDU header (command_length, command_id, command_status, sequence_number).
pub const HEADER_LEN: usize = 16;

/// How a body type reads and writes itself; `decode` must consume its whole reader.
pub(crate) trait BodyCodec: Sized {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind>;
    fn encoded_len(&self) -> usize;
    fn encode(&self, out: &mut BytesMut);
}

/// One SMPP PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// command_status (ESME_ROK in requests).
    pub command_status: CommandStatus,
    /// sequence_number (1..=0x7FFFFFFF in practice; not checked here).
    pub sequence_number: u32,
    /// The command and its fields.
    pub body: Body,
}

/// The body of a PDU; the variant decides the command_id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // boxing would cost an allocation per PDU
pub enum Body {
    /// bind_transmitter.
    BindTransmitter(Bind),
    /// bind_transmitter_resp.
    BindTransmitterResp(BindResp),
    /// bind_receiver.
    BindReceiver(Bind),
    /// bind_receiver_resp.
    BindReceiverResp(BindResp),
    /// bind_transceiver.
    BindTransceiver(Bind),
    /// bind_transceiver_resp.
    BindTransceiverResp(BindResp),
    /// outbind.
    Outbind(Outbind),
    /// unbind.
    Unbind,
    /// unbind_resp.
    UnbindResp,
    /// generic_nack.
    GenericNack,
    /// submit_sm.
    SubmitSm(SubmitSm),
    /// submit_sm_resp.
    SubmitSmResp(SubmitSmResp),
    /// submit_multi.
    SubmitMulti(SubmitMulti),
    /// submit_multi_resp.
    SubmitMultiResp(SubmitMultiResp),
    /// deliver_sm.
    DeliverSm(DeliverSm),
    /// deliver_sm_resp.
    DeliverSmResp(DeliverSmResp),
    /// data_sm.
    DataSm(DataSm),
    /// data_sm_resp.
    DataSmResp(DataSmResp),
    /// query_sm.
    QuerySm(QuerySm),
    /// query_sm_resp.
    QuerySmResp(QuerySmResp),
    /// cancel_sm.
    CancelSm(CancelSm),
    /// cancel_sm_resp.
    CancelSmResp,
    /// replace_sm.
    ReplaceSm(ReplaceSm),
    /// replace_sm_resp.
    ReplaceSmResp,
    /// enquire_link.
    EnquireLink,
    /// enquire_link_resp.
    EnquireLinkResp,
    /// alert_notification.
    AlertNotification(AlertNotification),
}

impl Body {
    /// The command_id of this body.
    pub fn command_id(&self) -> CommandId {
        match self {
            Self::BindTransmitter(_) => CommandId::BIND_TRANSMITTER,
            Self::BindTransmitterResp(_) => CommandId::BIND_TRANSMITTER_RESP,
            Self::BindReceiver(_) => CommandId::BIND_RECEIVER,
            Self::BindReceiverResp(_) => CommandId::BIND_RECEIVER_RESP,
            Self::BindTransceiver(_) => CommandId::BIND_TRANSCEIVER,
            Self::BindTransceiverResp(_) => CommandId::BIND_TRANSCEIVER_RESP,
            Self::Outbind(_) => CommandId::OUTBIND,
            Self::Unbind => CommandId::UNBIND,
            Self::UnbindResp => CommandId::UNBIND_RESP,
            Self::GenericNack => CommandId::GENERIC_NACK,
            Self::SubmitSm(_) => CommandId::SUBMIT_SM,
            Self::SubmitSmResp(_) => CommandId::SUBMIT_SM_RESP,
            Self::SubmitMulti(_) => CommandId::SUBMIT_MULTI,
            Self::SubmitMultiResp(_) => CommandId::SUBMIT_MULTI_RESP,
            Self::DeliverSm(_) => CommandId::DELIVER_SM,
            Self::DeliverSmResp(_) => CommandId::DELIVER_SM_RESP,
            Self::DataSm(_) => CommandId::DATA_SM,
            Self::DataSmResp(_) => CommandId::DATA_SM_RESP,
            Self::QuerySm(_) => CommandId::QUERY_SM,
            Self::QuerySmResp(_) => CommandId::QUERY_SM_RESP,
            Self::CancelSm(_) => CommandId::CANCEL_SM,
            Self::CancelSmResp => CommandId::CANCEL_SM_RESP,
            Self::ReplaceSm(_) => CommandId::REPLACE_SM,
            Self::ReplaceSmResp => CommandId::REPLACE_SM_RESP,
            Self::EnquireLink => CommandId::ENQUIRE_LINK,
            Self::EnquireLinkResp => CommandId::ENQUIRE_LINK_RESP,
            Self::AlertNotification(_) => CommandId::ALERT_NOTIFICATION,
        }
    }

    /// True for response bodies (including generic_nack).
    pub fn is_response(&self) -> bool {
        self.command_id().is_response()
    }

    /// The body of a response with every field empty, as sent with an error status; `None`
    /// when `response` is not a response command_id.
    pub fn empty_response(response: CommandId) -> Option<Self> {
        Some(match response {
            CommandId::GENERIC_NACK => Self::GenericNack,
            CommandId::BIND_TRANSMITTER_RESP => Self::BindTransmitterResp(BindResp::default()),
            CommandId::BIND_RECEIVER_RESP => Self::BindReceiverResp(BindResp::default()),
            CommandId::BIND_TRANSCEIVER_RESP => Self::BindTransceiverResp(BindResp::default()),
            CommandId::UNBIND_RESP => Self::UnbindResp,
            CommandId::SUBMIT_SM_RESP => Self::SubmitSmResp(SubmitSmResp::default()),
            CommandId::SUBMIT_MULTI_RESP => Self::SubmitMultiResp(SubmitMultiResp::default()),
            CommandId::DELIVER_SM_RESP => Self::DeliverSmResp(DeliverSmResp::default()),
            CommandId::DATA_SM_RESP => Self::DataSmResp(DataSmResp::default()),
            CommandId::QUERY_SM_RESP => Self::QuerySmResp(QuerySmResp::default()),
            CommandId::CANCEL_SM_RESP => Self::CancelSmResp,
            CommandId::REPLACE_SM_RESP => Self::ReplaceSmResp,
            CommandId::ENQUIRE_LINK_RESP => Self::EnquireLinkResp,
            _ => return None,
        })
    }

    /// True for a response body whose fields are all empty: with an error status it is not
    /// written at all (SMPP 3.4: "the body is not returned if command_status is non-zero").
    fn is_empty_response(&self) -> bool {
        match self {
            Self::BindTransmitterResp(b)
            | Self::BindReceiverResp(b)
            | Self::BindTransceiverResp(b) => *b == BindResp::default(),
            Self::SubmitSmResp(b) => *b == SubmitSmResp::default(),
            Self::DeliverSmResp(b) => *b == DeliverSmResp::default(),
            Self::SubmitMultiResp(b) => *b == SubmitMultiResp::default(),
            Self::DataSmResp(b) => *b == DataSmResp::default(),
            Self::QuerySmResp(b) => *b == QuerySmResp::default(),
            _ => false,
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Self::BindTransmitter(b) | Self::BindReceiver(b) | Self::BindTransceiver(b) => {
                b.encoded_len()
            }
            Self::BindTransmitterResp(b)
            | Self::BindReceiverResp(b)
            | Self::BindTransceiverResp(b) => b.encoded_len(),
            Self::Outbind(b) => b.encoded_len(),
            Self::SubmitSm(b) | Self::DeliverSm(b) => b.encoded_len(),
            Self::SubmitSmResp(b) | Self::DeliverSmResp(b) => b.encoded_len(),
            Self::SubmitMulti(b) => b.encoded_len(),
            Self::SubmitMultiResp(b) => b.encoded_len(),
            Self::DataSm(b) => b.encoded_len(),
            Self::DataSmResp(b) => b.encoded_len(),
            Self::QuerySm(b) => b.encoded_len(),
            Self::QuerySmResp(b) => b.encoded_len(),
            Self::CancelSm(b) => b.encoded_len(),
            Self::ReplaceSm(b) => b.encoded_len(),
            Self::AlertNotification(b) => b.encoded_len(),
            Self::Unbind
            | Self::UnbindResp
            | Self::GenericNack
            | Self::CancelSmResp
            | Self::ReplaceSmResp
            | Self::EnquireLink
            | Self::EnquireLinkResp => 0,
        }
    }

    fn encode(&self, out: &mut BytesMut) {
        match self {
            Self::BindTransmitter(b) | Self::BindReceiver(b) | Self::BindTransceiver(b) => {
                b.encode(out)
            }
            Self::BindTransmitterResp(b)
            | Self::BindReceiverResp(b)
            | Self::BindTransceiverResp(b) => b.encode(out),
            Self::Outbind(b) => b.encode(out),
            Self::SubmitSm(b) | Self::DeliverSm(b) => b.encode(out),
            Self::SubmitSmResp(b) | Self::DeliverSmResp(b) => b.encode(out),
            Self::SubmitMulti(b) => b.encode(out),
            Self::SubmitMultiResp(b) => b.encode(out),
            Self::DataSm(b) => b.encode(out),
            Self::DataSmResp(b) => b.encode(out),
            Self::QuerySm(b) => b.encode(out),
            Self::QuerySmResp(b) => b.encode(out),
            Self::CancelSm(b) => b.encode(out),
            Self::ReplaceSm(b) => b.encode(out),
            Self::AlertNotification(b) => b.encode(out),
            Self::Unbind
            | Self::UnbindResp
            | Self::GenericNack
            | Self::CancelSmResp
            | Self::ReplaceSmResp
            | Self::EnquireLink
            | Self::EnquireLinkResp => {}
        }
    }

    /// Decodes the body of `command_id` from `reader` (which holds exactly the body).
    #[inline]
    fn decode(command_id: CommandId, reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        if command_id.is_response() && reader.is_empty() {
            // Error responses usually carry no body; a few peers omit it on success too.
            return Self::empty_response(command_id).ok_or(DecodeErrorKind::UnknownCommandId);
        }
        let body = match command_id {
            CommandId::BIND_TRANSMITTER => Self::BindTransmitter(Bind::decode(reader)?),
            CommandId::BIND_RECEIVER => Self::BindReceiver(Bind::decode(reader)?),
            CommandId::BIND_TRANSCEIVER => Self::BindTransceiver(Bind::decode(reader)?),
            CommandId::BIND_TRANSMITTER_RESP => {
                Self::BindTransmitterResp(BindResp::decode(reader)?)
            }
            CommandId::BIND_RECEIVER_RESP => Self::BindReceiverResp(BindResp::decode(reader)?),
            CommandId::BIND_TRANSCEIVER_RESP => {
                Self::BindTransceiverResp(BindResp::decode(reader)?)
            }
            CommandId::OUTBIND => Self::Outbind(Outbind::decode(reader)?),
            CommandId::SUBMIT_SM => Self::SubmitSm(SubmitSm::decode(reader)?),
            CommandId::DELIVER_SM => Self::DeliverSm(DeliverSm::decode(reader)?),
            CommandId::SUBMIT_SM_RESP => Self::SubmitSmResp(SubmitSmResp::decode(reader)?),
            CommandId::DELIVER_SM_RESP => Self::DeliverSmResp(DeliverSmResp::decode(reader)?),
            CommandId::SUBMIT_MULTI => Self::SubmitMulti(SubmitMulti::decode(reader)?),
            CommandId::SUBMIT_MULTI_RESP => Self::SubmitMultiResp(SubmitMultiResp::decode(reader)?),
            CommandId::DATA_SM => Self::DataSm(DataSm::decode(reader)?),
            CommandId::DATA_SM_RESP => Self::DataSmResp(DataSmResp::decode(reader)?),
            CommandId::QUERY_SM => Self::QuerySm(QuerySm::decode(reader)?),
            CommandId::QUERY_SM_RESP => Self::QuerySmResp(QuerySmResp::decode(reader)?),
            CommandId::CANCEL_SM => Self::CancelSm(CancelSm::decode(reader)?),
            CommandId::REPLACE_SM => Self::ReplaceSm(ReplaceSm::decode(reader)?),
            CommandId::ALERT_NOTIFICATION => {
                Self::AlertNotification(AlertNotification::decode(reader)?)
            }
            CommandId::UNBIND => bodiless_request(reader, Self::Unbind)?,
            CommandId::ENQUIRE_LINK => bodiless_request(reader, Self::EnquireLink)?,
            // Stray octets after a bodiless response are ignored: dropping the response would
            // leave the request waiting for its timeout.
            CommandId::UNBIND_RESP => Self::UnbindResp,
            CommandId::GENERIC_NACK => Self::GenericNack,
            CommandId::CANCEL_SM_RESP => Self::CancelSmResp,
            CommandId::REPLACE_SM_RESP => Self::ReplaceSmResp,
            CommandId::ENQUIRE_LINK_RESP => Self::EnquireLinkResp,
            _ => return Err(DecodeErrorKind::UnknownCommandId),
        };
        Ok(body)
    }
}

fn bodiless_request(reader: &Reader<'_>, body: Body) -> Result<Body, DecodeErrorKind> {
    reader.expect_end()?;
    Ok(body)
}

impl Pdu {
    /// A PDU with the given header fields.
    pub fn new(command_status: CommandStatus, sequence_number: u32, body: Body) -> Self {
        Self {
            command_status,
            sequence_number,
            body,
        }
    }

    /// A PDU with command_status ESME_ROK (requests, successful responses).
    pub fn ok(sequence_number: u32, body: Body) -> Self {
        Self::new(CommandStatus::ESME_ROK, sequence_number, body)
    }

    /// A generic_nack with this status and sequence number.
    pub fn generic_nack(command_status: CommandStatus, sequence_number: u32) -> Self {
        Self::new(command_status, sequence_number, Body::GenericNack)
    }

    /// The `*_resp` answering this request with `status` and empty fields (sent header-only
    /// when `status` is an error); `None` for responses and for requests without a response.
    pub fn error_response(&self, status: CommandStatus) -> Option<Self> {
        let response = self.command_id().response()?;
        let body = Body::empty_response(response)?;
        Some(Self::new(status, self.sequence_number, body))
    }

    /// The command_id, derived from the body.
    pub fn command_id(&self) -> CommandId {
        self.body.command_id()
    }

    fn writes_body(&self) -> bool {
        self.command_status.is_ok() || !self.body.is_empty_response()
    }

    /// The encoded size in octets, header included (the value of command_length).
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + if self.writes_body() {
                self.body.encoded_len()
            } else {
                0
            }
    }

    /// Appends the encoded PDU to `out` (reserving the space once, no temporary buffer).
    pub fn encode(&self, out: &mut BytesMut) {
        let len = self.encoded_len();
        out.reserve(len);
        // A PDU over 4 GiB cannot be built from the checked field types in practice; if one
        // were, the saturated length makes the peer reject it rather than misframe.
        out.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
        out.put_u32(self.command_id().0);
        out.put_u32(self.command_status.0);
        out.put_u32(self.sequence_number);
        if self.writes_body() {
            self.body.encode(out);
        }
    }

    /// The encoded PDU as a new buffer (for tests and one-off sends).
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut out);
        out.freeze()
    }

    /// Decodes exactly one complete frame (command_length must equal `frame.len()`). Fields
    /// of the result share `frame`'s memory.
    #[inline]
    pub fn decode(frame: Bytes) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(&frame);
        let header = |reader: &mut Reader<'_>| -> Option<(u32, CommandId, u32, u32)> {
            Some((
                reader.u32("command_length").ok()?,
                CommandId(reader.u32("command_id").ok()?),
                reader.u32("command_status").ok()?,
                reader.u32("sequence_number").ok()?,
            ))
        };
        let Some((command_length, command_id, status, sequence_number)) = header(&mut reader)
        else {
            let command_length = frame
                .get(..4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map_or(0, u32::from_be_bytes);
            return Err(DecodeError::new(
                DecodeErrorKind::InvalidCommandLength {
                    command_length,
                    max: u32::try_from(frame.len()).unwrap_or(u32::MAX),
                },
                None,
                None,
            ));
        };
        let err = |kind| DecodeError::new(kind, Some(command_id), Some(sequence_number));
        if usize::try_from(command_length).ok() != Some(frame.len()) {
            return Err(err(DecodeErrorKind::InvalidCommandLength {
                command_length,
                max: u32::try_from(frame.len()).unwrap_or(u32::MAX),
            }));
        }
        let status = CommandStatus(status);
        let body = match Body::decode(command_id, &mut reader) {
            Ok(body) => body,
            // An error response is acted on by its status alone; losing it over a malformed
            // (optional) body would leave the request waiting for its timeout.
            Err(kind) if !status.is_ok() && !matches!(kind, DecodeErrorKind::UnknownCommandId) => {
                Body::empty_response(command_id).ok_or_else(|| err(kind))?
            }
            Err(kind) => return Err(err(kind)),
        };
        Ok(Self::new(status, sequence_number, body))
    }
}
