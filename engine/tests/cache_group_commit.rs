//! Group commit on real fjall files: 10,000 concurrent stores all durable and all released;
//! a failed persist fails every waiter of the batch and leaves nothing behind. Prints the
//! throughput (not asserted: the machine is shared).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache_support;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cache_support::{settings, submit, t0};
use engine::cache::{BindCacheSettings, CacheError, CacheWriter, MessageCache, WriterOptions};

const THREADS: usize = 8;

/// Stores `total` records from `THREADS` threads, each with all its stores in flight at once;
/// returns every id and the rate.
fn flood(writer: &CacheWriter, total: usize) -> (Vec<i64>, f64) {
    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let writer = writer.clone();
            std::thread::spawn(move || {
                let bind = format!("flood_{t}");
                let futures: Vec<_> = (0..total / THREADS)
                    .map(|n| writer.store(&bind, &submit(n, &bind), t0()))
                    .collect();
                futures
                    .into_iter()
                    .map(|f| futures_lite::future::block_on(f).unwrap())
                    .collect::<Vec<i64>>()
            })
        })
        .collect();
    let ids: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let rate = ids.len() as f64 / started.elapsed().as_secs_f64();
    (ids, rate)
}

fn roomy(cache: &MessageCache) {
    for t in 0..THREADS {
        let settings = BindCacheSettings {
            max_size: 1_000_000,
            ..BindCacheSettings::default()
        };
        cache.configure_bind(&format!("flood_{t}"), settings);
    }
}

#[test]
fn ten_thousand_concurrent_stores_are_all_durable() {
    let dir = tempfile::tempdir().unwrap();
    let cache = MessageCache::open(&settings(dir.path()), 0).unwrap();
    roomy(&cache);
    let (writer, thread) = CacheWriter::start(&cache, WriterOptions::default()).unwrap();
    let (ids, rate) = flood(&writer, 10_000);
    println!("group commit: 10000 durable stores from {THREADS} threads at {rate:.0} records/s");
    let unique: HashSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 10_000);
    assert_eq!(cache.summary().overall.total, 10_000);
    assert_eq!(cache.stats().snapshot().stored_total, 10_000);
    drop((cache, writer));
    thread.join();

    let reopened = MessageCache::open(&settings(dir.path()), 0).unwrap();
    assert_eq!(reopened.summary().overall.total, 10_000);
    for &id in ids.iter().step_by(97) {
        assert!(reopened.message(id).unwrap().is_some(), "{id} lost");
    }
}

#[test]
fn a_failed_persist_fails_every_waiter_of_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let cache = MessageCache::open(&settings(dir.path()), 0).unwrap();
    roomy(&cache);
    let disk_full = Arc::new(AtomicBool::new(true));
    let hook_flag = disk_full.clone();
    let options = WriterOptions {
        before_persist: Some(Arc::new(move || {
            if hook_flag.load(Ordering::SeqCst) {
                Err(std::io::Error::other("No space left on device"))
            } else {
                Ok(())
            }
        })),
        ..WriterOptions::default()
    };
    let (writer, thread) = CacheWriter::start(&cache, options).unwrap();
    let futures: Vec<_> = (0..500)
        .map(|n| writer.store("flood_0", &submit(n, "flood_0"), t0()))
        .collect();
    for future in futures {
        match futures_lite::future::block_on(future) {
            Err(CacheError::NotDurable(reason)) => assert!(reason.contains("No space left")),
            other => panic!("expected NotDurable, got {other:?}"),
        }
    }
    assert_eq!(cache.summary().overall.total, 0);
    assert!(cache.due(t0(), 1000).unwrap().is_empty());

    disk_full.store(false, Ordering::SeqCst);
    let kept = writer
        .store_blocking("flood_0", &submit(1, "flood_0"), t0())
        .unwrap();
    assert_eq!(cache.summary().overall.total, 1);
    drop((cache, writer));
    thread.join();
    let reopened = MessageCache::open(&settings(dir.path()), 0).unwrap();
    let listed: Vec<i64> = reopened
        .list("flood_0", 1000)
        .iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(listed, [kept]);
}

/// Throughput for bench/results/cache.md: 3 runs of 50,000 stores, median printed.
/// `cargo test -p engine --test cache_group_commit -- --ignored --nocapture`
#[test]
#[ignore = "benchmark: run explicitly"]
fn group_commit_throughput() {
    for gather_us in [1000u64, 0] {
        let mut rates = Vec::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let cache = MessageCache::open(&settings(dir.path()), 0).unwrap();
            roomy(&cache);
            let options = WriterOptions {
                gather: std::time::Duration::from_micros(gather_us),
                ..WriterOptions::default()
            };
            let (writer, thread) = CacheWriter::start(&cache, options).unwrap();
            let (ids, rate) = flood(&writer, 50_000);
            assert_eq!(ids.len(), 50_000);
            rates.push(rate);
            drop((cache, writer));
            thread.join();
        }
        rates.sort_by(f64::total_cmp);
        println!(
            "group commit, gather {gather_us} us: runs {:.0} / {:.0} / {:.0} records/s, median {:.0}",
            rates[0], rates[1], rates[2], rates[1]
        );
    }
}

/// Cache-side drain rate for bench/results/cache.md (no core: `due` + `delivered_many` per round of 1024, the
/// ceiling a flush worker can reach): 3 runs of 50,000 records, median printed.
#[test]
#[ignore = "benchmark: run explicitly"]
fn drain_throughput() {
    let mut rates = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let cache = MessageCache::open(&settings(dir.path()), 0).unwrap();
        roomy(&cache);
        let (writer, thread) = CacheWriter::start(&cache, WriterOptions::default()).unwrap();
        let (ids, _) = flood(&writer, 50_000);
        let started = Instant::now();
        let mut drained = 0;
        loop {
            let due = cache.due(t0(), 1024).unwrap();
            if due.is_empty() {
                break;
            }
            let settled: Vec<(i64, &str)> = due.iter().map(|m| (m.id, "1")).collect();
            assert_eq!(cache.delivered_many(&settled).unwrap(), due.len());
            drained += due.len();
        }
        rates.push(drained as f64 / started.elapsed().as_secs_f64());
        assert_eq!(drained, ids.len());
        assert_eq!(cache.summary().overall.total, 0);
        drop((cache, writer));
        thread.join();
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "drain (due + delivered_many, no core): runs {:.0} / {:.0} / {:.0} records/s, median {:.0}",
        rates[0], rates[1], rates[2], rates[1]
    );
}
