//! One million submit_sm from an ESME machine to an SMSC machine through in-memory pipes.
//!
//! Every request carries its tag as text in short_message; the SMSC answers with that text as
//! message_id, so the ESME can check each response matched its own request, exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod session_harness;

use std::time::{Duration, Instant};

use bytes::Bytes;
use engine::proto::{Body, CommandId, CommandStatus, MessageId, ShortMessage, SubmitSmResp};
use engine::session::{BindType, Event, SessionConfig};
use session_harness::{submit_sm, test_config, Pair};

const TOTAL: usize = 1_000_000;
const WINDOW: usize = 64;

#[test]
fn one_million_submits_through_a_window_of_64_each_answered_exactly_once() {
    let config = SessionConfig {
        window_size: WINDOW,
        ..test_config()
    };
    let mut pair = Pair::new(config);
    pair.bind(BindType::Transceiver);
    let template = submit_sm("");
    let started = Instant::now();

    let mut answered = vec![false; TOTAL];
    let mut answered_count = 0usize;
    let mut requests_seen = 0usize;
    let mut next_tag = 0usize;
    let mut rounds = 0u64;
    while answered_count < TOTAL {
        rounds += 1;
        // Virtual time moves on a little every round so the timers are consulted on the way.
        pair.now += Duration::from_micros(100);
        if pair.next_deadline().is_some_and(|at| at <= pair.now) {
            pair.advance_to(pair.now);
        }
        while next_tag < TOTAL && pair.esme.has_window_room() {
            let mut submit = template.clone();
            submit.short_message = ShortMessage::new(Bytes::from(next_tag.to_string())).unwrap();
            pair.esme.submit(submit, next_tag as u64, pair.now).unwrap();
            next_tag += 1;
        }
        assert_eq!(pair.esme.in_flight(), WINDOW.min(TOTAL - answered_count));

        pair.esme.poll_transmit(&mut pair.to_smsc);
        pair.smsc.handle_input(&mut pair.to_smsc, pair.now);
        while let Some(event) = pair.smsc.poll_event() {
            let Event::RequestReceived(pdu) = event else {
                panic!("SMSC: unexpected {event:?}");
            };
            let Body::SubmitSm(submit) = pdu.body else {
                panic!("SMSC: expected submit_sm, got {:?}", pdu.body);
            };
            requests_seen += 1;
            let resp = SubmitSmResp {
                message_id: MessageId::from_bytes(
                    "message_id",
                    submit.short_message.bytes().clone(),
                )
                .unwrap(),
                ..SubmitSmResp::default()
            };
            pair.smsc
                .respond(
                    pdu.sequence_number,
                    CommandStatus::ESME_ROK,
                    Body::SubmitSmResp(resp),
                )
                .unwrap();
        }

        pair.smsc.poll_transmit(&mut pair.to_esme);
        pair.esme.handle_input(&mut pair.to_esme, pair.now);
        while let Some(event) = pair.esme.poll_event() {
            let Event::Response {
                tag,
                request: CommandId::SUBMIT_SM,
                pdu,
                ..
            } = event
            else {
                panic!("ESME: unexpected {event:?}");
            };
            assert!(pdu.command_status.is_ok());
            let Body::SubmitSmResp(resp) = pdu.body else {
                panic!("ESME: expected submit_sm_resp, got {:?}", pdu.body);
            };
            let echoed: Option<u64> = resp.message_id.to_str().and_then(|id| id.parse().ok());
            assert_eq!(echoed, Some(tag), "response paired with the wrong request");
            let slot = &mut answered[tag as usize];
            assert!(!*slot, "tag {tag} answered twice");
            *slot = true;
            answered_count += 1;
        }
    }
    let elapsed = started.elapsed();
    eprintln!(
        "{TOTAL} submit_sm round trips in {elapsed:?} ({:.0}/s), {rounds} rounds",
        TOTAL as f64 / elapsed.as_secs_f64()
    );

    assert!(answered.iter().all(|&a| a));
    assert_eq!(requests_seen, TOTAL);
    assert_eq!(pair.esme.in_flight(), 0);
    assert!(pair.to_smsc.is_empty() && pair.to_esme.is_empty());
    let stats = pair.esme.stats();
    assert_eq!(stats.unexpected_responses, 0);
    assert_eq!(stats.timed_out_requests, 0);
    assert_eq!(stats.decode_errors, 0);
    assert_eq!(pair.smsc.stats(), Default::default());
    assert!(pair.esme.state().is_bound() && pair.smsc.state().is_bound());
}
