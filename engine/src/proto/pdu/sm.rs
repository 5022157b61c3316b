//! submit_sm and deliver_sm (same layout) and their responses.

use bytes::{BufMut, BytesMut};

use super::BodyCodec;
use crate::proto::cstring::{Address, MessageId, ServiceType, ShortMessage, SmppTime};
use crate::proto::error::DecodeErrorKind;
use crate::proto::reader::Reader;
use crate::proto::tlv::Tlvs;
use crate::proto::values::{Npi, Ton};
use crate::proto::writer::{
    put_c_string, put_short_message, put_time, read_short_message, short_message_len,
};

/// The body of submit_sm (SMPP 3.4 section 4.4.1) and deliver_sm (section 4.6.1, where
/// schedule_delivery_time, validity_period and replace_if_present_flag are unused and empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubmitSm {
    /// service_type (empty = SMSC default).
    pub service_type: ServiceType,
    /// TON of source_addr.
    pub source_addr_ton: Ton,
    /// NPI of source_addr.
    pub source_addr_npi: Npi,
    /// Originating address.
    pub source_addr: Address,
    /// TON of destination_addr.
    pub dest_addr_ton: Ton,
    /// NPI of destination_addr.
    pub dest_addr_npi: Npi,
    /// Destination address.
    pub destination_addr: Address,
    /// Message mode and type (bit 6 = UDHI, bits 2-5 = receipt/ack type).
    pub esm_class: u8,
    /// GSM TP-Protocol-Identifier.
    pub protocol_id: u8,
    /// Priority level (0-3).
    pub priority_flag: u8,
    /// When to deliver (empty = immediately).
    pub schedule_delivery_time: SmppTime,
    /// When to give up (empty = SMSC default).
    pub validity_period: SmppTime,
    /// Receipt request (bits 0-1: SMSC delivery receipt).
    pub registered_delivery: u8,
    /// Replace an earlier message with the same source, destination and service_type.
    pub replace_if_present_flag: u8,
    /// Encoding of short_message (0 = SMSC default alphabet, 8 = UCS-2, ...).
    pub data_coding: u8,
    /// Index of a predefined message (0 = none).
    pub sm_default_msg_id: u8,
    /// The message (up to 254 octets; longer ones go in the message_payload TLV).
    pub short_message: ShortMessage,
    /// Optional parameters in wire order.
    pub tlvs: Tlvs,
}

/// deliver_sm has exactly the layout of submit_sm.
pub type DeliverSm = SubmitSm;

impl BodyCodec for SubmitSm {
    #[inline]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(Self {
            service_type: reader.c_string("service_type")?,
            source_addr_ton: Ton(reader.u8("source_addr_ton")?),
            source_addr_npi: Npi(reader.u8("source_addr_npi")?),
            source_addr: reader.c_string("source_addr")?,
            dest_addr_ton: Ton(reader.u8("dest_addr_ton")?),
            dest_addr_npi: Npi(reader.u8("dest_addr_npi")?),
            destination_addr: reader.c_string("destination_addr")?,
            esm_class: reader.u8("esm_class")?,
            protocol_id: reader.u8("protocol_id")?,
            priority_flag: reader.u8("priority_flag")?,
            schedule_delivery_time: reader.smpp_time("schedule_delivery_time")?,
            validity_period: reader.smpp_time("validity_period")?,
            registered_delivery: reader.u8("registered_delivery")?,
            replace_if_present_flag: reader.u8("replace_if_present_flag")?,
            data_coding: reader.u8("data_coding")?,
            sm_default_msg_id: reader.u8("sm_default_msg_id")?,
            short_message: read_short_message(reader)?,
            tlvs: Tlvs::decode(reader)?,
        })
    }

    fn encoded_len(&self) -> usize {
        self.service_type.encoded_len()
            + 2
            + self.source_addr.encoded_len()
            + 2
            + self.destination_addr.encoded_len()
            + 3
            + self.schedule_delivery_time.encoded_len()
            + self.validity_period.encoded_len()
            + 4
            + short_message_len(&self.short_message)
            + self.tlvs.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.service_type);
        out.put_u8(self.source_addr_ton.0);
        out.put_u8(self.source_addr_npi.0);
        put_c_string(out, &self.source_addr);
        out.put_u8(self.dest_addr_ton.0);
        out.put_u8(self.dest_addr_npi.0);
        put_c_string(out, &self.destination_addr);
        out.put_u8(self.esm_class);
        out.put_u8(self.protocol_id);
        out.put_u8(self.priority_flag);
        put_time(out, &self.schedule_delivery_time);
        put_time(out, &self.validity_period);
        out.put_u8(self.registered_delivery);
        out.put_u8(self.replace_if_present_flag);
        out.put_u8(self.data_coding);
        out.put_u8(self.sm_default_msg_id);
        put_short_message(out, &self.short_message);
        self.tlvs.encode(out);
    }
}

/// The body of submit_sm_resp (SMPP 3.4 section 4.4.2) and deliver_sm_resp (section 4.6.2,
/// where message_id is unused and empty). TLVs are not defined for them in 3.4 but are kept
/// when a peer sends them (SMPP 5.0 does), so the response is not lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubmitSmResp {
    /// The SMSC's id for the message.
    pub message_id: MessageId,
    /// Optional parameters in wire order.
    pub tlvs: Tlvs,
}

/// deliver_sm_resp has exactly the layout of submit_sm_resp.
pub type DeliverSmResp = SubmitSmResp;

impl BodyCodec for SubmitSmResp {
    #[inline]
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(Self {
            message_id: reader.c_string("message_id")?,
            tlvs: Tlvs::decode(reader)?,
        })
    }

    fn encoded_len(&self) -> usize {
        self.message_id.encoded_len() + self.tlvs.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.message_id);
        self.tlvs.encode(out);
    }
}
