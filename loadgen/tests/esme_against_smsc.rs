//! The ESME generator against the SMSC simulator, both in-process over real TCP on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use engine::proto::receipt::ReceiptState;
use engine::session::BindType;
use smpp_loadgen::esme::{self, EsmeConfig, Report, TextKind};
use smpp_loadgen::smsc::{Faults, IdFormat, Mix, MoConfig, SmscConfig, SmscSim};
use std::time::Duration;

fn smsc(config: SmscConfig) -> SmscSim {
    SmscSim::start(SmscConfig {
        listen: "127.0.0.1:0".to_owned(),
        ..config
    })
    .unwrap()
}

fn esme_for(sim: &SmscSim, config: EsmeConfig) -> Report {
    esme::run(EsmeConfig {
        host: "127.0.0.1".to_owned(),
        port: sim.local_addr().port(),
        duration: Duration::from_secs(60),
        ..config
    })
    .unwrap()
}

const THROTTLED: &str = "ESME_RTHROTTLED (0x00000058)";

#[test]
fn every_message_acked_and_every_receipt_matched() {
    let sim = smsc(SmscConfig::default());
    let n = 3000;
    let report = esme_for(
        &sim,
        EsmeConfig {
            sessions: 3,
            window: 32,
            count: Some(n),
            registered_delivery: true,
            wait_receipts: Duration::from_secs(10),
            ..EsmeConfig::default()
        },
    );
    assert_eq!(report.sessions_bound, 3, "{}", report.text());
    assert_eq!(report.messages, n);
    assert_eq!(report.submitted, n);
    assert_eq!(report.acked, n);
    assert!(report.errors.is_empty());
    assert_eq!(
        (report.lost_in_flight, report.timed_out, report.unsent),
        (0, 0, 0)
    );
    assert_eq!(report.receipts, n);
    assert_eq!(report.receipts_matched, n);
    assert_eq!((report.receipts_unmatched, report.receipts_missing), (0, 0));
    assert_eq!(report.receipt_states.get("DELIVRD"), Some(&n));
    for p in [report.submit_resp, report.submit_receipt] {
        assert_eq!(p.count, n);
        assert!(p.min_us <= p.p50_us && p.p50_us <= p.p90_us && p.p90_us <= p.p99_us);
        assert!(p.p99_us <= p.p999_us && p.p999_us <= p.max_us);
        assert!(p.max_us < 10_000_000, "latency above 10 s: {p:?}");
    }
    assert!(report.throughput > 0.0);
    let hgrm = esme::report::hgrm(&report.resp_histogram, 1000.0);
    assert!(
        hgrm.contains(&format!("Total count    = {n:>12}]")),
        "{hgrm}"
    );
    let stats = sim.shutdown();
    assert_eq!((stats.connections, stats.binds), (3, 3));
    assert_eq!(stats.submits, n);
    assert_eq!(stats.submits_ok, n);
    assert_eq!(stats.receipts_sent, n);
    assert_eq!(stats.receipts_acked, n);
    assert_eq!(stats.injected_errors(), 0);
}

#[test]
fn long_messages_decimal_ids_delayed_mixed_receipts_without_tlvs() {
    let sim = smsc(SmscConfig {
        id_format: IdFormat::Decimal,
        receipt_delay: Duration::from_millis(50),
        receipt_mix: Mix::parse("DELIVRD=1,UNDELIV=1", "mix", ReceiptState::from_stat).unwrap(),
        receipt_tlvs: false,
        ..SmscConfig::default()
    });
    let report = esme_for(
        &sim,
        EsmeConfig {
            count: Some(200),
            text_mix: Mix::parse("gsm=1,ucs2=1,long=1", "mix", TextKind::parse).unwrap(),
            registered_delivery: true,
            wait_receipts: Duration::from_secs(10),
            ..EsmeConfig::default()
        },
    );
    assert_eq!(report.messages, 200);
    assert!(report.submitted > 200, "long messages add parts");
    assert_eq!(report.acked, report.submitted);
    // Receipts are matched through the receipt text alone, one per part.
    assert_eq!(
        report.receipts_matched,
        report.submitted,
        "{}",
        report.text()
    );
    assert_eq!(report.receipts_missing, 0);
    let delivered = report.receipt_states.get("DELIVRD").copied().unwrap_or(0);
    let undelivered = report.receipt_states.get("UNDELIV").copied().unwrap_or(0);
    assert_eq!(delivered + undelivered, report.submitted);
    assert!(
        delivered > 20 && undelivered > 20,
        "{:?}",
        report.receipt_states
    );
    assert!(
        report.submit_receipt.p50_us >= 50_000,
        "the receipt delay shows: {:?}",
        report.submit_receipt
    );
    let stats = sim.shutdown();
    // Each long message is 3 parts: submitted = singles + 3 * longs, messages = singles + longs.
    let longs = (report.submitted - report.messages) / 2;
    assert_eq!(
        stats.parts,
        3 * longs,
        "every part of a long message is counted"
    );
}

#[test]
fn throttling_is_reported_by_status() {
    let sim = smsc(SmscConfig {
        faults: Faults {
            throttle_every: 10,
            ..Faults::default()
        },
        ..SmscConfig::default()
    });
    let report = esme_for(
        &sim,
        EsmeConfig {
            count: Some(1000),
            ..EsmeConfig::default()
        },
    );
    assert_eq!(report.submitted, 1000);
    assert_eq!(
        report.errors.get(THROTTLED),
        Some(&100),
        "{:?}",
        report.errors
    );
    assert_eq!(report.acked, 900);
    assert_eq!(sim.shutdown().throttled, 100);
}

#[test]
fn a_dropped_connection_reports_the_lost_in_flight_submits() {
    let sim = smsc(SmscConfig {
        faults: Faults {
            drop_after: 100,
            ..Faults::default()
        },
        ..SmscConfig::default()
    });
    let report = esme_for(
        &sim,
        EsmeConfig {
            count: Some(1000),
            window: 20,
            ..EsmeConfig::default()
        },
    );
    assert_eq!(report.acked, 100, "{}", report.text());
    assert!(report.lost_in_flight >= 1, "{}", report.text());
    assert_eq!(report.submitted, report.acked + report.lost_in_flight);
    assert_eq!(report.unsent, 1000 - report.messages);
    assert!(report.unsent > 0);
    assert!(
        report
            .session_failures
            .keys()
            .any(|k| k.contains("ConnectionLost")),
        "{:?}",
        report.session_failures
    );
    assert_eq!(sim.shutdown().dropped_connections, 1);
}

#[test]
fn unanswered_submits_time_out_and_slow_answers_show_in_latency() {
    let sim = smsc(SmscConfig {
        faults: Faults {
            no_response_every: 10,
            slow: Duration::from_millis(20),
            ..Faults::default()
        },
        ..SmscConfig::default()
    });
    let report = esme_for(
        &sim,
        EsmeConfig {
            count: Some(100),
            response_timeout: Duration::from_millis(500),
            ..EsmeConfig::default()
        },
    );
    assert_eq!(report.acked, 90);
    assert_eq!(report.timed_out, 10);
    assert_eq!(report.submit_resp.count, 90);
    assert!(
        report.submit_resp.min_us >= 20_000,
        "{:?}",
        report.submit_resp
    );
    assert_eq!(sim.shutdown().unanswered, 10);
}

#[test]
fn wrong_credentials_are_refused() {
    let sim = smsc(SmscConfig {
        system_id: Some("acme".to_owned()),
        password: Some("pw".to_owned()),
        ..SmscConfig::default()
    });
    let attempt = |system_id: &str, password: &str| {
        esme_for(
            &sim,
            EsmeConfig {
                system_id: system_id.to_owned(),
                password: password.to_owned(),
                count: Some(10),
                ..EsmeConfig::default()
            },
        )
    };
    let report = attempt("acme", "bad");
    assert_eq!((report.sessions_bound, report.submitted), (0, 0));
    assert_eq!(report.unsent, 10);
    assert!(
        report
            .session_failures
            .keys()
            .any(|k| k.contains("ESME_RINVPASWD")),
        "{:?}",
        report.session_failures
    );
    let report = attempt("other", "pw");
    assert!(report
        .session_failures
        .keys()
        .any(|k| k.contains("ESME_RINVSYSID")));
    let report = attempt("acme", "pw");
    assert_eq!(report.acked, 10);
    let stats = sim.shutdown();
    assert_eq!((stats.binds_rejected, stats.binds), (2, 1));
}

#[test]
fn mo_traffic_reaches_the_esme_at_the_configured_rate() {
    let sim = smsc(SmscConfig {
        mo: Some(MoConfig {
            rate: 200,
            sources: vec!["447700900001".to_owned()],
            destinations: vec!["12345".to_owned(), "12346".to_owned()],
            ucs2_percent: 50,
        }),
        ..SmscConfig::default()
    });
    let report = esme::run(EsmeConfig {
        port: sim.local_addr().port(),
        bind_type: BindType::Receiver,
        duration: Duration::from_secs(1),
        ..EsmeConfig::default()
    })
    .unwrap();
    assert_eq!((report.sessions_bound, report.submitted), (1, 0));
    let stats = sim.shutdown();
    assert!(stats.mo_sent >= 20, "{stats:?}");
    assert_eq!(stats.mo_acked, report.mo_received);
    assert!(
        report.mo_received <= 400,
        "the rate caps MO: {}",
        report.mo_received
    );
}
