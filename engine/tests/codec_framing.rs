//! Framing: partial input, several PDUs per read, skipping a bad PDU, fatal lengths.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod codec_common;

use bytes::{BufMut, BytesMut};
use codec_common::golden::{self, cat};
use engine::proto::{
    Body, CommandId, CommandStatus, DecodeErrorKind, Decoder, DEFAULT_MAX_COMMAND_LENGTH,
};

#[test]
fn partial_input_at_every_split_point() {
    let decoder = Decoder::default();
    for (name, octets) in golden::all() {
        for split in 0..octets.len() {
            let mut buf = BytesMut::from(&octets[..split]);
            assert_eq!(decoder.decode(&mut buf).unwrap(), None, "{name} at {split}");
            assert_eq!(buf.len(), split, "{name}: nothing consumed at {split}");
            buf.put_slice(&octets[split..]);
            let pdu = decoder.decode(&mut buf).unwrap().unwrap();
            assert_eq!(&pdu.to_bytes()[..], &octets[..], "{name} at {split}");
            assert!(buf.is_empty());
        }
    }
}

#[test]
fn two_pdus_in_one_buffer_and_a_partial_third() {
    let decoder = Decoder::default();
    let submit = golden::submit_sm();
    let mut buf =
        BytesMut::from(&cat(&[&submit, &golden::enquire_link_pair()[..16], &submit[..7]])[..]);
    let first = decoder.decode(&mut buf).unwrap().unwrap();
    assert_eq!(first.command_id(), CommandId::SUBMIT_SM);
    let second = decoder.decode(&mut buf).unwrap().unwrap();
    assert_eq!(second.body, Body::EnquireLink);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    assert_eq!(buf.len(), 7);
}

#[test]
fn every_golden_pdu_back_to_back() {
    let decoder = Decoder::default();
    let all = golden::all();
    let mut buf = BytesMut::new();
    for (_, octets) in &all {
        buf.put_slice(octets);
    }
    for (name, octets) in &all {
        let pdu = decoder.decode(&mut buf).unwrap().unwrap();
        assert_eq!(&pdu.to_bytes()[..], &octets[..], "{name}");
    }
    assert!(buf.is_empty());
}

#[test]
fn a_bad_pdu_is_consumed_and_the_next_one_decodes() {
    let decoder = Decoder::default();
    let mut bad_bind = golden::bind_transmitter();
    bad_bind[16..27].copy_from_slice(b"a_too_long_"); // system_id loses its NUL
    bad_bind[27..34].copy_from_slice(b"systemi"); // and runs past 16 octets
    let mut buf = BytesMut::from(
        &cat(&[
            &golden::header_only(0x0000_0099, 0, 1),
            &bad_bind,
            &golden::enquire_link_pair(),
        ])[..],
    );
    let err = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::UnknownCommandId);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVSYSID);
    assert!(!err.is_fatal());
    assert_eq!(
        decoder.decode(&mut buf).unwrap().unwrap().body,
        Body::EnquireLink
    );
    assert_eq!(
        decoder.decode(&mut buf).unwrap().unwrap().body,
        Body::EnquireLinkResp
    );
    assert!(buf.is_empty());
}

fn fatal_length(command_length: u32, with_rest_of_header: bool) {
    let decoder = Decoder::default();
    let mut octets = command_length.to_be_bytes().to_vec();
    if with_rest_of_header {
        octets.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9]);
    }
    let mut buf = BytesMut::from(&octets[..]);
    let err = decoder.decode(&mut buf).unwrap_err();
    assert!(err.is_fatal(), "{command_length}");
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::InvalidCommandLength {
            command_length,
            max: DEFAULT_MAX_COMMAND_LENGTH
        }
    );
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVCMDLEN);
    let reply = err.reply().unwrap();
    assert_eq!(reply.body, Body::GenericNack);
    assert_eq!(reply.command_status, CommandStatus::ESME_RINVCMDLEN);
    if with_rest_of_header {
        assert_eq!(err.command_id(), Some(CommandId::SUBMIT_SM));
        assert_eq!(reply.sequence_number, 9);
    } else {
        assert_eq!(err.sequence_number(), None);
    }
}

#[test]
fn impossible_command_lengths_are_fatal() {
    for length in [0, 1, 15, DEFAULT_MAX_COMMAND_LENGTH + 1, 1 << 31, u32::MAX] {
        fatal_length(length, false);
        fatal_length(length, true);
    }
}

#[test]
fn the_maximum_itself_is_accepted() {
    let decoder = Decoder::new(64);
    let mut frame = golden::submit_sm_resp(); // 23 octets; pad message_id to 64 in total
    frame.truncate(16);
    frame[3] = 64;
    frame.extend_from_slice(&[b'x'; 47]);
    frame.push(0);
    let mut buf = BytesMut::from(&frame[..]);
    assert!(decoder.decode(&mut buf).unwrap().is_some());
    frame[3] = 65;
    frame.insert(16, b'y');
    let mut buf = BytesMut::from(&frame[..]);
    assert!(decoder.decode(&mut buf).unwrap_err().is_fatal());
}

#[test]
fn minimum_limit_is_the_header() {
    let decoder = Decoder::new(0);
    assert_eq!(decoder.max_command_length(), 16);
    let mut buf = BytesMut::from(&golden::header_only(0x15, 0, 1)[..]);
    assert!(decoder.decode(&mut buf).unwrap().is_some());
}

#[test]
fn decode_frame_rejects_a_length_that_disagrees_with_the_frame() {
    let decoder = Decoder::default();
    let mut frame = golden::submit_sm_resp();
    frame.push(0);
    let err = decoder.decode_frame(frame.into()).unwrap_err();
    assert!(err.is_fatal());
    let err = decoder.decode_frame(vec![0, 0, 0].into()).unwrap_err();
    assert!(err.is_fatal());
}

#[test]
fn waiting_for_a_large_pdu_reserves_once() {
    let decoder = Decoder::default();
    let mut header = BytesMut::new();
    header.put_u32(1000);
    header.put_u32(0x8000_0004);
    header.put_u32(0);
    header.put_u32(1);
    assert_eq!(decoder.decode(&mut header).unwrap(), None);
    assert!(header.capacity() >= 1000);
}

#[test]
fn decode_frame_applies_the_limit() {
    let err = Decoder::new(32)
        .decode_frame(golden::bind_transmitter().into())
        .unwrap_err();
    assert!(err.is_fatal());
    assert_eq!(err.command_id(), Some(CommandId::BIND_TRANSMITTER));
    assert_eq!(err.sequence_number(), Some(1));
    assert!(Decoder::new(42)
        .decode_frame(golden::bind_transmitter().into())
        .is_ok());
}
