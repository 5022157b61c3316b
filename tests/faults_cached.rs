//! Core faults with the store-and-forward cache **on** (`cache_enabled` on the partner's
//! server bind), against the real binary and the core simulator: the core hangs past
//! `api_recv_timeout_ms`, answers malformed JSON, answers 5xx, fails mid-flood (answers, then
//! 503, then refuses connections), and comes back. The promise checked: every submit is
//! answered ESME_ROK or a temporary error (never a permanent one), and once the cache drained
//! every acknowledged message is at the core **exactly once** (each submit carries a unique
//! text; the core's messages are counted by text).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{core_messages, free_port, E2eConfig, GatewayProcess};
use raw::*;
use smpp_loadgen::core_sim::{CoreSim, FaultMode, FaultRequest, SimConfig};

const BIND: &str = "partner_fcache";

/// What a partner's flood saw: the texts acknowledged, the statuses.
#[derive(Debug, Default)]
struct Flood {
    sent: usize,
    acked: Vec<String>,
    statuses: BTreeMap<u32, usize>,
    unanswered: usize,
}

impl Flood {
    fn count(&self, status: u32) -> usize {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    /// Every answer ESME_ROK or a temporary error the partner retries.
    fn assert_only_ok_or_temporary(&self) {
        let temporary = [ESME_ROK, ESME_RMSGQFUL, ESME_RTHROTTLED];
        assert!(
            self.statuses.keys().all(|s| temporary.contains(s)),
            "a permanent error: {self:?}"
        );
        assert_eq!(self.unanswered, 0, "{self:?}");
    }
}

/// Sends `count` submits tagged `{tag}-{n}`, `window` in flight; `answered` counts responses.
fn flood(
    client: &mut RawClient,
    tag: &str,
    count: usize,
    window: usize,
    answered: &AtomicUsize,
) -> Flood {
    let mut result = Flood::default();
    let mut in_flight: HashMap<u32, String> = HashMap::new();
    while result.sent < count || !in_flight.is_empty() {
        while in_flight.len() < window && result.sent < count {
            let text = format!("{tag}-{}", result.sent);
            let seq = client.request(
                SUBMIT_SM,
                &submit_body("MyBrand", "61412345678", text.as_bytes(), false),
            );
            in_flight.insert(seq, text);
            result.sent += 1;
        }
        match client.read_pdu(Duration::from_secs(20)) {
            Read1::Pdu(p) if p.command_id == SUBMIT_SM | RESP && in_flight.contains_key(&p.seq) => {
                let text = in_flight.remove(&p.seq).unwrap_or_default();
                *result.statuses.entry(p.status).or_default() += 1;
                if p.status == ESME_ROK {
                    result.acked.push(text);
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

/// The gateway with the cache on for the partner's bind, quick core time-outs and a quick,
/// patient flush (retry every second, no backoff growth, many attempts).
fn gateway(name: &str, api: &str) -> (GatewayProcess, u16, u16) {
    let listen = free_port();
    let globals = "api_connect_timeout_ms = 500\napi_send_timeout_ms = 1000\n\
                   api_recv_timeout_ms = 1000\ncache_flush_interval = 200\n\
                   cache_backoff_multiplier = 1\ncache_max_retry_attempts = 1000";
    let base = E2eConfig {
        api,
        carrier_port: free_port(),
        listen_port: listen,
        smsc_name: "smpp_fcache",
        server_bind: BIND,
        source_whitelist: &["MyBrand"],
        extra: globals,
    }
    .toml();
    // tps_limit at the most a server bind takes: the floods count answers, not throttling.
    let text = base.replacen(
        "queue_check_frequency = 100\n[listen]",
        "queue_check_frequency = 100\ntps_limit = 100000\ncache_enabled = true\n\
         cache_max_size = 100000\ncache_retry_interval = 1\n[listen]",
        1,
    );
    assert!(text.contains("cache_enabled = true"), "{text}");
    let (text, metrics) = with_metrics(&text);
    let gateway = GatewayProcess::start(name, &text);
    gateway.wait_for_port(listen, Duration::from_secs(20));
    (gateway, listen, metrics)
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// The core's messages counted by text (only texts starting with `tag`).
fn core_texts(core: &CoreSim, tag: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for message in core_messages(&core.base_url()) {
        let body = message["message_body"].as_str().unwrap_or_default();
        if body.starts_with(tag) {
            *counts.entry(body.to_owned()).or_default() += 1;
        }
    }
    counts
}

/// Waits until the bind's cache is empty and every acked text is at the core; then checks
/// (after another flush interval or two) that each acked text is there exactly once and no
/// text at all is there twice. Returns how many of the tag's messages the core holds.
fn assert_exactly_once(
    name: &str,
    core: &CoreSim,
    metrics: u16,
    gateway: &GatewayProcess,
    tag: &str,
    floods: &[&Flood],
) -> usize {
    let acked: HashSet<&String> = floods.iter().flat_map(|f| f.acked.iter()).collect();
    let acked_total: usize = floods.iter().map(|f| f.acked.len()).sum();
    assert_eq!(acked.len(), acked_total, "a text acked twice");
    let drained = poll(Duration::from_secs(25), || {
        let (status, scrape) = http_get(metrics, "/metrics");
        let size = metric(&scrape, "smpp_cache_size", &[BIND]);
        (status == 200 && scrape.contains("smpp_cache_size{") && size == 0.0).then_some(())
    });
    assert!(
        drained.is_some(),
        "{name}: the cache did not drain:\n{}",
        tail(&gateway.log())
    );
    // Hung calls the simulator still holds complete after their hang: let them land.
    std::thread::sleep(Duration::from_millis(3_500));
    let counts = core_texts(core, tag);
    let missing: Vec<&&String> = acked.iter().filter(|t| !counts.contains_key(**t)).collect();
    let twice: Vec<(&String, &usize)> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let stats = core_stats(core);
    eprintln!(
        "RESULT {name}: acked {acked_total} at_core {} (distinct {}) missing {} duplicated {} \
         core duplicates_suppressed {}",
        counts.values().sum::<usize>(),
        counts.len(),
        missing.len(),
        twice.len(),
        stats.duplicates_suppressed
    );
    assert!(
        missing.is_empty(),
        "{name}: acked but not at the core: {missing:?}"
    );
    assert!(twice.is_empty(), "{name}: at the core twice: {twice:?}");
    counts.values().sum()
}

fn report(name: &str, flood: &Flood) {
    eprintln!(
        "RESULT {name}: sent {} acked {} statuses {:?} unanswered {}",
        flood.sent,
        flood.acked.len(),
        flood.statuses,
        flood.unanswered
    );
}

#[test]
fn core_hanging_past_the_timeout_with_the_cache_on_acks_exactly_once() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (gateway, port, metrics) = gateway("fcache-hang", &core.base_url());
    let mut partner = bound_partner(port);
    let none = AtomicUsize::new(0);
    let warm = flood(&mut partner, "hang-warm", 20, 5, &none);
    assert_eq!(warm.count(ESME_ROK), 20, "{warm:?}");
    let mut hang = FaultRequest::mode(FaultMode::Hang);
    hang.hang_ms = Some(2_500);
    core_fault(&core, &hang);
    let hung = flood(&mut partner, "hang-hung", 150, 10, &none);
    hung.assert_only_ok_or_temporary();
    core_fault(&core, &FaultRequest::mode(FaultMode::Ok));
    let after = flood(&mut partner, "hang-after", 50, 10, &none);
    after.assert_only_ok_or_temporary();
    report("cache on, core hangs 2.5 s (timeout 1 s)", &hung);
    report("cache on, after the hang", &after);
    assert_exactly_once(
        "cache on, core hangs",
        &core,
        metrics,
        &gateway,
        "hang-",
        &[&warm, &hung, &after],
    );
}

#[test]
fn core_5xx_and_malformed_json_with_the_cache_on_ack_exactly_once() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (gateway, port, metrics) = gateway("fcache-5xx", &core.base_url());
    let mut partner = bound_partner(port);
    let none = AtomicUsize::new(0);
    let mut status_500 = FaultRequest::mode(FaultMode::HttpError);
    status_500.status = Some(500);
    let faults = [
        ("503", FaultRequest::mode(FaultMode::Http503)),
        ("500", status_500),
        ("malformed", FaultRequest::mode(FaultMode::MalformedJson)),
    ];
    let mut floods = Vec::new();
    for (name, fault) in faults {
        core_fault(&core, &fault);
        let result = flood(&mut partner, &format!("x-{name}"), 100, 10, &none);
        result.assert_only_ok_or_temporary();
        // The cache takes them all: the partner is acked although the core refused.
        assert_eq!(
            result.count(ESME_ROK),
            100,
            "{name}: {result:?}\n{}",
            tail(&gateway.log())
        );
        report(&format!("cache on, core {name}"), &result);
        floods.push(result);
    }
    core_fault(&core, &FaultRequest::mode(FaultMode::Ok));
    let refs: Vec<&Flood> = floods.iter().collect();
    assert_exactly_once(
        "cache on, core 503/500/malformed then back",
        &core,
        metrics,
        &gateway,
        "x-",
        &refs,
    );
}

#[test]
fn core_failing_mid_flood_with_the_cache_on_acks_exactly_once() {
    let core = Arc::new(CoreSim::start(SimConfig::default()).unwrap());
    let (gateway, port, metrics) = gateway("fcache-mid", &core.base_url());
    let mut partner = bound_partner(port);
    let answered = Arc::new(AtomicUsize::new(0));
    let progress = Arc::clone(&answered);
    let flooder = std::thread::spawn(move || flood(&mut partner, "mid", 900, 20, &progress));
    fail_core_mid_flood(&core, &answered, (200, 450), || gateway.log());
    let result = flooder.join().unwrap();
    result.assert_only_ok_or_temporary();
    report("cache on, core 503 then refusing mid-flood", &result);
    let started = Instant::now();
    assert_exactly_once(
        "cache on, mid-flood",
        &core,
        metrics,
        &gateway,
        "mid-",
        &[&result],
    );
    eprintln!("drained and checked in {:?}", started.elapsed());
}
