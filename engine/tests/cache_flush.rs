//! The flush state machine and the operator calls on real fjall files: backoff schedule,
//! failed_permanent, delivery, overflow, retry/delete, and the exact log lines of SPEC §5.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache_support;

use std::time::Duration;

use cache_support::{capture_logs, logged, open, submit, t0};
use core_api::InsertResponse;
use engine::cache::{BindCacheSettings, FailOutcome, MessageState, Settled};
use engine::coreclient::CoreError;

const MINUTE: Duration = Duration::from_secs(60);

// Each test opens its partition as a different shard: ids are unique per shard, and the tests run
// at once in one process whose log capture they share, so two "shard 0" partitions opened in the
// same millisecond would hand out the same id and mix their log lines.

#[test]
fn backoff_doubles_from_the_retry_interval_until_failed_permanent() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 10);
    let id = writer
        .store_blocking("backoff_bind", &submit(1, "backoff_bind"), t0())
        .unwrap();
    assert_eq!(
        logged(&format!("Message {id} ")),
        [format!("Message {id} cached for backoff_bind")]
    );

    let mut now = t0();
    let mut delays = Vec::new();
    for attempt in 1..=11u32 {
        let due = cache.due(now, 100).unwrap();
        assert_eq!(due.len(), 1, "attempt {attempt}");
        assert_eq!(due[0].id, id);
        assert_eq!(due[0].retry_count, attempt - 1);
        assert_eq!(
            due[0].message().unwrap().frontend_message_id.as_deref(),
            Some(id.to_string().as_str())
        );
        // Being delivered: not handed out twice.
        assert!(cache.due(now, 100).unwrap().is_empty());
        match cache.failed(id, "http 503", true, now).unwrap() {
            FailOutcome::Retry {
                retry_count,
                next_retry_at,
            } => {
                assert_eq!(retry_count, attempt);
                let delay = next_retry_at.duration_since(now).unwrap();
                delays.push(delay.as_secs());
                // Not due a millisecond early, due on time.
                let early = next_retry_at - Duration::from_millis(1);
                assert!(cache.due(early, 100).unwrap().is_empty());
                now = next_retry_at;
            }
            FailOutcome::FailedPermanent { retry_count } => {
                assert_eq!(attempt, 11);
                assert_eq!(retry_count, 10);
            }
            FailOutcome::Unknown => panic!("message {id} lost"),
        }
    }
    assert_eq!(
        delays,
        [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 30720]
    );
    let far = now + Duration::from_secs(10 * 86_400);
    assert!(cache.due(far, 100).unwrap().is_empty());
    let view = &cache.list("backoff_bind", 10)[0];
    assert_eq!(view.state, MessageState::FailedPermanent);
    assert_eq!(view.retry_count, 10);
    assert_eq!(view.last_error.as_deref(), Some("http 503"));

    let lines = logged(&format!("message {id} "));
    assert_eq!(lines.len(), 10);
    assert_eq!(
        lines[2],
        format!("Failed to deliver message {id} (retry 3/10), next retry at 2026-11-21 10:07:01Z")
    );
    assert_eq!(
        logged(&format!("Message {id} exceeded")),
        [format!(
            "Message {id} exceeded max retries (10), marking as failed_permanent"
        )]
    );
    let counters = cache.stats().snapshot();
    assert_eq!(counters.retry_total, 10);
    assert_eq!(counters.permanent_failures_total, 1);
}

#[test]
fn a_4xx_is_permanent_at_once_and_a_delivery_removes_the_record() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 11);
    let refused = writer
        .store_blocking("b4xx", &submit(1, "b4xx"), t0())
        .unwrap();
    let taken = writer
        .store_blocking("b4xx", &submit(2, "b4xx"), t0())
        .unwrap();
    let due = cache.due(t0(), 10).unwrap();
    assert_eq!(
        due.iter().map(|d| d.id).collect::<Vec<_>>(),
        [refused, taken]
    );

    let outcome = cache.failed(refused, "http 400 (bad destination)", false, t0());
    assert_eq!(
        outcome.unwrap(),
        FailOutcome::FailedPermanent { retry_count: 0 }
    );
    assert!(cache.delivered(taken, "99999").unwrap());
    assert_eq!(
        logged(&format!("cached message {taken}")),
        [format!(
            "Successfully delivered cached message {taken}, API ID: 99999"
        )]
    );
    assert!(cache
        .due(t0() + Duration::from_secs(86_400), 10)
        .unwrap()
        .is_empty());
    let summary = cache.summary();
    assert_eq!(summary.overall.total, 1);
    assert_eq!(summary.overall.failed, 1);
    assert_eq!(summary.overall.pending, 0);
    let counters = cache.stats().snapshot();
    assert_eq!(counters.delivered_total, 1);
    assert_eq!(counters.permanent_failures_total, 1);
    assert_eq!(counters.retry_total, 0);
    // The delivered one is gone for good; the refused one is still readable.
    assert_eq!(cache.message(taken).unwrap(), None);
    let kept = cache.message(refused).unwrap().unwrap();
    assert_eq!(kept.destination_addr, submit(1, "b4xx").destination_addr);
    assert_eq!(
        cache.failed(taken, "late", true, t0()).unwrap(),
        FailOutcome::Unknown
    );
}

#[test]
fn settle_maps_the_core_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 12);
    let ids: Vec<i64> = (0..4)
        .map(|n| {
            writer
                .store_blocking("settle", &submit(n, "settle"), t0())
                .unwrap()
        })
        .collect();
    cache.due(t0(), 10).unwrap();
    let inserted = InsertResponse {
        id: "184468".to_owned(),
    };
    let http = |status: u16| CoreError::Http {
        status,
        body_reason: String::new(),
    };
    assert_eq!(
        cache.settle(ids[0], Ok(&inserted), t0()).unwrap(),
        Settled::Delivered
    );
    let outcomes: Vec<Settled> = [http(503), http(400), http(429)]
        .iter()
        .zip(&ids[1..])
        .map(|(error, &id)| cache.settle(id, Err(error), t0()).unwrap())
        .collect();
    let retry = Settled::Failed(FailOutcome::Retry {
        retry_count: 1,
        next_retry_at: t0() + MINUTE,
    });
    let permanent = Settled::Failed(FailOutcome::FailedPermanent { retry_count: 0 });
    assert_eq!(outcomes, [retry, permanent, retry]);
    let view = cache.list("settle", 10);
    assert_eq!(view[0].last_error.as_deref(), Some("http 503"));
    assert_eq!(cache.message(ids[0]).unwrap(), None);
    // Settling many at once: the already delivered one is not there any more.
    let many = [(ids[0], "1"), (ids[1], "2"), (ids[3], "3")];
    assert_eq!(cache.delivered_many(&many).unwrap(), 2);
    let left: Vec<i64> = cache.list("settle", 10).iter().map(|v| v.id).collect();
    assert_eq!(left, [ids[2]]);
    assert_eq!(cache.stats().snapshot().delivered_total, 4);
}

#[test]
fn due_hands_out_the_oldest_first_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 13);
    let ids: Vec<i64> = (0..5)
        .map(|n| {
            let at = t0() + Duration::from_millis(n as u64);
            writer
                .store_blocking("order", &submit(n, "order"), at)
                .unwrap()
        })
        .collect();
    let now = t0() + MINUTE;
    let first = cache.due(now, 2).unwrap();
    let rest = cache.due(now, 10).unwrap();
    let order: Vec<i64> = first.iter().chain(&rest).map(|d| d.id).collect();
    assert_eq!(order, ids);
    assert_eq!(first[1].message().unwrap().message_body, "message number 1");
    // A record not yet created at `now` is not due.
    let later = writer
        .store_blocking("order", &submit(9, "order"), now + MINUTE)
        .unwrap();
    assert!(cache.due(now, 10).unwrap().is_empty());
    assert_eq!(cache.due(now + MINUTE, 10).unwrap()[0].id, later);
}

#[test]
fn overflow_deletes_the_oldest_of_that_bind_only() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 14);
    let small = BindCacheSettings {
        max_size: 3,
        retry_interval: MINUTE,
    };
    cache.configure_bind("tiny_bind", small);
    let other = writer
        .store_blocking("roomy_bind", &submit(0, "roomy_bind"), t0())
        .unwrap();
    let ids: Vec<i64> = (1..=5)
        .map(|n| {
            writer
                .store_blocking("tiny_bind", &submit(n, "tiny_bind"), t0())
                .unwrap()
        })
        .collect();
    let listed: Vec<i64> = cache.list("tiny_bind", 10).iter().map(|v| v.id).collect();
    assert_eq!(listed, ids[2..]);
    assert_eq!(cache.list("roomy_bind", 10)[0].id, other);
    assert_eq!(cache.stats().snapshot().overflow_total, 2);
    assert_eq!(
        logged("Cache overflow for tiny_bind"),
        ["Cache overflow for tiny_bind: deleted oldest message"; 2]
    );
    assert_eq!(cache.message(ids[0]).unwrap(), None);

    // Overflow within one batch: six stores queued at once, three survive (the newest).
    let futures: Vec<_> = (6..12)
        .map(|n| writer.store("tiny_bind", &submit(n, "tiny_bind"), t0()))
        .collect();
    let batch_ids: Vec<i64> = futures
        .into_iter()
        .map(|f| futures_lite::future::block_on(f).unwrap())
        .collect();
    let listed: Vec<i64> = cache.list("tiny_bind", 10).iter().map(|v| v.id).collect();
    assert_eq!(listed, batch_ids[3..]);
    assert_eq!(cache.stats().snapshot().overflow_total, 8);
    assert_eq!(cache.size_of("tiny_bind"), 3);
    let per_bind = cache.bind_counters();
    let tiny = per_bind.iter().find(|(b, _)| b == "tiny_bind").unwrap().1;
    assert_eq!(tiny.overflow_total, 8);
    // 11 stores; those dropped by their own batch's overflow (6 -> 3 when the six share a
    // batch, as they normally do) were never written.
    assert!(
        (8..=11).contains(&tiny.stored_total),
        "{}",
        tiny.stored_total
    );
    let roomy = per_bind.iter().find(|(b, _)| b == "roomy_bind").unwrap().1;
    assert_eq!((roomy.overflow_total, roomy.stored_total), (0, 1));
}

#[test]
fn operators_retry_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 15);
    let a: Vec<i64> = (0..3)
        .map(|n| {
            writer
                .store_blocking("ops_a", &submit(n, "ops_a"), t0())
                .unwrap()
        })
        .collect();
    let b = writer
        .store_blocking("ops_b", &submit(9, "ops_b"), t0())
        .unwrap();
    cache.due(t0(), 10).unwrap();
    for &id in &a[..2] {
        cache.failed(id, "http 422", false, t0()).unwrap();
    }
    cache.failed(a[2], "timeout", true, t0()).unwrap();
    cache.failed(b, "http 400", false, t0()).unwrap();

    let summary = cache.summary();
    assert_eq!(summary.overall.total, 4);
    assert_eq!(summary.overall.failed, 3);
    assert_eq!(summary.overall.pending, 1);
    assert_eq!(summary.binds.len(), 2);
    assert_eq!(summary.binds[0].0, "ops_a");
    assert_eq!(summary.binds[0].1.failed, 2);
    assert_eq!(summary.binds[1].1.failed, 1);

    // Retry: back to pending, retry_count 0, due at once.
    let later = t0() + MINUTE * 5;
    assert!(cache.retry(a[0], later).unwrap());
    let view = cache
        .list("ops_a", 10)
        .into_iter()
        .find(|v| v.id == a[0])
        .unwrap();
    assert_eq!(view.state, MessageState::Pending);
    assert_eq!(view.retry_count, 0);
    assert_eq!(view.next_retry_at, later);
    let due: Vec<i64> = cache.due(later, 10).unwrap().iter().map(|d| d.id).collect();
    // By due time: a[2] was due at t0 + 60 s, before the operator's retry of a[0].
    assert_eq!(due, [a[2], a[0]]);
    // A message being delivered is not touched by a retry.
    assert!(!cache.retry(a[0], later).unwrap());

    assert_eq!(cache.delete_failed("ops_a").unwrap(), 1);
    assert!(cache.message(a[1]).unwrap().is_none());
    assert_eq!(cache.size_of("ops_b"), 1);
    assert!(cache.delete(b).unwrap());
    assert!(!cache.delete(b).unwrap());
    assert!(!cache.retry(12345, later).unwrap());
    assert_eq!(cache.summary().overall.total, 2);

    // Operator changes are on disk.
    drop((cache, writer, _thread));
    let (reopened, _w, _t) = open(dir.path(), 15);
    let ids: Vec<i64> = reopened.list("ops_a", 10).iter().map(|v| v.id).collect();
    assert_eq!(ids, [a[0], a[2]]);
    assert_eq!(reopened.size_of("ops_b"), 0);
}

#[test]
fn a_cached_receipt_comes_back_as_a_receipt_next_to_inserts() {
    capture_logs();
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 14);
    let receipt: core_api::DeliveryReceiptPost = serde_json::from_value(serde_json::json!({
        "smsc_message_id": "0A1B2C",
        "stat": "DELIVRD",
        "err": "000",
        "bind_name": "carrier_rx",
        "smsc_name": "smpp_test"
    }))
    .unwrap();
    let insert = writer
        .store_blocking("carrier_rx", &submit(1, "carrier_rx"), t0())
        .unwrap();
    let posted =
        futures_lite::future::block_on(writer.store_receipt("carrier_rx", &receipt, t0())).unwrap();
    assert_eq!(
        logged(&format!("Message {posted} ")),
        [format!("Message {posted} cached for carrier_rx")]
    );
    let due = cache.due(t0(), 10).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].id, insert);
    assert!(due[0].message().is_some());
    assert_eq!(due[1].id, posted);
    assert_eq!(
        due[1].payload,
        engine::cache::CachedPayload::Receipt(receipt)
    );
    assert_eq!(cache.message(posted).unwrap(), None);
    assert!(cache.delivered(posted, "r-1").unwrap());
    assert_eq!(cache.summary().overall.total, 1);
}
