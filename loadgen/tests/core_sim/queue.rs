//! Queue semantics: leases and their expiry, retries, deliver_after, priority, validity, and
//! draining a large pre-loaded queue.

use crate::util::{partner_submit, start, Client};
use core_api::paths;
use core_api::rfc3339::{format_millis, now_millis};
use serde_json::json;
use smpp_loadgen::core_sim::{EnqueueRequest, EnqueueResponse, RouteTable, SimConfig};
use std::collections::HashSet;
use std::thread::sleep;
use std::time::{Duration, Instant};

fn config(lease_ms: u64, retry_ms: u64) -> SimConfig {
    SimConfig {
        lease: Duration::from_millis(lease_ms),
        retry_delay: Duration::from_millis(retry_ms),
        routes: RouteTable {
            default: Some("carrier_a".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    }
}

fn ids(items: &[core_api::QueueItem]) -> Vec<String> {
    items.iter().map(|i| i.id.clone()).collect()
}

#[test]
fn a_lapsed_lease_hands_the_item_out_again() {
    let sim = start(config(1000, 60_000));
    let client = Client::new(&sim);
    let inserted: Vec<String> = (0..3)
        .map(|n| client.insert(&partner_submit("p", &format!("4470{n}"), "x")))
        .collect();
    let first = client.poll("carrier_a", 10);
    assert_eq!(ids(&first), inserted);
    assert!(first.iter().all(|i| i.delivery_attempts == 0));
    assert!(
        client.poll("carrier_a", 10).is_empty(),
        "leased items are not handed out twice"
    );
    let stats = client.stats();
    assert_eq!(stats.leased, 3);
    assert_eq!(stats.queued, 0);

    sleep(Duration::from_millis(1100));
    let again = client.poll("carrier_a", 10);
    assert_eq!(ids(&again), inserted, "same order after the lease lapsed");
    assert!(again.iter().all(|i| i.delivery_attempts == 1));
    let stats = client.stats();
    assert_eq!(stats.leases_expired, 3);
    assert_eq!(stats.leases_granted, 6);
}

#[test]
fn reported_items_stay_out_and_failures_come_back_after_the_retry_delay() {
    let sim = start(config(300, 1000));
    let client = Client::new(&sim);
    let sent = client.insert(&partner_submit("p", "4470", "sent"));
    let retried = client.insert(&partner_submit("p", "4471", "retried"));
    let throttled = client.insert(&partner_submit("p", "4472", "throttled"));
    let silent = client.insert(&partner_submit("p", "4473", "silent"));
    assert_eq!(client.poll("carrier_a", 10).len(), 4);
    client.report(&sent, json!({"status":"sent","smsc_message_id":"s1"}));
    let answer = client.report(
        &retried,
        json!({"status":"failed","error_code":8,"permanent":false}),
    );
    assert_eq!(answer["state"], "pending");
    client.report(
        &throttled,
        json!({"status":"throttled","error_code":"0x58"}),
    );

    // After the lease (300 ms) only the unreported one is back.
    sleep(Duration::from_millis(400));
    assert_eq!(ids(&client.poll("carrier_a", 10)), vec![silent.clone()]);
    client.report(&silent, json!({"status":"sent"}));
    let pending: Vec<core_api::QueuedMessageView> =
        client.get_as(&paths::messages_view(Some("pending"), None, None));
    assert_eq!(pending.len(), 2);
    assert!(pending.iter().all(|m| m.deliver_after.is_some()));

    // After the retry delay (1 s) the failed and throttled ones are due again.
    sleep(Duration::from_millis(750));
    let back = client.poll("carrier_a", 10);
    assert_eq!(ids(&back), vec![retried, throttled]);
    assert!(back
        .iter()
        .all(|i| i.deliver_after.is_some() && i.delivery_attempts == 1));
    assert_eq!(client.state_of(&sent), "sent");
    let stats = client.stats();
    assert_eq!(stats.requeued, 2);
    assert_eq!((stats.failed, stats.throttled, stats.sent), (1, 1, 2));
}

#[test]
fn max_attempts_makes_a_temporary_failure_final() {
    let sim = start(SimConfig {
        max_attempts: 2,
        ..config(60_000, 0)
    });
    let client = Client::new(&sim);
    let id = client.insert(&partner_submit("p", "4470", "x"));
    for attempt in 0..2 {
        let items = client.poll("carrier_a", 1);
        assert_eq!(items[0].delivery_attempts, attempt);
        client.report(&id, json!({"status":"failed","error_code":"0x45"}));
    }
    assert_eq!(client.state_of(&id), "failed");
    assert!(client.poll("carrier_a", 1).is_empty());
    // Throttling never counts against the limit.
    let other = client.insert(&partner_submit("p", "4471", "y"));
    for _ in 0..4 {
        assert_eq!(client.poll("carrier_a", 1).len(), 1);
        client.report(&other, json!({"status":"throttled"}));
    }
    assert_eq!(client.state_of(&other), "pending");
}

#[test]
fn deliver_after_in_the_future_is_not_handed_out() {
    let sim = start(config(60_000, 0));
    let client = Client::new(&sim);
    let mut later = partner_submit("p", "4470", "later");
    later["deliver_after"] = json!(format_millis(now_millis() + 400));
    let later_id = client.insert(&later);
    let mut past = partner_submit("p", "4471", "past");
    past["deliver_after"] = json!("2001-01-01T00:00:00Z");
    let past_id = client.insert(&past);
    assert_eq!(ids(&client.poll("carrier_a", 10)), vec![past_id]);
    assert!(client.poll("carrier_a", 10).is_empty());
    sleep(Duration::from_millis(450));
    let items = client.poll("carrier_a", 10);
    assert_eq!(ids(&items), vec![later_id]);
    assert!(items[0].deliver_after.is_some());
}

#[test]
fn higher_priority_first_then_oldest_first() {
    let sim = start(config(60_000, 0));
    let client = Client::new(&sim);
    let mut made = Vec::new();
    for (n, priority) in [0, 2, 1, 2, 0, 3].into_iter().enumerate() {
        let mut body = partner_submit("p", &format!("44{n}"), "x");
        body["priority"] = json!(priority);
        made.push((priority, client.insert(&body)));
    }
    let order = ids(&client.poll("carrier_a", 3));
    let rest = ids(&client.poll("carrier_a", 10));
    let id = |i: usize| made[i].1.clone();
    assert_eq!(order, vec![id(5), id(1), id(3)]);
    assert_eq!(rest, vec![id(2), id(0), id(4)]);
}

#[test]
fn an_expired_validity_period_ends_the_message_in_the_queue() {
    let sim = start(config(60_000, 0));
    let client = Client::new(&sim);
    let mut body = partner_submit("partner_acme", "4470", "stale");
    body["validity_period"] = json!(format_millis(now_millis() + 200));
    let id = client.insert(&body);
    sleep(Duration::from_millis(250));
    assert!(client.poll("carrier_a", 10).is_empty());
    assert_eq!(client.state_of(&id), "expired");
    let stats = client.stats();
    assert_eq!(stats.expired_in_queue, 1);
    assert_eq!(stats.final_states.get("expired"), Some(&1));
    let receipts = client.poll("partner_acme", 10);
    assert_eq!(receipts.len(), 1);
    assert_eq!(receipts[0].receipt.as_ref().unwrap().stat, "EXPIRED");
}

#[test]
fn queue_query_is_validated() {
    let sim = start(config(60_000, 0));
    let client = Client::new(&sim);
    for (path, named) in [
        ("/api/message_queue", "destination_smsc"),
        ("/api/message_queue?destination_smsc=", "destination_smsc"),
        ("/api/message_queue?destination_smsc=a&limit=0", "limit"),
        ("/api/message_queue?destination_smsc=a&limit=x", "limit"),
        (
            "/api/message_queue?destination_smsc=a&limit=1000000",
            "limit",
        ),
        ("/api/message_queue?destination_smsc=%zz", "query"),
    ] {
        let (status, answer) = client.get(path);
        assert_eq!(status, 400, "{path}");
        assert!(
            answer["error"].as_str().unwrap().contains(named),
            "{path}: {answer}"
        );
    }
    assert!(client.poll("never_used", 5).is_empty());
    // A bind name that needs encoding reaches its own queue.
    let odd = "carrier a&b=c/é";
    client.post("/admin/enqueue", &EnqueueRequest::new(odd, 2));
    let items = client.poll(odd, 5);
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].dest_smsc, odd);
    assert!(client.poll("carrier a", 5).is_empty());
}

#[test]
fn enqueue_100k_then_drain_them_through_the_queue() {
    let sim = start(config(600_000, 0));
    let client = Client::new(&sim);
    let mut request = EnqueueRequest::new("carrier_bulk", 100_000);
    request.body = "bulk {n}".into();
    request.destination = "+61400000000".into();
    let started = Instant::now();
    let (status, answer) = client.post("/admin/enqueue", &request);
    assert_eq!(status, 201, "{answer}");
    let loaded: EnqueueResponse = serde_json::from_value(answer).unwrap();
    let load_time = started.elapsed();
    assert_eq!(loaded.count, 100_000);
    let first: u64 = loaded.first_id.parse().unwrap();
    assert_eq!(loaded.last_id.parse::<u64>().unwrap(), first + 99_999);
    assert_eq!(client.stats().queues["carrier_bulk"].pending, 100_000);

    let started = Instant::now();
    let mut seen = HashSet::new();
    let mut polls = 0;
    loop {
        let items = client.poll("carrier_bulk", 1000);
        if items.is_empty() {
            break;
        }
        polls += 1;
        for item in items {
            let n = item.id.parse::<u64>().unwrap() - first;
            assert_eq!(item.message_body, format!("bulk {n}"));
            assert_eq!(item.destination_addr, format!("+{}", 61_400_000_000u64 + n));
            assert!(seen.insert(item.id), "handed out twice");
        }
    }
    let drain_time = started.elapsed();
    assert_eq!(seen.len(), 100_000);
    assert_eq!(polls, 100);
    let stats = client.stats();
    assert_eq!(stats.enqueued, 100_000);
    assert_eq!(stats.queues["carrier_bulk"].pending, 0);
    assert_eq!(stats.queues["carrier_bulk"].leased, 100_000);
    println!(
        "enqueue of 100000: {load_time:?} (store {} ms); drained in {drain_time:?} = {:.0} items/s",
        loaded.elapsed_ms,
        100_000.0 / drain_time.as_secs_f64()
    );
}
