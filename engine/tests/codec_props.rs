//! Property tests: any well-formed PDU survives encode/decode byte-exact, and no input makes
//! the decoder panic.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use bytes::{Bytes, BytesMut};
use engine::proto::{
    check_round_trip, AlertNotification, Bind, BindResp, Body, COctetString, CancelSm,
    CommandStatus, DataSm, DataSmResp, Decoder, DestAddress, DestAddresses, MessageState, Npi,
    Outbind, Pdu, QuerySm, QuerySmResp, ReplaceSm, ShortMessage, SmppTime, SubmitMulti,
    SubmitMultiResp, SubmitSm, SubmitSmResp, Tlv, TlvTag, Tlvs, Ton, UnsuccessSme, UnsuccessSmes,
};
use proptest::prelude::*;

fn c_string<const MAX: usize>() -> impl Strategy<Value = COctetString<MAX>> {
    proptest::collection::vec(1u8..=255, 0..MAX)
        .prop_map(|content| COctetString::from_bytes("prop", Bytes::from(content)).unwrap())
}

fn smpp_time() -> impl Strategy<Value = SmppTime> {
    prop_oneof![
        Just(SmppTime::empty()),
        ("[0-9]{15}", prop_oneof![Just('+'), Just('-'), Just('R')])
            .prop_map(|(digits, p)| SmppTime::new(&format!("{digits}{p}")).unwrap()),
    ]
}

fn short_message() -> impl Strategy<Value = ShortMessage> {
    proptest::collection::vec(any::<u8>(), 0..=254)
        .prop_map(|octets| ShortMessage::new(Bytes::from(octets)).unwrap())
}

fn tlv() -> impl Strategy<Value = Tlv> {
    let standard = [
        0x0005u16, 0x0006, 0x0007, 0x0008, 0x000D, 0x000E, 0x000F, 0x0010, 0x0017, 0x0019, 0x001D,
        0x001E, 0x0030, 0x0201, 0x0202, 0x0203, 0x0204, 0x0205, 0x020A, 0x020B, 0x020C, 0x020D,
        0x020E, 0x020F, 0x0210, 0x0302, 0x0303, 0x0304, 0x0381, 0x0420, 0x0421, 0x0422, 0x0423,
        0x0424, 0x0425, 0x0426, 0x0427, 0x0501, 0x1201, 0x1203, 0x1204, 0x130C, 0x1380, 0x1383,
    ];
    let tag =
        prop_oneof![proptest::sample::select(standard.to_vec()), any::<u16>(),].prop_map(TlvTag);
    tag.prop_flat_map(|tag| {
        let (min, max) = tag.allowed_len().unwrap_or((0, 300));
        let max = max.min(300);
        proptest::collection::vec(any::<u8>(), usize::from(min)..=usize::from(max))
            .prop_map(move |value| Tlv::new(tag, Bytes::from(value)).unwrap())
    })
}

fn tlvs() -> impl Strategy<Value = Tlvs> {
    proptest::collection::vec(tlv(), 0..5).prop_map(|items| {
        let mut tlvs = Tlvs::new();
        for tlv in items {
            tlvs.push(tlv);
        }
        tlvs
    })
}

fn ton() -> impl Strategy<Value = Ton> {
    any::<u8>().prop_map(Ton)
}

fn npi() -> impl Strategy<Value = Npi> {
    any::<u8>().prop_map(Npi)
}

prop_compose! {
    fn bind()(system_id in c_string(), password in c_string(), system_type in c_string(),
              interface_version in any::<u8>(), addr_ton in ton(), addr_npi in npi(),
              address_range in c_string()) -> Bind {
        Bind { system_id, password, system_type, interface_version, addr_ton, addr_npi, address_range }
    }
}

prop_compose! {
    fn submit_sm()(service_type in c_string(), source in (ton(), npi(), c_string()),
                   dest in (ton(), npi(), c_string()), flags in any::<[u8; 3]>(),
                   schedule_delivery_time in smpp_time(), validity_period in smpp_time(),
                   more in any::<[u8; 4]>(), short_message in short_message(),
                   tlvs in tlvs()) -> SubmitSm {
        SubmitSm {
            service_type,
            source_addr_ton: source.0, source_addr_npi: source.1, source_addr: source.2,
            dest_addr_ton: dest.0, dest_addr_npi: dest.1, destination_addr: dest.2,
            esm_class: flags[0], protocol_id: flags[1], priority_flag: flags[2],
            schedule_delivery_time, validity_period,
            registered_delivery: more[0], replace_if_present_flag: more[1],
            data_coding: more[2], sm_default_msg_id: more[3],
            short_message, tlvs,
        }
    }
}

fn dest_address() -> impl Strategy<Value = DestAddress> {
    prop_oneof![
        (ton(), npi(), c_string()).prop_map(|(t, n, a)| DestAddress::Sme {
            dest_addr_ton: t,
            dest_addr_npi: n,
            destination_addr: a
        }),
        c_string().prop_map(|dl_name| DestAddress::DistributionList { dl_name }),
    ]
}

prop_compose! {
    fn submit_multi()(sm in submit_sm(), dests in proptest::collection::vec(dest_address(), 1..8))
                      -> SubmitMulti {
        SubmitMulti {
            service_type: sm.service_type,
            source_addr_ton: sm.source_addr_ton, source_addr_npi: sm.source_addr_npi,
            source_addr: sm.source_addr,
            dest_addresses: DestAddresses::try_from(dests).unwrap(),
            esm_class: sm.esm_class, protocol_id: sm.protocol_id, priority_flag: sm.priority_flag,
            schedule_delivery_time: sm.schedule_delivery_time, validity_period: sm.validity_period,
            registered_delivery: sm.registered_delivery,
            replace_if_present_flag: sm.replace_if_present_flag,
            data_coding: sm.data_coding, sm_default_msg_id: sm.sm_default_msg_id,
            short_message: sm.short_message, tlvs: sm.tlvs,
        }
    }
}

fn unsuccess() -> impl Strategy<Value = UnsuccessSme> {
    (ton(), npi(), c_string(), any::<u32>()).prop_map(|(t, n, a, s)| UnsuccessSme {
        dest_addr_ton: t,
        dest_addr_npi: n,
        destination_addr: a,
        error_status_code: CommandStatus(s),
    })
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        bind().prop_map(Body::BindTransmitter),
        bind().prop_map(Body::BindReceiver),
        bind().prop_map(Body::BindTransceiver),
        (c_string(), tlvs())
            .prop_map(|(system_id, tlvs)| Body::BindTransmitterResp(BindResp { system_id, tlvs })),
        (c_string(), tlvs())
            .prop_map(|(system_id, tlvs)| Body::BindReceiverResp(BindResp { system_id, tlvs })),
        (c_string(), tlvs())
            .prop_map(|(system_id, tlvs)| Body::BindTransceiverResp(BindResp { system_id, tlvs })),
        (c_string(), c_string()).prop_map(|(system_id, password)| Body::Outbind(Outbind {
            system_id,
            password
        })),
        Just(Body::Unbind),
        Just(Body::UnbindResp),
        Just(Body::GenericNack),
        Just(Body::EnquireLink),
        Just(Body::EnquireLinkResp),
        Just(Body::CancelSmResp),
        Just(Body::ReplaceSmResp),
        submit_sm().prop_map(Body::SubmitSm),
        submit_sm().prop_map(Body::DeliverSm),
        (c_string(), tlvs())
            .prop_map(|(message_id, tlvs)| Body::SubmitSmResp(SubmitSmResp { message_id, tlvs })),
        (c_string(), tlvs())
            .prop_map(|(message_id, tlvs)| Body::DeliverSmResp(SubmitSmResp { message_id, tlvs })),
        submit_multi().prop_map(Body::SubmitMulti),
        (
            c_string(),
            proptest::collection::vec(unsuccess(), 0..5),
            tlvs()
        )
            .prop_map(
                |(message_id, smes, tlvs)| Body::SubmitMultiResp(SubmitMultiResp {
                    message_id,
                    unsuccess_smes: UnsuccessSmes::try_from(smes).unwrap(),
                    tlvs,
                })
            ),
        (submit_sm(), c_string(), c_string()).prop_map(|(sm, source_addr, destination_addr)| {
            Body::DataSm(DataSm {
                service_type: sm.service_type,
                source_addr_ton: sm.source_addr_ton,
                source_addr_npi: sm.source_addr_npi,
                source_addr,
                dest_addr_ton: sm.dest_addr_ton,
                dest_addr_npi: sm.dest_addr_npi,
                destination_addr,
                esm_class: sm.esm_class,
                registered_delivery: sm.registered_delivery,
                data_coding: sm.data_coding,
                tlvs: sm.tlvs,
            })
        }),
        (c_string(), tlvs())
            .prop_map(|(message_id, tlvs)| Body::DataSmResp(DataSmResp { message_id, tlvs })),
        (c_string(), ton(), npi(), c_string()).prop_map(|(message_id, t, n, a)| {
            Body::QuerySm(QuerySm {
                message_id,
                source_addr_ton: t,
                source_addr_npi: n,
                source_addr: a,
            })
        }),
        (c_string(), smpp_time(), any::<u8>(), any::<u8>()).prop_map(|(message_id, d, s, e)| {
            Body::QuerySmResp(QuerySmResp {
                message_id,
                final_date: d,
                message_state: MessageState(s),
                error_code: e,
            })
        }),
        (c_string(), c_string(), submit_sm()).prop_map(|(service_type, message_id, sm)| {
            Body::CancelSm(CancelSm {
                service_type,
                message_id,
                source_addr_ton: sm.source_addr_ton,
                source_addr_npi: sm.source_addr_npi,
                source_addr: sm.source_addr,
                dest_addr_ton: sm.dest_addr_ton,
                dest_addr_npi: sm.dest_addr_npi,
                destination_addr: sm.destination_addr,
            })
        }),
        (c_string(), submit_sm()).prop_map(|(message_id, sm)| Body::ReplaceSm(ReplaceSm {
            message_id,
            source_addr_ton: sm.source_addr_ton,
            source_addr_npi: sm.source_addr_npi,
            source_addr: sm.source_addr,
            schedule_delivery_time: sm.schedule_delivery_time,
            validity_period: sm.validity_period,
            registered_delivery: sm.registered_delivery,
            sm_default_msg_id: sm.sm_default_msg_id,
            short_message: sm.short_message,
        })),
        (ton(), npi(), c_string(), ton(), npi(), c_string(), tlvs()).prop_map(
            |(st, sn, sa, et, en, ea, tlvs)| Body::AlertNotification(AlertNotification {
                source_addr_ton: st,
                source_addr_npi: sn,
                source_addr: sa,
                esme_addr_ton: et,
                esme_addr_npi: en,
                esme_addr: ea,
                tlvs,
            })
        ),
    ]
}

fn pdu() -> impl Strategy<Value = Pdu> {
    (prop_oneof![Just(0u32), any::<u32>()], any::<u32>(), body())
        .prop_map(|(status, seq, body)| Pdu::new(CommandStatus(status), seq, body))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn encode_then_decode_is_identity(pdu in pdu()) {
        let encoded = pdu.to_bytes();
        prop_assert_eq!(encoded.len(), pdu.encoded_len());
        let decoded = Decoder::default().decode_frame(encoded.clone()).unwrap();
        // A response with an error status and empty fields goes out header-only and comes
        // back with the same empty fields, so equality holds for those too.
        prop_assert_eq!(&decoded, &pdu);
        prop_assert_eq!(decoded.to_bytes(), encoded);
    }

    #[test]
    fn encode_appends_to_existing_buffer(pdu in pdu(), prefix in proptest::collection::vec(any::<u8>(), 0..8)) {
        let mut out = BytesMut::from(&prefix[..]);
        pdu.encode(&mut out);
        prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
        prop_assert_eq!(&out[prefix.len()..], &pdu.to_bytes()[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_round_trip(&data);
    }

    #[test]
    fn arbitrary_bodies_behind_valid_headers_never_panic(
        command_id in proptest::sample::select(vec![
            1u32, 2, 3, 4, 5, 6, 7, 8, 9, 0xB, 0x15, 0x21, 0x102, 0x103,
            0x8000_0000, 0x8000_0001, 0x8000_0002, 0x8000_0003, 0x8000_0004, 0x8000_0005,
            0x8000_0006, 0x8000_0007, 0x8000_0008, 0x8000_0009, 0x8000_0015, 0x8000_0021,
            0x8000_0103,
        ]),
        status in prop_oneof![Just(0u32), any::<u32>()],
        body in proptest::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..300),
    ) {
        let len = u32::try_from(16 + body.len()).unwrap();
        let mut frame = Vec::with_capacity(16 + body.len());
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(&command_id.to_be_bytes());
        frame.extend_from_slice(&status.to_be_bytes());
        frame.extend_from_slice(&7u32.to_be_bytes());
        frame.extend_from_slice(&body);
        check_round_trip(&frame);
    }

    #[test]
    fn mutated_valid_pdus_never_panic(pdu in pdu(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..4)) {
        let mut octets = pdu.to_bytes().to_vec();
        for (at, value) in flips {
            let at = 4 + at % (octets.len() - 4).max(1);
            if let Some(octet) = octets.get_mut(at) {
                *octet = value;
            }
        }
        check_round_trip(&octets);
    }
}
