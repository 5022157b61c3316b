//! Faults with the store-and-forward cache off, against the real binary: the core down at
//! start, failing mid-flood (5xx, refused connections), hanging past the gateway's timeouts,
//! answering malformed JSON, coming back; a carrier dropping the link with a window in flight,
//! leaving submits unanswered, throttling; the gateway itself stopped by SIGTERM or killed
//! during a flood. The promise checked every time: every ESME_ROK a partner got names a
//! message the core holds (nothing acked is lost), and what was not taken got a temporary
//! error (0x14) the partner can retry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{free_port, E2eConfig, GatewayProcess};
use raw::*;
use smpp_loadgen::core_sim::{
    CoreSim, EnqueueRequest, FaultMode, FaultRequest, RouteTable, SimConfig,
};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

/// What a partner's flood saw.
#[derive(Debug, Default)]
struct Flood {
    sent: usize,
    acked_ids: Vec<String>,
    statuses: BTreeMap<u32, usize>,
    unanswered: usize,
}

impl Flood {
    fn count(&self, status: u32) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }
}

/// Sends `count` submits keeping `window` of them in flight; `answered` counts responses.
fn flood(client: &mut RawClient, count: usize, window: usize, answered: &AtomicUsize) -> Flood {
    let mut result = Flood::default();
    let mut in_flight = std::collections::HashSet::new();
    while result.sent < count || !in_flight.is_empty() {
        while in_flight.len() < window && result.sent < count {
            let text = format!("flood {}", result.sent);
            let seq = client.request(
                SUBMIT_SM,
                &submit_body("MyBrand", "61412345678", text.as_bytes(), false),
            );
            in_flight.insert(seq);
            result.sent += 1;
        }
        match client.read_pdu(Duration::from_secs(15)) {
            Read1::Pdu(p) if p.command_id == SUBMIT_SM | RESP && in_flight.remove(&p.seq) => {
                *result.statuses.entry(p.status).or_default() += 1;
                if p.status == ESME_ROK {
                    result.acked_ids.push(p.first_cstring());
                }
                answered.fetch_add(1, Ordering::Relaxed);
            }
            Read1::Pdu(p) => client.answer(&p),
            Read1::Closed | Read1::TimedOut => break,
        }
    }
    result.unanswered = in_flight.len();
    result
}

/// Every acked id is a message the core holds; returns how many the core holds in all.
fn assert_nothing_acked_lost(core: &CoreSim, flood: &Flood) -> u64 {
    // A `refuse` fault may still keep the core's listener closed for a moment.
    let reachable = poll(Duration::from_secs(10), || {
        (http_get(core.addr().port(), "/admin/stats").0 == 200).then_some(())
    });
    assert!(reachable.is_some(), "the core simulator stays unreachable");
    for id in &flood.acked_ids {
        let (status, body) = http_get(core.addr().port(), &format!("/admin/messages/{id}"));
        assert_eq!(status, 200, "acked id {id} unknown to the core: {body}");
    }
    let inserted = core_stats(core).inserted;
    assert!(
        inserted >= flood.acked_ids.len() as u64,
        "core holds {inserted}, partner got {} acks",
        flood.acked_ids.len()
    );
    inserted
}

/// The gateway on `api` (core URL) with the carrier at `carrier_port`; `extra` top-level lines.
fn gateway(name: &str, api: &str, carrier_port: u16, extra: &str) -> (GatewayProcess, u16) {
    gateway_with(name, api, carrier_port, extra, |t| t)
}

/// [`gateway`] with an edit of the configuration text.
fn gateway_with(
    name: &str,
    api: &str,
    carrier_port: u16,
    extra: &str,
    edit: impl FnOnce(String) -> String,
) -> (GatewayProcess, u16) {
    let port = free_port();
    let toml = E2eConfig {
        api,
        carrier_port,
        listen_port: port,
        smsc_name: "smpp_faults",
        server_bind: "partner_faults",
        source_whitelist: &["MyBrand"],
        extra,
    }
    .toml()
    // The floods run far above the default 100/s: TPS limits are not under test here. At
    // 10,000/s (burst 1,000) a flood answered quickly with failures outran the limit, and the
    // 0x58s crowded out the 0x14s the mid-flood test counts.
    .replace(
        "[[server_binds]]\n",
        "[[server_binds]]\ntps_limit = 100000\n",
    );
    let gateway = GatewayProcess::start(name, &edit(toml));
    gateway.wait_for_port(port, Duration::from_secs(20));
    (gateway, port)
}

fn report(name: &str, flood: &Flood, at_core: u64) {
    eprintln!(
        "RESULT {name}: sent {} acked {} statuses {:?} unanswered {} at_core {at_core}",
        flood.sent,
        flood.acked_ids.len(),
        flood.statuses,
        flood.unanswered
    );
}

const FAST_TIMEOUTS: &str =
    "api_connect_timeout_ms = 500\napi_send_timeout_ms = 1000\napi_recv_timeout_ms = 1000";

#[test]
fn core_down_at_start_gets_temporary_errors_then_acks_when_it_comes_back() {
    let core_port = free_port();
    let api = format!("http://127.0.0.1:{core_port}");
    let (gateway, port) = gateway("faults-down", &api, free_port(), FAST_TIMEOUTS);
    let mut partner = bound_partner(port);
    let none = AtomicUsize::new(0);
    let down = flood(&mut partner, 50, 10, &none);
    assert_eq!(down.count(ESME_RMSGQFUL), 50, "{down:?}\n{}", gateway.log());

    let core = CoreSim::start(SimConfig {
        listen: format!("127.0.0.1:{core_port}"),
        ..SimConfig::default()
    })
    .unwrap();
    // The partner retries until the core is back.
    let back = poll(Duration::from_secs(20), || {
        (submit_one(&mut partner, b"retry").status == ESME_ROK).then_some(())
    });
    assert!(back.is_some(), "{}", gateway.log());
    let up = flood(&mut partner, 200, 10, &none);
    assert_eq!(up.count(ESME_ROK), 200, "{up:?}");
    let at_core = assert_nothing_acked_lost(&core, &up);
    assert_eq!(at_core, 201, "nothing refused reached the core");
    report("core down at start", &down, 0);
    report("core back", &up, at_core);
}

#[test]
fn core_5xx_malformed_json_and_refusal_give_temporary_errors_and_lose_nothing() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (gateway, port) = gateway("faults-5xx", &core.base_url(), free_port(), FAST_TIMEOUTS);
    let mut partner = bound_partner(port);
    let none = AtomicUsize::new(0);
    let mut faults = vec![
        ("http 503", FaultRequest::mode(FaultMode::Http503)),
        (
            "malformed json",
            FaultRequest::mode(FaultMode::MalformedJson),
        ),
    ];
    let mut status_500 = FaultRequest::mode(FaultMode::HttpError);
    status_500.status = Some(500);
    faults.push(("http 500", status_500));
    for (name, fault) in faults {
        core_fault(&core, &fault);
        let before = core_stats(&core).inserted;
        let result = flood(&mut partner, 30, 5, &none);
        assert_eq!(
            result.count(ESME_RMSGQFUL),
            30,
            "{name}: {result:?}\n{}",
            gateway.log()
        );
        assert_eq!(
            core_stats(&core).inserted,
            before,
            "{name}: the fault inserts nothing"
        );
        report(name, &result, 0);
    }
    core_fault(&core, &FaultRequest::mode(FaultMode::Ok));
    let result = flood(&mut partner, 100, 10, &none);
    assert_eq!(result.count(ESME_ROK), 100, "{result:?}");
    let at_core = assert_nothing_acked_lost(&core, &result);
    report("after 5xx/malformed", &result, at_core);
}

#[test]
fn core_hanging_past_the_timeout_gets_temporary_errors_and_no_ack_is_lost() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (gateway, port) = gateway("faults-hang", &core.base_url(), free_port(), FAST_TIMEOUTS);
    let mut partner = bound_partner(port);
    let mut hang = FaultRequest::mode(FaultMode::Hang);
    hang.hang_ms = Some(3000);
    core_fault(&core, &hang);
    let none = AtomicUsize::new(0);
    let started = Instant::now();
    let hung = flood(&mut partner, 10, 10, &none);
    let took = started.elapsed();
    assert_eq!(hung.count(ESME_RMSGQFUL), 10, "{hung:?}\n{}", gateway.log());
    assert!(took < Duration::from_secs(8), "answers took {took:?}");
    core_fault(&core, &FaultRequest::mode(FaultMode::Ok));
    let result = flood(&mut partner, 50, 10, &none);
    assert_eq!(result.count(ESME_ROK), 50, "{result:?}");
    // The hung calls may still complete at the core (a retried duplicate, never a loss).
    let at_core = assert_nothing_acked_lost(&core, &result);
    report("core hangs 3 s (timeout 1 s)", &hung, at_core);
}

#[test]
fn core_failing_mid_flood_loses_no_acked_message() {
    let core = Arc::new(CoreSim::start(SimConfig::default()).unwrap());
    let (gateway, port) = gateway("faults-mid", &core.base_url(), free_port(), FAST_TIMEOUTS);
    let mut partner = bound_partner(port);
    let answered = Arc::new(AtomicUsize::new(0));
    let progress = Arc::clone(&answered);
    let flooder = std::thread::spawn(move || flood(&mut partner, 3000, 50, &progress));
    // 503 from the 500th answer, then the core goes away for 1.5 s (connections refused).
    fail_core_mid_flood(&core, &answered, (500, 1200), || gateway.log());
    let result = flooder.join().unwrap();
    assert_eq!(result.unanswered, 0, "{result:?}");
    assert!(result.count(ESME_RMSGQFUL) >= 500, "{result:?}");
    // A gateway that answers the failures quickly may still let the flood outrun the bind's
    // tps_limit: ESME_RTHROTTLED is a temporary answer too (not acknowledged, retried).
    assert_eq!(
        result.count(ESME_ROK) + result.count(ESME_RMSGQFUL) + result.count(ESME_RTHROTTLED),
        3000,
        "only ok or temporary answers: {result:?}"
    );
    let at_core = assert_nothing_acked_lost(&core, &result);
    assert_eq!(at_core, result.acked_ids.len() as u64, "{result:?}");
    report("core 503 then refusing mid-flood", &result, at_core);
    // The core is back: a retry is accepted.
    let mut partner = bound_partner(port);
    let back = poll(Duration::from_secs(10), || {
        (submit_one(&mut partner, b"retry").status == ESME_ROK).then_some(())
    });
    assert!(back.is_some(), "{}", gateway.log());
}

/// Core and carrier wired for the MT flow: `count` messages queued for the carrier bind; waits
/// until the core saw every one finally `sent`; returns the core's stats.
fn mt_through_faulty_carrier(
    name: &str,
    faults: smpp_loadgen::smsc::Faults,
    count: u64,
) -> smpp_loadgen::core_sim::Stats {
    mt_through(name, faults, count, false)
}

/// [`mt_through_faulty_carrier`], optionally asking for receipts.
fn mt_through(
    name: &str,
    faults: smpp_loadgen::smsc::Faults,
    count: u64,
    receipts: bool,
) -> smpp_loadgen::core_sim::Stats {
    let core = CoreSim::start(SimConfig {
        routes: RouteTable {
            default: Some("carrier_sim".into()),
            rules: Vec::new(),
        },
        retry_delay: Duration::from_millis(200),
        // A message the gateway never reports stays leased past the test's deadline.
        lease: Duration::from_secs(120),
        ..SimConfig::default()
    })
    .unwrap();
    let carrier = SmscSim::start(SmscConfig {
        faults,
        ..SmscConfig::default()
    })
    .unwrap();
    // Unanswered submits count as failed after 2 s instead of the default 30.
    let (gateway, _port) = gateway_with(
        name,
        &core.base_url(),
        carrier.local_addr().port(),
        "",
        |t| t.replace("[[binds]]\n", "[[binds]]\nresponse_timeout = 2\n"),
    );
    let mut enqueue = EnqueueRequest::new("carrier_sim", count);
    enqueue.registered_delivery = receipts;
    let body = serde_json::to_vec(&enqueue).unwrap();
    let head = format!(
        "POST /admin/enqueue HTTP/1.0\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (status, answer) = http(core.addr().port(), &head, &body);
    assert!((200..300).contains(&status), "{status} {answer}");
    let done = poll(Duration::from_secs(45), || {
        let stats = core_stats(&core);
        (stats.final_states.get("sent").copied().unwrap_or(0) >= count
            || stats.sent >= count && stats.queued == 0 && stats.leased == 0)
            .then_some(stats)
    });
    let stats = core_stats(&core);
    let carrier_stats = carrier.stats();
    eprintln!(
        "RESULT {name}: queued {count} core sent {} failed {} throttled {} requeued {} leased {} \
         queued {} | carrier {carrier_stats:?}",
        stats.sent, stats.failed, stats.throttled, stats.requeued, stats.leased, stats.queued
    );
    assert!(
        done.is_some(),
        "{name}: not every message reached the carrier: {stats:?}\ncarrier {carrier_stats:?}\n{}",
        gateway.log()
    );
    assert!(carrier_stats.submits_ok >= count, "{carrier_stats:?}");
    assert_eq!(stats.leased, 0, "a message was left unreported: {stats:?}");
    if receipts {
        let matched = poll(Duration::from_secs(20), || {
            let stats = core_stats(&core);
            (stats.final_states.get("delivered").copied().unwrap_or(0) >= count).then_some(stats)
        });
        let stats = core_stats(&core);
        eprintln!(
            "RESULT {name} receipts: final states {:?} unmatched {} | carrier receipts sent {} acked {}",
            stats.final_states,
            stats.unmatched_receipts,
            carrier.stats().receipts_sent,
            carrier.stats().receipts_acked
        );
        assert!(
            matched.is_some(),
            "{name}: receipts did not all match their messages: {stats:?}\n{}",
            gateway.log()
        );
        assert_eq!(stats.unmatched_receipts, 0, "{stats:?}");
    }
    stats
}

#[test]
fn carrier_dropping_the_link_with_a_window_in_flight_is_reported_and_retried() {
    mt_through_faulty_carrier(
        "faults-carrier-drop",
        smpp_loadgen::smsc::Faults {
            drop_after: 40,
            ..Default::default()
        },
        200,
    );
}

#[test]
fn carrier_sending_garbage_is_dropped_reconnected_and_retried() {
    mt_through_faulty_carrier(
        "faults-carrier-garbage",
        smpp_loadgen::smsc::Faults {
            garbage_after: 30,
            ..Default::default()
        },
        120,
    );
}

#[test]
fn carrier_receipts_before_submit_sm_resp_still_match() {
    mt_through(
        "faults-carrier-receipt-first",
        smpp_loadgen::smsc::Faults {
            slow: Duration::from_millis(300),
            receipt_first: true,
            ..Default::default()
        },
        50,
        true,
    );
}

#[test]
fn carrier_leaving_submits_unanswered_or_throttling_is_reported_and_retried() {
    mt_through_faulty_carrier(
        "faults-carrier-silent",
        smpp_loadgen::smsc::Faults {
            no_response_every: 25,
            throttle_every: 7,
            ..Default::default()
        },
        150,
    );
}

/// Submits a flood offers: more than the gateway answers in the moment a stop takes (20,000
/// could all be answered before a SIGTERM landed on a quiet box).
const FLOOD: usize = 200_000;

/// Floods in a thread and calls `stop` on the gateway once `after` answers came back.
fn flood_then(
    name: &str,
    stop: impl FnOnce(&mut GatewayProcess),
) -> (Arc<CoreSim>, Flood, GatewayProcess) {
    let core = Arc::new(CoreSim::start(SimConfig::default()).unwrap());
    let (mut gateway, port) = gateway(name, &core.base_url(), free_port(), "");
    let mut partner = bound_partner(port);
    let answered = Arc::new(AtomicUsize::new(0));
    let progress = Arc::clone(&answered);
    let flooder = std::thread::spawn(move || flood(&mut partner, FLOOD, 50, &progress));
    let reached = poll(Duration::from_secs(30), || {
        (answered.load(Ordering::Relaxed) >= 1000).then_some(())
    });
    assert!(reached.is_some(), "flood stalled:\n{}", gateway.log());
    stop(&mut gateway);
    let result = flooder.join().unwrap();
    (core, result, gateway)
}

#[test]
fn sigterm_during_a_flood_drains_and_loses_no_acked_message() {
    let mut code = None;
    let (core, result, gateway) = flood_then("faults-sigterm", |g| code = Some(g.terminate()));
    assert_eq!(code, Some(Some(0)), "{}", gateway.log());
    assert!(result.sent < FLOOD, "the flood outlived the gateway");
    // ESME_RTHROTTLED: the bind's tps_limit answering a fast flood (temporary, not acked).
    let allowed = [ESME_ROK, ESME_RMSGQFUL, ESME_RTHROTTLED, ESME_RINVBNDSTS];
    assert!(
        result.statuses.keys().all(|s| allowed.contains(s)),
        "{:?}",
        result.statuses
    );
    let at_core = assert_nothing_acked_lost(&core, &result);
    // A graceful drain answers what the core took before it unbinds.
    assert_eq!(at_core, result.acked_ids.len() as u64, "{result:?}");
    report("SIGTERM during flood", &result, at_core);
}

#[test]
fn kill_9_during_a_flood_loses_no_acked_message() {
    let (core, result, mut gateway) = flood_then("faults-kill9", |g| {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &g.pid().to_string()])
            .status();
    });
    let exited = poll(Duration::from_secs(10), || gateway.exited());
    assert!(exited.is_some(), "still running after kill -9");
    assert!(result.sent < FLOOD, "the flood outlived the gateway");
    let at_core = assert_nothing_acked_lost(&core, &result);
    report("kill -9 during flood", &result, at_core);
}
