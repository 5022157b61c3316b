//! Disk full for the cache directory, against the real binary: `cache_dir` on a tiny tmpfs
//! (mounted by the test, which runs as root on the CI machines), the core down, a partner
//! flooding until the filesystem is full. Expected: ESME_ROK only for what was made durable,
//! then temporary errors; a clear error in the log naming the cache and the full disk; no crash,
//! no hang; and once the core is back every acknowledged message arrives exactly once (the
//! cache drains from the full filesystem: no corruption).
//!
//! The mount is not optional: where it is refused the test fails, it does not skip.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw;
#[path = "../engine/tests/tinyfs/mod.rs"]
mod tinyfs;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{core_messages, free_port, E2eConfig, GatewayProcess};
use raw::*;
use smpp_loadgen::core_sim::{CoreSim, SimConfig};
use tinyfs::{fill, TinyFs};

const BIND: &str = "partner_diskfull";
/// Size of the cache filesystem.
const TMPFS_SIZE: &str = "12m";

fn free_bytes(path: &Path) -> u64 {
    let out = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0)
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// The gateway's configuration: the core at `core_port` (down until a test starts it), the
/// partner bind caching with a 1 s retry interval, flushes every 200 ms, `cache_dir` on the
/// tmpfs.
fn gateway_toml(cache_dir: &Path, core_port: u16, listen: u16) -> String {
    let globals = "api_connect_timeout_ms = 500\napi_send_timeout_ms = 1000\n\
                   api_recv_timeout_ms = 1000\ncache_flush_interval = 200\n\
                   cache_backoff_multiplier = 1\ncache_max_retry_attempts = 1000";
    let toml = E2eConfig {
        api: &format!("http://127.0.0.1:{core_port}"),
        carrier_port: free_port(),
        listen_port: listen,
        smsc_name: "smpp_diskfull",
        server_bind: BIND,
        source_whitelist: &["MyBrand"],
        extra: globals,
    }
    .toml()
    .replacen(
        "queue_check_frequency = 100\n[listen]",
        "queue_check_frequency = 100\ntps_limit = 10000\ncache_enabled = true\n\
         cache_max_size = 1000000\ncache_retry_interval = 1\n[listen]",
        1,
    )
    .replacen(
        "cache_dir = \"{cache}\"",
        &format!("cache_dir = \"{}\"", cache_dir.display()),
        1,
    );
    assert!(toml.contains("cache_enabled = true") && toml.contains("omsmpp-tinyfs"));
    toml
}

#[test]
fn disk_full_gives_temporary_errors_then_every_acked_message_arrives_once() {
    let fs = TinyFs::mount(TMPFS_SIZE, "full");
    let cache_dir = fs.path.join("cache");
    let core_port = free_port();
    let listen = free_port();
    let toml = gateway_toml(&cache_dir, core_port, listen);
    let (toml, metrics) = with_metrics(&toml);
    let mut gateway = GatewayProcess::start("diskfull", &toml);
    gateway.wait_for_port(listen, Duration::from_secs(20));
    let free_at_start = free_bytes(&fs.path);

    // Flood (the core is down: everything goes to the cache) until 300 answers in a row are
    // refusals, i.e. the filesystem is full; 160-character texts fill it faster.
    let mut partner = bound_partner(listen);
    let pad = "x".repeat(140);
    let mut statuses: BTreeMap<u32, usize> = BTreeMap::new();
    let mut acked: Vec<String> = Vec::new();
    let mut in_flight: HashMap<u32, String> = HashMap::new();
    let (mut sent, mut refused_in_a_row, mut first_refusal) = (0usize, 0usize, None);
    let started = Instant::now();
    let window = 20;
    while refused_in_a_row < 300 || !in_flight.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the disk never filled: sent {sent}, {statuses:?}, {} bytes free\n{}",
            free_bytes(&fs.path),
            tail(&gateway.log())
        );
        while refused_in_a_row < 300 && in_flight.len() < window {
            let text = format!("df-{sent:06}-{pad}");
            let seq = client_submit(&mut partner, &text);
            in_flight.insert(seq, text);
            sent += 1;
        }
        match partner.read_pdu(Duration::from_secs(15)) {
            Read1::Pdu(p) if p.command_id == SUBMIT_SM | RESP && in_flight.contains_key(&p.seq) => {
                let text = in_flight.remove(&p.seq).unwrap();
                *statuses.entry(p.status).or_default() += 1;
                if p.status == ESME_ROK {
                    acked.push(text);
                    refused_in_a_row = 0;
                } else {
                    first_refusal.get_or_insert(sent);
                    refused_in_a_row += 1;
                }
            }
            Read1::Pdu(p) => partner.answer(&p),
            Read1::Closed | Read1::TimedOut => panic!(
                "the partner's link closed or hung: sent {sent}, {statuses:?}\n{}",
                tail(&gateway.log())
            ),
        }
    }
    let free_when_full = free_bytes(&fs.path);
    eprintln!(
        "RESULT disk full: tmpfs {TMPFS_SIZE} ({free_at_start} bytes free after start, \
         {free_when_full} when full), sent {sent}, acked {}, statuses {statuses:?}, \
         first refusal after {first_refusal:?} sent, took {:?}",
        acked.len(),
        started.elapsed()
    );
    let temporary = [ESME_ROK, ESME_RMSGQFUL, ESME_RTHROTTLED];
    assert!(
        statuses.keys().all(|s| temporary.contains(s)),
        "only ESME_ROK or temporary errors: {statuses:?}"
    );
    assert!(
        acked.len() > 100,
        "the cache took almost nothing: {statuses:?}"
    );
    assert!(gateway.is_running(), "the gateway died:\n{}", gateway.log());
    let log = gateway.log();
    let error_line = log
        .lines()
        .find(|l| l.contains("message not cached"))
        .unwrap_or_else(|| panic!("no error about the full cache:\n{}", tail(&log)));
    eprintln!("RESULT disk full log line: {error_line}");
    assert!(
        error_line.contains(&cache_dir.display().to_string()),
        "the error names the cache directory: {error_line}"
    );
    assert!(
        error_line.contains("No space left on device") || error_line.contains("disk full"),
        "the error says the disk is full: {error_line}"
    );
    // Still serving: an enquire_link is answered at once.
    partner.request(ENQUIRE_LINK, &[]);
    assert!(
        matches!(partner.read_pdu(Duration::from_secs(5)), Read1::Pdu(p) if p.command_id == ENQUIRE_LINK | RESP),
        "the gateway stopped answering"
    );

    // The core comes back: everything acknowledged arrives, once, from the full filesystem.
    let core = core_at(core_port);
    let drained = poll(Duration::from_secs(40), || {
        let (status, scrape) = http_get(metrics, "/metrics");
        (status == 200
            && scrape.contains("smpp_cache_size{")
            && metric(&scrape, "smpp_cache_size", &[BIND]) == 0.0)
            .then_some(())
    });
    assert!(
        drained.is_some(),
        "the cache did not drain:\n{}",
        tail(&gateway.log())
    );
    std::thread::sleep(Duration::from_millis(1_000));
    let arrived = Arrivals::at(&core, &acked);
    eprintln!(
        "RESULT disk full, core back: acked {} at_core {} missing {} duplicated {} \
         arrived without an ack {}; {} bytes free after the drain",
        acked.len(),
        arrived.at_core,
        arrived.missing,
        arrived.twice,
        arrived.not_acked,
        free_bytes(&fs.path)
    );
    assert_eq!(arrived.missing, 0, "acked messages lost");
    assert_eq!(arrived.twice, 0, "messages at the core twice");
    // A refusal (0x14) is a promise too: the partner will retry, so it must not arrive.
    assert_eq!(
        arrived.not_acked, 0,
        "refused messages at the core (the partner's retry would duplicate them)"
    );
    // After the drain the gateway takes messages again.
    let retry = poll(Duration::from_secs(10), || {
        (submit_one(&mut partner, b"after the drain").status == ESME_ROK).then_some(())
    });
    assert!(retry.is_some(), "{}", tail(&gateway.log()));
    assert!(gateway.is_running());
    gateway.kill_hard();
    drop(gateway);
    drop(fs);
}

fn client_submit(client: &mut RawClient, text: &str) -> u32 {
    client.request(
        SUBMIT_SM,
        &submit_body("MyBrand", "61412345678", text.as_bytes(), false),
    )
}

/// The core simulator, (back) on `port`.
fn core_at(port: u16) -> CoreSim {
    CoreSim::start(SimConfig {
        listen: format!("127.0.0.1:{port}"),
        ..SimConfig::default()
    })
    .unwrap()
}

/// What reached the core, against the message bodies the partner was acknowledged for.
struct Arrivals {
    at_core: usize,
    /// Acknowledged, never arrived.
    missing: usize,
    /// Bodies that arrived more than once.
    twice: usize,
    /// Arrived without an acknowledgement.
    not_acked: usize,
}

impl Arrivals {
    fn at(core: &CoreSim, acked: &[String]) -> Arrivals {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for message in core_messages(&core.base_url()) {
            let body = message["message_body"].as_str().unwrap_or_default();
            *counts.entry(body.to_owned()).or_default() += 1;
        }
        let acked_set: HashSet<&String> = acked.iter().collect();
        Arrivals {
            at_core: counts.values().sum(),
            missing: acked_set
                .iter()
                .filter(|t| !counts.contains_key(**t))
                .count(),
            twice: counts.values().filter(|n| **n > 1).count(),
            not_acked: counts.keys().filter(|t| !acked_set.contains(t)).count(),
        }
    }
}

/// The ids of the "Successfully delivered cached message <id>" lines, with their counts.
fn delivered_ids(log: &str) -> HashMap<String, usize> {
    let mut ids = HashMap::new();
    for line in log.lines() {
        if let Some((_, rest)) = line.split_once("Successfully delivered cached message ") {
            let id = rest.split(',').next().unwrap_or_default().to_owned();
            *ids.entry(id).or_default() += 1;
        }
    }
    ids
}

/// Another process fills the cache's filesystem: fjall fails a write (the flush's state
/// changes) and refuses the database from then on. Expected: temporary errors only, a clear
/// error naming the shard's database, and once the file is gone and the core is back, the
/// gateway (never restarted) reopens the database, delivers every acknowledged message exactly
/// once and acknowledges new messages again.
#[test]
fn a_cache_poisoned_by_another_process_filling_the_disk_recovers_without_a_restart() {
    let fs = TinyFs::mount("24m", "poison");
    let cache_dir = fs.path.join("cache");
    let core_port = free_port();
    let listen = free_port();
    let toml = gateway_toml(&cache_dir, core_port, listen);
    let (toml, metrics) = with_metrics(&toml);
    let mut gateway = GatewayProcess::start("diskpoison", &toml);
    gateway.wait_for_port(listen, Duration::from_secs(20));
    let pid = gateway.pid();

    // The core is down: 300 submits go to the cache, each acknowledged once fsynced.
    let mut partner = bound_partner(listen);
    let mut acked: Vec<String> = Vec::new();
    for n in 0..300 {
        let text = format!("poison-{n:04}");
        let resp = submit_one(&mut partner, text.as_bytes());
        assert_eq!(resp.status, ESME_ROK, "{text}\n{}", tail(&gateway.log()));
        acked.push(text);
    }

    // Another process fills the filesystem. The flush keeps rewriting the records' states
    // (the core is down, retries every second) until fjall's journal write fails.
    let filler = fs.path.join("other-process.data");
    let filled = fill(&filler);
    let shard_dir = cache_dir.join("shard-");
    let poisoned_line = poll(Duration::from_secs(30), || {
        // The partner keeps submitting meanwhile: only temporary errors, no crash.
        let resp = submit_one(&mut partner, b"while the disk is full");
        assert!(
            [ESME_RMSGQFUL, ESME_RTHROTTLED].contains(&resp.status),
            "a submit on a full disk got status {:#x}\n{}",
            resp.status,
            tail(&gateway.log())
        );
        gateway
            .log()
            .lines()
            .find(|l| l.contains("is poisoned"))
            .map(str::to_owned)
    })
    .unwrap_or_else(|| {
        panic!(
            "fjall was never reported poisoned ({filled} bytes filled, {} free)\n{}",
            free_bytes(&fs.path),
            tail(&gateway.log())
        )
    });
    eprintln!("RESULT poisoned log line: {poisoned_line}");
    assert!(
        poisoned_line.contains(&shard_dir.display().to_string()) && poisoned_line.contains("ERROR"),
        "the error names the shard's database: {poisoned_line}"
    );
    assert!(
        poisoned_line.contains("No space left on device"),
        "the error names the cause: {poisoned_line}"
    );
    for _ in 0..20 {
        let resp = submit_one(&mut partner, b"while poisoned");
        assert!([ESME_RMSGQFUL, ESME_RTHROTTLED].contains(&resp.status));
    }
    assert!(gateway.is_running(), "the gateway died:\n{}", gateway.log());
    assert_eq!(
        gateway.log().matches("is poisoned").count(),
        1,
        "logged once"
    );

    // The other process deletes its file, the core comes back: the gateway reopens the
    // database by itself and drains it.
    std::fs::remove_file(&filler).unwrap();
    let core = core_at(core_port);
    let drained = poll(Duration::from_secs(40), || {
        let (status, scrape) = http_get(metrics, "/metrics");
        (status == 200
            && scrape.contains("smpp_cache_size{")
            && metric(&scrape, "smpp_cache_size", &[BIND]) == 0.0
            && core_messages(&core.base_url()).len() >= acked.len())
        .then_some(())
    });
    assert!(
        drained.is_some(),
        "the cache did not drain after the disk had room again:\n{}",
        tail(&gateway.log())
    );
    std::thread::sleep(Duration::from_millis(1_000));
    let log = gateway.log();
    let reopened = log
        .lines()
        .find(|l| l.contains("reopened the cache database"))
        .unwrap_or_else(|| panic!("no reopen logged:\n{}", tail(&log)));
    eprintln!("RESULT reopened log line: {reopened}");
    let arrived = Arrivals::at(&core, &acked);
    let delivered = delivered_ids(&log);
    let delivered_twice = delivered.values().filter(|n| **n > 1).count();
    eprintln!(
        "RESULT poisoned, disk freed, core back: acked {} at_core {} missing {} duplicated {} \
         arrived without an ack {}; delivered ids logged {} (twice: {delivered_twice})",
        acked.len(),
        arrived.at_core,
        arrived.missing,
        arrived.twice,
        arrived.not_acked,
        delivered.len()
    );
    assert_eq!(arrived.missing, 0, "acked messages lost");
    assert_eq!(arrived.twice, 0, "messages at the core twice");
    assert_eq!(
        arrived.not_acked, 0,
        "messages at the core that were never acknowledged"
    );
    assert_eq!(delivered_twice, 0, "a cached message delivered twice");

    // New messages are acknowledged again: straight to the core, and through the reopened
    // cache when the core is down again.
    let resp = submit_one(&mut partner, b"after the reopen");
    assert_eq!(resp.status, ESME_ROK, "{}", tail(&gateway.log()));
    drop(core);
    let cached_before = gateway.log().matches("cached for").count();
    let cached = poll(Duration::from_secs(20), || {
        (submit_one(&mut partner, b"cached after the reopen").status == ESME_ROK
            && gateway.log().matches("cached for").count() > cached_before)
            .then_some(())
    });
    assert!(cached.is_some(), "{}", tail(&gateway.log()));
    assert!(gateway.is_running());
    assert_eq!(gateway.pid(), pid, "never restarted");
    gateway.kill_hard();
    drop(gateway);
    drop(fs);
}
