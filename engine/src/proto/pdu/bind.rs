//! bind_transmitter/receiver/transceiver, their responses, and outbind.

use bytes::{BufMut, BytesMut};

use super::BodyCodec;
use crate::proto::cstring::{AddressRange, Password, SystemId, SystemType};
use crate::proto::error::{DecodeErrorKind, EncodeError};
use crate::proto::reader::Reader;
use crate::proto::tlv::Tlvs;
use crate::proto::values::{Npi, Ton, SMPP_VERSION_3_4};
use crate::proto::writer::put_c_string;

/// The body of bind_transmitter, bind_receiver and bind_transceiver (SMPP 3.4 section 4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Bind {
    /// Identifies the ESME requesting to bind.
    pub system_id: SystemId,
    /// Password for authentication.
    pub password: Password,
    /// Type of ESME system.
    pub system_type: SystemType,
    /// SMPP version supported by the ESME (0x34).
    pub interface_version: u8,
    /// TON of the ESME address(es) served.
    pub addr_ton: Ton,
    /// NPI of the ESME address(es) served.
    pub addr_npi: Npi,
    /// The ESME address(es) served (a regular expression), usually empty.
    pub address_range: AddressRange,
}

impl Bind {
    /// A bind with these credentials, interface version 3.4 and everything else empty; the
    /// error names the field that is too long.
    pub fn new(system_id: &str, password: &str) -> Result<Self, EncodeError> {
        Ok(Self {
            system_id: SystemId::for_field("system_id", system_id)?,
            password: Password::for_field("password", password)?,
            ..Self::default()
        })
    }
}

impl Default for Bind {
    fn default() -> Self {
        Self {
            system_id: SystemId::empty(),
            password: Password::empty(),
            system_type: SystemType::empty(),
            interface_version: SMPP_VERSION_3_4,
            addr_ton: Ton::UNKNOWN,
            addr_npi: Npi::UNKNOWN,
            address_range: AddressRange::empty(),
        }
    }
}

impl BodyCodec for Bind {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let body = Self {
            system_id: reader.c_string("system_id")?,
            password: reader.c_string("password")?,
            system_type: reader.c_string("system_type")?,
            interface_version: reader.u8("interface_version")?,
            addr_ton: Ton(reader.u8("addr_ton")?),
            addr_npi: Npi(reader.u8("addr_npi")?),
            address_range: reader.c_string("address_range")?,
        };
        reader.expect_end()?;
        Ok(body)
    }

    fn encoded_len(&self) -> usize {
        self.system_id.encoded_len()
            + self.password.encoded_len()
            + self.system_type.encoded_len()
            + 3
            + self.address_range.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.system_id);
        put_c_string(out, &self.password);
        put_c_string(out, &self.system_type);
        out.put_u8(self.interface_version);
        out.put_u8(self.addr_ton.0);
        out.put_u8(self.addr_npi.0);
        put_c_string(out, &self.address_range);
    }
}

/// The body of bind_*_resp (SMPP 3.4 section 4.1.2): the SMSC's system_id and optionally the
/// sc_interface_version TLV.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BindResp {
    /// Identifies the SMSC.
    pub system_id: SystemId,
    /// Optional parameters (sc_interface_version).
    pub tlvs: Tlvs,
}

impl BodyCodec for BindResp {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        Ok(Self {
            system_id: reader.c_string("system_id")?,
            tlvs: Tlvs::decode(reader)?,
        })
    }

    fn encoded_len(&self) -> usize {
        self.system_id.encoded_len() + self.tlvs.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.system_id);
        self.tlvs.encode(out);
    }
}

/// The body of outbind (SMPP 3.4 section 4.1.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Outbind {
    /// Identifies the SMSC.
    pub system_id: SystemId,
    /// Password the ESME checks.
    pub password: Password,
}

impl BodyCodec for Outbind {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let body = Self {
            system_id: reader.c_string("system_id")?,
            password: reader.c_string("password")?,
        };
        reader.expect_end()?;
        Ok(body)
    }

    fn encoded_len(&self) -> usize {
        self.system_id.encoded_len() + self.password.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.system_id);
        put_c_string(out, &self.password);
    }
}
