//! Throughput figures, printed (not asserted): run with `--nocapture` to see them.

use crate::util::{partner_submit, start, Client};
use core_api::paths;
use serde_json::json;
use smpp_loadgen::core_sim::{RouteTable, SimConfig};
use std::thread;
use std::time::Instant;

const THREADS: usize = 8;
const PER_THREAD: usize = 1500;

#[test]
fn insert_and_drain_throughput_from_8_threads() {
    let sim = start(SimConfig {
        routes: RouteTable {
            default: Some("carrier_perf".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    });
    let base = sim.base_url();
    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let base = base.clone();
            thread::spawn(move || {
                let client = Client::for_base(base);
                for n in 0..PER_THREAD {
                    let mut body = partner_submit("partner_perf", &format!("44{t}{n:06}"), "perf");
                    body["frontend_message_id"] = json!(format!("{t}-{n}"));
                    let (status, _) = client.post(paths::MESSAGES, &body);
                    assert_eq!(status, 201);
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let insert_time = started.elapsed();
    let total = THREADS * PER_THREAD;
    let client = Client::new(&sim);
    assert_eq!(client.stats().inserted, total as u64);

    // Drain like a gateway with the batch extension: poll 500, report them in one call.
    let started = Instant::now();
    let mut drained = 0;
    loop {
        let items = client.poll("carrier_perf", 500);
        if items.is_empty() {
            break;
        }
        drained += items.len();
        let batch: Vec<_> = items
            .iter()
            .map(|i| json!({"id": i.id, "status": "sent", "smsc_message_id": i.id}))
            .collect();
        let (status, _) = client.put(paths::DELIVERY_STATUS_BATCH, &batch);
        assert_eq!(status, 200);
    }
    let drain_time = started.elapsed();
    assert_eq!(drained, total);
    assert_eq!(client.stats().sent, total as u64);
    println!(
        "core simulator: {total} inserts from {THREADS} threads in {insert_time:?} = {:.0} inserts/s; \
         poll+batch status drain {:.0} msg/s ({} build)",
        total as f64 / insert_time.as_secs_f64(),
        total as f64 / drain_time.as_secs_f64(),
        if cfg!(debug_assertions) { "debug" } else { "release" },
    );
}

/// An answer whose bytes went out in two writes with Nagle's algorithm on would wait ~40 ms for
/// the client's delayed ACK; the server writes each answer at once with TCP_NODELAY on.
#[test]
fn answers_over_a_kilobyte_are_not_held_back_by_nagle() {
    let sim = start(SimConfig::default());
    let client = Client::new(&sim);
    let (status, _) = client.post(
        "/admin/enqueue",
        &smpp_loadgen::core_sim::EnqueueRequest::new("carrier_nagle", 1000),
    );
    assert_eq!(status, 201);
    let mut times: Vec<_> = (0..30)
        .map(|_| {
            let started = Instant::now();
            let items = client.poll("carrier_nagle", 10);
            assert_eq!(items.len(), 10);
            started.elapsed()
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!("poll of 10 items (about 3.4 KiB) on a kept-alive connection: median {median:?}");
    assert!(
        median < std::time::Duration::from_millis(25),
        "median {median:?}: answers are being delayed (TCP_NODELAY off?)"
    );
}
