//! data_sm, data_sm_resp and alert_notification: the TLV-centric PDUs.

use bytes::{BufMut, BytesMut};

use super::BodyCodec;
use crate::proto::cstring::{LongAddress, MessageId, ServiceType};
use crate::proto::error::DecodeErrorKind;
use crate::proto::reader::Reader;
use crate::proto::tlv::Tlvs;
use crate::proto::values::{Npi, Ton};
use crate::proto::writer::put_c_string;

/// The body of data_sm (SMPP 3.4 section 4.7.1); the message travels in message_payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DataSm {
    /// service_type (empty = SMSC default).
    pub service_type: ServiceType,
    /// TON of source_addr.
    pub source_addr_ton: Ton,
    /// NPI of source_addr.
    pub source_addr_npi: Npi,
    /// Originating address (up to 64 characters).
    pub source_addr: LongAddress,
    /// TON of destination_addr.
    pub dest_addr_ton: Ton,
    /// NPI of destination_addr.
    pub dest_addr_npi: Npi,
    /// Destination address (up to 64 characters).
    pub destination_addr: LongAddress,
    /// Message mode and type.
    pub esm_class: u8,
    /// Receipt request.
    pub registered_delivery: u8,
    /// Encoding of the payload.
    pub data_coding: u8,
    /// Optional parameters in wire order.
    pub tlvs: Tlvs,
}

impl BodyCodec for DataSm {
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
            registered_delivery: reader.u8("registered_delivery")?,
            data_coding: reader.u8("data_coding")?,
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
        out.put_u8(self.registered_delivery);
        out.put_u8(self.data_coding);
        self.tlvs.encode(out);
    }
}

/// The body of data_sm_resp (SMPP 3.4 section 4.7.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DataSmResp {
    /// The SMSC's id for the message.
    pub message_id: MessageId,
    /// Optional parameters (delivery_failure_reason, network_error_code, ...).
    pub tlvs: Tlvs,
}

impl BodyCodec for DataSmResp {
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

/// The body of alert_notification (SMPP 3.4 section 4.12.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AlertNotification {
    /// TON of the mobile that became available.
    pub source_addr_ton: Ton,
    /// NPI of the mobile that became available.
    pub source_addr_npi: Npi,
    /// The mobile that became available.
    pub source_addr: LongAddress,
    /// TON of the ESME that asked to be alerted.
    pub esme_addr_ton: Ton,
    /// NPI of the ESME that asked to be alerted.
    pub esme_addr_npi: Npi,
    /// The ESME that asked to be alerted.
    pub esme_addr: LongAddress,
    /// Optional parameters (ms_availability_status).
    pub tlvs: Tlvs,
}

impl BodyCodec for AlertNotification {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(Self {
            source_addr_ton: Ton(reader.u8("source_addr_ton")?),
            source_addr_npi: Npi(reader.u8("source_addr_npi")?),
            source_addr: reader.c_string("source_addr")?,
            esme_addr_ton: Ton(reader.u8("esme_addr_ton")?),
            esme_addr_npi: Npi(reader.u8("esme_addr_npi")?),
            esme_addr: reader.c_string("esme_addr")?,
            tlvs: Tlvs::decode(reader)?,
        })
    }

    fn encoded_len(&self) -> usize {
        2 + self.source_addr.encoded_len()
            + 2
            + self.esme_addr.encoded_len()
            + self.tlvs.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        out.put_u8(self.source_addr_ton.0);
        out.put_u8(self.source_addr_npi.0);
        put_c_string(out, &self.source_addr);
        out.put_u8(self.esme_addr_ton.0);
        out.put_u8(self.esme_addr_npi.0);
        put_c_string(out, &self.esme_addr);
        self.tlvs.encode(out);
    }
}
