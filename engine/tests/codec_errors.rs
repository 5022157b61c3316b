//! Bad PDUs: each decode error maps to the SMPP status and reply the session must send.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod codec_common;

use bytes::{Bytes, BytesMut};
use codec_common::golden::{self, cat};
use engine::proto::{
    Body, CommandId, CommandStatus, DecodeError, DecodeErrorKind, Decoder, Pdu, TlvTag,
};

fn decode_err(octets: Vec<u8>) -> DecodeError {
    Decoder::default()
        .decode_frame(Bytes::from(octets))
        .unwrap_err()
}

/// Replaces the body of a golden PDU and fixes command_length.
fn with_body(header_of: &[u8], body: &[&[u8]]) -> Vec<u8> {
    let body = body.concat();
    let len = u32::try_from(16 + body.len()).unwrap();
    cat(&[&len.to_be_bytes(), &header_of[4..16], &body])
}

/// A submit_sm body with the given source and destination address fields (NULs included).
fn submit_sm_with(source_addr: &[u8], destination_addr: &[u8], tail: &[u8]) -> Vec<u8> {
    with_body(
        &golden::submit_sm(),
        &[
            b"\0",         // service_type
            &[0x01, 0x01], // source ton/npi
            source_addr,
            &[0x01, 0x01], // dest ton/npi
            destination_addr,
            tail,
        ],
    )
}

/// esm_class .. sm_default_msg_id with empty times, then an empty short message.
const SUBMIT_TAIL: &[u8] = &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

fn expect_resp(err: &DecodeError, status: CommandStatus, resp: CommandId) {
    assert!(!err.is_fatal(), "{err}");
    assert_eq!(err.command_status(), status, "{err}");
    let reply = err.reply().unwrap();
    assert_eq!(reply.command_id(), resp);
    assert_eq!(reply.command_status, status);
    assert_eq!(Some(reply.sequence_number), err.sequence_number());
    // An error response goes out header-only.
    assert_eq!(reply.to_bytes().len(), 16);
}

#[test]
fn well_formed_submit_sm_helper_decodes() {
    let ok = submit_sm_with(b"4477\0", b"4478\0", SUBMIT_TAIL);
    let pdu = Decoder::default().decode_frame(Bytes::from(ok)).unwrap();
    assert_eq!(pdu.command_id(), CommandId::SUBMIT_SM);
}

#[test]
fn too_long_source_addr_is_rinvsrcadr() {
    let err = decode_err(submit_sm_with(&[b'1'; 22], b"4478\0", SUBMIT_TAIL));
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::StringTooLong {
            field: "source_addr",
            max: 21
        }
    );
    assert!(err.to_string().contains("source_addr"));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVSRCADR,
        CommandId::SUBMIT_SM_RESP,
    );
}

#[test]
fn twenty_octet_address_is_the_limit() {
    let mut source = vec![b'1'; 20];
    source.push(0);
    let ok = submit_sm_with(&source, b"4478\0", SUBMIT_TAIL);
    assert!(Decoder::default().decode_frame(Bytes::from(ok)).is_ok());
    let mut source = vec![b'1'; 21];
    source.push(0);
    let err = decode_err(submit_sm_with(&source, b"4478\0", SUBMIT_TAIL));
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVSRCADR);
}

#[test]
fn too_long_destination_addr_is_rinvdstadr() {
    let err = decode_err(submit_sm_with(b"4477\0", &[b'9'; 30], SUBMIT_TAIL));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVDSTADR,
        CommandId::SUBMIT_SM_RESP,
    );
}

#[test]
fn unterminated_last_field_names_it() {
    // The body ends inside destination_addr (no NUL anywhere after it).
    let err = decode_err(submit_sm_with(b"4477\0", b"4478", &[]));
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::Unterminated {
            field: "destination_addr"
        }
    );
}

#[test]
fn bind_with_long_system_id_gets_its_own_resp() {
    let body: &[&[u8]] = &[
        b"a_very_long_system_id\0",
        b"pw\0",
        b"\0",
        &[0x34, 0, 0],
        b"\0",
    ];
    let err = decode_err(with_body(&golden::bind_receiver(), body));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVSYSID,
        CommandId::BIND_RECEIVER_RESP,
    );
    let err = decode_err(with_body(&golden::bind_transceiver(), body));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVSYSID,
        CommandId::BIND_TRANSCEIVER_RESP,
    );
}

#[test]
fn bind_with_long_password_is_rinvpaswd() {
    let body: &[&[u8]] = &[b"sys\0", b"123456789\0", b"\0", &[0x34, 0, 0], b"\0"];
    let err = decode_err(with_body(&golden::bind_transmitter(), body));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVPASWD,
        CommandId::BIND_TRANSMITTER_RESP,
    );
}

#[test]
fn truncated_bind_is_rinvcmdlen() {
    let body: &[&[u8]] = &[b"sys\0", b"pw\0", b"\0", &[0x34]];
    let err = decode_err(with_body(&golden::bind_transmitter(), body));
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::UnexpectedEnd { field: "addr_ton" }
    );
    expect_resp(
        &err,
        CommandStatus::ESME_RINVCMDLEN,
        CommandId::BIND_TRANSMITTER_RESP,
    );
}

#[test]
fn bad_schedule_and_validity_times() {
    let mut tail = vec![0, 0, 0];
    tail.extend_from_slice(b"2501020304050+\0"); // 14 characters: not an SMPP time
    tail.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0]);
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVSCHED,
        CommandId::SUBMIT_SM_RESP,
    );

    let mut tail = vec![0, 0, 0, 0];
    tail.extend_from_slice(b"25010203040500X+\0"); // bad character
    tail.extend_from_slice(&[0, 0, 0, 0, 0]);
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVEXPIRY,
        CommandId::SUBMIT_SM_RESP,
    );
}

#[test]
fn sm_length_above_254_is_rinvmsglen() {
    let mut tail = vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 255];
    tail.extend_from_slice(&[b'x'; 255]);
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVMSGLEN,
        CommandId::SUBMIT_SM_RESP,
    );
}

#[test]
fn sm_length_past_the_body_is_rinvcmdlen() {
    let tail = [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, b'a', b'b'];
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::UnexpectedEnd {
            field: "short_message"
        }
    );
    expect_resp(
        &err,
        CommandStatus::ESME_RINVCMDLEN,
        CommandId::SUBMIT_SM_RESP,
    );
}

#[test]
fn standard_tlv_with_wrong_length_is_rinvparlen() {
    let mut tail = SUBMIT_TAIL.to_vec();
    tail.extend_from_slice(&[0x02, 0x0C, 0x00, 0x01, 0x2A]); // sar_msg_ref_num of 1 octet
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    assert_eq!(
        err.kind(),
        &DecodeErrorKind::InvalidTlvLength {
            tag: TlvTag::SAR_MSG_REF_NUM,
            len: 1
        }
    );
    expect_resp(
        &err,
        CommandStatus::ESME_RINVPARLEN,
        CommandId::SUBMIT_SM_RESP,
    );
}

#[test]
fn broken_tlv_stream_is_rinvoptparstream() {
    // Three stray octets: not even a TLV header.
    let mut tail = SUBMIT_TAIL.to_vec();
    tail.extend_from_slice(&[0x14, 0x00, 0x00]);
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVOPTPARSTREAM,
        CommandId::SUBMIT_SM_RESP,
    );
    // A TLV whose length runs past the end of the PDU.
    let mut tail = SUBMIT_TAIL.to_vec();
    tail.extend_from_slice(&[0x14, 0x00, 0x00, 0x09, b'a']);
    let err = decode_err(submit_sm_with(b"1\0", b"2\0", &tail));
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVOPTPARSTREAM);
}

#[test]
fn unknown_request_id_is_nacked_unknown_response_is_dropped() {
    let err = decode_err(golden::header_only(0x0000_0099, 0, 42));
    assert!(!err.is_fatal());
    assert_eq!(err.command_id(), Some(CommandId(0x99)));
    let reply = err.reply().unwrap();
    assert_eq!(reply.body, Body::GenericNack);
    assert_eq!(reply.command_status, CommandStatus::ESME_RINVCMDID);
    assert_eq!(reply.sequence_number, 42);

    let err = decode_err(golden::header_only(0x8000_0099, 0, 43));
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVCMDID);
    assert_eq!(err.reply(), None);
}

#[test]
fn bad_response_is_dropped_not_answered() {
    let err = decode_err(with_body(&golden::submit_sm_resp(), &[&[b'x'; 70]]));
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVMSGID);
    assert_eq!(err.reply(), None);
}

#[test]
fn requests_without_a_response_are_not_answered() {
    let err = decode_err(with_body(&golden::outbind(), &[b"smsc\0", b"pw"]));
    assert_eq!(err.reply(), None);
    let err = decode_err(with_body(&golden::alert_notification(), &[&[1, 1], b"44"]));
    assert_eq!(err.reply(), None);
}

#[test]
fn enquire_link_with_a_body_is_rinvcmdlen() {
    let err = decode_err(with_body(&golden::header_only(0x15, 0, 5), &[&[0]]));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVCMDLEN,
        CommandId::ENQUIRE_LINK_RESP,
    );
}

#[test]
fn stray_octets_after_a_bodiless_response_are_ignored() {
    let frame = with_body(&golden::header_only(0x8000_0015, 0, 5), &[&[0, 0]]);
    let pdu = Decoder::default().decode_frame(Bytes::from(frame)).unwrap();
    assert_eq!(pdu.body, Body::EnquireLinkResp);
}

#[test]
fn submit_multi_dest_flag_and_count() {
    let multi = golden::submit_multi();
    // Change the first dest_flag (offset 16 + 1 + 2 + 5 + 1 = 25) to 3.
    let mut bad_flag = multi.clone();
    bad_flag[25] = 3;
    let err = decode_err(bad_flag);
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidDestFlag(3));
    expect_resp(
        &err,
        CommandStatus::ESME_RINVDESTFLAG,
        CommandId::SUBMIT_MULTI_RESP,
    );
    // number_of_dests (offset 24) of 0.
    let mut no_dests = multi.clone();
    no_dests[24] = 0;
    let err = decode_err(no_dests);
    expect_resp(
        &err,
        CommandStatus::ESME_RINVNUMDESTS,
        CommandId::SUBMIT_MULTI_RESP,
    );
    // number_of_dests of 200 with two entries in the body: runs out of body, no big allocation.
    let mut many = multi;
    many[24] = 200;
    let err = decode_err(many);
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVDESTFLAG);
}

#[test]
fn submit_multi_resp_with_lying_count_fails_cleanly() {
    let mut resp = golden::submit_multi_resp();
    resp[20] = 255; // no_unsuccess
    let err = decode_err(resp);
    assert!(matches!(err.kind(), DecodeErrorKind::UnexpectedEnd { .. }));
    assert_eq!(err.reply(), None);
}

#[test]
fn dl_name_too_long_is_rinvdlname() {
    let body: &[&[u8]] = &[b"\0", &[5, 0], b"ACME\0", &[1, 2], &[b'd'; 25]];
    let err = decode_err(with_body(&golden::submit_multi(), body));
    assert_eq!(err.command_status(), CommandStatus::ESME_RINVDLNAME);
}

#[test]
fn error_replies_encode_without_body_but_ok_replies_keep_it() {
    let err = decode_err(submit_sm_with(&[b'1'; 22], b"4478\0", SUBMIT_TAIL));
    let mut out = BytesMut::new();
    err.reply().unwrap().encode(&mut out);
    assert_eq!(
        &out[..],
        &cat(&[
            &[0, 0, 0, 16],
            &[0x80, 0, 0, 4],
            &[0, 0, 0, 0x0A],
            &5u32.to_be_bytes(),
        ])[..]
    );
    let ok = Pdu::ok(5, Body::SubmitSmResp(Default::default()));
    assert_eq!(ok.encoded_len(), 17, "message_id NUL is sent with ESME_ROK");
}

#[test]
fn error_response_for_a_decoded_request() {
    let request = Decoder::default()
        .decode_frame(Bytes::from(golden::submit_sm()))
        .unwrap();
    let reply = request
        .error_response(CommandStatus::ESME_RTHROTTLED)
        .unwrap();
    assert_eq!(
        &reply.to_bytes()[..],
        &cat(&[
            &[0, 0, 0, 16],
            &[0x80, 0, 0, 4],
            &[0, 0, 0, 0x58],
            &5u32.to_be_bytes()
        ])[..]
    );
    let response = Decoder::default()
        .decode_frame(Bytes::from(golden::submit_sm_resp()))
        .unwrap();
    assert_eq!(response.error_response(CommandStatus::ESME_RSYSERR), None);
}

#[test]
fn error_response_with_a_malformed_body_still_decodes() {
    let mut frame = with_body(&golden::submit_sm_resp(), &[&[b'x'; 70]]);
    frame[15] = 6;
    frame[11] = 0x45; // ESME_RSUBMITFAIL
    let pdu = Decoder::default().decode_frame(Bytes::from(frame)).unwrap();
    assert_eq!(pdu.command_status, CommandStatus::ESME_RSUBMITFAIL);
    assert_eq!(pdu.sequence_number, 6);
    assert_eq!(pdu.body, Body::SubmitSmResp(Default::default()));
}
