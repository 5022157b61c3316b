//! Timers of the session machines on virtual time: keepalive, link death, request timeouts,
//! the window and sequence numbering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod session_harness;

use std::time::Duration;

use engine::proto::{Body, CommandId, CommandStatus};
use engine::session::{BindType, CloseReason, Event, SessionConfig, SessionError, SessionState};
use session_harness::{encoded, exchange, sm_resp, submit_sm, test_config, Pair};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn idle_link_exchanges_enquire_link_every_interval() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    pair.run_for(secs(29));
    assert_eq!(pair.esme.stats().enquire_links_sent, 0);
    pair.run_for(secs(2));
    assert_eq!(pair.esme.stats().enquire_links_sent, 1);
    assert_eq!(pair.smsc.stats().enquire_links_sent, 1);
    pair.run_for(secs(120));
    assert_eq!(pair.esme.stats().enquire_links_sent, 5);
    assert!(pair.esme.state().is_bound());
    assert!(pair.smsc.state().is_bound());
    assert!(pair.esme_events.is_empty());
    assert!(pair.smsc_events.is_empty());
    assert_eq!(pair.esme.stats().unexpected_responses, 0);
}

#[test]
fn traffic_from_the_peer_defers_enquire_link() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    for round in 0..10u64 {
        pair.run_for(secs(20));
        let seq = pair
            .esme
            .submit(submit_sm("tick"), round, pair.now)
            .unwrap();
        pair.drive();
        pair.smsc
            .respond(
                seq,
                CommandStatus::ESME_ROK,
                Body::SubmitSmResp(sm_resp("m")),
            )
            .unwrap();
        pair.drive();
    }
    assert_eq!(pair.esme.stats().enquire_links_sent, 0);
    assert_eq!(pair.smsc.stats().enquire_links_sent, 0);
}

#[test]
fn peer_enquire_link_is_answered_at_once_in_any_state() {
    let mut pair = Pair::new(test_config());
    let replies = exchange(&mut pair.smsc, pair.now, &encoded(99, Body::EnquireLink));
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].command_id(), CommandId::ENQUIRE_LINK_RESP);
    assert_eq!(replies[0].command_status, CommandStatus::ESME_ROK);
    assert_eq!(replies[0].sequence_number, 99);
    pair.bind(BindType::Receiver);
    let replies = exchange(&mut pair.esme, pair.now, &encoded(100, Body::EnquireLink));
    assert_eq!(replies[0].command_id(), CommandId::ENQUIRE_LINK_RESP);
    assert_eq!(replies[0].sequence_number, 100);
}

#[test]
fn silent_peer_is_declared_dead_after_interval_plus_response_timeout() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transmitter);
    pair.smsc_to_esme_open = false;
    pair.run_for(secs(25));
    let seq = pair.esme.submit(submit_sm("lost"), 9, pair.now).unwrap();
    pair.run_until(secs(120), |p| p.esme.state() == SessionState::Closed);
    // Enquire_link at 30 s, unanswered by 40 s; the submit (sent at 25 s) timed out at 35 s.
    assert_eq!(pair.elapsed(), secs(40));
    assert_eq!(pair.esme.stats().enquire_links_sent, 1);
    assert_eq!(
        pair.esme_events.drain(..).collect::<Vec<_>>(),
        vec![
            Event::RequestTimedOut {
                seq,
                tag: 9,
                request: CommandId::SUBMIT_SM
            },
            Event::Closed(CloseReason::LinkDead),
        ]
    );
}

#[test]
fn other_traffic_while_enquire_link_is_pending_keeps_the_link_alive() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Receiver);
    pair.esme_to_smsc_open = false;
    pair.smsc_to_esme_open = false;
    pair.run_for(secs(31));
    assert_eq!(pair.esme.stats().enquire_links_sent, 1);
    // The enquire_link_resp never comes, but a deliver_sm does before the 40 s deadline.
    pair.run_for(secs(4));
    let replies = exchange(
        &mut pair.esme,
        pair.now,
        &encoded(500, Body::DeliverSm(submit_sm("mo"))),
    );
    assert!(replies.is_empty());
    assert!(matches!(
        pair.esme.poll_event(),
        Some(Event::RequestReceived(_))
    ));
    pair.run_for(secs(10));
    assert!(pair.esme.state().is_bound());
    // Silence from then on: next probe 30 s after the deliver_sm (at 65 s), dead at 75 s.
    pair.run_until(secs(120), |p| p.esme.state() == SessionState::Closed);
    assert_eq!(pair.elapsed(), secs(75));
    assert!(pair
        .esme_events
        .contains(&Event::Closed(CloseReason::LinkDead)));
}

#[test]
fn zero_interval_turns_keepalive_off() {
    let config = SessionConfig {
        enquire_link_interval: Duration::ZERO,
        ..test_config()
    };
    let mut pair = Pair::new(config);
    pair.bind(BindType::Transceiver);
    assert_eq!(pair.esme.poll_timeout(), None);
    assert_eq!(pair.smsc.poll_timeout(), None);
    pair.esme_to_smsc_open = false;
    pair.smsc_to_esme_open = false;
    pair.run_for(secs(3600));
    assert!(pair.esme.state().is_bound());
    assert_eq!(pair.esme.stats().enquire_links_sent, 0);
}

#[test]
fn request_timeout_frees_the_window_slot_and_late_responses_are_dropped() {
    let config = SessionConfig {
        window_size: 2,
        ..test_config()
    };
    let mut pair = Pair::new(config);
    pair.bind(BindType::Transmitter);
    let first = pair.esme.submit(submit_sm("a"), 1, pair.now).unwrap();
    let second = pair.esme.submit(submit_sm("b"), 2, pair.now).unwrap();
    assert_eq!(
        pair.esme.submit(submit_sm("c"), 3, pair.now),
        Err(SessionError::WindowFull(2))
    );
    pair.drive();
    assert_eq!(
        pair.smsc_events.len(),
        2,
        "the SMSC got both, answers neither"
    );
    pair.run_for(secs(9));
    assert!(pair.esme_events.is_empty());
    pair.run_for(secs(1));
    assert_eq!(
        pair.esme_events.drain(..).collect::<Vec<_>>(),
        vec![
            Event::RequestTimedOut {
                seq: first,
                tag: 1,
                request: CommandId::SUBMIT_SM
            },
            Event::RequestTimedOut {
                seq: second,
                tag: 2,
                request: CommandId::SUBMIT_SM
            },
        ]
    );
    assert_eq!(pair.esme.in_flight(), 0);
    assert_eq!(pair.esme.stats().timed_out_requests, 2);
    let third = pair.esme.submit(submit_sm("c"), 3, pair.now).unwrap();

    // The SMSC answers the first one now: too late, dropped and counted.
    pair.smsc
        .respond(
            first,
            CommandStatus::ESME_ROK,
            Body::SubmitSmResp(sm_resp("x")),
        )
        .unwrap();
    pair.drive();
    assert!(pair.esme_events.is_empty());
    assert_eq!(pair.esme.stats().unexpected_responses, 1);
    assert_eq!(pair.esme.in_flight(), 1);
    pair.smsc
        .respond(
            third,
            CommandStatus::ESME_ROK,
            Body::SubmitSmResp(sm_resp("y")),
        )
        .unwrap();
    pair.drive();
    assert!(matches!(
        pair.esme_events.pop_front(),
        Some(Event::Response { tag: 3, .. })
    ));
}

#[test]
fn full_window_refuses_submit_until_a_response_arrives() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    let mut seqs = Vec::new();
    for tag in 0..8 {
        seqs.push(pair.esme.submit(submit_sm("w"), tag, pair.now).unwrap());
    }
    assert!(!pair.esme.has_window_room());
    let queued = pair.esme.pending_transmit();
    assert_eq!(
        pair.esme.submit(submit_sm("w"), 8, pair.now),
        Err(SessionError::WindowFull(8))
    );
    assert_eq!(
        pair.esme.pending_transmit(),
        queued,
        "a refused submit sends nothing"
    );
    pair.drive();
    pair.smsc
        .respond(
            seqs[3],
            CommandStatus::ESME_ROK,
            Body::SubmitSmResp(sm_resp("m3")),
        )
        .unwrap();
    pair.drive();
    assert!(matches!(
        pair.esme_events.pop_front(),
        Some(Event::Response { tag: 3, .. })
    ));
    assert!(pair.esme.has_window_room());
    pair.esme.submit(submit_sm("w"), 8, pair.now).unwrap();
    assert!(!pair.esme.has_window_room());
}

#[test]
fn sequence_numbers_wrap_from_0x7fffffff_to_1() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    pair.esme.set_next_sequence_number(0x7FFF_FFFE);
    let seqs: Vec<u32> = (0..3)
        .map(|tag| pair.esme.submit(submit_sm("wrap"), tag, pair.now).unwrap())
        .collect();
    assert_eq!(seqs, vec![0x7FFF_FFFE, 0x7FFF_FFFF, 1]);
    pair.drive();
    let received: Vec<u32> = pair
        .smsc_events
        .drain(..)
        .map(|event| match event {
            Event::RequestReceived(pdu) => pdu.sequence_number,
            other => panic!("expected RequestReceived, got {other:?}"),
        })
        .collect();
    assert_eq!(received, seqs);
    for &seq in &seqs {
        pair.smsc
            .respond(
                seq,
                CommandStatus::ESME_ROK,
                Body::SubmitSmResp(sm_resp("m")),
            )
            .unwrap();
    }
    pair.drive();
    let tags: Vec<(u32, u64)> = pair
        .esme_events
        .drain(..)
        .map(|event| match event {
            Event::Response { seq, tag, .. } => (seq, tag),
            other => panic!("expected Response, got {other:?}"),
        })
        .collect();
    assert_eq!(tags, vec![(0x7FFF_FFFE, 0), (0x7FFF_FFFF, 1), (1, 2)]);
}

#[test]
fn generic_nack_answers_a_request_and_a_wrong_response_is_dropped() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    let seq = pair.esme.submit(submit_sm("n"), 4, pair.now).unwrap();
    pair.drive();
    // deliver_sm_resp is not what a submit_sm takes: dropped, the request stays in flight.
    let wrong = engine::proto::Pdu::new(
        CommandStatus::ESME_ROK,
        seq,
        Body::DeliverSmResp(sm_resp("")),
    );
    exchange(&mut pair.esme, pair.now, &wrong.to_bytes());
    assert_eq!(pair.esme.poll_event(), None);
    assert_eq!(pair.esme.stats().unexpected_responses, 1);
    assert_eq!(pair.esme.in_flight(), 1);
    let nack = engine::proto::Pdu::new(CommandStatus::ESME_RTHROTTLED, seq, Body::GenericNack);
    exchange(&mut pair.esme, pair.now, &nack.to_bytes());
    match pair.esme.poll_event() {
        Some(Event::Response {
            seq: got,
            tag: 4,
            request: CommandId::SUBMIT_SM,
            pdu,
        }) => {
            assert_eq!(got, seq);
            assert_eq!(pdu.command_id(), CommandId::GENERIC_NACK);
            assert_eq!(pdu.command_status, CommandStatus::ESME_RTHROTTLED);
        }
        other => panic!("expected Response, got {other:?}"),
    }
    assert_eq!(pair.esme.in_flight(), 0);
}

#[test]
fn connection_lost_aborts_requests_in_flight() {
    let mut pair = Pair::new(test_config());
    pair.bind(BindType::Transceiver);
    let a = pair.smsc.deliver(submit_sm("1"), 10, pair.now).unwrap();
    let b = pair.smsc.deliver(submit_sm("2"), 11, pair.now).unwrap();
    pair.smsc.connection_lost();
    assert_eq!(
        std::iter::from_fn(|| pair.smsc.poll_event()).collect::<Vec<_>>(),
        vec![
            Event::RequestAborted {
                seq: a,
                tag: 10,
                request: CommandId::DELIVER_SM
            },
            Event::RequestAborted {
                seq: b,
                tag: 11,
                request: CommandId::DELIVER_SM
            },
            Event::Closed(CloseReason::ConnectionLost),
        ]
    );
    assert_eq!(pair.smsc.poll_timeout(), None);
    assert_eq!(
        pair.smsc.deliver(submit_sm("3"), 12, pair.now),
        Err(SessionError::Closed)
    );
}
