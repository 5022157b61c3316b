//! The receipt map's memory stays bounded while receipts are written: fjall's memtables
//! (write buffers) are flushed to disk long before they reach the 64 MiB default.
//!
//! Before the store opened its keyspaces with small memtables, the memtables of a shard held
//! every mapping written until 64 MiB per keyspace, which the soak saw as RSS climbing by a few
//! hundred bytes per message. This test records 150,000 messages into a real fjall directory and
//! checks fjall's own count of bytes held in memtables (active + sealed, not yet flushed): with
//! the old settings that count was ~400 bytes a message (98 MiB for 250,000), with 4 MiB
//! memtables it stays under the two active memtables.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, UNIX_EPOCH};

use engine::store::{open_database, CoreRef, ReceiptMap, DEFAULT_RECEIPT_TTL};

/// Messages recorded; each all-digit id is kept under two readings in two keyspaces.
const MESSAGES: u64 = 150_000;
/// Most memtable bytes allowed once the flushes queued during the writes are done: the two
/// receipt keyspaces' active memtables (4 MiB each) and some slack.
const MAX_WRITE_BUFFER: u64 = 12 * 1024 * 1024;

#[test]
fn memtables_stay_small_while_many_receipts_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_795_255_201);
    let core = CoreRef {
        core_id: "1844674407370955161".to_owned(),
        part: 1,
        parts: 1,
    };
    let mut peak = 0;
    for start in (0..MESSAGES).step_by(500) {
        let ids: Vec<String> = (start..start + 500)
            .map(|i| format!("{:016}", 4_000_000_000_000_000 + i))
            .collect();
        map.record_batch(ids.iter().map(|id| (id.as_str(), &core)), now)
            .unwrap();
        peak = peak.max(db.write_buffer_size());
    }
    // Let the flushes queued by the writes finish (they run on fjall's own threads).
    let deadline = Instant::now() + Duration::from_secs(60);
    while db.outstanding_flushes() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let held = db.write_buffer_size();
    let on_disk = db.disk_space().unwrap();
    eprintln!(
        "RESULT receipt map: {MESSAGES} messages, memtables peak {} KiB, after flushes {} KiB, \
         on disk {} KiB",
        peak / 1024,
        held / 1024,
        on_disk / 1024
    );
    assert!(
        held <= MAX_WRITE_BUFFER,
        "{held} bytes still held in memtables after {MESSAGES} messages"
    );
    // Every mapping is still there (read back from the flushed tables).
    let probe = now;
    for i in [0, MESSAGES / 2, MESSAGES - 1] {
        let id = format!("{:016}", 4_000_000_000_000_000 + i);
        assert_eq!(map.lookup(&id, probe).unwrap(), Some(core.clone()), "{id}");
    }
}
