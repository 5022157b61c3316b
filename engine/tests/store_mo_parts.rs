//! MoPartStore on real fjall files: out-of-order parts with duplicates, TTL expiry, rejects,
//! recovery after reopening.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use engine::proto::reassembly::{ReassemblyLimits, RejectReason};
use engine::proto::{Address, DeliverSm, ShortMessage};
use engine::store::{open_database, MoGroup, MoPart, MoPartStore, PutOutcome};
use engine::translate::{assemble_mo, BindContext};

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_255_201)
}

fn limits(ttl_ms: u64) -> ReassemblyLimits {
    ReassemblyLimits {
        ttl_ms,
        ..ReassemblyLimits::default()
    }
}

/// A GSM-7 MO part with an 8-bit concatenation UDH.
fn pdu(from: &str, reference: u8, total: u8, seq: u8, text: &str) -> DeliverSm {
    let mut sm = vec![0x05, 0x00, 0x03, reference, total, seq];
    sm.extend_from_slice(text.as_bytes());
    DeliverSm {
        source_addr: Address::new(from).unwrap(),
        destination_addr: Address::new("1234").unwrap(),
        esm_class: 0x40,
        short_message: ShortMessage::new(Bytes::from(sm)).unwrap(),
        ..DeliverSm::default()
    }
}

fn part(from: &str, reference: u8, total: u8, seq: u8, text: &str) -> MoPart {
    MoPart::from_deliver_sm("vodafone_uk", pdu(from, reference, total, seq, text)).unwrap()
}

fn complete(outcome: &PutOutcome) -> &MoGroup {
    match outcome {
        PutOutcome::Complete(group) => group,
        other => panic!("not complete: {other:?}"),
    }
}

fn text_of(group: &MoGroup) -> String {
    let ctx = BindContext {
        bind_name: "vodafone_uk",
        smsc_name: "smpp_prod_01",
        now: t0(),
    };
    assemble_mo(&group.pdus(), &ctx).unwrap().message_body
}

#[test]
fn out_of_order_parts_with_duplicates_complete_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let mut store = MoPartStore::open(&db, limits(60_000)).unwrap();
    assert_eq!(store.recover().unwrap().complete, []);

    let first = store
        .put_batch(
            &[
                part("447700900123", 9, 3, 3, "three"),
                part("447700900123", 9, 3, 2, "two "),
                part("447700900123", 9, 3, 2, "two "),
                part("447700900999", 9, 3, 1, "other sender "),
            ],
            t0(),
        )
        .unwrap();
    assert_eq!(
        first.outcomes,
        [
            PutOutcome::Held,
            PutOutcome::Held,
            PutOutcome::Duplicate,
            PutOutcome::Held
        ]
    );
    // A retransmission in a later batch is a duplicate too.
    let again = store
        .put_batch(&[part("447700900123", 9, 3, 3, "three")], t0())
        .unwrap();
    assert_eq!(again.outcomes, [PutOutcome::Duplicate]);

    let last = store
        .put_batch(&[part("447700900123", 9, 3, 1, "one ")], t0())
        .unwrap();
    let group = complete(&last.outcomes[0]);
    assert!(group.is_complete());
    assert_eq!(group.key.origin, "447700900123>1234");
    assert_eq!(
        group.parts.iter().map(|p| p.seq).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(text_of(group), "one two three");

    // Until removed, the parts stay on disk: a late copy is still a duplicate.
    let late = store
        .put_batch(&[part("447700900123", 9, 3, 2, "two ")], t0())
        .unwrap();
    assert_eq!(late.outcomes, [PutOutcome::Duplicate]);
    store
        .remove_groups(std::slice::from_ref(&group.key))
        .unwrap();
    drop(store);

    // After a restart only the other sender's part is held.
    let mut store = MoPartStore::open(&db, limits(60_000)).unwrap();
    let recovery = store.recover().unwrap();
    assert_eq!(recovery.complete, []);
    assert_eq!(recovery.pending.len(), 1);
    assert_eq!(recovery.pending[0].origin, "447700900999>1234");
}

#[test]
fn held_parts_survive_reopening_and_complete_afterwards() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = open_database(dir.path()).unwrap();
        let mut store = MoPartStore::open(&db, limits(60_000)).unwrap();
        store.recover().unwrap();
        let put = store
            .put_batch(
                &[
                    part("447700900123", 1, 3, 1, "a"),
                    part("447700900123", 1, 3, 3, "c"),
                    part("447700900555", 2, 2, 1, "x"),
                    part("447700900555", 2, 2, 2, "y"),
                ],
                t0(),
            )
            .unwrap();
        // The second sender's message completed but was never removed (crash before insert).
        assert_eq!(text_of(complete(&put.outcomes[3])), "xy");
    }
    let db = open_database(dir.path()).unwrap();
    let mut store = MoPartStore::open(&db, limits(60_000)).unwrap();
    let recovery = store.recover().unwrap();
    assert_eq!(recovery.unreadable, 0);
    assert_eq!(recovery.complete.len(), 1);
    assert_eq!(text_of(&recovery.complete[0]), "xy");
    assert_eq!(recovery.complete[0].parts[0].received, t0());
    assert_eq!(recovery.pending.len(), 1);
    assert_eq!(recovery.pending[0].reference, 1);

    let later = t0() + Duration::from_secs(5);
    let put = store
        .put_batch(&[part("447700900123", 1, 3, 2, "b")], later)
        .unwrap();
    let group = complete(&put.outcomes[0]);
    assert_eq!(text_of(group), "abc");
    assert_eq!(group.parts[1].received, later);
}

#[test]
fn groups_expire_after_their_ttl_from_the_first_part() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let mut store = MoPartStore::open(&db, limits(10_000)).unwrap();
    store.configure_bind("slow_bind", limits(60_000));
    store.recover().unwrap();
    let slow = MoPart::from_deliver_sm("slow_bind", pdu("447700900777", 5, 2, 1, "s")).unwrap();
    store
        .put_batch(&[part("447700900123", 4, 2, 1, "half"), slow], t0())
        .unwrap();
    let ms = |ms: u64| t0() + Duration::from_millis(ms);
    assert_eq!(store.expired(ms(9_999)), []);
    let expired = store.expired(ms(10_000));
    assert_eq!(expired.len(), 1);
    assert!(!expired[0].is_complete());
    assert_eq!(expired[0].key.bind, "vodafone_uk");
    assert_eq!(expired[0].parts.len(), 1);
    assert_eq!(
        expired[0].parts[0].pdu,
        pdu("447700900123", 4, 2, 1, "half")
    );
    assert_eq!(store.expired(ms(59_999)), []);
    let slow_expired = store.expired(ms(60_000));
    assert_eq!(slow_expired.len(), 1);
    assert_eq!(slow_expired[0].key.bind, "slow_bind");

    // Expired groups stay on disk until the caller removed them.
    store
        .remove_groups(std::slice::from_ref(&expired[0].key))
        .unwrap();
    drop(store);
    let mut store = MoPartStore::open(&db, limits(10_000)).unwrap();
    let recovery = store.recover().unwrap();
    assert_eq!(recovery.pending.len(), 1);
    assert_eq!(recovery.pending[0].bind, "slow_bind");
}

#[test]
fn bad_numbering_is_rejected_and_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_database(dir.path()).unwrap();
    let mut store = MoPartStore::open(&db, limits(10_000)).unwrap();
    store.recover().unwrap();
    let put = store
        .put_batch(
            &[
                part("447700900123", 1, 2, 0, "zero"),
                part("447700900123", 1, 2, 3, "beyond"),
                part("447700900123", 1, 0, 1, "none"),
            ],
            t0(),
        )
        .unwrap();
    assert_eq!(
        put.outcomes,
        [
            PutOutcome::Rejected(RejectReason::SeqZero),
            PutOutcome::Rejected(RejectReason::SeqBeyondTotal),
            PutOutcome::Rejected(RejectReason::TotalZero),
        ]
    );
    drop(store);
    let mut store = MoPartStore::open(&db, limits(10_000)).unwrap();
    let recovery = store.recover().unwrap();
    assert_eq!(
        (recovery.complete.len(), recovery.pending.len()),
        (0, 0),
        "nothing rejected was kept"
    );
    assert!(store.expired(t0() + Duration::from_secs(3600)).is_empty());
}

#[test]
fn only_concatenated_parts_are_store_parts() {
    let plain = DeliverSm {
        short_message: ShortMessage::new(Bytes::from_static(b"hello")).unwrap(),
        ..DeliverSm::default()
    };
    assert_eq!(MoPart::from_deliver_sm("b", plain), None);
    let broken = DeliverSm {
        esm_class: 0x40,
        short_message: ShortMessage::new(Bytes::from_static(&[0x05, 0x00])).unwrap(),
        ..DeliverSm::default()
    };
    assert_eq!(MoPart::from_deliver_sm("b", broken), None);
}
