//! Bind, unbind, state checks and bad input for the ESME and SMSC session machines.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod session_harness;

use std::time::Duration;

use engine::proto::{Bind, Body, CommandId, CommandStatus, Outbind, SystemId};
use engine::session::{BindType, CloseReason, Event, SessionError, SessionState, SmscSession};
use session_harness::{encoded, exchange, sm_resp, submit_sm, test_config, Pair};

const ALL_BIND_TYPES: [BindType; 3] = [
    BindType::Transmitter,
    BindType::Receiver,
    BindType::Transceiver,
];

#[test]
fn bind_succeeds_for_every_bind_type() {
    for bind_type in ALL_BIND_TYPES {
        let mut pair = Pair::new(test_config());
        pair.bind(bind_type);
        assert_eq!(pair.esme.state(), SessionState::Bound(bind_type));
        assert_eq!(pair.smsc.state(), SessionState::Bound(bind_type));
        // The SMSC's bind timer stopped and keepalive took over.
        pair.run_for(Duration::from_secs(29));
        assert_eq!(pair.smsc.state(), SessionState::Bound(bind_type));
    }
}

#[test]
fn bind_resp_answers_the_bind_type_with_system_id_and_interface_version() {
    for bind_type in ALL_BIND_TYPES {
        let now = std::time::Instant::now();
        let mut smsc = SmscSession::new(test_config(), now);
        let bind = Bind::new("esme01", "pw").unwrap();
        let replies = exchange(&mut smsc, now, &encoded(41, bind_type.request_body(bind)));
        assert!(replies.is_empty(), "the caller decides, not the session");
        assert!(matches!(
            smsc.poll_event(),
            Some(Event::BindRequested { seq: 41, bind_type: t, .. }) if t == bind_type
        ));
        smsc.accept_bind(SystemId::new("gw").unwrap(), now).unwrap();
        let mut out = bytes::BytesMut::new();
        smsc.poll_transmit(&mut out);
        let replies = session_harness::decode_all(&mut out);
        assert_eq!(replies.len(), 1);
        let reply = &replies[0];
        assert_eq!(reply.sequence_number, 41);
        assert_eq!(reply.command_status, CommandStatus::ESME_ROK);
        assert_eq!(reply.command_id(), bind_type.response_id());
        match &reply.body {
            Body::BindTransmitterResp(resp)
            | Body::BindReceiverResp(resp)
            | Body::BindTransceiverResp(resp) => {
                assert_eq!(resp.system_id, "gw");
                assert_eq!(resp.tlvs.sc_interface_version(), Some(0x34));
            }
            other => panic!("expected a bind_resp, got {other:?}"),
        }
    }
}

#[test]
fn rejected_bind_reaches_the_esme_as_bind_failed_and_both_close() {
    let mut pair = Pair::new(test_config());
    let bind = Bind::new("esme01", "wrong").unwrap();
    pair.esme
        .bind(BindType::Transceiver, bind, pair.now)
        .unwrap();
    pair.drive();
    assert!(matches!(
        pair.smsc_events.pop_front(),
        Some(Event::BindRequested { .. })
    ));
    pair.smsc
        .reject_bind(CommandStatus::ESME_RINVPASWD)
        .unwrap();
    pair.drive();
    assert_eq!(
        pair.esme_events.drain(..).collect::<Vec<_>>(),
        vec![
            Event::BindFailed(CommandStatus(0x0E)),
            Event::Closed(CloseReason::BindFailed(CommandStatus(0x0E))),
        ]
    );
    assert_eq!(
        pair.smsc_events.pop_front(),
        Some(Event::Closed(CloseReason::BindRejected(CommandStatus(
            0x0E
        ))))
    );
    assert_eq!(pair.esme.state(), SessionState::Closed);
    assert_eq!(pair.smsc.state(), SessionState::Closed);
    assert_eq!(pair.esme.poll_timeout(), None);
}

#[test]
fn smsc_closes_when_no_bind_arrives_in_time() {
    let mut pair = Pair::new(test_config());
    pair.run_until(Duration::from_secs(60), |p| {
        p.smsc.state() == SessionState::Closed
    });
    assert_eq!(pair.elapsed(), Duration::from_secs(5));
    assert_eq!(
        pair.smsc_events.pop_front(),
        Some(Event::Closed(CloseReason::BindTimeout))
    );
}

#[test]
fn esme_gives_up_when_the_bind_resp_never_comes() {
    let mut pair = Pair::new(test_config());
    pair.run_for(Duration::from_secs(2));
    let bind = Bind::new("esme01", "secret").unwrap();
    pair.esme
        .bind(BindType::Transmitter, bind, pair.now)
        .unwrap();
    // The SMSC side's caller never decides; its own bind timer (from connect) fires first.
    pair.run_until(Duration::from_secs(60), |p| {
        p.esme.state() == SessionState::Closed
    });
    assert_eq!(pair.elapsed(), Duration::from_secs(7));
    assert_eq!(
        pair.esme_events.pop_front(),
        Some(Event::Closed(CloseReason::BindTimeout))
    );
    assert!(pair
        .smsc_events
        .contains(&Event::Closed(CloseReason::BindTimeout)));
}

#[test]
fn second_bind_is_refused_with_already_bound() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    let bind = Bind::new("esme01", "secret").unwrap();
    let replies = exchange(
        &mut pair.smsc,
        pair.now,
        &encoded(77, Body::BindTransmitter(bind)),
    );
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].command_id(), CommandId::BIND_TRANSMITTER_RESP);
    assert_eq!(replies[0].command_status, CommandStatus(0x05));
    assert_eq!(replies[0].sequence_number, 77);
    assert_eq!(pair.smsc.poll_event(), None);
    assert_eq!(
        pair.smsc.state(),
        SessionState::Bound(BindType::Transceiver)
    );
    // And our own ESME will not bind twice either.
    let again = pair.esme.bind(
        BindType::Transceiver,
        Bind::new("esme01", "secret").unwrap(),
        pair.now,
    );
    assert!(matches!(again, Err(SessionError::NotAllowed { .. })));
}

#[test]
fn bind_while_the_first_awaits_a_decision_is_refused_with_already_bound() {
    let now = std::time::Instant::now();
    let mut smsc = SmscSession::new(test_config(), now);
    let bind = || Body::BindReceiver(Bind::new("esme01", "pw").unwrap());
    assert!(exchange(&mut smsc, now, &encoded(1, bind())).is_empty());
    let replies = exchange(&mut smsc, now, &encoded(2, bind()));
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RALYBND);
    assert_eq!(replies[0].sequence_number, 2);
    assert_eq!(smsc.state(), SessionState::Binding(BindType::Receiver));
}

#[test]
fn submit_before_bind_is_refused_with_invalid_bind_status() {
    let now = std::time::Instant::now();
    let mut smsc = SmscSession::new(test_config(), now);
    let replies = exchange(&mut smsc, now, &encoded(3, Body::SubmitSm(submit_sm("hi"))));
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].command_id(), CommandId::SUBMIT_SM_RESP);
    assert_eq!(replies[0].command_status, CommandStatus(0x04));
    assert_eq!(replies[0].sequence_number, 3);
    assert_eq!(smsc.poll_event(), None);
    assert_eq!(smsc.stats().rejected_requests, 1);

    let mut pair = Pair::new(test_config());
    assert_eq!(
        pair.esme.submit(submit_sm("hi"), 0, pair.now),
        Err(SessionError::NotAllowed {
            command: CommandId::SUBMIT_SM,
            state: SessionState::Open
        })
    );
    assert_eq!(pair.esme.pending_transmit(), 0);
}

#[test]
fn receiver_bound_smsc_session_refuses_submit_sm() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Receiver);
    let replies = exchange(
        &mut pair.smsc,
        pair.now,
        &encoded(9, Body::SubmitSm(submit_sm("hi"))),
    );
    assert_eq!(replies[0].command_id(), CommandId::SUBMIT_SM_RESP);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RINVBNDSTS);
    assert_eq!(pair.smsc.poll_event(), None);
    assert!(matches!(
        pair.esme.submit(submit_sm("hi"), 0, pair.now),
        Err(SessionError::NotAllowed { .. })
    ));
}

#[test]
fn transmitter_bound_session_carries_no_deliveries() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transmitter);
    assert!(matches!(
        pair.smsc.deliver(submit_sm("mo"), 0, pair.now),
        Err(SessionError::NotAllowed {
            command: CommandId::DELIVER_SM,
            ..
        })
    ));
    let replies = exchange(
        &mut pair.esme,
        pair.now,
        &encoded(5, Body::DeliverSm(submit_sm("mo"))),
    );
    assert_eq!(replies[0].command_id(), CommandId::DELIVER_SM_RESP);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RINVBNDSTS);
    assert_eq!(pair.esme.poll_event(), None);
}

#[test]
fn submit_and_deliver_round_trip_on_a_transceiver_bind() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);

    let seq = pair.esme.submit(submit_sm("hello"), 42, pair.now).unwrap();
    assert_eq!(pair.esme.in_flight(), 1);
    pair.drive();
    let request = match pair.smsc_events.pop_front() {
        Some(Event::RequestReceived(pdu)) => pdu,
        other => panic!("expected RequestReceived, got {other:?}"),
    };
    assert_eq!(request.sequence_number, seq);
    match &request.body {
        Body::SubmitSm(sm) => assert_eq!(sm.short_message.as_bytes(), b"hello"),
        other => panic!("expected submit_sm, got {other:?}"),
    }
    pair.smsc
        .respond(
            seq,
            CommandStatus::ESME_ROK,
            Body::SubmitSmResp(sm_resp("m1")),
        )
        .unwrap();
    pair.drive();
    match pair.esme_events.pop_front() {
        Some(Event::Response {
            seq: got,
            tag: 42,
            request: CommandId::SUBMIT_SM,
            pdu,
        }) => {
            assert_eq!(got, seq);
            assert_eq!(pdu.body, Body::SubmitSmResp(sm_resp("m1")));
        }
        other => panic!("expected Response, got {other:?}"),
    }
    assert_eq!(pair.esme.in_flight(), 0);

    let seq = pair.smsc.deliver(submit_sm("mo"), 7, pair.now).unwrap();
    pair.drive();
    assert!(matches!(
        pair.esme_events.pop_front(),
        Some(Event::RequestReceived(pdu)) if pdu.sequence_number == seq
    ));
    pair.esme
        .respond_status(seq, CommandId::DELIVER_SM, CommandStatus::ESME_ROK)
        .unwrap();
    pair.drive();
    assert!(matches!(
        pair.smsc_events.pop_front(),
        Some(Event::Response { tag: 7, request: CommandId::DELIVER_SM, pdu, .. })
            if pdu.command_status.is_ok()
    ));
    assert_eq!(pair.smsc.in_flight(), 0);
}

#[test]
fn esme_unbind_is_answered_and_closes_both_sides() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    pair.esme.unbind(pair.now).unwrap();
    assert_eq!(pair.esme.state(), SessionState::Unbinding);
    assert!(matches!(
        pair.esme.submit(submit_sm("late"), 0, pair.now),
        Err(SessionError::NotAllowed { .. })
    ));
    pair.drive();
    assert_eq!(
        pair.smsc_events.pop_front(),
        Some(Event::Closed(CloseReason::PeerUnbound))
    );
    assert_eq!(
        pair.esme_events.pop_front(),
        Some(Event::Closed(CloseReason::Unbound))
    );
    assert_eq!(pair.elapsed(), Duration::ZERO);
}

#[test]
fn smsc_unbind_is_answered_and_closes_both_sides() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Receiver);
    pair.smsc.unbind(pair.now).unwrap();
    pair.drive();
    assert_eq!(
        pair.esme_events.pop_front(),
        Some(Event::Closed(CloseReason::PeerUnbound))
    );
    assert_eq!(
        pair.smsc_events.pop_front(),
        Some(Event::Closed(CloseReason::Unbound))
    );
}

#[test]
fn unanswered_unbind_closes_after_the_grace_period() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transmitter);
    let seq = pair.esme.submit(submit_sm("x"), 5, pair.now).unwrap();
    pair.esme_to_smsc_open = false;
    pair.esme.unbind(pair.now).unwrap();
    pair.run_until(Duration::from_secs(60), |p| {
        p.esme.state() == SessionState::Closed
    });
    assert_eq!(pair.elapsed(), Duration::from_secs(3));
    assert_eq!(
        pair.esme_events.drain(..).collect::<Vec<_>>(),
        vec![
            Event::RequestAborted {
                seq,
                tag: 5,
                request: CommandId::SUBMIT_SM
            },
            Event::Closed(CloseReason::UnbindTimeout),
        ]
    );
}

#[test]
fn unbind_before_bind_is_refused_with_invalid_bind_status() {
    let now = std::time::Instant::now();
    let mut smsc = SmscSession::new(test_config(), now);
    let replies = exchange(&mut smsc, now, &encoded(4, Body::Unbind));
    assert_eq!(replies[0].command_id(), CommandId::UNBIND_RESP);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RINVBNDSTS);
    assert_eq!(smsc.state(), SessionState::Open);
}

#[test]
fn unknown_command_gets_generic_nack_and_the_session_goes_on() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    // command_length 16, command_id 0x00000999 (undefined), status 0, sequence 7.
    let unknown = [0, 0, 0, 16, 0, 0, 0x09, 0x99, 0, 0, 0, 0, 0, 0, 0, 7];
    let replies = exchange(&mut pair.smsc, pair.now, &unknown);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].command_id(), CommandId::GENERIC_NACK);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RINVCMDID);
    assert_eq!(replies[0].sequence_number, 7);
    assert_eq!(pair.smsc.stats().decode_errors, 1);
    assert!(pair.smsc.state().is_bound());

    pair.esme.submit(submit_sm("after"), 1, pair.now).unwrap();
    pair.drive();
    assert!(matches!(
        pair.smsc_events.pop_front(),
        Some(Event::RequestReceived(_))
    ));
}

#[test]
fn truncated_body_gets_the_commands_own_error_response() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    // submit_sm (0x00000004) of 20 octets: the body stops inside service_type.
    let truncated = [
        0, 0, 0, 20, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 11, b'A', b'B', b'C', b'D',
    ];
    let replies = exchange(&mut pair.smsc, pair.now, &truncated);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].command_id(), CommandId::SUBMIT_SM_RESP);
    assert_eq!(replies[0].sequence_number, 11);
    assert!(!replies[0].command_status.is_ok());
    assert!(pair.smsc.state().is_bound());
    assert_eq!(pair.smsc.poll_event(), None);
}

#[test]
fn impossible_command_length_gets_generic_nack_and_closes() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    let seq = pair.smsc.deliver(submit_sm("mo"), 3, pair.now).unwrap();
    let _ = pair.smsc.poll_transmit(&mut bytes::BytesMut::new());
    // command_length 8 is below the 16-octet header: the stream cannot be resynchronised.
    let broken = [0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9];
    let replies = exchange(&mut pair.smsc, pair.now, &broken);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].command_id(), CommandId::GENERIC_NACK);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RINVCMDLEN);
    assert_eq!(replies[0].sequence_number, 9);
    assert_eq!(pair.smsc.state(), SessionState::Closed);
    assert_eq!(
        std::iter::from_fn(|| pair.smsc.poll_event()).collect::<Vec<_>>(),
        vec![
            Event::RequestAborted {
                seq,
                tag: 3,
                request: CommandId::DELIVER_SM
            },
            Event::Closed(CloseReason::ProtocolError),
        ]
    );
}

#[test]
fn a_pdu_split_across_reads_waits_for_its_tail() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    let bytes = encoded(21, Body::SubmitSm(submit_sm("split")));
    let mut buf = bytes::BytesMut::from(&bytes[..10]);
    pair.smsc.handle_input(&mut buf, pair.now);
    assert_eq!(buf.len(), 10, "a partial PDU stays in the read buffer");
    assert_eq!(pair.smsc.poll_event(), None);
    buf.extend_from_slice(&bytes[10..]);
    pair.smsc.handle_input(&mut buf, pair.now);
    assert!(buf.is_empty());
    assert!(matches!(
        pair.smsc.poll_event(),
        Some(Event::RequestReceived(pdu)) if pdu.sequence_number == 21
    ));
}

#[test]
fn outbind_is_reported_to_the_esme_caller_before_bind_only() {
    let mut pair = Pair::new(test_config());
    let outbind = Outbind {
        system_id: SystemId::new("carrier").unwrap(),
        password: engine::proto::Password::new("pw").unwrap(),
    };
    let replies = exchange(
        &mut pair.esme,
        pair.now,
        &encoded(1, Body::Outbind(outbind.clone())),
    );
    assert!(replies.is_empty());
    assert_eq!(
        pair.esme.poll_event(),
        Some(Event::OutbindReceived(outbind.clone()))
    );

    pair.bind(BindType::Receiver);
    let replies = exchange(
        &mut pair.esme,
        pair.now,
        &encoded(2, Body::Outbind(outbind)),
    );
    assert_eq!(replies[0].command_id(), CommandId::GENERIC_NACK);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_RINVBNDSTS);
}

#[test]
fn responses_are_refused_as_requests_and_requests_as_responses() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    assert_eq!(
        pair.esme.send_request(Body::EnquireLinkResp, 0, pair.now),
        Err(SessionError::NotARequest(CommandId::ENQUIRE_LINK_RESP))
    );
    assert_eq!(
        pair.esme
            .respond(1, CommandStatus::ESME_ROK, Body::SubmitSm(submit_sm("x"))),
        Err(SessionError::NotAResponse(CommandId::SUBMIT_SM))
    );
}
