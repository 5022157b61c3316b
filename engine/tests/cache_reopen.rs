//! The cache recovers from fjall's poisoned state without a restart, on real files: the
//! cache directory on a small tmpfs (mounted by the test, which runs as root as on CI; it
//! fails where the mount is refused), another "process" (the test) fills it until fjall's
//! journal write fails, then frees it. `maintain` notices the poisoned database, reopens it
//! once there is room, and afterwards every acknowledged record not delivered is still owed
//! exactly once: one delivered while the database was refused is not sent again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cache_support;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

use cache_support::{capture_logs, logged, open, settings, submit, t0};
use engine::cache::MessageCache;

/// A tmpfs mounted for the test; unmounted (and its mount point removed) on drop.
struct TinyFs {
    path: PathBuf,
}

impl TinyFs {
    fn mount(size: &str, name: &str) -> TinyFs {
        let path =
            std::env::temp_dir().join(format!("omsmpp-reopen-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&path)
            .output()
            .expect("cannot run mount(8) (this test needs it, as on CI)");
        let fs = TinyFs { path };
        assert!(
            out.status.success(),
            "cannot mount a tmpfs at {} (this test needs root, as on CI): {}",
            fs.path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        fs
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// Writes `path` until the filesystem has not a byte left.
fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).unwrap();
    let mut chunk = 1 << 20;
    let zeros = vec![0u8; chunk];
    while chunk > 0 {
        match file.write(&zeros[..chunk]) {
            Ok(0) => chunk /= 2,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => chunk /= 2,
            Err(e) => panic!("filling {}: {e}", path.display()),
        }
    }
    file.sync_all().ok();
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
    let in_flight: Vec<i64> = cache.due(t0(), 20).unwrap().iter().map(|d| d.id).collect();
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
    let due: Vec<i64> = cache
        .due(far_future() + Duration::from_secs(1_000_000), 1_000)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
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
    let on_disk: BTreeSet<i64> = reopened
        .due(far_future() + Duration::from_secs(2_000_000), 1_000)
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(on_disk, left);
    drop(reopened);
    drop(fs);
}
