//! Queue items -> submit_sm / deliver_sm, checked against frames hand-built from the SMPP 3.4
//! field tables (sections 4.4.1, 4.6.1, 5.3.2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, UNIX_EPOCH};

use core_api::{DeliveryStatus, QueueItem};
use engine::proto::concat::{ConcatMode, SplitError};
use engine::proto::{Body, Pdu};
use engine::translate::{
    mt, partner_delivery, status, BindContext, MtOptions, ReceiptPolicy, TranslateError,
};

/// The contract's example queue item (omnimessage-api.md, "MT queue").
const EXAMPLE: &str = r#"{"id":"184467","kind":"mt",
 "source_addr":"MyBrand","source_addr_ton":5,"source_addr_npi":0,
 "destination_addr":"61412345678","dest_addr_ton":1,"dest_addr_npi":1,
 "message_body":"Hello world","encoding":"auto",
 "priority":0,"registered_delivery":true,
 "validity_period":"2026-11-22T10:00:00Z","deliver_after":null,
 "dest_smsc":"vodafone_uk","delivery_attempts":0}"#;

fn example() -> QueueItem {
    serde_json::from_str(EXAMPLE).unwrap()
}

fn with(change: impl FnOnce(&mut QueueItem)) -> QueueItem {
    let mut item = example();
    change(&mut item);
    item
}

/// A frame: header (length computed from the parts) then the body fields in order.
fn frame(command_id: u32, seq: u32, fields: &[&[u8]]) -> Vec<u8> {
    let body = fields.concat();
    let len = u32::try_from(16 + body.len()).unwrap();
    [
        &len.to_be_bytes()[..],
        &command_id.to_be_bytes(),
        &[0, 0, 0, 0],
        &seq.to_be_bytes(),
        &body,
    ]
    .concat()
}

fn submit_frame(sm: &engine::proto::SubmitSm) -> Vec<u8> {
    Pdu::ok(1, Body::SubmitSm(sm.clone())).to_bytes().to_vec()
}

fn deliver_frame(sm: &engine::proto::DeliverSm) -> Vec<u8> {
    Pdu::ok(1, Body::DeliverSm(sm.clone())).to_bytes().to_vec()
}

const SUBMIT_SM: u32 = 0x0000_0004;
const DELIVER_SM: u32 = 0x0000_0005;

#[test]
fn contract_example_becomes_one_submit_sm() {
    let parts = mt(&example(), &MtOptions::new(ConcatMode::Udh8, 7)).unwrap();
    assert_eq!(parts.len(), 1);
    let expected = frame(
        SUBMIT_SM,
        1,
        &[
            b"\0",                 // service_type default
            &[0x05, 0x00],         // source ton alphanumeric, npi unknown
            b"MyBrand\0",          // source_addr
            &[0x01, 0x01],         // dest ton international, npi ISDN
            b"61412345678\0",      // destination_addr
            &[0x00, 0x00, 0x00],   // esm_class, protocol_id, priority_flag
            b"\0",                 // schedule_delivery_time immediate
            b"261122100000000+\0", // validity_period, absolute UTC
            &[0x01, 0x00, 0x00],   // registered_delivery, replace_if_present, data_coding GSM
            &[0x00, 0x0B],         // sm_default_msg_id, sm_length 11
            b"Hello world",        // short_message (GSM-7 unpacked = ASCII here)
        ],
    );
    assert_eq!(submit_frame(&parts[0]), expected);
}

#[test]
fn long_gsm_text_is_split_with_8bit_udh() {
    let body: String = "abcdefghij".repeat(20);
    let item = with(|i| {
        i.message_body = body.clone();
        i.validity_period = None;
        i.registered_delivery = false;
    });
    let parts = mt(&item, &MtOptions::new(ConcatMode::Udh8, 0x1234)).unwrap();
    assert_eq!(parts.len(), 2);
    let (first, second) = body.as_bytes().split_at(153);
    for (seq, (sm, text)) in parts.iter().zip([first, second]).enumerate() {
        let seq = u8::try_from(seq + 1).unwrap();
        let sm_length = [u8::try_from(6 + text.len()).unwrap()];
        let expected = frame(
            SUBMIT_SM,
            1,
            &[
                b"\0",
                &[0x05, 0x00],
                b"MyBrand\0",
                &[0x01, 0x01],
                b"61412345678\0",
                &[0x40, 0x00, 0x00], // esm_class UDHI
                b"\0",
                b"\0", // no validity_period
                &[0x00, 0x00, 0x00],
                &[0x00],
                &sm_length,
                &[0x05, 0x00, 0x03, 0x34, 0x02, seq], // UDH: concat 8-bit, ref low octet 0x34
                text,
            ],
        );
        assert_eq!(submit_frame(sm), expected, "part {seq}");
    }
}

#[test]
fn sar_mode_adds_the_three_tlvs() {
    let item = with(|i| i.message_body = "x".repeat(161));
    let parts = mt(&item, &MtOptions::new(ConcatMode::Sar, 0x0102)).unwrap();
    assert_eq!(parts.len(), 2);
    let encoded = submit_frame(&parts[1]);
    let tail = [
        0x02, 0x0C, 0x00, 0x02, 0x01, 0x02, // sar_msg_ref_num 0x0102
        0x02, 0x0E, 0x00, 0x01, 0x02, // sar_total_segments 2
        0x02, 0x0F, 0x00, 0x01, 0x02, // sar_segment_seqnum 2
    ];
    assert!(encoded.ends_with(&tail), "{encoded:02x?}");
    assert_eq!(parts[1].esm_class, 0);
    assert_eq!(parts[1].short_message.len(), 161 - 153);
}

#[test]
fn payload_mode_sends_one_pdu_with_message_payload() {
    let item = with(|i| i.message_body = "y".repeat(300));
    let parts = mt(&item, &MtOptions::new(ConcatMode::MessagePayload, 1)).unwrap();
    assert_eq!(parts.len(), 1);
    let encoded = submit_frame(&parts[0]);
    let mut tail = vec![0x00, 0x00, 0x04, 0x24, 0x01, 0x2C]; // sm_length 0; tag 0x0424, len 300
    tail.extend(std::iter::repeat_n(b'y', 300));
    assert!(encoded.ends_with(&tail));
}

#[test]
fn auto_picks_ucs2_for_text_outside_gsm() {
    let item = with(|i| i.message_body = "Привет".to_owned());
    let sm = &mt(&item, &MtOptions::new(ConcatMode::Udh8, 1)).unwrap()[0];
    assert_eq!(sm.data_coding, 0x08);
    assert_eq!(
        sm.short_message.as_bytes(),
        [0x04, 0x1F, 0x04, 0x40, 0x04, 0x38, 0x04, 0x32, 0x04, 0x35, 0x04, 0x42]
    );
}

#[test]
fn item_udh_goes_unsplit_with_udhi() {
    let item = with(|i| {
        i.message_body = "hi".to_owned();
        i.udh = Some("050003CC0201".to_owned());
    });
    let parts = mt(&item, &MtOptions::new(ConcatMode::Sar, 9)).unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].esm_class, 0x40);
    assert!(parts[0].tlvs.is_empty(), "no SAR TLVs with a supplied UDH");
    assert_eq!(
        parts[0].short_message.as_bytes(),
        [0x05, 0x00, 0x03, 0xCC, 0x02, 0x01, b'h', b'i']
    );
}

#[test]
fn binary_body_is_hex_and_priority_and_receipts_follow_options() {
    let item = with(|i| {
        i.message_body = "0A0bFF".to_owned();
        i.encoding = core_api::Encoding::Binary;
        i.priority = 9;
    });
    let options = MtOptions {
        receipts: ReceiptPolicy::Never,
        ..MtOptions::new(ConcatMode::Udh8, 1)
    };
    let sm = &mt(&item, &options).unwrap()[0];
    assert_eq!(sm.data_coding, 0x04);
    assert_eq!(sm.short_message.as_bytes(), [0x0A, 0x0B, 0xFF]);
    assert_eq!(sm.priority_flag, 3, "capped at SMPP's highest level");
    assert_eq!(sm.registered_delivery, 0);
    let options = MtOptions {
        receipts: ReceiptPolicy::Always,
        ..options
    };
    let item = with(|i| i.registered_delivery = false);
    assert_eq!(mt(&item, &options).unwrap()[0].registered_delivery, 1);
}

#[test]
fn bad_items_are_permanent_failures_naming_the_field() {
    let options = MtOptions::new(ConcatMode::Udh8, 1);
    let err = |item: QueueItem| mt(&item, &options).unwrap_err();

    let e = err(with(|i| {
        i.encoding = core_api::Encoding::Binary;
        i.message_body = "abc".to_owned();
    }));
    assert!(matches!(e, TranslateError::BodyHex(_)), "{e}");
    assert!(e.to_string().contains("message_body"));

    let e = err(with(|i| i.udh = Some("zz".to_owned())));
    assert!(matches!(e, TranslateError::UdhHex(_)), "{e}");
    let e = err(with(|i| i.udh = Some("0500".to_owned())));
    assert!(matches!(e, TranslateError::Udh(_)), "{e}");
    let e = err(with(|i| {
        i.udh = Some("050003010201".to_owned());
        i.message_body = "z".repeat(160);
    }));
    assert!(
        matches!(e, TranslateError::Split(SplitError::DoesNotFit { .. })),
        "{e}"
    );

    let e = mt(
        &with(|i| i.message_body = "w".repeat(400)),
        &MtOptions {
            max_parts: 2,
            ..options
        },
    )
    .unwrap_err();
    assert_eq!(
        e,
        TranslateError::Split(SplitError::TooManyParts { needed: 3, max: 2 })
    );

    let unsupported: QueueItem =
        serde_json::from_str(&EXAMPLE.replace("\"auto\"", "\"utf8\"")).unwrap();
    assert_eq!(err(unsupported), TranslateError::UnsupportedEncoding);

    let e = err(with(|i| {
        i.validity_period = Some("next tuesday".to_owned())
    }));
    assert!(e.to_string().contains("validity_period"), "{e}");
    let e = err(with(|i| i.destination_addr = "1".repeat(21)));
    assert!(e.to_string().contains("destination_addr"), "{e}");
    let e = err(with(|i| i.kind = core_api::ItemKind::Receipt));
    assert!(matches!(e, TranslateError::UnsupportedKind(_)));

    let ctx = BindContext {
        bind_name: "vodafone_uk",
        smsc_name: "smpp_prod_01",
        now: UNIX_EPOCH + Duration::from_secs(1_795_255_201),
    };
    let update = status::rejected_update(&e, &ctx);
    assert_eq!(update.status, DeliveryStatus::Failed);
    assert!(update.permanent);
    assert_eq!(update.timestamp.as_deref(), Some("2026-11-21T10:00:01Z"));
}

const RECEIPT_ITEM: &str = r#"{"id":"9001","kind":"receipt",
 "source_addr":"61412345678","source_addr_ton":1,"source_addr_npi":1,
 "destination_addr":"1234","dest_addr_ton":0,"dest_addr_npi":0,
 "message_body":"Hi there","encoding":"auto","dest_smsc":"partner_acme",
 "receipt":{"message_id":"184468","stat":"DELIVRD","err":"000",
   "submit_date":"2026-11-21T10:00:00Z","done_date":"2026-11-21T10:01:30Z"}}"#;

#[test]
fn receipt_item_becomes_a_standard_receipt_deliver_sm() {
    let item: QueueItem = serde_json::from_str(RECEIPT_ITEM).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_795_255_300);
    let pdus = partner_delivery(&item, &MtOptions::new(ConcatMode::Udh8, 1), now).unwrap();
    assert_eq!(pdus.len(), 1);
    let text: &[u8] = b"id:184468 sub:001 dlvrd:001 submit date:2611211000 \
done date:2611211001 stat:DELIVRD err:000 text:Hi there";
    let sm_length = [u8::try_from(text.len()).unwrap()];
    let expected = frame(
        DELIVER_SM,
        1,
        &[
            b"\0",
            &[0x01, 0x01],
            b"61412345678\0",
            &[0x00, 0x00],
            b"1234\0",
            &[0x04, 0x00, 0x00], // esm_class SMSC delivery receipt
            b"\0",
            b"\0",
            &[0x00, 0x00, 0x00],
            &[0x00],
            &sm_length,
            text,
            &[0x00, 0x1E, 0x00, 0x07], // receipted_message_id, 7 octets
            b"184468\0",
            &[0x04, 0x27, 0x00, 0x01, 0x02], // message_state DELIVERED
        ],
    );
    assert_eq!(deliver_frame(&pdus[0]), expected);
}

#[test]
fn receipt_items_missing_parts_are_refused_or_defaulted() {
    let mut item: QueueItem = serde_json::from_str(RECEIPT_ITEM).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_795_255_300); // 2026-11-21T10:01:40Z
    let options = MtOptions::new(ConcatMode::Udh8, 1);
    let receipt = item.receipt.as_mut().unwrap();
    receipt.submit_date = None;
    receipt.stat = "UNDELIV".to_owned();
    receipt.err = "34".to_owned();
    let sm = &partner_delivery(&item, &options, now).unwrap()[0];
    let text = String::from_utf8(sm.short_message.as_bytes().to_vec()).unwrap();
    assert!(text.contains("submit date:2611211001 "), "{text}");
    assert!(text.contains("dlvrd:000 "), "{text}");
    assert!(text.contains("stat:UNDELIV err:034 "), "{text}");
    assert_eq!(sm.tlvs.message_state().unwrap().0, 5);

    item.receipt.as_mut().unwrap().stat = "BOGUS".to_owned();
    assert_eq!(
        partner_delivery(&item, &options, now).unwrap_err(),
        TranslateError::UnknownStat("BOGUS".to_owned())
    );
    item.receipt = None;
    assert_eq!(
        partner_delivery(&item, &options, now).unwrap_err(),
        TranslateError::MissingReceipt
    );
}

#[test]
fn mo_for_a_partner_is_a_plain_deliver_sm_without_validity() {
    let item = with(|i| i.message_body = "m".repeat(170));
    let pdus = partner_delivery(
        &item,
        &MtOptions::new(ConcatMode::Udh16, 0xABCD),
        UNIX_EPOCH,
    )
    .unwrap();
    assert_eq!(pdus.len(), 2);
    for (seq, sm) in (1u8..).zip(&pdus) {
        assert!(sm.validity_period.is_empty());
        assert_eq!(sm.registered_delivery, 0);
        assert_eq!(sm.esm_class, 0x40);
        assert_eq!(
            sm.short_message.as_bytes()[..7],
            [0x06, 0x08, 0x04, 0xAB, 0xCD, 0x02, seq]
        );
    }
}
