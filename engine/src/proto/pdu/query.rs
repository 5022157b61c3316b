//! query_sm, cancel_sm and replace_sm: operations on a message already at the SMSC.

use bytes::{BufMut, BytesMut};

use super::BodyCodec;
use crate::proto::cstring::{Address, MessageId, ServiceType, ShortMessage, SmppTime};
use crate::proto::error::DecodeErrorKind;
use crate::proto::reader::Reader;
use crate::proto::values::{MessageState, Npi, Ton};
use crate::proto::writer::{
    put_c_string, put_short_message, put_time, read_short_message, short_message_len,
};

/// The body of query_sm (SMPP 3.4 section 4.8.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct QuerySm {
    /// The SMSC's id of the message to query.
    pub message_id: MessageId,
    /// TON of source_addr.
    pub source_addr_ton: Ton,
    /// NPI of source_addr.
    pub source_addr_npi: Npi,
    /// The address the message was submitted from.
    pub source_addr: Address,
}

impl BodyCodec for QuerySm {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let body = Self {
            message_id: reader.c_string("message_id")?,
            source_addr_ton: Ton(reader.u8("source_addr_ton")?),
            source_addr_npi: Npi(reader.u8("source_addr_npi")?),
            source_addr: reader.c_string("source_addr")?,
        };
        reader.expect_end()?;
        Ok(body)
    }

    fn encoded_len(&self) -> usize {
        self.message_id.encoded_len() + 2 + self.source_addr.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.message_id);
        out.put_u8(self.source_addr_ton.0);
        out.put_u8(self.source_addr_npi.0);
        put_c_string(out, &self.source_addr);
    }
}

/// The body of query_sm_resp (SMPP 3.4 section 4.8.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct QuerySmResp {
    /// The id that was queried.
    pub message_id: MessageId,
    /// When the message reached its final state (empty if it has not).
    pub final_date: SmppTime,
    /// The message's state.
    pub message_state: MessageState,
    /// Network error code of a failure (network specific).
    pub error_code: u8,
}

impl BodyCodec for QuerySmResp {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let body = Self {
            message_id: reader.c_string("message_id")?,
            final_date: reader.smpp_time("final_date")?,
            message_state: MessageState(reader.u8("message_state")?),
            error_code: reader.u8("error_code")?,
        };
        reader.expect_end()?;
        Ok(body)
    }

    fn encoded_len(&self) -> usize {
        self.message_id.encoded_len() + self.final_date.encoded_len() + 2
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.message_id);
        put_time(out, &self.final_date);
        out.put_u8(self.message_state.0);
        out.put_u8(self.error_code);
    }
}

/// The body of cancel_sm (SMPP 3.4 section 4.9.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CancelSm {
    /// service_type of the message(s) to cancel.
    pub service_type: ServiceType,
    /// The SMSC's id of the message (empty = all matching messages).
    pub message_id: MessageId,
    /// TON of source_addr.
    pub source_addr_ton: Ton,
    /// NPI of source_addr.
    pub source_addr_npi: Npi,
    /// The address the message was submitted from.
    pub source_addr: Address,
    /// TON of destination_addr.
    pub dest_addr_ton: Ton,
    /// NPI of destination_addr.
    pub dest_addr_npi: Npi,
    /// The destination of the message.
    pub destination_addr: Address,
}

impl BodyCodec for CancelSm {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let body = Self {
            service_type: reader.c_string("service_type")?,
            message_id: reader.c_string("message_id")?,
            source_addr_ton: Ton(reader.u8("source_addr_ton")?),
            source_addr_npi: Npi(reader.u8("source_addr_npi")?),
            source_addr: reader.c_string("source_addr")?,
            dest_addr_ton: Ton(reader.u8("dest_addr_ton")?),
            dest_addr_npi: Npi(reader.u8("dest_addr_npi")?),
            destination_addr: reader.c_string("destination_addr")?,
        };
        reader.expect_end()?;
        Ok(body)
    }

    fn encoded_len(&self) -> usize {
        self.service_type.encoded_len()
            + self.message_id.encoded_len()
            + 2
            + self.source_addr.encoded_len()
            + 2
            + self.destination_addr.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.service_type);
        put_c_string(out, &self.message_id);
        out.put_u8(self.source_addr_ton.0);
        out.put_u8(self.source_addr_npi.0);
        put_c_string(out, &self.source_addr);
        out.put_u8(self.dest_addr_ton.0);
        out.put_u8(self.dest_addr_npi.0);
        put_c_string(out, &self.destination_addr);
    }
}

/// The body of replace_sm (SMPP 3.4 section 4.10.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ReplaceSm {
    /// The SMSC's id of the message to replace.
    pub message_id: MessageId,
    /// TON of source_addr.
    pub source_addr_ton: Ton,
    /// NPI of source_addr.
    pub source_addr_npi: Npi,
    /// The address the message was submitted from.
    pub source_addr: Address,
    /// New delivery time (empty = keep).
    pub schedule_delivery_time: SmppTime,
    /// New validity period (empty = keep).
    pub validity_period: SmppTime,
    /// New receipt request.
    pub registered_delivery: u8,
    /// New predefined message index.
    pub sm_default_msg_id: u8,
    /// The new message.
    pub short_message: ShortMessage,
}

impl BodyCodec for ReplaceSm {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let body = Self {
            message_id: reader.c_string("message_id")?,
            source_addr_ton: Ton(reader.u8("source_addr_ton")?),
            source_addr_npi: Npi(reader.u8("source_addr_npi")?),
            source_addr: reader.c_string("source_addr")?,
            schedule_delivery_time: reader.smpp_time("schedule_delivery_time")?,
            validity_period: reader.smpp_time("validity_period")?,
            registered_delivery: reader.u8("registered_delivery")?,
            sm_default_msg_id: reader.u8("sm_default_msg_id")?,
            short_message: read_short_message(reader)?,
        };
        reader.expect_end()?;
        Ok(body)
    }

    fn encoded_len(&self) -> usize {
        self.message_id.encoded_len()
            + 2
            + self.source_addr.encoded_len()
            + self.schedule_delivery_time.encoded_len()
            + self.validity_period.encoded_len()
            + 2
            + short_message_len(&self.short_message)
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.message_id);
        out.put_u8(self.source_addr_ton.0);
        out.put_u8(self.source_addr_npi.0);
        put_c_string(out, &self.source_addr);
        put_time(out, &self.schedule_delivery_time);
        put_time(out, &self.validity_period);
        out.put_u8(self.registered_delivery);
        out.put_u8(self.sm_default_msg_id);
        put_short_message(out, &self.short_message);
    }
}
