//! rusmpp 0.4: its owned `Command` model and the `CommandCodec` it ships for tokio-util
//! framing (decode from and encode into a `BytesMut`, like ours).

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use engine::proto::{Body, Pdu, SubmitSm};
use rusmpp::tlvs::{MessageDeliveryRequestTlvValue, MessageSubmissionRequestTlvValue, TlvTag};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::types::{AnyOctetString, COctetString, EmptyOrFullCOctetString, OctetString};
use rusmpp::values::{
    DataCoding, EsmClass, MessageState, Npi, PriorityFlag, RegisteredDelivery,
    ReplaceIfPresentFlag, ServiceType, Ton, UserMessageReference,
};
use rusmpp::{Command, CommandStatus};
use tokio_util::codec::{Decoder as _, Encoder as _};

use super::PeerError;

/// Decodes every complete PDU in `rx`, consuming it; returns how many.
pub(crate) fn decode_burst(
    codec: &mut CommandCodec,
    rx: &mut BytesMut,
) -> Result<usize, PeerError> {
    let mut count = 0;
    // `match` rather than `?`, the same shape as our adapter (`bench::ours`).
    loop {
        match codec.decode(rx) {
            Ok(Some(command)) => {
                black_box(&command);
                count += 1;
            }
            Ok(None) => return Ok(count),
            Err(err) => return Err(err.into()),
        }
    }
}

/// Encodes already-built commands into `tx`, which is cleared first.
pub(crate) fn encode_all(
    codec: &mut CommandCodec,
    commands: &[Command],
    tx: &mut BytesMut,
) -> Result<(), PeerError> {
    tx.clear();
    for command in commands {
        codec.encode(command, tx)?;
    }
    Ok(())
}

/// Decodes every complete PDU in `rx` and encodes each into `tx` (cleared first).
pub(crate) fn relay_burst(
    codec: &mut CommandCodec,
    rx: &mut BytesMut,
    tx: &mut BytesMut,
) -> Result<usize, PeerError> {
    tx.clear();
    let mut count = 0;
    loop {
        match codec.decode(rx) {
            Ok(Some(command)) => {
                codec.encode(&command, tx)?;
                count += 1;
            }
            Ok(None) => return Ok(count),
            Err(err) => return Err(err.into()),
        }
    }
}

/// rusmpp's value for one of our PDUs, built with its typed API (TLVs as typed values, not
/// raw octets), so that encoding it tests rusmpp's encoder rather than a byte copy.
pub(crate) fn from_ours(pdu: &Pdu) -> Result<Command, PeerError> {
    let status = CommandStatus::from(pdu.command_status.0);
    let command = match &pdu.body {
        Body::EnquireLink => Command::new(status, pdu.sequence_number, rusmpp::Pdu::EnquireLink),
        Body::SubmitSm(sm) => {
            let tlvs = sm
                .tlvs
                .iter()
                .map(|tlv| submission_tlv(tlv.tag().0, tlv.value()))
                .collect::<Result<Vec<_>, _>>()?;
            let fields = Fields::of(sm)?;
            let submit = rusmpp::pdus::SubmitSm::new(
                fields.service_type,
                fields.source_addr_ton,
                fields.source_addr_npi,
                fields.source_addr,
                fields.dest_addr_ton,
                fields.dest_addr_npi,
                fields.destination_addr,
                fields.esm_class,
                sm.protocol_id,
                fields.priority_flag,
                fields.schedule_delivery_time,
                fields.validity_period,
                fields.registered_delivery,
                fields.replace_if_present_flag,
                fields.data_coding,
                sm.sm_default_msg_id,
                fields.short_message,
                tlvs,
            );
            Command::new(status, pdu.sequence_number, submit)
        }
        Body::DeliverSm(sm) => {
            let tlvs = sm
                .tlvs
                .iter()
                .map(|tlv| delivery_tlv(tlv.tag().0, tlv.value()))
                .collect::<Result<Vec<_>, _>>()?;
            let fields = Fields::of(sm)?;
            let deliver = rusmpp::pdus::DeliverSm::new(
                fields.service_type,
                fields.source_addr_ton,
                fields.source_addr_npi,
                fields.source_addr,
                fields.dest_addr_ton,
                fields.dest_addr_npi,
                fields.destination_addr,
                fields.esm_class,
                sm.protocol_id,
                fields.priority_flag,
                fields.schedule_delivery_time,
                fields.validity_period,
                fields.registered_delivery,
                fields.replace_if_present_flag,
                fields.data_coding,
                sm.sm_default_msg_id,
                fields.short_message,
                tlvs,
            );
            Command::new(status, pdu.sequence_number, deliver)
        }
        other => return Err(format!("no rusmpp mapping for {:?}", other.command_id()).into()),
    };
    Ok(command)
}

/// The mandatory fields of submit_sm / deliver_sm in rusmpp's types.
struct Fields {
    service_type: ServiceType,
    source_addr_ton: Ton,
    source_addr_npi: Npi,
    source_addr: COctetString<1, 21>,
    dest_addr_ton: Ton,
    dest_addr_npi: Npi,
    destination_addr: COctetString<1, 21>,
    esm_class: EsmClass,
    priority_flag: PriorityFlag,
    schedule_delivery_time: EmptyOrFullCOctetString<17>,
    validity_period: EmptyOrFullCOctetString<17>,
    registered_delivery: RegisteredDelivery,
    replace_if_present_flag: ReplaceIfPresentFlag,
    data_coding: DataCoding,
    short_message: OctetString<0, 255>,
}

impl Fields {
    fn of(sm: &SubmitSm) -> Result<Self, PeerError> {
        Ok(Self {
            service_type: ServiceType::new(COctetString::from_vec(with_nul(
                sm.service_type.as_bytes(),
            ))?),
            source_addr_ton: Ton::from(sm.source_addr_ton.0),
            source_addr_npi: Npi::from(sm.source_addr_npi.0),
            source_addr: COctetString::from_vec(with_nul(sm.source_addr.as_bytes()))?,
            dest_addr_ton: Ton::from(sm.dest_addr_ton.0),
            dest_addr_npi: Npi::from(sm.dest_addr_npi.0),
            destination_addr: COctetString::from_vec(with_nul(sm.destination_addr.as_bytes()))?,
            esm_class: EsmClass::from(sm.esm_class),
            priority_flag: PriorityFlag::from(sm.priority_flag),
            schedule_delivery_time: EmptyOrFullCOctetString::from_vec(with_nul(
                sm.schedule_delivery_time.as_bytes(),
            ))?,
            validity_period: EmptyOrFullCOctetString::from_vec(with_nul(
                sm.validity_period.as_bytes(),
            ))?,
            registered_delivery: RegisteredDelivery::from(sm.registered_delivery),
            replace_if_present_flag: ReplaceIfPresentFlag::from(sm.replace_if_present_flag),
            data_coding: DataCoding::from(sm.data_coding),
            short_message: OctetString::from_bytes(sm.short_message.bytes().clone())?,
        })
    }
}

fn with_nul(content: &[u8]) -> Vec<u8> {
    let mut octets = Vec::with_capacity(content.len() + 1);
    octets.extend_from_slice(content);
    octets.push(0);
    octets
}

fn submission_tlv(tag: u16, value: &Bytes) -> Result<MessageSubmissionRequestTlvValue, PeerError> {
    Ok(match (tag, &value[..]) {
        (0x0204, &[high, low]) => MessageSubmissionRequestTlvValue::UserMessageReference(
            UserMessageReference::new(u16::from_be_bytes([high, low])),
        ),
        _ => MessageSubmissionRequestTlvValue::Other {
            tag: TlvTag::from(tag),
            value: AnyOctetString::from_bytes(value.clone()),
        },
    })
}

fn delivery_tlv(tag: u16, value: &Bytes) -> Result<MessageDeliveryRequestTlvValue, PeerError> {
    Ok(match (tag, &value[..]) {
        (0x001E, _) => MessageDeliveryRequestTlvValue::ReceiptedMessageId(
            COctetString::from_bytes(value.clone())?,
        ),
        (0x0427, &[state]) => {
            MessageDeliveryRequestTlvValue::MessageState(MessageState::from(state))
        }
        _ => MessageDeliveryRequestTlvValue::Other {
            tag: TlvTag::from(tag),
            value: AnyOctetString::from_bytes(value.clone()),
        },
    })
}
