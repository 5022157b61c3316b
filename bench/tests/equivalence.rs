//! The benchmark compares like with like: every codec decodes the hand-built bytes of each case
//! to the same field values, encodes its own value of each PDU to exactly those bytes, and each
//! adapter the benchmark times (decode, encode, decode+encode) gives the expected result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/peers/mod.rs"]
mod peers;

use bench::{cases, ours, Case};
use bytes::{Bytes, BytesMut};
use engine::proto::receipt::{ReceiptState, ReceiptText};
use engine::proto::{Body, Decoder, Pdu};
use peers::rusmpp_codec;
use peers::smpp34_codec::{self, Smpp34Pdu};
use rusmpp::encode::owned::Encode as _;
use rusmpp::tlvs::{TlvTag, TlvValue};
use rusmpp::tokio_codec::CommandCodec;
use rusmpp::values::{GsmFeatures, MessageState, MessageType};
use tokio_util::codec::Decoder as _;

/// The fields of submit_sm / deliver_sm in plain types, so three codecs' values compare.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sm {
    service_type: Vec<u8>,
    source_addr_ton: u8,
    source_addr_npi: u8,
    source_addr: Vec<u8>,
    dest_addr_ton: u8,
    dest_addr_npi: u8,
    destination_addr: Vec<u8>,
    esm_class: u8,
    protocol_id: u8,
    priority_flag: u8,
    schedule_delivery_time: Vec<u8>,
    validity_period: Vec<u8>,
    registered_delivery: u8,
    replace_if_present_flag: u8,
    data_coding: u8,
    sm_default_msg_id: u8,
    short_message: Vec<u8>,
    /// (tag, value octets) in wire order.
    tlvs: Vec<(u16, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fields {
    EnquireLink,
    SubmitSm(Sm),
    DeliverSm(Sm),
}

fn all_cases() -> Vec<Case> {
    let cases = cases::all().expect("cases build");
    assert_eq!(cases.len(), 4);
    cases
}

fn ours_fields(pdu: &Pdu) -> Fields {
    let sm = |sm: &engine::proto::SubmitSm| Sm {
        service_type: sm.service_type.as_bytes().to_vec(),
        source_addr_ton: sm.source_addr_ton.0,
        source_addr_npi: sm.source_addr_npi.0,
        source_addr: sm.source_addr.as_bytes().to_vec(),
        dest_addr_ton: sm.dest_addr_ton.0,
        dest_addr_npi: sm.dest_addr_npi.0,
        destination_addr: sm.destination_addr.as_bytes().to_vec(),
        esm_class: sm.esm_class,
        protocol_id: sm.protocol_id,
        priority_flag: sm.priority_flag,
        schedule_delivery_time: sm.schedule_delivery_time.as_bytes().to_vec(),
        validity_period: sm.validity_period.as_bytes().to_vec(),
        registered_delivery: sm.registered_delivery,
        replace_if_present_flag: sm.replace_if_present_flag,
        data_coding: sm.data_coding,
        sm_default_msg_id: sm.sm_default_msg_id,
        short_message: sm.short_message.as_bytes().to_vec(),
        tlvs: sm
            .tlvs
            .iter()
            .map(|t| (t.tag().0, t.value().to_vec()))
            .collect(),
    };
    match &pdu.body {
        Body::EnquireLink => Fields::EnquireLink,
        Body::SubmitSm(s) => Fields::SubmitSm(sm(s)),
        Body::DeliverSm(s) => Fields::DeliverSm(sm(s)),
        other => panic!("no benchmark case uses {:?}", other.command_id()),
    }
}

/// rusmpp's C-Octet Strings hold their NUL; the plain form does not.
fn without_nul(octets: &[u8]) -> Vec<u8> {
    octets.strip_suffix(&[0]).unwrap_or(octets).to_vec()
}

fn rusmpp_tlvs(tlvs: &[rusmpp::tlvs::Tlv]) -> Vec<(u16, Vec<u8>)> {
    tlvs.iter()
        .map(|tlv| {
            let mut value = BytesMut::new();
            if let Some(v) = tlv.value() {
                v.encode(&mut value);
            }
            assert_eq!(usize::from(tlv.value_length()), value.len());
            (u16::from(tlv.tag()), value.to_vec())
        })
        .collect()
}

macro_rules! rusmpp_sm {
    ($sm:expr) => {{
        let sm = $sm;
        Sm {
            service_type: without_nul(sm.service_type.value()),
            source_addr_ton: sm.source_addr_ton.into(),
            source_addr_npi: sm.source_addr_npi.into(),
            source_addr: without_nul(&sm.source_addr),
            dest_addr_ton: sm.dest_addr_ton.into(),
            dest_addr_npi: sm.dest_addr_npi.into(),
            destination_addr: without_nul(&sm.destination_addr),
            esm_class: sm.esm_class.into(),
            protocol_id: sm.protocol_id,
            priority_flag: sm.priority_flag.into(),
            schedule_delivery_time: without_nul(&sm.schedule_delivery_time),
            validity_period: without_nul(&sm.validity_period),
            registered_delivery: sm.registered_delivery.into(),
            replace_if_present_flag: sm.replace_if_present_flag.into(),
            data_coding: sm.data_coding.into(),
            sm_default_msg_id: sm.sm_default_msg_id,
            short_message: sm.short_message().to_vec(),
            tlvs: rusmpp_tlvs(sm.tlvs()),
        }
    }};
}

fn rusmpp_fields(command: &rusmpp::Command) -> Fields {
    match command.pdu() {
        Some(rusmpp::Pdu::EnquireLink) => Fields::EnquireLink,
        Some(rusmpp::Pdu::SubmitSm(sm)) => Fields::SubmitSm(rusmpp_sm!(sm)),
        Some(rusmpp::Pdu::DeliverSm(sm)) => Fields::DeliverSm(rusmpp_sm!(sm)),
        other => panic!("unexpected rusmpp pdu {other:?}"),
    }
}

macro_rules! smpp34_sm {
    ($sm:expr) => {{
        let sm = $sm;
        assert_eq!(usize::from(sm.sm_length), sm.short_message.len());
        Sm {
            service_type: sm.service_type.as_bytes().to_vec(),
            source_addr_ton: sm.source_addr_ton,
            source_addr_npi: sm.source_addr_npi,
            source_addr: sm.source_addr.as_bytes().to_vec(),
            dest_addr_ton: sm.dest_addr_ton,
            dest_addr_npi: sm.dest_addr_npi,
            destination_addr: sm.destination_addr.as_bytes().to_vec(),
            esm_class: sm.esm_class,
            protocol_id: sm.protocol_id,
            priority_flag: sm.priority_flag,
            schedule_delivery_time: sm.schedule_delivery_time.as_bytes().to_vec(),
            validity_period: sm.validity_period.as_bytes().to_vec(),
            registered_delivery: sm.registered_delivery,
            replace_if_present_flag: sm.replace_if_present_flag,
            data_coding: sm.data_coding,
            sm_default_msg_id: sm.sm_default_msg_id,
            short_message: sm.short_message.clone(),
            tlvs: sm.tlvs.iter().map(|t| (t.tag, t.value.clone())).collect(),
        }
    }};
}

fn smpp34_fields(pdu: &Smpp34Pdu) -> Fields {
    match pdu {
        Smpp34Pdu::EnquireLink(_) => Fields::EnquireLink,
        Smpp34Pdu::SubmitSm(sm) => Fields::SubmitSm(smpp34_sm!(sm)),
        Smpp34Pdu::DeliverSm(sm) => Fields::DeliverSm(smpp34_sm!(sm)),
    }
}

#[test]
fn our_pdus_encode_to_the_hand_built_bytes_and_back() {
    for case in all_cases() {
        assert_eq!(case.frames.len(), case.pdus.len(), "{}", case.name);
        for (frame, pdu) in case.frames.iter().zip(&case.pdus) {
            assert_eq!(pdu.to_bytes(), frame, "{}: our encoding", case.name);
            let decoded = Pdu::decode(frame.clone()).unwrap();
            assert_eq!(&decoded, pdu, "{}: our decoding", case.name);
        }
    }
}

#[test]
fn cases_are_the_messages_the_brief_describes() {
    let submit = cases::submit_sm().unwrap();
    let Body::SubmitSm(sm) = &submit.pdus[0].body else {
        panic!("submit_sm case is {:?}", submit.pdus[0].body)
    };
    assert!((50..=70).contains(&sm.short_message.len()));
    assert_eq!(
        (sm.data_coding, sm.registered_delivery, sm.tlvs.len()),
        (0, 1, 2)
    );

    let receipt = cases::delivery_receipt().unwrap();
    let Body::DeliverSm(sm) = &receipt.pdus[0].body else {
        panic!("receipt case is {:?}", receipt.pdus[0].body)
    };
    assert_eq!(sm.esm_class, 0x04);
    let text = ReceiptText::parse(std::str::from_utf8(sm.short_message.as_bytes()).unwrap());
    assert_eq!(text.id, Some(cases::RECEIPT_ID));
    assert_eq!(text.state(), Some(ReceiptState::Delivered));
    assert_eq!(
        sm.tlvs.receipted_message_id(),
        Some(cases::RECEIPT_ID.as_bytes())
    );

    let concat = cases::concat_ucs2().unwrap();
    assert_eq!(concat.frames.len(), 3, "three parts");
    for pdu in &concat.pdus {
        let Body::SubmitSm(sm) = &pdu.body else {
            panic!("concat part is {:?}", pdu.body)
        };
        assert_eq!((sm.esm_class, sm.data_coding), (0x40, 0x08));
        assert!(sm.short_message.len() <= 140);
    }
}

#[test]
fn our_adapters_decode_encode_and_relay_exactly() {
    let decoder = Decoder::default();
    for case in all_cases() {
        let wire = case.wire();
        let mut rx = BytesMut::from(&wire[..]);
        assert_eq!(
            ours::decode_burst(&decoder, &mut rx).unwrap(),
            case.frames.len()
        );
        assert!(rx.is_empty());

        let mut tx = BytesMut::from(&b"stale"[..]);
        ours::encode_all(&case.pdus, &mut tx);
        assert_eq!(&tx[..], &wire[..], "{}: encode", case.name);

        let mut rx = BytesMut::from(&wire[..]);
        let n = ours::relay_burst(&decoder, &mut rx, &mut tx).unwrap();
        assert_eq!(
            (n, &tx[..]),
            (case.frames.len(), &wire[..]),
            "{}",
            case.name
        );
    }
}

#[test]
fn rusmpp_decodes_our_bytes_to_the_same_fields() {
    for case in all_cases() {
        let mut codec = CommandCodec::new();
        let mut rx = BytesMut::from(&case.wire()[..]);
        for pdu in &case.pdus {
            let command = codec.decode(&mut rx).unwrap().expect("a whole frame");
            assert_eq!(command.sequence_number(), pdu.sequence_number);
            assert_eq!(u32::from(command.status()), pdu.command_status.0);
            assert_eq!(rusmpp_fields(&command), ours_fields(pdu), "{}", case.name);
            // Its own typed value of the PDU is what it decoded.
            assert_eq!(
                command,
                rusmpp_codec::from_ours(pdu).unwrap(),
                "{}",
                case.name
            );
        }
        assert!(rx.is_empty());
    }
}

#[test]
fn rusmpp_reads_the_tlvs_as_typed_values() {
    let decode = |case: Case| {
        let mut rx = BytesMut::from(&case.wire()[..]);
        CommandCodec::new().decode(&mut rx).unwrap().unwrap()
    };
    let submit = decode(cases::submit_sm().unwrap());
    let Some(rusmpp::Pdu::SubmitSm(sm)) = submit.pdu() else {
        panic!("{submit:?}")
    };
    let values: Vec<_> = sm.tlvs().iter().map(|t| t.value().cloned()).collect();
    assert!(matches!(
        &values[0],
        Some(TlvValue::UserMessageReference(r)) if r.value == cases::USER_MESSAGE_REFERENCE
    ));
    assert!(matches!(
        &values[1],
        Some(TlvValue::Other { tag: TlvTag::Other(cases::VENDOR_TAG), value })
            if &value[..] == cases::VENDOR_VALUE
    ));

    let receipt = decode(cases::delivery_receipt().unwrap());
    let Some(rusmpp::Pdu::DeliverSm(sm)) = receipt.pdu() else {
        panic!("{receipt:?}")
    };
    assert_eq!(
        sm.esm_class.message_type,
        MessageType::ShortMessageContainsMCDeliveryReceipt
    );
    let values: Vec<_> = sm.tlvs().iter().map(|t| t.value().cloned()).collect();
    assert!(matches!(
        &values[0],
        Some(TlvValue::ReceiptedMessageId(id)) if id.as_str() == cases::RECEIPT_ID
    ));
    assert_eq!(
        values[1],
        Some(TlvValue::MessageState(MessageState::Delivered))
    );

    let concat = cases::concat_ucs2().unwrap();
    let part = decode(concat);
    let Some(rusmpp::Pdu::SubmitSm(sm)) = part.pdu() else {
        panic!("{part:?}")
    };
    assert_eq!(sm.esm_class.gsm_features, GsmFeatures::UdhiIndicator);
}

#[test]
fn rusmpp_encodes_its_values_to_our_bytes() {
    let mut codec = CommandCodec::new();
    for case in all_cases() {
        let wire = case.wire();
        let commands: Vec<_> = case
            .pdus
            .iter()
            .map(|pdu| rusmpp_codec::from_ours(pdu).unwrap())
            .collect();
        let mut tx = BytesMut::from(&b"stale"[..]);
        rusmpp_codec::encode_all(&mut codec, &commands, &mut tx).unwrap();
        assert_eq!(&tx[..], &wire[..], "{}: encode", case.name);

        let mut rx = BytesMut::from(&wire[..]);
        assert_eq!(
            rusmpp_codec::decode_burst(&mut codec, &mut rx).unwrap(),
            case.frames.len()
        );
        let mut rx = BytesMut::from(&wire[..]);
        let n = rusmpp_codec::relay_burst(&mut codec, &mut rx, &mut tx).unwrap();
        assert_eq!(
            (n, &tx[..]),
            (case.frames.len(), &wire[..]),
            "{}",
            case.name
        );
    }
}

#[test]
fn smpp34_decodes_our_bytes_to_the_same_fields() {
    for case in all_cases() {
        for (frame, pdu) in case.frames.iter().zip(&case.pdus) {
            let decoded = Smpp34Pdu::decode(frame).unwrap();
            assert_eq!(smpp34_fields(&decoded), ours_fields(pdu), "{}", case.name);
            // The header (sequence_number, status) is private in smpp34: re-encoding the
            // decoded value shows it was kept.
            assert_eq!(Bytes::from(decoded.encode()), frame, "{}", case.name);
        }
    }
}

#[test]
fn smpp34_encodes_its_values_to_our_bytes() {
    for case in all_cases() {
        let wire = case.wire();
        let mut pdus: Vec<_> = case
            .pdus
            .iter()
            .map(|pdu| smpp34_codec::from_ours(pdu).unwrap())
            .collect();
        let mut out = Vec::new();
        smpp34_codec::encode_each(&mut pdus, |v| out.extend(v));
        assert!(pdus.is_empty());
        assert_eq!(out, wire, "{}: encode", case.name);

        let mut rx = BytesMut::from(&wire[..]);
        assert_eq!(
            smpp34_codec::decode_burst(&mut rx).unwrap(),
            case.frames.len()
        );
        let mut rx = BytesMut::from(&wire[..]);
        let mut out = Vec::new();
        let n = smpp34_codec::relay_burst(&mut rx, |v| out.extend(v)).unwrap();
        assert_eq!((n, out), (case.frames.len(), wire), "{}", case.name);
    }
}

#[test]
fn a_changed_octet_is_noticed() {
    // Guards the comparisons above against comparing a thing with itself: a different
    // user_message_reference must show up in every codec's fields.
    let case = cases::submit_sm().unwrap();
    let mut bytes = case.frames[0].to_vec();
    let at = bytes.len() - 4 - cases::VENDOR_VALUE.len() - 1;
    bytes[at] ^= 0xFF; // low octet of user_message_reference
    let changed = Pdu::decode(Bytes::from(bytes.clone())).unwrap();
    assert_ne!(ours_fields(&changed), ours_fields(&case.pdus[0]));
    assert_eq!(
        smpp34_fields(&Smpp34Pdu::decode(&bytes).unwrap()),
        ours_fields(&changed)
    );
    let mut rx = BytesMut::from(&bytes[..]);
    let command = CommandCodec::new().decode(&mut rx).unwrap().unwrap();
    assert_eq!(rusmpp_fields(&command), ours_fields(&changed));
}
