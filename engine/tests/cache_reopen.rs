//! The cache recovers from fjall's poisoned state without a restart, on real files: the
//! cache directory on a small tmpfs (mounted by the test, which runs as root as on CI; it
//! fails where the mount is refused), another "process" (the test) fills it until fjall's
//! journal write fails, then frees it. `maintain` notices the poisoned database, reopens it
//! once there is room, and afterwards every acknowledged record not delivered is still owed
//! exactly once: one delivered while the database was refused is not sent again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache_support;
mod tinyfs;

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime};

use cache_support::{capture_logs, logged, open, settings, submit, t0};
use engine::cache::MessageCache;
use tinyfs::{fill, TinyFs};

/// The ids `due` hands out at `at` (marking them delivering, as a flush does).
fn due_ids(cache: &MessageCache, at: SystemTime, limit: usize) -> Vec<i64> {
    cache.due(at, limit).unwrap().iter().map(|d| d.id).collect()
}

fn far_future() -> SystemTime {
    t0() + Duration::from_secs(365 * 24 * 3600)
}

#[test]
fn a_poisoned_cache_reopens_once_the_disk_has_room_and_owes_each_record_once() {
    capture_logs();
    let fs = TinyFs::mount("24m", "engine");
    let dir = fs.path.join("cache");
    let (cache, writer, thread) = open(&dir, 3);
    let shard_dir = dir.join("shard-3").display().to_string();

    let mut acked = BTreeSet::new();
    for n in 0..200 {
        acked.insert(
            writer
                .store_blocking("partner_x", &submit(n, "partner_x"), t0())
                .unwrap(),
        );
    }
    // 20 go out to the core now; their answer comes only once the disk is full.
    let in_flight = due_ids(&cache, t0(), 20);
    assert_eq!(in_flight.len(), 20);

    // Another process fills the filesystem; the flush keeps working (state changes) until
    // fjall's journal write fails.
    let filler = fs.path.join("other-process.data");
    fill(&filler);
    let mut failed_at = None;
    'writes: for round in 0..1_000 {
        let now = t0() + Duration::from_secs(round);
        for id in acked.iter().filter(|id| !in_flight.contains(id)) {
            // An operator's "retry now": one state write each.
            if let Err(e) = cache.retry(*id, now) {
                failed_at = Some(e.to_string());
                break 'writes;
            }
        }
    }
    let failure = failed_at.expect("fjall never failed a write on the full filesystem");
    eprintln!("RESULT first failure: {failure}");

    // The core answers the 20: delivered, but the deletion cannot be written.
    let answers: Vec<(i64, &str)> = in_flight.iter().map(|id| (*id, "core-1")).collect();
    assert!(cache.delivered_many(&answers).is_err());
    // New stores get an error (a temporary error to the partner), never an id.
    assert!(writer
        .store_blocking("partner_x", &submit(900, "partner_x"), t0())
        .is_err());

    // Noticed and logged, but no reopen while the disk is full.
    let start = Instant::now();
    assert!(!cache.maintain(start));
    assert!(!cache.is_healthy());
    let poisoned = logged("is poisoned");
    assert!(
        poisoned.iter().any(|l| l.contains(&shard_dir)),
        "no line about the poisoned database naming {shard_dir}: {poisoned:?}"
    );
    eprintln!("RESULT log: {}", poisoned[0]);
    assert!(!cache.maintain(start + Duration::from_secs(10)));
    // The other process deletes its file. Until the reopen a store still fails (the
    // database refuses it), even though there is room now.
    std::fs::remove_file(&filler).unwrap();
    let refused = writer.store_blocking("partner_x", &submit(901, "partner_x"), t0());
    assert!(refused.is_err(), "{refused:?}");
    eprintln!("RESULT store between free space and reopen: {refused:?}");
    assert!(cache.maintain(start + Duration::from_secs(60)));
    assert!(cache.is_healthy());
    assert!(!logged("reopened the cache database").is_empty());

    // Owed: every acked record except the 20 delivered, each once.
    let owed: BTreeSet<i64> = acked
        .iter()
        .copied()
        .filter(|id| !in_flight.contains(id))
        .collect();
    let due = due_ids(&cache, far_future() + Duration::from_secs(1_000_000), 1_000);
    let due_set: BTreeSet<i64> = due.iter().copied().collect();
    assert_eq!(due.len(), due_set.len(), "a record came twice");
    assert_eq!(due_set, owed);

    // Storing and settling work again, and what is on disk agrees after a real restart.
    let late = writer
        .store_blocking("partner_x", &submit(902, "partner_x"), t0())
        .unwrap();
    let settled: Vec<(i64, &str)> = due.iter().take(30).map(|id| (*id, "core-2")).collect();
    assert_eq!(cache.delivered_many(&settled).unwrap(), 30);
    drop(writer);
    thread.join();
    drop(cache);
    let reopened = MessageCache::open(&settings(&dir), 3).unwrap();
    let mut left: BTreeSet<i64> = due.iter().skip(30).copied().collect();
    left.insert(late);
    let on_disk: BTreeSet<i64> = due_ids(
        &reopened,
        far_future() + Duration::from_secs(2_000_000),
        1_000,
    )
    .into_iter()
    .collect();
    assert_eq!(on_disk, left);
    drop(reopened);
    drop(fs);
}

/// Stores from several threads and a flush (delivering, failing, reopening as the shard's
/// flush thread does) race the failure and the reopen; every acknowledged record ends up
/// delivered once or still owed once, never both, and nothing unacknowledged is delivered.
#[test]
fn stores_and_flushes_racing_the_failure_and_the_reopen_lose_and_repeat_nothing() {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    let fs = TinyFs::mount("24m", "race");
    let dir = fs.path.join("cache");
    let mut cache_settings = settings(&dir);
    cache_settings.max_retry_attempts = u32::MAX;
    cache_settings.backoff_multiplier = 1;
    let cache = MessageCache::open(&cache_settings, 1).unwrap();
    let (writer, thread) =
        engine::cache::CacheWriter::start(&cache, engine::cache::WriterOptions::default()).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    let storers: Vec<_> = (0..3)
        .map(|t| {
            let (writer, stop, acked, refused) =
                (writer.clone(), stop.clone(), acked.clone(), refused.clone());
            std::thread::spawn(move || {
                let mut n = t * 1_000_000;
                while !stop.load(Ordering::SeqCst) {
                    let bind = "partner_race";
                    match writer.store_blocking(bind, &submit(n, bind), t0()) {
                        Ok(id) => acked.lock().unwrap().push(id),
                        Err(_) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            std::thread::sleep(Duration::from_millis(1));
                        }
                    }
                    n += 1;
                }
            })
        })
        .collect();
    // The flush thread: maintenance, then a round that delivers half of what is due and
    // fails the other half (temporary), so the records' states keep being rewritten.
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let flusher = {
        let (cache, stop, delivered) = (cache.clone(), stop.clone(), delivered.clone());
        std::thread::spawn(move || {
            let mut round = 0u64;
            while !stop.load(Ordering::SeqCst) {
                round += 1;
                std::thread::sleep(Duration::from_millis(5));
                if !cache.maintain(Instant::now()) {
                    continue;
                }
                let now = t0() + Duration::from_secs(61 * round);
                let Ok(due) = cache.due(now, 40) else {
                    continue;
                };
                let (taken, failing) = due.split_at(due.len() / 2);
                let answers: Vec<(i64, &str)> = taken.iter().map(|d| (d.id, "core")).collect();
                // Taken by the core whether or not the deletion can be written.
                delivered.lock().unwrap().extend(taken.iter().map(|d| d.id));
                let _ = cache.delivered_many(&answers);
                for d in failing {
                    let _ = cache.failed(d.id, "core busy", true, now);
                }
            }
        })
    };

    std::thread::sleep(Duration::from_millis(300));
    let filler = fs.path.join("other-process.data");
    fill(&filler);
    let poisoned = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        !cache.is_healthy()
    });
    assert!(poisoned, "fjall never refused the database");
    let acked_before = acked.lock().unwrap().len();
    std::thread::sleep(Duration::from_millis(300));
    std::fs::remove_file(&filler).unwrap();
    let healthy = (0..400).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        cache.is_healthy()
    });
    assert!(healthy, "never reopened");
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::SeqCst);
    for storer in storers {
        storer.join().unwrap();
    }
    flusher.join().unwrap();
    let acked: Vec<i64> = acked.lock().unwrap().clone();
    assert!(
        acked.len() > acked_before,
        "no store acknowledged after the reopen"
    );

    let owed = due_ids(
        &cache,
        far_future() + Duration::from_secs(1 << 40),
        10_000_000,
    );
    let delivered: Vec<i64> = delivered.lock().unwrap().clone();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for id in owed.iter().chain(&delivered) {
        *seen.entry(*id).or_default() += 1;
    }
    let acked_set: BTreeSet<i64> = acked.iter().copied().collect();
    let twice = seen.values().filter(|n| **n > 1).count();
    let lost = acked_set.iter().filter(|id| !seen.contains_key(id)).count();
    let unacked = seen.keys().filter(|id| !acked_set.contains(id)).count();
    eprintln!(
        "RESULT race: acked {} ({acked_before} before the failure), refused {}, delivered {}, \
         owed {}, twice {twice}, lost {lost}, unacknowledged {unacked}",
        acked.len(),
        refused.load(Ordering::Relaxed),
        delivered.len(),
        owed.len()
    );
    assert_eq!((twice, lost, unacked), (0, 0, 0));
    drop(writer);
    thread.join();
    drop(cache);
    drop(fs);
}
