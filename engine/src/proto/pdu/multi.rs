//! submit_multi and submit_multi_resp, with their bounded address lists.

use bytes::{BufMut, BytesMut};

use super::BodyCodec;
use crate::proto::cstring::{Address, MessageId, ServiceType, ShortMessage, SmppTime};
use crate::proto::error::{DecodeErrorKind, EncodeError};
use crate::proto::reader::Reader;
use crate::proto::status::CommandStatus;
use crate::proto::tlv::Tlvs;
use crate::proto::values::{Npi, Ton};
use crate::proto::writer::{
    put_c_string, put_short_message, put_time, read_short_message, short_message_len,
};

/// dest_flag of an SME address.
const DEST_FLAG_SME: u8 = 1;
/// dest_flag of a distribution list name.
const DEST_FLAG_DISTRIBUTION_LIST: u8 = 2;

/// One entry of submit_multi's dest_address list (SMPP 3.4 section 4.5.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DestAddress {
    /// dest_flag 1: an SME address.
    Sme {
        /// TON of the address.
        dest_addr_ton: Ton,
        /// NPI of the address.
        dest_addr_npi: Npi,
        /// The address.
        destination_addr: Address,
    },
    /// dest_flag 2: the name of a distribution list held by the SMSC.
    DistributionList {
        /// dl_name.
        dl_name: Address,
    },
}

impl DestAddress {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        match reader.u8("dest_flag")? {
            DEST_FLAG_SME => Ok(Self::Sme {
                dest_addr_ton: Ton(reader.u8("dest_addr_ton")?),
                dest_addr_npi: Npi(reader.u8("dest_addr_npi")?),
                destination_addr: reader.c_string("destination_addr")?,
            }),
            DEST_FLAG_DISTRIBUTION_LIST => Ok(Self::DistributionList {
                dl_name: reader.c_string("dl_name")?,
            }),
            other => Err(DecodeErrorKind::InvalidDestFlag(other)),
        }
    }

    fn encoded_len(&self) -> usize {
        match self {
            Self::Sme {
                destination_addr, ..
            } => 3 + destination_addr.encoded_len(),
            Self::DistributionList { dl_name } => 1 + dl_name.encoded_len(),
        }
    }

    fn encode(&self, out: &mut BytesMut) {
        match self {
            Self::Sme {
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
            } => {
                out.put_u8(DEST_FLAG_SME);
                out.put_u8(dest_addr_ton.0);
                out.put_u8(dest_addr_npi.0);
                put_c_string(out, destination_addr);
            }
            Self::DistributionList { dl_name } => {
                out.put_u8(DEST_FLAG_DISTRIBUTION_LIST);
                put_c_string(out, dl_name);
            }
        }
    }
}

/// A list whose length is written as one count octet, so it holds at most `MAX` entries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountedList<T, const MAX: usize> {
    items: Vec<T>,
    field: &'static str,
}

impl<T, const MAX: usize> CountedList<T, MAX> {
    const fn empty(field: &'static str) -> Self {
        Self {
            items: Vec::new(),
            field,
        }
    }

    /// The entries in order.
    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Iterates the entries.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    /// Appends an entry unless the list is full.
    pub fn push(&mut self, item: T) -> Result<(), EncodeError> {
        if self.items.len() >= MAX {
            return Err(EncodeError::TooManyItems {
                field: self.field,
                max: MAX,
            });
        }
        self.items.push(item);
        Ok(())
    }

    fn count_octet(&self) -> u8 {
        u8::try_from(self.items.len()).unwrap_or(u8::MAX)
    }
}

/// submit_multi's dest_address list: 1 to 254 entries on the wire (number_of_dests).
pub type DestAddresses = CountedList<DestAddress, 254>;

impl Default for DestAddresses {
    fn default() -> Self {
        Self::empty("dest_address")
    }
}

impl TryFrom<Vec<DestAddress>> for DestAddresses {
    type Error = EncodeError;

    fn try_from(items: Vec<DestAddress>) -> Result<Self, Self::Error> {
        if items.len() > 254 {
            return Err(EncodeError::TooManyItems {
                field: "dest_address",
                max: 254,
            });
        }
        Ok(Self {
            items,
            field: "dest_address",
        })
    }
}

/// One failed destination in submit_multi_resp (SMPP 3.4 section 4.5.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UnsuccessSme {
    /// TON of the address.
    pub dest_addr_ton: Ton,
    /// NPI of the address.
    pub dest_addr_npi: Npi,
    /// The address.
    pub destination_addr: Address,
    /// Why the submission to this address failed.
    pub error_status_code: CommandStatus,
}

/// submit_multi_resp's unsuccess_sme list: at most 255 entries (no_unsuccess).
pub type UnsuccessSmes = CountedList<UnsuccessSme, 255>;

impl Default for UnsuccessSmes {
    fn default() -> Self {
        Self::empty("unsuccess_sme")
    }
}

impl TryFrom<Vec<UnsuccessSme>> for UnsuccessSmes {
    type Error = EncodeError;

    fn try_from(items: Vec<UnsuccessSme>) -> Result<Self, Self::Error> {
        if items.len() > 255 {
            return Err(EncodeError::TooManyItems {
                field: "unsuccess_sme",
                max: 255,
            });
        }
        Ok(Self {
            items,
            field: "unsuccess_sme",
        })
    }
}

/// The body of submit_multi (SMPP 3.4 section 4.5.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubmitMulti {
    /// service_type (empty = SMSC default).
    pub service_type: ServiceType,
    /// TON of source_addr.
    pub source_addr_ton: Ton,
    /// NPI of source_addr.
    pub source_addr_npi: Npi,
    /// Originating address.
    pub source_addr: Address,
    /// The destinations (SME addresses and distribution lists).
    pub dest_addresses: DestAddresses,
    /// Message mode and type.
    pub esm_class: u8,
    /// GSM TP-Protocol-Identifier.
    pub protocol_id: u8,
    /// Priority level.
    pub priority_flag: u8,
    /// When to deliver (empty = immediately).
    pub schedule_delivery_time: SmppTime,
    /// When to give up (empty = SMSC default).
    pub validity_period: SmppTime,
    /// Receipt request.
    pub registered_delivery: u8,
    /// Replace an earlier message.
    pub replace_if_present_flag: u8,
    /// Encoding of short_message.
    pub data_coding: u8,
    /// Index of a predefined message.
    pub sm_default_msg_id: u8,
    /// The message.
    pub short_message: ShortMessage,
    /// Optional parameters in wire order.
    pub tlvs: Tlvs,
}

impl BodyCodec for SubmitMulti {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let service_type = reader.c_string("service_type")?;
        let source_addr_ton = Ton(reader.u8("source_addr_ton")?);
        let source_addr_npi = Npi(reader.u8("source_addr_npi")?);
        let source_addr = reader.c_string("source_addr")?;
        let number_of_dests = reader.u8("number_of_dests")?;
        if number_of_dests == 0 || number_of_dests == u8::MAX {
            return Err(DecodeErrorKind::InvalidNumberOfDests(number_of_dests));
        }
        let mut dest_addresses = DestAddresses::default();
        dest_addresses.items.reserve(usize::from(number_of_dests));
        for _ in 0..number_of_dests {
            dest_addresses.items.push(DestAddress::decode(reader)?);
        }
        Ok(Self {
            service_type,
            source_addr_ton,
            source_addr_npi,
            source_addr,
            dest_addresses,
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
            + 1
            + self
                .dest_addresses
                .iter()
                .map(DestAddress::encoded_len)
                .sum::<usize>()
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
        out.put_u8(self.dest_addresses.count_octet());
        for dest in self.dest_addresses.iter() {
            dest.encode(out);
        }
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

/// The body of submit_multi_resp (SMPP 3.4 section 4.5.2). TLVs are kept if a peer sends them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SubmitMultiResp {
    /// The SMSC's id for the message.
    pub message_id: MessageId,
    /// The destinations that failed.
    pub unsuccess_smes: UnsuccessSmes,
    /// Optional parameters in wire order.
    pub tlvs: Tlvs,
}

impl BodyCodec for SubmitMultiResp {
    fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let message_id = reader.c_string("message_id")?;
        let no_unsuccess = reader.u8("no_unsuccess")?;
        let mut unsuccess_smes = UnsuccessSmes::default();
        // Each entry takes at least 7 octets, so a lying count fails before it allocates much.
        unsuccess_smes
            .items
            .reserve(usize::from(no_unsuccess).min(reader.remaining() / 7));
        for _ in 0..no_unsuccess {
            unsuccess_smes.items.push(UnsuccessSme {
                dest_addr_ton: Ton(reader.u8("dest_addr_ton")?),
                dest_addr_npi: Npi(reader.u8("dest_addr_npi")?),
                destination_addr: reader.c_string("destination_addr")?,
                error_status_code: CommandStatus(reader.u32("error_status_code")?),
            });
        }
        Ok(Self {
            message_id,
            unsuccess_smes,
            tlvs: Tlvs::decode(reader)?,
        })
    }

    fn encoded_len(&self) -> usize {
        self.message_id.encoded_len()
            + 1
            + self
                .unsuccess_smes
                .iter()
                .map(|sme| 6 + sme.destination_addr.encoded_len())
                .sum::<usize>()
            + self.tlvs.encoded_len()
    }

    fn encode(&self, out: &mut BytesMut) {
        put_c_string(out, &self.message_id);
        out.put_u8(self.unsuccess_smes.count_octet());
        for sme in self.unsuccess_smes.iter() {
            out.put_u8(sme.dest_addr_ton.0);
            out.put_u8(sme.dest_addr_npi.0);
            put_c_string(out, &sme.destination_addr);
            out.put_u32(sme.error_status_code.0);
        }
        self.tlvs.encode(out);
    }
}
