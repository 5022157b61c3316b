//! ReceiptMap on real fjall files: id forms, TTL, purge, reopen, batches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use engine::store::{open_database, CoreRef, ReceiptMap, DEFAULT_RECEIPT_TTL};

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_255_201)
}

fn core(id: &str, part: u8, parts: u8) -> CoreRef {
    CoreRef {
        core_id: id.to_owned(),
        part,
        parts,
    }
}

#[test]
fn ids_match_across_hex_decimal_case_and_leading_zeros() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    map.record("7F3A21", &core("184467", 1, 1), t0()).unwrap();
    map.record("Msg-ABC", &core("184468", 2, 3), t0()).unwrap();
    map.record("000123", &core("184469", 1, 1), t0()).unwrap();

    for form in [
        "7F3A21",
        "7f3a21",
        "007F3A21",
        "0x7f3a21",
        "8337953",
        " 8337953\0",
    ] {
        assert_eq!(
            map.lookup(form, t0()).unwrap(),
            Some(core("184467", 1, 1)),
            "{form:?}"
        );
    }
    assert_eq!(
        map.lookup("MSG-abc", t0()).unwrap(),
        Some(core("184468", 2, 3))
    );
    // "000123" is decimal 123 as written, and hex 0x123 as the alternate reading.
    for form in ["123", "7b", "0x123", "291"] {
        assert_eq!(
            map.lookup(form, t0()).unwrap(),
            Some(core("184469", 1, 1)),
            "{form:?}"
        );
    }
    assert_eq!(map.lookup("999", t0()).unwrap(), None);
    assert_eq!(map.lookup("", t0()).unwrap(), None);
    assert_eq!(map.record("  ", &core("x", 1, 1), t0()).unwrap(), 0);
}

#[test]
fn a_match_as_written_beats_a_base_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    // "10" read as hex is 16, which is also what "16" says as written.
    map.record("10", &core("A", 1, 1), t0()).unwrap();
    map.record("16", &core("B", 1, 1), t0()).unwrap();
    assert_eq!(map.lookup("10", t0()).unwrap().unwrap().core_id, "A");
    assert_eq!(map.lookup("16", t0()).unwrap().unwrap().core_id, "B");
    assert_eq!(map.lookup("0x10", t0()).unwrap().unwrap().core_id, "B");
    assert_eq!(map.lookup("a", t0()).unwrap().unwrap().core_id, "A");
}

#[test]
fn entries_expire_on_lookup_and_are_purged() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, Duration::from_secs(3600)).unwrap();
    map.record("111", &core("old", 1, 1), t0()).unwrap();
    map.record("222", &core("gone", 1, 1), t0()).unwrap();
    let minutes = |m: u64| t0() + Duration::from_secs(m * 60);
    assert!(map.lookup("111", minutes(59)).unwrap().is_some());
    assert!(map.lookup("111", minutes(60)).unwrap().is_none());

    // Re-recorded later: the newer mapping must survive the purge of the older one.
    map.record("111", &core("new", 1, 1), minutes(30)).unwrap();
    assert_eq!(
        map.lookup("111", minutes(61)).unwrap(),
        Some(core("new", 1, 1))
    );
    // "222" has a primary and an alternate (hex) entry; "111" keeps its newer ones.
    assert_eq!(map.purge_expired(minutes(61)).unwrap(), 2);
    assert_eq!(map.lookup("222", minutes(0)).unwrap(), None, "purged");
    assert_eq!(
        map.lookup("111", minutes(61)).unwrap(),
        Some(core("new", 1, 1))
    );
    assert_eq!(map.purge_expired(minutes(61)).unwrap(), 0);
    assert_eq!(map.purge_expired(minutes(91)).unwrap(), 2);
    assert_eq!(map.lookup("111", minutes(0)).unwrap(), None);
}

#[test]
fn mappings_survive_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = open_database(dir.path()).unwrap();
        let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
        map.record("abc123", &core("42", 1, 2), t0()).unwrap();
    }
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    assert_eq!(map.lookup("ABC123", t0()).unwrap(), Some(core("42", 1, 2)));
}

#[test]
fn batches_record_every_entry() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    let entries: Vec<(String, CoreRef)> = (0..2000u32)
        .map(|n| {
            (
                format!("{:x}", 0xA000_0000u32 + n),
                core(&n.to_string(), 1, 1),
            )
        })
        .collect();
    let recorded = map
        .record_batch(entries.iter().map(|(id, c)| (id.as_str(), c)), t0())
        .unwrap();
    assert_eq!(recorded, 2000);
    for (n, (id, c)) in entries.iter().enumerate().step_by(97) {
        let decimal = (0xA000_0000u64 + n as u64).to_string();
        assert_eq!(
            map.lookup(&decimal, t0()).unwrap().as_ref(),
            Some(c),
            "{id}"
        );
    }
}

#[test]
fn forgotten_ids_stop_matching_and_spare_other_messages() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    map.record("0A1B", &core("7", 1, 1), t0()).unwrap();
    map.record("12", &core("8", 1, 1), t0()).unwrap();
    // Hex 0x12 is 18: its primary reading is another message's.
    map.record("0x12", &core("9", 1, 1), t0()).unwrap();
    assert_eq!(map.forget("a1b").unwrap(), 1);
    assert_eq!(map.lookup("0A1B", t0()).unwrap(), None);
    // "12" read as written is message 8; forgetting it leaves message 9 (hex 12).
    assert_eq!(map.forget("12").unwrap(), 1);
    assert_eq!(map.lookup("0x12", t0()).unwrap(), Some(core("9", 1, 1)));
    // Unknown and empty ids are skipped.
    assert_eq!(map.forget_batch(["dead", "", "beef"]).unwrap(), 0);
    assert_eq!(map.lookup("0x12", t0()).unwrap(), Some(core("9", 1, 1)));
    // Forgotten across a reopen too.
    drop(map);
    drop(db);
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    assert_eq!(map.lookup("0A1B", t0()).unwrap(), None);
    assert_eq!(map.lookup("12", t0()).unwrap(), Some(core("9", 1, 1)));
}

#[test]
fn recording_and_forgetting_leaves_both_keyspaces_empty() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let map = ReceiptMap::open(&db, DEFAULT_RECEIPT_TTL).unwrap();
    for round in 0..20u64 {
        let ids: Vec<String> = (0..1000u64)
            .map(|i| format!("{}", 7_000_000_000 + round * 1000 + i))
            .collect();
        let c = core(&round.to_string(), 1, 1);
        map.record_batch(ids.iter().map(|id| (id.as_str(), &c)), t0())
            .unwrap();
        assert_eq!(
            map.forget_batch(ids.iter().map(String::as_str)).unwrap(),
            1000
        );
    }
    // The map's own keyspaces, opened by name: nothing left to keep for the TTL.
    for name in ["receipt_ids", "receipt_expiry"] {
        let keyspace = db
            .keyspace(name, fjall::KeyspaceCreateOptions::default)
            .unwrap();
        assert_eq!(keyspace.len().unwrap(), 0, "{name}");
    }
    // A later purge finds nothing either.
    let later = t0() + DEFAULT_RECEIPT_TTL + Duration::from_secs(1);
    assert_eq!(map.purge_expired(later).unwrap(), 0);
}

#[test]
fn stores_can_move_to_blocking_threads() {
    fn shareable<T: Send + Sync + Clone>() {}
    fn movable<T: Send>() {}
    shareable::<ReceiptMap>();
    movable::<engine::store::MoPartStore>();
}
