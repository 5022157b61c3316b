//! Soak: the hub flow (partner submit_sm -> core -> carrier -> receipt -> core -> partner
//! deliver_sm) at a steady rate for `SOAK_SECS` seconds (default 60) at `SOAK_RATE` messages
//! a second (default 200). The gateway's RSS and open file descriptors must stay flat after the
//! warm-up, and every message must be accounted for: acked by the gateway, held by the core,
//! accepted by the carrier, and its receipt delivered to the partner.
//!
//! The long run: `SOAK_SECS=600 SOAK_RATE=5000 cargo test --release --test soak -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{free_port, E2eConfig, GatewayProcess};
use raw::*;
use smpp_loadgen::core_sim::{CoreSim, RouteTable, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

const BIND_RECEIVER: u32 = 0x0000_0001;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The receipted core id in a receipt deliver_sm body (`id:<id> ...` in its text).
fn receipted_id(body: &[u8]) -> Option<String> {
    let at = body.windows(3).position(|w| w == b"id:")? + 3;
    let rest = &body[at..];
    let end = rest.iter().position(|b| *b == b' ').unwrap_or(rest.len());
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// What one soak run measured.
struct Soak {
    total: usize,
    acked: usize,
    refused: usize,
    /// Refusals by command_status.
    refusals: BTreeMap<u32, usize>,
    at_core: usize,
    at_carrier: usize,
    all_receipts: bool,
    receipts: usize,
    /// (elapsed, RSS KiB, fds) every second.
    samples: Vec<(Duration, u64, usize)>,
    /// Receipt-map entries left on disk after the gateway stopped (answered messages are
    /// forgotten, so about none).
    receipt_entries_left: usize,
    log: String,
}

impl Soak {
    /// Index of the first sample after the warm-up (the first fifth of the run).
    fn warm(&self) -> usize {
        self.samples.len() / 5
    }
}

#[test]
fn the_hub_flow_at_a_steady_rate_keeps_memory_and_fds_flat_and_loses_nothing() {
    let secs = env_u64("SOAK_SECS", 60);
    let rate = env_u64("SOAK_RATE", 200).max(1);
    let soak = run(secs, rate);
    let total = soak.total;
    let acked = soak.acked;
    let refused = soak.refused;
    let samples = &soak.samples;
    let warm = soak.warm();
    let (_, rss_warm, fd_warm) = samples[warm];
    let rss_max = samples[warm..].iter().map(|s| s.1).max().unwrap();
    let fd_max = samples[warm..].iter().map(|s| s.2).max().unwrap();
    let (_, rss_end, fd_end) = *samples.last().unwrap();
    eprintln!(
        "RESULT soak {secs} s at {rate}/s: sent {total} acked {acked} refused {refused} at_core \
         {} carrier_ok {} receipts {} | RSS KiB warm {rss_warm} max {rss_max} end {rss_end} | \
         fds warm {fd_warm} max {fd_max} end {fd_end}",
        soak.at_core, soak.at_carrier, soak.receipts
    );
    assert_eq!(acked + refused, total, "answers missing");
    // Below every limit nothing should be refused; on a busy shared machine at thousands of
    // messages a second a partner may still see a few temporary refusals (0x58 throttled,
    // 0x14 the core call timed out). At most 0.1 %, of those two statuses only; each one is a
    // message the partner retries, never one acked and lost.
    let statuses: Vec<String> = soak
        .refusals
        .iter()
        .map(|(status, n)| format!("0x{status:08X} x{n}"))
        .collect();
    eprintln!("RESULT soak refusals: {refused} {statuses:?}");
    assert!(
        soak.refusals
            .keys()
            .all(|s| *s == ESME_RTHROTTLED || *s == ESME_RMSGQFUL),
        "refusals other than 0x58/0x14: {statuses:?}"
    );
    assert!(
        refused * 1000 <= total,
        "{refused} refusals of {total} (more than 0.1 %): {statuses:?}"
    );
    // A 0x14 may come after the core took the message (its answer came too late): the core then
    // holds it although the partner was refused.
    let late = soak.refusals.get(&ESME_RMSGQFUL).copied().unwrap_or(0);
    assert!(
        soak.at_core >= acked && soak.at_core <= acked + late,
        "core holds {} for {acked} acked",
        soak.at_core
    );
    assert!(
        soak.at_carrier >= acked && soak.at_carrier <= soak.at_core,
        "carrier accepted {} for {acked} acked, {} at the core",
        soak.at_carrier,
        soak.at_core
    );
    assert!(
        soak.all_receipts,
        "{} receipts for {acked} acks",
        soak.receipts
    );
    assert!(
        rss_max < rss_warm + rss_warm / 2 + 16 * 1024,
        "RSS grew from {rss_warm} to {rss_max} KiB: {samples:?}"
    );
    assert!(fd_max <= fd_warm + 8, "fds grew from {fd_warm} to {fd_max}");
    // Every message got its final receipt, so its carrier id was forgotten by the durable map
    // too (a few forgets may still have been queued when the gateway stopped).
    eprintln!(
        "RESULT receipt map entries left after stop: {}",
        soak.receipt_entries_left
    );
    assert!(
        soak.receipt_entries_left * 100 <= acked,
        "{} receipt-map entries kept for {acked} answered messages",
        soak.receipt_entries_left
    );
    assert!(!soak.log.contains("panicked"));
}

/// The memory the gateway keeps per message after its receipt came back: RSS growth over the
/// second half of the run divided by the messages sent meanwhile, at most 100 bytes. The 10-minute soak once
/// grew by ~400 bytes a message (fjall's 64 MiB default memtables held every receipt mapping);
/// with 4 MiB memtables it measured ~17 B/message.
///
/// `cargo test --release --test soak -- --ignored memory_per_message --nocapture`
/// (`SOAK_SECS`, default 120, and `SOAK_RATE`, default 1000, change the run).
#[test]
#[ignore = "long (2 minutes at 1,000 msg/s); run it in release by name"]
fn memory_per_message() {
    let secs = env_u64("SOAK_SECS", 120);
    let rate = env_u64("SOAK_RATE", 1000).max(1);
    let soak = run(secs, rate);
    assert!(
        soak.all_receipts && soak.acked == soak.total,
        "accounting failed: {} acked of {}, {} receipts",
        soak.acked,
        soak.total,
        soak.receipts
    );
    // The warm-up here is the first half: the shard's fjall memtables fill up to their 4 MiB
    // cap over the first tens of thousands of messages, and what is measured is what stays
    // after that.
    let samples = &soak.samples;
    let warm = samples.len() / 2;
    let (t0, rss0, _) = samples[warm];
    let (t1, rss1, _) = *samples.last().unwrap();
    let messages = ((t1 - t0).as_secs_f64() * rate as f64).min(soak.total as f64);
    let per_message = rss1.saturating_sub(rss0) as f64 * 1024.0 / messages;
    let quarters: Vec<u64> = (0..=4)
        .map(|q| samples[(samples.len() - 1) * q / 4].1)
        .collect();
    eprintln!(
        "RESULT memory per message: {secs} s at {rate}/s, RSS KiB at 0/4..4/4 of the run \
         {quarters:?}; {rss0} -> {rss1} KiB over the {messages:.0} messages of the second half: \
         {per_message:.1} B/message"
    );
    assert!(
        per_message < 100.0,
        "{per_message:.0} bytes kept per message"
    );
}

fn run(secs: u64, rate: u64) -> Soak {
    let core = CoreSim::start(SimConfig {
        routes: RouteTable {
            default: Some("carrier_sim".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    })
    .unwrap();
    let carrier = SmscSim::start(SmscConfig::default()).unwrap();
    let port = free_port();
    let toml = E2eConfig {
        api: &core.base_url(),
        carrier_port: carrier.local_addr().port(),
        listen_port: port,
        smsc_name: "smpp_soak",
        server_bind: "partner_soak",
        source_whitelist: &["MyBrand"],
        extra: "",
    }
    .toml()
    .replace(
        "[[binds]]\n",
        "[[binds]]\ntps_limit = 10000\nwindow_size = 200\n",
    )
    .replace(
        "[[server_binds]]\n",
        "[[server_binds]]\ntps_limit = 10000\nwindow_size = 200\n",
    );
    let mut gateway = GatewayProcess::start("soak", &toml);
    gateway.wait_for_port(port, Duration::from_secs(20));
    let pid = gateway.pid();

    let mut receiver = RawClient::connect(port);
    assert_eq!(
        receiver.bind(BIND_RECEIVER, "partner", "partner1"),
        ESME_ROK
    );
    let mut sender = RawClient::connect(port);
    assert_eq!(
        sender.bind(BIND_TRANSMITTER, "partner", "partner1"),
        ESME_ROK
    );
    let mut acks = RawClient::from_stream(sender.stream.try_clone().unwrap());

    let acked = Arc::new(Mutex::new(HashSet::new()));
    let refused = Arc::new(Mutex::new(BTreeMap::<u32, usize>::new()));
    let receipts = Arc::new(Mutex::new(HashSet::new()));
    let done = Arc::new(AtomicBool::new(false));
    let total = (secs * rate) as usize;

    let ack_reader = {
        let (acked, refused, done) = (Arc::clone(&acked), Arc::clone(&refused), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut answered = 0;
            while answered < total && !done.load(Ordering::Relaxed) {
                match acks.read_pdu(Duration::from_millis(200)) {
                    Read1::Pdu(p) if p.command_id == SUBMIT_SM | RESP => {
                        answered += 1;
                        if p.status == ESME_ROK {
                            acked.lock().unwrap().insert(p.first_cstring());
                        } else {
                            *refused.lock().unwrap().entry(p.status).or_insert(0) += 1;
                        }
                    }
                    Read1::Pdu(p) => acks.answer(&p),
                    Read1::Closed => break,
                    Read1::TimedOut => {}
                }
            }
        })
    };
    let receipt_reader = {
        let (receipts, done) = (Arc::clone(&receipts), Arc::clone(&done));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                match receiver.read_pdu(Duration::from_millis(200)) {
                    Read1::Pdu(p) => {
                        if p.command_id == DELIVER_SM {
                            if let Some(id) = receipted_id(&p.body) {
                                receipts.lock().unwrap().insert(id);
                            }
                        }
                        receiver.answer(&p);
                    }
                    Read1::Closed => break,
                    Read1::TimedOut => {}
                }
            }
        })
    };

    // Pace the submits; sample RSS and fds every second.
    let started = Instant::now();
    let mut samples: Vec<(Duration, u64, usize)> = Vec::new();
    let mut next_sample = started;
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        sender.request(
            SUBMIT_SM,
            &submit_body(
                "MyBrand",
                "61412345678",
                format!("soak {i}").as_bytes(),
                true,
            ),
        );
        if Instant::now() >= next_sample {
            samples.push((started.elapsed(), rss_kib(pid), fd_count(pid)));
            next_sample += Duration::from_secs(1);
        }
    }
    ack_reader.join().unwrap();
    let acked: HashSet<String> = acked.lock().unwrap().clone();
    let all_receipts = poll(Duration::from_secs(60), || {
        let got = receipts.lock().unwrap();
        acked.iter().all(|id| got.contains(id)).then_some(())
    });
    done.store(true, Ordering::Relaxed);
    receipt_reader.join().unwrap();
    samples.push((started.elapsed(), rss_kib(pid), fd_count(pid)));

    let stats = core_stats(&core);
    let receipts_seen = receipts.lock().unwrap().len();
    let log = gateway.log();
    gateway.terminate();
    let receipt_entries_left = receipt_entries(&gateway.dir.join("cache").join("receipts"));
    let refusals = refused.lock().unwrap().clone();
    Soak {
        total,
        acked: acked.len(),
        refused: refusals.values().sum(),
        refusals,
        at_core: stats.inserted as usize,
        at_carrier: carrier.stats().submits_ok as usize,
        all_receipts: all_receipts.is_some(),
        receipts: receipts_seen,
        samples,
        receipt_entries_left,
        log,
    }
}

/// Entries in the receipt maps of every shard under `dir` (the gateway must have stopped).
fn receipt_entries(dir: &std::path::Path) -> usize {
    let Ok(shards) = std::fs::read_dir(dir) else {
        panic!("no receipt store in {}", dir.display());
    };
    let mut entries = 0;
    let mut opened = 0;
    for shard in shards {
        let path = shard.unwrap().path();
        let db = engine::store::open_database(&path).unwrap();
        let map = engine::store::ReceiptMap::open(&db, engine::store::DEFAULT_RECEIPT_TTL).unwrap();
        entries += map.indexed_ids().unwrap();
        opened += 1;
    }
    assert!(opened > 0, "no shard store in {}", dir.display());
    entries
}
