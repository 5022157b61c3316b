//! Partner submit_sm/data_sm and carrier deliver_sm -> core inserts and receipts. Inputs are
//! frames hand-built from the SMPP 3.4 field tables (sections 4.4.1, 4.6.1, 4.7.1, 5.3.2) and
//! decoded by the codec; expectations come from the contract's JSON examples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use core_api::{BindMode, Concat, DeliveryStatus, Encoding};
use engine::proto::receipt::ReceiptState;
use engine::proto::{Body, CommandStatus, DeliverSm, Pdu};
use engine::translate::{
    assemble_mo, carrier_deliver, concat_of, partner_data_sm, partner_submit, status, BindContext,
    CarrierReceipt, Inbound, TranslateError,
};
use serde_json::json;

/// 2026-11-21T10:00:01Z.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_255_201)
}

fn partner() -> BindContext<'static> {
    BindContext {
        bind_name: "partner_acme",
        smsc_name: "smpp_prod_01",
        now: now(),
    }
}

fn carrier() -> BindContext<'static> {
    BindContext {
        bind_name: "vodafone_uk",
        ..partner()
    }
}

/// The variable fields of a submit_sm/deliver_sm frame.
struct Sm<'a> {
    command_id: u32,
    esm_class: u8,
    validity: &'a [u8],
    registered_delivery: u8,
    data_coding: u8,
    short_message: &'a [u8],
    tlvs: &'a [u8],
}

const SUBMIT_SM: u32 = 0x0000_0004;
const DELIVER_SM: u32 = 0x0000_0005;

impl Default for Sm<'_> {
    fn default() -> Self {
        Sm {
            command_id: SUBMIT_SM,
            esm_class: 0,
            validity: b"\0",
            registered_delivery: 0,
            data_coding: 0,
            short_message: b"",
            tlvs: b"",
        }
    }
}

impl Sm<'_> {
    /// Hand-built frame: source 61412345678 (1/1), destination 1234 (0/0).
    fn frame(&self) -> Vec<u8> {
        let body = [
            &b"\0"[..],                                                // service_type
            &[0x01, 0x01],                                             // source ton, npi
            b"61412345678\0",                                          // source_addr
            &[0x00, 0x00],                                             // dest ton, npi
            b"1234\0",                                                 // destination_addr
            &[self.esm_class, 0x00, 0x00], // esm_class, protocol_id, priority
            b"\0",                         // schedule_delivery_time
            self.validity,                 // validity_period (with its NUL)
            &[self.registered_delivery, 0x00, self.data_coding, 0x00], // rd, replace, dc, default id
            &[u8::try_from(self.short_message.len()).unwrap()],        // sm_length
            self.short_message,
            self.tlvs,
        ]
        .concat();
        let len = u32::try_from(16 + body.len()).unwrap();
        [
            &len.to_be_bytes()[..],
            &self.command_id.to_be_bytes(),
            &[0, 0, 0, 0],
            &[0, 0, 0, 9],
            &body,
        ]
        .concat()
    }

    fn decode(&self) -> DeliverSm {
        match Pdu::decode(self.frame().into()).unwrap().body {
            Body::SubmitSm(sm) | Body::DeliverSm(sm) => sm,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn partner_submit_matches_the_contract_insert_example() {
    let sm = Sm {
        registered_delivery: 0x01,
        short_message: b"Hi there",
        validity: b"261122110000004+\0", // 11:00 at UTC+1h
        ..Sm::default()
    }
    .decode();
    let insert = partner_submit(&sm, &partner()).unwrap();
    // The contract's example, without the cache's frontend_message_id, with the validity.
    let expected = json!({"source_addr":"61412345678","source_addr_ton":1,"source_addr_npi":1,
        "destination_addr":"1234","dest_addr_ton":0,"dest_addr_npi":0,
        "message_body":"Hi there","encoding":"gsm7","data_coding":0,"esm_class":0,
        "registered_delivery":true,"priority":0,"validity_period":"2026-11-22T10:00:00Z",
        "source_smsc":"partner_acme","source_mode":"server","smsc_name":"smpp_prod_01"});
    let mut got = serde_json::to_value(&insert).unwrap();
    got.as_object_mut().unwrap().remove("deliver_after");
    assert_eq!(got, expected);
}

#[test]
fn udh_part_becomes_concat_and_udh_hex() {
    let sm = Sm {
        esm_class: 0x40,
        data_coding: 0x08,
        short_message: &[0x05, 0x00, 0x03, 0x07, 0x03, 0x01, 0x00, b'H', 0x00, b'i'],
        ..Sm::default()
    }
    .decode();
    let insert = partner_submit(&sm, &partner()).unwrap();
    assert_eq!(insert.message_body, "Hi");
    assert_eq!(insert.encoding, Encoding::Ucs2);
    assert_eq!(
        insert.concat,
        Some(Concat {
            reference: 7,
            total: 3,
            seq: 1
        })
    );
    assert_eq!(insert.udh.as_deref(), Some("050003070301"));
    assert_eq!(insert.esm_class, Some(0x40));
    assert_eq!(concat_of(&sm), insert.concat);
}

#[test]
fn sar_tlvs_become_concat_and_relative_validity_counts_from_now() {
    let sm = Sm {
        validity: b"000001020000000R\0", // one day and two hours
        short_message: b"part two",
        tlvs: &[
            0x02, 0x0C, 0x00, 0x02, 0x01, 0x00, // sar_msg_ref_num 256
            0x02, 0x0E, 0x00, 0x01, 0x02, // sar_total_segments 2
            0x02, 0x0F, 0x00, 0x01, 0x02, // sar_segment_seqnum 2
        ],
        ..Sm::default()
    }
    .decode();
    let insert = partner_submit(&sm, &partner()).unwrap();
    assert_eq!(
        insert.concat,
        Some(Concat {
            reference: 256,
            total: 2,
            seq: 2
        })
    );
    assert_eq!(insert.udh, None);
    assert_eq!(
        insert.validity_period.as_deref(),
        Some("2026-11-22T12:00:01Z")
    );
}

#[test]
fn message_payload_is_used_and_binary_becomes_hex() {
    let sm = Sm {
        data_coding: 0x04,
        tlvs: &[0x04, 0x24, 0x00, 0x03, 0xCA, 0xFE, 0x01], // message_payload
        ..Sm::default()
    }
    .decode();
    let insert = partner_submit(&sm, &partner()).unwrap();
    assert_eq!(insert.message_body, "cafe01");
    assert_eq!(insert.encoding, Encoding::Binary);
    assert_eq!(insert.data_coding, Some(4));
}

#[test]
fn bad_input_maps_to_an_smpp_status() {
    let bad_udh = Sm {
        esm_class: 0x40,
        short_message: &[0x05, 0x00, 0x03],
        ..Sm::default()
    }
    .decode();
    let e = partner_submit(&bad_udh, &partner()).unwrap_err();
    assert!(matches!(e, TranslateError::Udh(_)));
    assert_eq!(e.command_status(), CommandStatus::ESME_RINVESMCLASS);

    let bad_time = Sm {
        validity: b"261322100000000+\0", // month 13
        ..Sm::default()
    }
    .decode();
    let e = partner_submit(&bad_time, &partner()).unwrap_err();
    assert_eq!(e.command_status(), CommandStatus::ESME_RINVEXPIRY);
    assert!(e.to_string().contains("validity_period"), "{e}");
}

#[test]
fn data_sm_payload_and_time_to_live() {
    let body = [
        &b"\0"[..],
        &[0x01, 0x01],
        b"61412345678\0",
        &[0x00, 0x00],
        b"1234\0",
        &[0x00, 0x01, 0x00], // esm_class, registered_delivery, data_coding
        &[0x04, 0x24, 0x00, 0x02, b'o', b'k'], // message_payload
        &[0x00, 0x17, 0x00, 0x04, 0x00, 0x00, 0x0E, 0x10], // qos_time_to_live 3600 s
    ]
    .concat();
    let len = u32::try_from(16 + body.len()).unwrap();
    let frame = [
        &len.to_be_bytes()[..],
        &[0x00, 0x00, 0x01, 0x03], // data_sm
        &[0, 0, 0, 0],
        &[0, 0, 0, 3],
        &body,
    ]
    .concat();
    let Body::DataSm(sm) = Pdu::decode(frame.into()).unwrap().body else {
        panic!("not a data_sm");
    };
    let insert = partner_data_sm(&sm, &partner()).unwrap();
    assert_eq!(insert.message_body, "ok");
    assert!(insert.registered_delivery);
    assert_eq!(
        insert.validity_period.as_deref(),
        Some("2026-11-21T11:00:01Z")
    );
}

const RECEIPT_TEXT: &[u8] = b"id:7F3A21 sub:001 dlvrd:001 submit date:2611211000 \
done date:2611211001 stat:DELIVRD err:000 text:Hello";

fn receipt(inbound: Inbound) -> CarrierReceipt {
    match inbound {
        Inbound::Receipt(r) => r,
        Inbound::Mo(m) => panic!("classified as MO: {m:?}"),
    }
}

#[test]
fn receipt_by_esm_class_with_text_only() {
    let sm = Sm {
        command_id: DELIVER_SM,
        esm_class: 0x04,
        short_message: RECEIPT_TEXT,
        ..Sm::default()
    }
    .decode();
    let r = receipt(carrier_deliver(&sm, &carrier()).unwrap());
    assert_eq!(r.carrier_message_id, "7F3A21");
    assert_eq!(r.state, Some(ReceiptState::Delivered));
    assert_eq!(r.status(), DeliveryStatus::Delivered);
    assert_eq!(r.err.as_deref(), Some("000"));
    assert_eq!(r.error_code(), Some(0));
    assert_eq!(r.done_date.as_deref(), Some("2611211001"));
    assert_eq!(r.text.as_deref(), Some("Hello"));
    assert_eq!(r.source_addr, "61412345678");

    let update = status::receipt_update(&r, 2, 3, &carrier());
    let got = serde_json::to_value(&update).unwrap();
    assert_eq!(
        got,
        json!({"status":"delivered","smsc_message_id":"7F3A21","error_code":0,"permanent":false,
            "bind_name":"vodafone_uk","smsc_name":"smpp_prod_01","parts":3,"part":2,
            "timestamp":"2026-11-21T10:00:01Z"})
    );
}

#[test]
fn receipt_tlvs_win_over_the_text() {
    let sm = Sm {
        command_id: DELIVER_SM,
        esm_class: 0x04,
        short_message: b"id:123 stat:UNDELIV err:001",
        tlvs: &[
            0x00, 0x1E, 0x00, 0x04, b'a', b'b', b'c', 0x00, // receipted_message_id "abc"
            0x04, 0x27, 0x00, 0x01, 0x02, // message_state DELIVERED
            0x04, 0x23, 0x00, 0x03, 0x03, 0x00, 0x22, // network_error_code GSM 0x0022
        ],
        ..Sm::default()
    }
    .decode();
    let r = receipt(carrier_deliver(&sm, &carrier()).unwrap());
    assert_eq!(r.carrier_message_id, "abc");
    assert_eq!(r.state, Some(ReceiptState::Delivered));
    assert_eq!(r.stat.as_deref(), Some("UNDELIV"));
    let post = serde_json::to_value(r.unmatched(&carrier())).unwrap();
    assert_eq!(
        post,
        json!({"smsc_message_id":"abc","stat":"UNDELIV","err":"001","message_state":2,
            "network_error_code":"030022","source_addr":"61412345678","destination_addr":"1234",
            "bind_name":"vodafone_uk","smsc_name":"smpp_prod_01",
            "timestamp":"2026-11-21T10:00:01Z"})
    );
}

#[test]
fn receipt_recognised_by_tlv_or_text_without_esm_class() {
    let by_tlv = Sm {
        command_id: DELIVER_SM,
        tlvs: &[0x00, 0x1E, 0x00, 0x03, b'4', b'2', 0x00],
        ..Sm::default()
    }
    .decode();
    let r = receipt(carrier_deliver(&by_tlv, &carrier()).unwrap());
    assert_eq!(r.carrier_message_id, "42");
    assert_eq!(r.status(), DeliveryStatus::Unknown);

    let by_text = Sm {
        command_id: DELIVER_SM,
        short_message: RECEIPT_TEXT,
        ..Sm::default()
    }
    .decode();
    assert_eq!(
        receipt(carrier_deliver(&by_text, &carrier()).unwrap()).carrier_message_id,
        "7F3A21"
    );

    let intermediate = Sm {
        command_id: DELIVER_SM,
        esm_class: 0x20,
        short_message: b"id:77 stat:ENROUTE",
        ..Sm::default()
    }
    .decode();
    let r = receipt(carrier_deliver(&intermediate, &carrier()).unwrap());
    assert_eq!(r.status(), DeliveryStatus::Enroute);
}

#[test]
fn ordinary_text_is_an_mo_even_with_one_receipt_word() {
    for text in [&b"Hi there"[..], b"stat: all good", b"my id: 5"] {
        let sm = Sm {
            command_id: DELIVER_SM,
            short_message: text,
            ..Sm::default()
        }
        .decode();
        match carrier_deliver(&sm, &carrier()).unwrap() {
            Inbound::Mo(m) => {
                assert_eq!(m.source_mode, BindMode::Client);
                assert_eq!(m.source_smsc, "vodafone_uk");
                assert_eq!(m.message_body.as_bytes(), text);
            }
            Inbound::Receipt(r) => panic!("{text:?} taken for a receipt: {r:?}"),
        }
    }
}

#[test]
fn mo_parts_assemble_into_one_insert_across_a_split_surrogate_pair() {
    // "A😀B" in UTF-16BE: 0041 D83D DE00 0042, cut inside the surrogate pair.
    let part1 = Sm {
        command_id: DELIVER_SM,
        esm_class: 0x40,
        data_coding: 0x08,
        short_message: &[0x05, 0x00, 0x03, 0x2A, 0x02, 0x01, 0x00, 0x41, 0xD8, 0x3D],
        ..Sm::default()
    }
    .decode();
    let part2 = Sm {
        command_id: DELIVER_SM,
        esm_class: 0x40,
        data_coding: 0x08,
        short_message: &[0x05, 0x00, 0x03, 0x2A, 0x02, 0x02, 0xDE, 0x00, 0x00, 0x42],
        ..Sm::default()
    }
    .decode();
    let Inbound::Mo(single) = carrier_deliver(&part1, &carrier()).unwrap() else {
        panic!("part 1 is an MO");
    };
    assert_eq!(single.concat.map(|c| c.seq), Some(1));
    let whole = assemble_mo(&[part1, part2], &carrier()).unwrap();
    assert_eq!(whole.message_body, "A😀B");
    assert_eq!(whole.concat, None);
    assert_eq!(whole.udh, None);
    assert_eq!(whole.esm_class, Some(0));
    assert_eq!(whole.source_mode, BindMode::Client);
    assert!(assemble_mo(&[], &carrier()).is_err());
}

#[test]
fn receipt_text_is_read_as_ascii_not_gsm7() {
    // In GSM-7, 0x5F is '§' and 0x40 is '¡': the id must keep its ASCII characters.
    let sm = Sm {
        command_id: DELIVER_SM,
        esm_class: 0x04,
        short_message: b"id:ab_12@x stat:EXPIRED err:027 submit_date:2611211000",
        ..Sm::default()
    }
    .decode();
    let r = receipt(carrier_deliver(&sm, &carrier()).unwrap());
    assert_eq!(r.carrier_message_id, "ab_12@x");
    assert_eq!(r.status(), DeliveryStatus::Expired);
    assert_eq!(r.error_code(), Some(27));
    assert_eq!(r.submit_date.as_deref(), Some("2611211000"));
}
