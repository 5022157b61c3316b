//! Golden byte vectors for every SMPP 3.4 PDU: decode, check the fields, re-encode byte-exact.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod codec_common;

use bytes::Bytes;
use codec_common::golden;
use engine::proto::{
    Body, CommandId, CommandStatus, Decoder, DestAddress, MessageState, Npi, Pdu, TlvTag, Ton,
};

fn decode(octets: &[u8]) -> Pdu {
    Decoder::default()
        .decode_frame(Bytes::copy_from_slice(octets))
        .unwrap()
}

/// Decodes, hands the PDU to `check`, and requires the re-encoding to be byte-exact.
fn golden(octets: Vec<u8>, check: impl FnOnce(&Pdu)) {
    let pdu = decode(&octets);
    check(&pdu);
    assert_eq!(pdu.encoded_len(), octets.len(), "encoded_len of {pdu:?}");
    assert_eq!(&pdu.to_bytes()[..], &octets[..], "re-encoding of {pdu:?}");
}

#[test]
fn bind_transmitter() {
    golden(golden::bind_transmitter(), |pdu| {
        assert_eq!(pdu.command_id(), CommandId::BIND_TRANSMITTER);
        assert_eq!(pdu.sequence_number, 1);
        let Body::BindTransmitter(bind) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(bind.system_id, "smppclient");
        assert_eq!(bind.password, "secret");
        assert_eq!(bind.system_type, "VMS");
        assert_eq!(bind.interface_version, 0x34);
        assert_eq!(bind.addr_ton, Ton::INTERNATIONAL);
        assert_eq!(bind.addr_npi, Npi::ISDN);
        assert!(bind.address_range.is_empty());
    });
}

#[test]
fn bind_receiver() {
    golden(golden::bind_receiver(), |pdu| {
        let Body::BindReceiver(bind) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(bind.system_id, "rx");
        assert_eq!(bind.password, "pw");
        assert!(bind.system_type.is_empty());
        assert_eq!(bind.address_range, "^4477");
    });
}

#[test]
fn bind_transceiver() {
    golden(golden::bind_transceiver(), |pdu| {
        let Body::BindTransceiver(bind) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(bind.system_id, "trx");
        assert_eq!(bind.password, "12345678");
        assert_eq!(bind.addr_ton, Ton::NATIONAL);
        assert_eq!(bind.addr_npi, Npi::NATIONAL);
    });
}

#[test]
fn bind_transmitter_resp_with_sc_interface_version() {
    golden(golden::bind_transmitter_resp(), |pdu| {
        assert_eq!(pdu.command_status, CommandStatus::ESME_ROK);
        let Body::BindTransmitterResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(resp.system_id, "SMSC");
        assert_eq!(resp.tlvs.sc_interface_version(), Some(0x34));
    });
}

#[test]
fn bind_receiver_resp_error_without_body() {
    golden(golden::bind_receiver_resp_error(), |pdu| {
        assert_eq!(pdu.command_status, CommandStatus::ESME_RINVPASWD);
        assert_eq!(pdu.sequence_number, 2);
        let Body::BindReceiverResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert!(resp.system_id.is_empty());
    });
}

#[test]
fn bind_transceiver_resp() {
    golden(golden::bind_transceiver_resp(), |pdu| {
        let Body::BindTransceiverResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(resp.system_id, "SMSC");
        assert!(resp.tlvs.is_empty());
    });
}

#[test]
fn outbind() {
    golden(golden::outbind(), |pdu| {
        let Body::Outbind(outbind) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(outbind.system_id, "smsc");
        assert_eq!(outbind.password, "pw");
    });
}

#[test]
fn header_only_pdus() {
    let cases = [
        (0x0000_0006, 0, Body::Unbind),
        (0x8000_0006, 0, Body::UnbindResp),
        (0x8000_0000, 3, Body::GenericNack),
        (0x0000_0015, 0, Body::EnquireLink),
        (0x8000_0015, 0, Body::EnquireLinkResp),
        (0x8000_0008, 0, Body::CancelSmResp),
        (0x8000_0007, 0x13, Body::ReplaceSmResp),
    ];
    for (id, status, body) in cases {
        golden(golden::header_only(id, status, 99), |pdu| {
            assert_eq!(pdu.command_id(), CommandId(id));
            assert_eq!(pdu.command_status, CommandStatus(status));
            assert_eq!(pdu.sequence_number, 99);
            assert_eq!(pdu.body, body);
        });
    }
}

#[test]
fn submit_sm() {
    golden(golden::submit_sm(), |pdu| {
        assert_eq!(pdu.sequence_number, 5);
        let Body::SubmitSm(sm) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert!(sm.service_type.is_empty());
        assert_eq!(sm.source_addr_ton, Ton::ALPHANUMERIC);
        assert_eq!(sm.source_addr_npi, Npi::UNKNOWN);
        assert_eq!(sm.source_addr, "ACME");
        assert_eq!(sm.dest_addr_ton, Ton::INTERNATIONAL);
        assert_eq!(sm.destination_addr, "447700900123");
        assert!(sm.schedule_delivery_time.is_empty());
        assert_eq!(sm.validity_period.as_str(), "000001000000000R");
        assert!(sm.validity_period.is_relative());
        assert_eq!(sm.registered_delivery, 1);
        assert_eq!(sm.short_message.as_bytes(), b"Hello");
        assert!(sm.tlvs.is_empty());
    });
}

#[test]
fn submit_sm_with_sar_and_vendor_tlvs_keeps_order() {
    golden(golden::submit_sm_tlvs(), |pdu| {
        let Body::SubmitSm(sm) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(sm.service_type, "CMT");
        assert_eq!(sm.priority_flag, 1);
        assert_eq!(sm.schedule_delivery_time.as_str(), "250102030405000+");
        assert_eq!(sm.data_coding, 8);
        assert_eq!(sm.short_message.as_bytes(), &[0, b'H', 0, b'i']);
        assert_eq!(sm.tlvs.sar_msg_ref_num(), Some(42));
        assert_eq!(sm.tlvs.sar_total_segments(), Some(2));
        assert_eq!(sm.tlvs.sar_segment_seqnum(), Some(1));
        assert_eq!(
            sm.tlvs.get(TlvTag(0x1400)),
            Some(&Bytes::from_static(b"abc"))
        );
        let tags: Vec<u16> = sm.tlvs.iter().map(|tlv| tlv.tag().0).collect();
        assert_eq!(tags, [0x020C, 0x020E, 0x020F, 0x1400]);
    });
}

#[test]
fn submit_sm_resp() {
    golden(golden::submit_sm_resp(), |pdu| {
        let Body::SubmitSmResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(resp.message_id, "abc123");
    });
}

#[test]
fn submit_sm_resp_error_without_body() {
    golden(golden::submit_sm_resp_error(), |pdu| {
        assert_eq!(pdu.command_status, CommandStatus::ESME_RSUBMITFAIL);
        let Body::SubmitSmResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert!(resp.message_id.is_empty());
    });
}

#[test]
fn deliver_sm_receipt() {
    golden(golden::deliver_sm_receipt(), |pdu| {
        let Body::DeliverSm(sm) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(sm.source_addr, "447700900123");
        assert_eq!(sm.destination_addr, "ACME");
        assert_eq!(sm.esm_class, 0x04);
        assert_eq!(sm.short_message.as_bytes(), b"id:abc123 stat:DELIVRD");
        assert_eq!(sm.tlvs.receipted_message_id(), Some(&b"abc123"[..]));
        assert_eq!(sm.tlvs.message_state(), Some(MessageState::DELIVERED));
        let code = sm.tlvs.network_error_code().unwrap();
        assert_eq!((code.network_type, code.error_code), (3, 0));
    });
}

#[test]
fn deliver_sm_resp() {
    golden(golden::deliver_sm_resp(), |pdu| {
        assert_eq!(pdu.command_id(), CommandId::DELIVER_SM_RESP);
        let Body::DeliverSmResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert!(resp.message_id.is_empty());
    });
}

#[test]
fn data_sm() {
    golden(golden::data_sm(), |pdu| {
        let Body::DataSm(sm) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(sm.source_addr, "12345");
        assert_eq!(sm.destination_addr, "67890");
        assert_eq!(sm.registered_delivery, 1);
        assert_eq!(
            sm.tlvs.message_payload(),
            Some(&Bytes::from_static(b"Hello"))
        );
        assert_eq!(sm.tlvs.source_port(), Some(2948));
    });
}

#[test]
fn data_sm_resp_with_failure_tlvs() {
    golden(golden::data_sm_resp(), |pdu| {
        assert_eq!(pdu.command_status, CommandStatus::ESME_RDELIVERYFAILURE);
        let Body::DataSmResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert!(resp.message_id.is_empty());
        assert_eq!(resp.tlvs.delivery_failure_reason(), Some(1));
        assert_eq!(resp.tlvs.additional_status_info_text(), Some(&b"no"[..]));
    });
}

#[test]
fn query_sm() {
    golden(golden::query_sm(), |pdu| {
        let Body::QuerySm(query) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(query.message_id, "abc123");
        assert_eq!(query.source_addr, "4477");
    });
}

#[test]
fn query_sm_resp() {
    golden(golden::query_sm_resp(), |pdu| {
        let Body::QuerySmResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(resp.message_id, "abc123");
        assert_eq!(resp.final_date.as_str(), "250102030405000+");
        assert_eq!(resp.message_state, MessageState::DELIVERED);
        assert_eq!(resp.error_code, 0);
    });
}

#[test]
fn cancel_sm() {
    golden(golden::cancel_sm(), |pdu| {
        let Body::CancelSm(cancel) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(cancel.message_id, "abc123");
        assert_eq!(cancel.source_addr, "4477");
        assert_eq!(cancel.destination_addr, "4478");
    });
}

#[test]
fn replace_sm() {
    golden(golden::replace_sm(), |pdu| {
        let Body::ReplaceSm(replace) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(replace.message_id, "abc123");
        assert_eq!(replace.registered_delivery, 1);
        assert_eq!(replace.short_message.as_bytes(), b"new");
    });
}

#[test]
fn submit_multi_with_sme_and_distribution_list() {
    golden(golden::submit_multi(), |pdu| {
        let Body::SubmitMulti(multi) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(multi.source_addr, "ACME");
        assert_eq!(multi.dest_addresses.len(), 2);
        match &multi.dest_addresses.as_slice()[0] {
            DestAddress::Sme {
                dest_addr_ton,
                destination_addr,
                ..
            } => {
                assert_eq!(*dest_addr_ton, Ton::INTERNATIONAL);
                assert_eq!(*destination_addr, "4477");
            }
            other => panic!("{other:?}"),
        }
        match &multi.dest_addresses.as_slice()[1] {
            DestAddress::DistributionList { dl_name } => assert_eq!(*dl_name, "staff"),
            other => panic!("{other:?}"),
        }
        assert_eq!(multi.short_message.as_bytes(), b"Hi");
    });
}

#[test]
fn submit_multi_resp_with_unsuccess_sme() {
    golden(golden::submit_multi_resp(), |pdu| {
        let Body::SubmitMultiResp(resp) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(resp.message_id, "m42");
        let [sme] = resp.unsuccess_smes.as_slice() else {
            panic!("{resp:?}")
        };
        assert_eq!(sme.destination_addr, "4479");
        assert_eq!(sme.error_status_code, CommandStatus::ESME_RINVDSTADR);
    });
}

#[test]
fn alert_notification() {
    golden(golden::alert_notification(), |pdu| {
        let Body::AlertNotification(alert) = &pdu.body else {
            panic!("{pdu:?}")
        };
        assert_eq!(alert.source_addr, "4477");
        assert_eq!(alert.esme_addr, "9999");
        assert_eq!(alert.tlvs.ms_availability_status(), Some(0));
    });
}

#[test]
fn every_golden_vector_passes_the_fuzz_oracle() {
    for (name, octets) in golden::all() {
        let pdu = decode(&octets);
        assert_eq!(&pdu.to_bytes()[..], &octets[..], "{name}");
        engine::proto::check_round_trip(&octets);
    }
}

#[test]
fn built_pdus_encode_like_the_golden_vectors() {
    let mut bind = engine::proto::Bind::new("smppclient", "secret").unwrap();
    bind.system_type = engine::proto::SystemType::new("VMS").unwrap();
    bind.addr_ton = Ton::INTERNATIONAL;
    bind.addr_npi = Npi::ISDN;
    let pdu = Pdu::ok(1, Body::BindTransmitter(bind));
    assert_eq!(&pdu.to_bytes()[..], &golden::bind_transmitter()[..]);

    let nack = Pdu::new(
        CommandStatus::ESME_RSUBMITFAIL,
        6,
        Body::SubmitSmResp(Default::default()),
    );
    assert_eq!(&nack.to_bytes()[..], &golden::submit_sm_resp_error()[..]);
}
