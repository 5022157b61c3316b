//! Reassembly: any order, duplicates, TTL expiry, memory bounds, invalid parts, and the
//! property that every part handed in comes back exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use bytes::Bytes;
use engine::proto::reassembly::{
    part_cost, Fragment, Incomplete, Inserted, Reassembler, ReassemblyLimits, RejectReason,
    ReleaseReason,
};

/// Bookkeeping cost of a part beyond its body.
const OVERHEAD: usize = std::mem::size_of::<Fragment<u32>>();
use proptest::prelude::*;

fn part(reference: u16, total: u8, seq: u8, body: &str) -> Fragment<u32> {
    Fragment {
        reference,
        total,
        seq,
        body: Bytes::copy_from_slice(body.as_bytes()),
        meta: u32::from(seq),
    }
}

fn limits(ttl_ms: u64, max_groups: usize, max_bytes: usize) -> ReassemblyLimits {
    ReassemblyLimits {
        ttl_ms,
        max_groups,
        max_bytes,
    }
}

fn complete_body(inserted: Inserted<&'static str, u32>) -> String {
    match inserted {
        Inserted::Complete(done) => String::from_utf8(done.body().to_vec()).unwrap(),
        other => panic!("expected a complete message, got {other:?}"),
    }
}

#[test]
fn parts_in_any_order_complete_in_sequence() {
    let mut r = Reassembler::new(ReassemblyLimits::default());
    let a = r.insert("alice", part(7, 3, 3, "three"), 0).unwrap();
    assert_eq!(a.inserted, Inserted::Pending);
    let b = r.insert("alice", part(7, 3, 1, "one-"), 10).unwrap();
    assert_eq!(b.inserted, Inserted::Pending);
    assert_eq!(r.pending_groups(), 1);
    assert_eq!(r.pending_bytes(), 9 + 2 * OVERHEAD);
    let c = r.insert("alice", part(7, 3, 2, "two-"), 20).unwrap();
    assert_eq!(complete_body(c.inserted), "one-two-three");
    assert_eq!(r.pending_groups(), 0);
    assert_eq!(r.pending_bytes(), 0);
    assert_eq!(r.next_expiry(), None);
}

#[test]
fn groups_are_kept_apart_by_origin_reference_and_total() {
    let mut r = Reassembler::new(ReassemblyLimits::default());
    r.insert("alice", part(7, 2, 1, "a1"), 0).unwrap();
    r.insert("bob", part(7, 2, 1, "b1"), 0).unwrap();
    r.insert("alice", part(8, 2, 1, "x1"), 0).unwrap();
    r.insert("alice", part(7, 3, 1, "y1"), 0).unwrap();
    assert_eq!(r.pending_groups(), 4);
    let done = r.insert("bob", part(7, 2, 2, "b2"), 0).unwrap();
    match done.inserted {
        Inserted::Complete(m) => {
            assert_eq!(m.key.origin, "bob");
            assert_eq!(m.body(), Bytes::from_static(b"b1b2"));
            assert_eq!(m.parts.iter().map(|p| p.meta).collect::<Vec<_>>(), [1, 2]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn duplicates_are_handed_back_and_the_first_copy_kept() {
    let mut r = Reassembler::new(ReassemblyLimits::default());
    r.insert("o", part(1, 2, 1, "first"), 0).unwrap();
    let mut again = part(1, 2, 1, "other");
    again.meta = 99;
    let dup = r.insert("o", again.clone(), 1).unwrap();
    assert_eq!(dup.inserted, Inserted::Duplicate(again));
    assert_eq!(r.pending_bytes(), 5 + OVERHEAD);
    let done = r.insert("o", part(1, 2, 2, "+second"), 2).unwrap();
    assert_eq!(complete_body(done.inserted), "first+second");
}

#[test]
fn single_part_messages_complete_at_once() {
    let mut r = Reassembler::new(ReassemblyLimits::default());
    let done = r.insert("o", part(5, 1, 1, "whole"), 0).unwrap();
    assert_eq!(complete_body(done.inserted), "whole");
    assert_eq!(r.pending_groups(), 0);
}

#[test]
fn invalid_parts_are_rejected_with_a_reason() {
    let mut r = Reassembler::new(limits(1000, 10, 100 + OVERHEAD));
    let cases = [
        (part(1, 0, 1, "x"), RejectReason::TotalZero),
        (part(1, 3, 0, "x"), RejectReason::SeqZero),
        (part(1, 3, 4, "x"), RejectReason::SeqBeyondTotal),
        (part(1, 3, 1, &"x".repeat(101)), RejectReason::TooLarge),
    ];
    for (fragment, reason) in cases {
        let rejected = r.insert("o", fragment.clone(), 0).unwrap_err();
        assert_eq!(rejected.reason, reason);
        assert_eq!(rejected.fragment, fragment, "the part comes back");
    }
    assert_eq!(r.pending_groups(), 0);
}

#[test]
fn groups_expire_after_their_ttl_with_their_parts() {
    let mut r = Reassembler::new(limits(1000, 10, 10_000));
    r.insert("o", part(1, 3, 2, "b"), 100).unwrap();
    r.insert("o", part(1, 3, 1, "a"), 600).unwrap();
    r.insert("o", part(2, 2, 1, "z"), 500).unwrap();
    assert_eq!(r.next_expiry(), Some(1100), "TTL runs from the first part");
    assert!(r.expire(1099).is_empty());
    let expired = r.expire(1100);
    assert_eq!(expired.len(), 1);
    let group = &expired[0];
    assert_eq!(group.reason, ReleaseReason::Expired);
    assert_eq!((group.key.reference, group.key.total), (1, 3));
    assert_eq!(group.first_seen_ms, 100);
    assert_eq!(
        group.parts.iter().map(|p| p.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(r.pending_groups(), 1);
    assert_eq!(r.pending_bytes(), 1 + OVERHEAD);
    let rest = r.expire(u64::MAX);
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].key.reference, 2);
    assert_eq!(r.pending_bytes(), 0);
}

#[test]
fn byte_bound_evicts_the_oldest_group() {
    let mut r = Reassembler::new(limits(60_000, 10, 2 * (4 + OVERHEAD) + 3));
    r.insert("o", part(1, 2, 1, "aaaa"), 0).unwrap();
    r.insert("o", part(2, 2, 1, "bbbb"), 1).unwrap();
    let outcome = r.insert("o", part(3, 2, 1, "cccc"), 2).unwrap();
    assert_eq!(outcome.inserted, Inserted::Pending);
    assert_eq!(outcome.evicted.len(), 1);
    assert_eq!(outcome.evicted[0].key.reference, 1);
    assert_eq!(outcome.evicted[0].reason, ReleaseReason::Evicted);
    assert_eq!(
        outcome.evicted[0].parts[0].body,
        Bytes::from_static(b"aaaa")
    );
    assert_eq!(r.pending_bytes(), 2 * (4 + OVERHEAD));
    assert_eq!(r.pending_groups(), 2);
}

#[test]
fn group_bound_evicts_the_oldest_group() {
    let mut r = Reassembler::new(limits(60_000, 2, 10_000));
    r.insert("o", part(1, 2, 1, "a"), 5).unwrap();
    r.insert("o", part(2, 2, 1, "b"), 6).unwrap();
    // A part for a held group needs no new slot.
    let same = r.insert("o", part(2, 3, 1, "c"), 7).unwrap();
    assert_eq!(same.evicted.len(), 1, "total differs: a new group");
    assert_eq!(same.evicted[0].key.reference, 1);
    let held = r.insert("o", part(2, 2, 2, "d"), 8).unwrap();
    assert!(held.evicted.is_empty());
    assert!(matches!(held.inserted, Inserted::Complete(_)));
}

#[test]
fn eviction_of_the_parts_own_group_starts_it_afresh() {
    let mut r = Reassembler::new(limits(60_000, 10, 6 + OVERHEAD));
    r.insert("o", part(1, 3, 1, "aaaa"), 0).unwrap();
    let outcome = r.insert("o", part(1, 3, 2, "bbbb"), 1).unwrap();
    assert_eq!(outcome.evicted.len(), 1);
    assert_eq!(outcome.evicted[0].parts.len(), 1);
    assert_eq!(outcome.evicted[0].parts[0].seq, 1);
    assert_eq!(outcome.inserted, Inserted::Pending);
    assert_eq!(r.pending_bytes(), 4 + OVERHEAD);
    assert_eq!(r.next_expiry(), Some(60_001));
}

#[test]
fn empty_parts_still_count_against_the_bound() {
    let fragment = part(1, 200, 1, "");
    assert_eq!(part_cost(&fragment), OVERHEAD);
    let mut r = Reassembler::new(limits(60_000, 10, 3 * OVERHEAD));
    for seq in 1..=3 {
        let outcome = r.insert("o", part(1, 200, seq, ""), 0).unwrap();
        assert!(outcome.evicted.is_empty());
    }
    let outcome = r.insert("o", part(1, 200, 4, ""), 0).unwrap();
    assert_eq!(outcome.evicted.len(), 1);
    assert_eq!(outcome.evicted[0].parts.len(), 3);
    assert_eq!(r.pending_bytes(), OVERHEAD);
}

#[test]
fn drain_hands_back_everything() {
    let mut r = Reassembler::new(ReassemblyLimits::default());
    r.insert("o", part(1, 2, 1, "a"), 0).unwrap();
    r.insert("p", part(1, 2, 2, "b"), 1).unwrap();
    let all = r.drain();
    assert_eq!(all.len(), 2);
    assert!(all.iter().all(|g| g.reason == ReleaseReason::Drained));
    assert_eq!(all[0].key.origin, "o");
    assert_eq!(r.pending_groups(), 0);
}

#[derive(Debug, Clone)]
enum Op {
    Insert {
        origin: u8,
        reference: u16,
        total: u8,
        seq: u8,
        len: usize,
    },
    Advance(u64),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let insert = (0u8..3, 0u16..4, 0u8..5, 0u8..6, 0usize..40).prop_map(
        |(origin, reference, total, seq, len)| Op::Insert {
            origin,
            reference,
            total,
            seq,
            len,
        },
    );
    prop::collection::vec(
        prop_oneof![6 => insert, 1 => (0u64..500).prop_map(Op::Advance)],
        0..200,
    )
}

proptest! {
    #[test]
    fn every_part_comes_back_exactly_once(
        ops in ops(),
        ttl in 1u64..1000,
        max_groups in 1usize..6,
        max_bytes in 0usize..(6 * OVERHEAD),
    ) {
        let mut r: Reassembler<u8, u32> = Reassembler::new(limits(ttl, max_groups, max_bytes));
        let mut now = 0u64;
        let mut next_id = 0u32;
        // id -> times seen coming back
        let mut returned: BTreeMap<u32, u32> = BTreeMap::new();
        let mut back = |id: u32| *returned.entry(id).or_default() += 1;
        let released = |groups: Vec<Incomplete<u8, u32>>, back: &mut dyn FnMut(u32)| {
            for g in groups {
                assert!(!g.parts.is_empty());
                assert!(g.parts.windows(2).all(|w| w[0].seq < w[1].seq));
                for p in g.parts { back(p.meta); }
            }
        };
        for op in ops {
            match op {
                Op::Advance(ms) => {
                    now += ms;
                    let expired = r.expire(now);
                    for g in &expired { prop_assert!(g.first_seen_ms + ttl <= now); }
                    released(expired, &mut back);
                }
                Op::Insert { origin, reference, total, seq, len } => {
                    let id = next_id;
                    next_id += 1;
                    let fragment = Fragment { reference, total, seq, body: Bytes::from(vec![b'x'; len]), meta: id };
                    match r.insert(origin, fragment, now) {
                        Err(rejected) => back(rejected.fragment.meta),
                        Ok(outcome) => {
                            released(outcome.evicted, &mut back);
                            match outcome.inserted {
                                Inserted::Pending => {}
                                Inserted::Duplicate(f) => back(f.meta),
                                Inserted::Complete(m) => {
                                    prop_assert_eq!(m.parts.len(), usize::from(m.key.total));
                                    for (i, p) in m.parts.iter().enumerate() {
                                        prop_assert_eq!(usize::from(p.seq), i + 1);
                                    }
                                    for p in m.parts { back(p.meta); }
                                }
                            }
                        }
                    }
                    prop_assert!(r.pending_bytes() <= max_bytes);
                    prop_assert!(r.pending_groups() <= max_groups);
                }
            }
        }
        let rest = r.drain();
        released(rest, &mut back);
        prop_assert_eq!(r.pending_bytes(), 0);
        prop_assert_eq!(returned.len() as u32, next_id);
        prop_assert!(returned.values().all(|&n| n == 1));
    }
}
