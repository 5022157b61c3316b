//! Durability of the message cache on real fjall files: acknowledged records survive a drop
//! without shutdown and a real crash (`abort` of a child process), `delivering` records go
//! back to pending at open, local ids stay unique across reopen and shards, `ram` is volatile.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache_support;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_support::{open, settings, submit, t0};
use engine::cache::{shard_of_id, CacheWriter, MessageCache, MessageState, StorageType};

#[test]
fn acknowledged_records_survive_a_drop_without_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 2);
    let mut stored = Vec::new();
    for n in 0..300 {
        let bind = if n % 3 == 0 {
            "carrier_x"
        } else {
            "partner_acme"
        };
        let id = writer.store_blocking(bind, &submit(n, bind), t0()).unwrap();
        stored.push((id, n, bind));
    }
    // No join, no persist call: the process "just stops" using them.
    drop((writer, cache));

    let reopened = MessageCache::open(&settings(dir.path()), 2).unwrap();
    assert_eq!(reopened.recovered(), (300, 0));
    let summary = reopened.summary();
    assert_eq!(summary.overall.total, 300);
    assert_eq!(summary.overall.pending, 300);
    assert_eq!(reopened.size_of("carrier_x"), 100);
    for (id, n, bind) in stored {
        let message = reopened.message(id).unwrap().unwrap();
        assert_eq!(message.message_body, format!("message number {n}"));
        assert_eq!(message.source_smsc, bind);
        assert_eq!(message.frontend_message_id, Some(id.to_string()));
    }
}

const CHILD_DIR: &str = "CACHE_CRASH_CHILD_DIR";

/// Child half of `acknowledged_records_survive_a_crash`: four threads store as fast as they
/// can, printing each acknowledged id; once 2000 are acknowledged the process aborts in the
/// middle of the flood (no destructor, no flush, batches in flight).
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let cache = MessageCache::open(&settings(dir.as_ref()), 0).unwrap();
    let (writer, _thread) = CacheWriter::start(&cache, Default::default()).unwrap();
    let acked = std::sync::Arc::new(AtomicUsize::new(0));
    for t in 0..4 {
        let writer = writer.clone();
        let acked = acked.clone();
        std::thread::spawn(move || {
            for n in 0..1_000_000 {
                let id = writer.store_blocking("crash_bind", &submit(n, "crash_bind"), t0());
                let mut out = std::io::stdout().lock();
                writeln!(out, "\nACK {} {t}-{n}", id.unwrap()).unwrap();
                out.flush().unwrap();
                acked.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    while acked.load(Ordering::SeqCst) < 2000 {
        std::thread::sleep(Duration::from_micros(200));
    }
    std::process::abort();
}

#[test]
fn acknowledged_records_survive_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success(), "the child must die by abort");
    let acked: HashSet<i64> = BufReader::new(output.stdout.as_slice())
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| line.split("ACK ").nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    assert!(acked.len() >= 2000, "only {} acknowledged", acked.len());

    let reopened = MessageCache::open(&settings(dir.path()), 0).unwrap();
    let on_disk: HashSet<i64> = reopened
        .list("crash_bind", usize::MAX)
        .iter()
        .map(|v| v.id)
        .collect();
    assert!(
        acked.is_subset(&on_disk),
        "{} acknowledged records lost",
        acked.difference(&on_disk).count()
    );
}

#[test]
fn records_left_delivering_go_back_to_pending_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, thread) = open(dir.path(), 0);
    let ids: Vec<i64> = (0..3)
        .map(|n| writer.store_blocking("b", &submit(n, "b"), t0()).unwrap())
        .collect();
    let due = cache.due(t0(), 2).unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(cache.summary().overall.delivering, 2);
    // Let the "delivering" marks reach the journal, as they would before a crash.
    writer
        .store_blocking("other", &submit(9, "other"), t0())
        .unwrap();
    drop((cache, writer));
    thread.join();

    let reopened = MessageCache::open(&settings(dir.path()), 0).unwrap();
    assert_eq!(reopened.recovered(), (4, 2));
    let summary = reopened.summary();
    assert_eq!(
        (summary.overall.pending, summary.overall.delivering),
        (4, 0)
    );
    let listed = reopened.list("b", 10);
    assert!(listed.iter().all(|v| v.state == MessageState::Pending));
    let again: Vec<i64> = reopened
        .due(t0(), 10)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .filter(|id| ids.contains(id))
        .collect();
    assert_eq!(again, ids);
}

#[test]
fn local_ids_are_unique_across_reopen_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let mut seen = HashSet::new();
    let mut first_run = Vec::new();
    {
        let (_cache, writer, _thread) = open(dir.path(), 0);
        for n in 0..200 {
            let id = writer.store_blocking("u", &submit(n, "u"), t0()).unwrap();
            assert!(id < 0);
            assert!(seen.insert(id));
            first_run.push(id);
        }
    }
    // Reopen shard 0 and run shard 1 beside it, storing concurrently.
    let (cache0, writer0, _t0) = open(dir.path(), 0);
    let (_cache1, writer1, _t1) = open(dir.path(), 1);
    let handles: Vec<_> = [writer0, writer1]
        .into_iter()
        .map(|writer| {
            std::thread::spawn(move || {
                (0..200)
                    .map(|n| writer.store_blocking("u", &submit(n, "u"), t0()).unwrap())
                    .collect::<Vec<i64>>()
            })
        })
        .collect();
    let runs: Vec<Vec<i64>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    for (shard, ids) in runs.iter().enumerate() {
        for &id in ids {
            assert!(seen.insert(id), "id {id} repeated");
            assert_eq!(shard_of_id(id), Some(shard as u8));
        }
    }
    // A reopened shard continues above everything it issued before.
    let lowest_before = first_run.iter().min().unwrap();
    assert!(runs[0].iter().all(|id| id < lowest_before));
    assert_eq!(cache0.size_of("u"), 400);
    // Another shard's id is unknown here, not confused with a local record.
    assert_eq!(cache0.message(runs[1][0]).unwrap(), None);
}

#[test]
fn ram_storage_is_volatile() {
    let dir = tempfile::tempdir().unwrap();
    let mut ram = settings(dir.path());
    ram.storage = StorageType::Ram;
    let cache = MessageCache::open(&ram, 0).unwrap();
    let path = cache.path().to_owned();
    assert!(!path.starts_with(dir.path()));
    let (writer, thread) = CacheWriter::start(&cache, Default::default()).unwrap();
    let id = writer.store_blocking("r", &submit(1, "r"), t0()).unwrap();
    assert!(cache.message(id).unwrap().is_some());
    drop((cache, writer));
    thread.join();
    // fjall removes a temporary database's directory once its last handle is gone.
    std::thread::sleep(Duration::from_millis(100));
    assert!(!path.exists(), "{} still exists", path.display());
    let again = MessageCache::open(&ram, 0).unwrap();
    assert_eq!(again.summary().overall.total, 0);
}

#[test]
fn a_reserved_id_is_kept_by_the_store_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, writer, _thread) = open(dir.path(), 1);
    let reserved = cache.reserve_id().unwrap();
    let mut message = submit(1, "p");
    message.frontend_message_id = Some(reserved.to_string());
    assert_eq!(
        writer.store_blocking("p", &message, t0()).unwrap(),
        reserved
    );
    // A fresh store gets a new id; a frontend id of another shard or not an id is not taken.
    let plain = writer.store_blocking("p", &submit(2, "p"), t0()).unwrap();
    assert_ne!(plain, reserved);
    let mut foreign = submit(3, "p");
    foreign.frontend_message_id = Some("12345".into());
    let other = writer.store_blocking("p", &foreign, t0()).unwrap();
    assert!(other != reserved && other != plain);
    drop((writer, cache));
    let reopened = MessageCache::open(&settings(dir.path()), 1).unwrap();
    let kept = reopened.message(reserved).unwrap().unwrap();
    assert_eq!(kept.message_body, "message number 1");
    assert_eq!(kept.frontend_message_id, Some(reserved.to_string()));
    // Ids reserved after the reopen never repeat one written before.
    let next = reopened.reserve_id().unwrap();
    assert!(![reserved, plain, other].contains(&next));
}
