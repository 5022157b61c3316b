//! smpp34 1.5: per-command `decode(header, &[u8])` and `encode(self) -> Vec<u8>`. It has no
//! public stream decoder or command dispatch (its sessions do that internally), so the few
//! lines of framing and dispatch here stand in for them.

use std::hint::black_box;

use bytes::{Buf, BytesMut};
use engine::proto::{Body, Pdu, SubmitSm};
use smpp34::{deliver_sm, enquire_link, submit_sm, CommandHeader, SmppError, Tlv};

use super::PeerError;

const HEADER_LEN: usize = 16;
const SUBMIT_SM: u32 = 0x0000_0004;
const DELIVER_SM: u32 = 0x0000_0005;
const ENQUIRE_LINK: u32 = 0x0000_0015;

/// The smpp34 commands the benchmark uses.
#[derive(Debug, Clone)]
pub(crate) enum Smpp34Pdu {
    SubmitSm(submit_sm),
    DeliverSm(deliver_sm),
    EnquireLink(enquire_link),
}

impl Smpp34Pdu {
    /// Decodes one complete frame, dispatching on its command_id.
    pub(crate) fn decode(frame: &[u8]) -> Result<Self, SmppError> {
        let header = CommandHeader::decode(frame)?;
        match header.command_id {
            SUBMIT_SM => submit_sm::decode(header, frame).map(Self::SubmitSm),
            DELIVER_SM => deliver_sm::decode(header, frame).map(Self::DeliverSm),
            ENQUIRE_LINK => enquire_link::decode(header, frame).map(Self::EnquireLink),
            _ => Err(SmppError::ESME_RINVCMDID),
        }
    }

    /// Encodes into a new `Vec`, smpp34's only encoder; consumes the PDU.
    pub(crate) fn encode(self) -> Vec<u8> {
        match self {
            Self::SubmitSm(pdu) => pdu.encode(),
            Self::DeliverSm(pdu) => pdu.encode(),
            Self::EnquireLink(pdu) => pdu.encode(),
        }
    }
}

/// The length of the complete frame at the front of `rx`, if it has arrived.
fn frame_len(rx: &BytesMut) -> Result<Option<usize>, SmppError> {
    let Some(length) = rx.get(..4) else {
        return Ok(None);
    };
    let length = u32::from_be_bytes([length[0], length[1], length[2], length[3]]) as usize;
    if length < HEADER_LEN {
        return Err(SmppError::ESME_RINVCMDLEN);
    }
    Ok((rx.len() >= length).then_some(length))
}

/// Decodes every complete PDU in `rx`, consuming it; returns how many.
pub(crate) fn decode_burst(rx: &mut BytesMut) -> Result<usize, SmppError> {
    let mut count = 0;
    // `match` rather than `?`, the same shape as our adapter (`bench::ours`): moving a large
    // PDU value through `?` makes LLVM copy it on every call.
    loop {
        let len = match frame_len(rx) {
            Ok(Some(len)) => len,
            Ok(None) => return Ok(count),
            Err(err) => return Err(err),
        };
        match Smpp34Pdu::decode(&rx[..len]) {
            Ok(pdu) => {
                black_box(&pdu);
                rx.advance(len);
                count += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// Encodes each PDU, moving it out of `pdus` (smpp34's encoder consumes it), and hands its
/// buffer to `sink`; `pdus` is left empty, its allocation kept.
pub(crate) fn encode_each(pdus: &mut Vec<Smpp34Pdu>, mut sink: impl FnMut(Vec<u8>)) {
    for pdu in pdus.drain(..) {
        sink(pdu.encode());
    }
}

/// Decodes every complete PDU in `rx` and hands each one's encoding to `sink`.
pub(crate) fn relay_burst(
    rx: &mut BytesMut,
    mut sink: impl FnMut(Vec<u8>),
) -> Result<usize, SmppError> {
    let mut count = 0;
    loop {
        let len = match frame_len(rx) {
            Ok(Some(len)) => len,
            Ok(None) => return Ok(count),
            Err(err) => return Err(err),
        };
        match Smpp34Pdu::decode(&rx[..len]) {
            Ok(pdu) => {
                rx.advance(len);
                sink(pdu.encode());
                count += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// smpp34's value for one of our PDUs, built with its constructors.
pub(crate) fn from_ours(pdu: &Pdu) -> Result<Smpp34Pdu, PeerError> {
    let seq = pdu.sequence_number;
    Ok(match &pdu.body {
        Body::EnquireLink => Smpp34Pdu::EnquireLink(enquire_link::new(seq)),
        Body::SubmitSm(sm) => {
            let f = Fields::of(sm);
            Smpp34Pdu::SubmitSm(
                submit_sm::new(
                    seq,
                    f.service_type,
                    sm.source_addr_ton.0,
                    sm.source_addr_npi.0,
                    f.source_addr,
                    sm.dest_addr_ton.0,
                    sm.dest_addr_npi.0,
                    f.destination_addr,
                    sm.esm_class,
                    sm.protocol_id,
                    sm.priority_flag,
                    f.schedule_delivery_time,
                    f.validity_period,
                    sm.registered_delivery,
                    sm.replace_if_present_flag,
                    sm.data_coding,
                    sm.sm_default_msg_id,
                    sm.short_message.as_bytes().to_vec(),
                )
                .with_tlvs(f.tlvs),
            )
        }
        Body::DeliverSm(sm) => {
            let f = Fields::of(sm);
            Smpp34Pdu::DeliverSm(
                deliver_sm::new(
                    seq,
                    f.service_type,
                    sm.source_addr_ton.0,
                    sm.source_addr_npi.0,
                    f.source_addr,
                    sm.dest_addr_ton.0,
                    sm.dest_addr_npi.0,
                    f.destination_addr,
                    sm.esm_class,
                    sm.protocol_id,
                    sm.priority_flag,
                    f.schedule_delivery_time,
                    f.validity_period,
                    sm.registered_delivery,
                    sm.replace_if_present_flag,
                    sm.data_coding,
                    sm.sm_default_msg_id,
                    sm.short_message.as_bytes().to_vec(),
                )
                .with_tlvs(f.tlvs),
            )
        }
        other => return Err(format!("no smpp34 mapping for {:?}", other.command_id()).into()),
    })
}

/// The string fields and TLVs of submit_sm / deliver_sm in smpp34's types.
struct Fields {
    service_type: String,
    source_addr: String,
    destination_addr: String,
    schedule_delivery_time: String,
    validity_period: String,
    tlvs: Vec<Tlv>,
}

impl Fields {
    fn of(sm: &SubmitSm) -> Self {
        Self {
            service_type: sm.service_type.to_string_lossy().into_owned(),
            source_addr: sm.source_addr.to_string_lossy().into_owned(),
            destination_addr: sm.destination_addr.to_string_lossy().into_owned(),
            schedule_delivery_time: sm.schedule_delivery_time.as_str().to_owned(),
            validity_period: sm.validity_period.as_str().to_owned(),
            tlvs: sm
                .tlvs
                .iter()
                .map(|tlv| Tlv::new(tlv.tag().0, tlv.value().to_vec()))
                .collect(),
        }
    }
}
