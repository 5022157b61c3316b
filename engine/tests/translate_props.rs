//! Properties: hostile PDUs never make the translations panic, and every text the gateway
//! splits comes back whole when its parts are read again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use core_api::QueueItem;
use engine::proto::concat::ConcatMode;
use engine::proto::{Body, DeliverSm, Pdu};
use engine::translate::{
    assemble_mo, carrier_deliver, concat_of, mt, partner_submit, BindContext, MtOptions,
};
use proptest::prelude::*;

fn ctx() -> BindContext<'static> {
    BindContext {
        bind_name: "b",
        smsc_name: "s",
        now: UNIX_EPOCH + Duration::from_secs(1_795_255_201),
    }
}

/// A deliver_sm frame with arbitrary flags, body and TLV area, decoded by the codec (frames
/// the codec refuses are skipped: they never reach the translation).
fn hostile_pdu() -> impl Strategy<Value = Option<DeliverSm>> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..254),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    0x001E_u16, 0x0427, 0x0424, 0x020C, 0x020E, 0x020F, 0x0423,
                ]),
                prop::collection::vec(any::<u8>(), 0..40),
            ),
            0..5,
        ),
        prop::sample::select(vec![
            &b"\0"[..],
            b"261122100000004+\0",
            b"000001000000000R\0",
            b"991399999999948-\0",
        ]),
    )
        .prop_map(|(esm, dc, rd, sm, tlvs, validity)| {
            let mut body = vec![0u8, 1, 1];
            body.extend_from_slice(b"447700900123\0");
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(b"1234\0");
            body.extend_from_slice(&[esm, 0, 0, 0]);
            body.extend_from_slice(validity);
            body.extend_from_slice(&[rd, 0, dc, 0, u8::try_from(sm.len()).unwrap()]);
            body.extend_from_slice(&sm);
            for (tag, value) in tlvs {
                body.extend_from_slice(&tag.to_be_bytes());
                body.extend_from_slice(&u16::try_from(value.len()).unwrap().to_be_bytes());
                body.extend_from_slice(&value);
            }
            let mut frame = u32::try_from(16 + body.len())
                .unwrap()
                .to_be_bytes()
                .to_vec();
            frame.extend_from_slice(&[0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1]);
            frame.extend_from_slice(&body);
            match Pdu::decode(Bytes::from(frame)).ok()?.body {
                Body::DeliverSm(sm) => Some(sm),
                _ => None,
            }
        })
}

fn item(body: &str) -> QueueItem {
    serde_json::from_value(serde_json::json!({
        "id": "1", "source_addr": "Brand", "destination_addr": "447700900123",
        "message_body": body, "encoding": "auto"
    }))
    .unwrap()
}

proptest! {
    // About a third of the generated frames decode; 1024 cases give a few hundred PDUs.
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn hostile_deliver_sm_never_panics(sm in hostile_pdu()) {
        if let Some(sm) = sm {
            let _ = carrier_deliver(&sm, &ctx());
            let _ = partner_submit(&sm, &ctx());
            let _ = concat_of(&sm);
            let _ = assemble_mo(&[sm.clone(), sm], &ctx());
        }
    }

    #[test]
    fn split_text_reassembles_in_every_mode(
        text in "[a-zA-Z0-9 @€{}~^|\\[\\]\n]{0,500}|[a-z Привет😀]{0,300}",
        mode in prop::sample::select(vec![
            ConcatMode::Udh8, ConcatMode::Udh16, ConcatMode::Sar, ConcatMode::MessagePayload,
        ]),
        reference in any::<u16>(),
    ) {
        let parts = mt(&item(&text), &MtOptions::new(mode, reference)).unwrap();
        let total = parts.len();
        for (seq, part) in (1..).zip(&parts) {
            let concat = concat_of(part);
            if total == 1 {
                prop_assert_eq!(concat, None);
            } else {
                let concat = concat.unwrap();
                prop_assert_eq!((usize::from(concat.total), concat.seq), (total, seq));
                let expected = if mode == ConcatMode::Udh8 { reference & 0xFF } else { reference };
                prop_assert_eq!(concat.reference, expected);
            }
        }
        let whole = assemble_mo(&parts, &ctx()).unwrap();
        prop_assert_eq!(whole.message_body, text);
    }
}
