//! Receipt mappings held in memory for a short while before the store thread writes them.
//!
//! Most carriers send the final receipt of a message within a second or two of its
//! `submit_sm_resp`, and a mapping is forgotten as soon as the core took that receipt. Writing
//! such a mapping to fjall only to delete it moments later costs two journal writes, a
//! memtable flush and a compaction per message for nothing. The store thread therefore holds a
//! new mapping for [`HOLD`]: a final receipt within that time removes it here and fjall never
//! sees it; a mapping still held when its time is up (or when more than [`MAX_HELD`] wait) is
//! written as before. A graceful stop writes everything held.
//!
//! This widens what a crash can lose by at most [`HOLD`] of mappings. The map was never fsynced
//! (fjall's buffered journal, and the store thread's queue), and a lost mapping costs no message:
//! its receipt reaches the core unmatched through `POST /api/delivery_receipts`.
//!
//! Ids match like the durable map (`proto::message_id`): a receipt that writes the carrier id in
//! another base, case or with leading zeros finds and forgets the held mapping. Pure: times are
//! passed in.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use crate::proto::message_id::{self, Index, MessageIdKey};
use crate::store::CoreRef;

/// How long a new mapping waits in memory for its final receipt.
pub(crate) const HOLD: Duration = Duration::from_secs(1);
/// Most mappings held at once; beyond it the oldest are written early.
pub(crate) const MAX_HELD: usize = 100_000;

/// One reading of a held mapping; `record` tells which record made it.
#[derive(Debug)]
struct Held {
    core: CoreRef,
    record: u64,
}

/// Mappings not yet written (see the module doc).
#[derive(Debug)]
pub(crate) struct HeldMappings {
    hold: Duration,
    max: usize,
    readings: HashMap<(Index, MessageIdKey), Held>,
    /// Records in arrival order: when each is due, its carrier id, its record number.
    order: VecDeque<(Instant, String, u64)>,
    /// Records a final receipt matched: never written, whichever readings they still own.
    forgotten: HashSet<u64>,
    next_record: u64,
}

impl Default for HeldMappings {
    fn default() -> Self {
        Self::new(HOLD, MAX_HELD)
    }
}

impl HeldMappings {
    pub(crate) fn new(hold: Duration, max: usize) -> Self {
        Self {
            hold,
            max: max.max(1),
            readings: HashMap::new(),
            order: VecDeque::new(),
            forgotten: HashSet::new(),
            next_record: 0,
        }
    }

    /// Holds `carrier_id -> core`, replacing what an earlier record of the same id held.
    /// An empty id is not held (the durable map skips it too).
    pub(crate) fn record(&mut self, carrier_id: String, core: CoreRef, now: Instant) {
        let Some(keys) = message_id::keys(&carrier_id) else {
            return;
        };
        let record = self.next_record;
        self.next_record += 1;
        for reading in keys.into_indexed() {
            let held = Held {
                core: core.clone(),
                record,
            };
            self.readings.insert(reading, held);
        }
        self.order.push_back((now + self.hold, carrier_id, record));
    }

    /// The held message a receipt's id belongs to.
    pub(crate) fn lookup(&self, receipt_id: &str) -> Option<CoreRef> {
        message_id::find(receipt_id, |index, key| {
            self.readings
                .get(&(index, key.clone()))
                .map(|held| held.core.clone())
        })
    }

    /// Forgets the held mapping `receipt_id` matches: it will not be written, and the
    /// receipt's readings that point at its message stop matching (the other reading of an
    /// all-digit id may belong to another message and stays). `false` when nothing held
    /// matches, so the durable map has to forget it.
    pub(crate) fn forget(&mut self, receipt_id: &str) -> bool {
        let found = message_id::find(receipt_id, |index, key| {
            self.readings
                .get(&(index, key.clone()))
                .map(|held| (held.core.clone(), held.record))
        });
        let Some((target, record)) = found else {
            return false;
        };
        self.forgotten.insert(record);
        let Some(keys) = message_id::keys(receipt_id) else {
            return false;
        };
        for reading in keys.into_indexed() {
            if self
                .readings
                .get(&reading)
                .is_some_and(|held| held.core == target)
            {
                self.readings.remove(&reading);
            }
        }
        true
    }

    /// Takes the mappings due at `now` (and the oldest beyond [`MAX_HELD`]) for writing.
    pub(crate) fn take_due(&mut self, now: Instant) -> Vec<(String, CoreRef)> {
        let mut due = Vec::new();
        while let Some((at, _, _)) = self.order.front() {
            if *at > now && self.order.len() <= self.max {
                break;
            }
            if let Some((_, carrier_id, record)) = self.order.pop_front() {
                self.release(carrier_id, record, &mut due);
            }
        }
        self.shrink_when_idle();
        due
    }

    /// Takes every held mapping (a graceful stop, or a lookup the held ones must not miss).
    pub(crate) fn take_all(&mut self) -> Vec<(String, CoreRef)> {
        let mut all = Vec::new();
        while let Some((_, carrier_id, record)) = self.order.pop_front() {
            self.release(carrier_id, record, &mut all);
        }
        self.shrink_when_idle();
        all
    }

    /// When the next held mapping is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.order.front().map(|(at, _, _)| *at)
    }

    /// Records waiting (forgotten ones included until their time is up).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }

    /// Moves the readings record `record` still owns out of the map; the mapping is written
    /// when it was not forgotten and some reading was still its own (not replaced by a later
    /// record).
    fn release(&mut self, carrier_id: String, record: u64, out: &mut Vec<(String, CoreRef)>) {
        let forgotten = self.forgotten.remove(&record);
        let Some(keys) = message_id::keys(&carrier_id) else {
            return;
        };
        let mut core = None;
        for reading in keys.into_indexed() {
            if self
                .readings
                .get(&reading)
                .is_some_and(|held| held.record == record)
            {
                core = self.readings.remove(&reading).map(|held| held.core);
            }
        }
        if let (Some(core), false) = (core, forgotten) {
            out.push((carrier_id, core));
        }
    }

    /// A burst's tables are not kept for ever once it has passed.
    fn shrink_when_idle(&mut self) {
        if self.order.is_empty() && self.order.capacity() > 1024 {
            self.order = VecDeque::new();
            self.readings = HashMap::new();
            self.forgotten = HashSet::new();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn core(id: &str) -> CoreRef {
        CoreRef {
            core_id: id.to_owned(),
            part: 1,
            parts: 1,
        }
    }

    fn held() -> (HeldMappings, Instant) {
        (
            HeldMappings::new(Duration::from_secs(1), 100),
            Instant::now(),
        )
    }

    #[test]
    fn a_mapping_forgotten_while_held_is_never_written() {
        let (mut held, t0) = held();
        held.record("ABC1".into(), core("m1"), t0);
        held.record("ABC2".into(), core("m2"), t0);
        assert_eq!(held.lookup("abc1"), Some(core("m1")));
        assert!(held.forget("ABC1"));
        assert_eq!(held.lookup("ABC1"), None);
        assert!(
            held.take_due(t0).is_empty(),
            "nothing is due before the hold"
        );
        let due = held.take_due(t0 + Duration::from_secs(1));
        assert_eq!(due, vec![("ABC2".to_owned(), core("m2"))]);
        assert_eq!(held.len(), 0);
        assert_eq!(held.next_due(), None);
    }

    #[test]
    fn an_unknown_id_is_left_to_the_durable_map() {
        let (mut held, t0) = held();
        held.record("17".into(), core("m1"), t0);
        assert!(!held.forget("18"));
        assert!(!held.forget(""));
        assert_eq!(held.take_all(), vec![("17".to_owned(), core("m1"))]);
    }

    #[test]
    fn a_receipt_writing_the_id_in_another_base_matches() {
        let (mut held, t0) = held();
        // "00255" reads as decimal 255 and as hex 0x255; a receipt writing 0xFF is the same id.
        held.record("00255".into(), core("m1"), t0);
        assert_eq!(held.lookup("0xff"), Some(core("m1")));
        assert!(held.forget("FF"));
        assert!(held.take_all().is_empty());
    }

    #[test]
    fn forgetting_keeps_another_messages_reading() {
        let (mut held, t0) = held();
        // "10" reads as 10 (primary) and 0x10 = 16 (alternate); "A" reads as 10 too, which
        // replaces the primary reading of "10" with message m2.
        held.record("10".into(), core("m1"), t0);
        held.record("A".into(), core("m2"), t0);
        assert_eq!(held.lookup("10"), Some(core("m2")));
        assert!(held.forget("A"));
        // m1 still owns its alternate reading, so it is written when due.
        assert_eq!(held.lookup("10"), Some(core("m1")));
        let due = held.take_due(t0 + Duration::from_secs(2));
        assert_eq!(due, vec![("10".to_owned(), core("m1"))]);
    }

    #[test]
    fn a_later_record_of_the_same_id_wins_and_is_written_once() {
        let (mut held, t0) = held();
        held.record("X1".into(), core("m1"), t0);
        held.record("X1".into(), core("m2"), t0 + Duration::from_millis(500));
        assert_eq!(held.lookup("x1"), Some(core("m2")));
        // The first record is due first but no longer owns the reading: nothing written yet.
        assert!(held.take_due(t0 + Duration::from_millis(1200)).is_empty());
        let due = held.take_due(t0 + Duration::from_millis(1500));
        assert_eq!(due, vec![("X1".to_owned(), core("m2"))]);
    }

    #[test]
    fn beyond_the_limit_the_oldest_are_written_early() {
        let mut held = HeldMappings::new(Duration::from_secs(60), 3);
        let t0 = Instant::now();
        for n in 0..5 {
            held.record(format!("id{n}"), core(&format!("m{n}")), t0);
        }
        let due = held.take_due(t0);
        let ids: Vec<_> = due.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["id0", "id1"]);
        assert_eq!(held.len(), 3);
        assert_eq!(held.next_due(), Some(t0 + Duration::from_secs(60)));
        assert_eq!(held.take_all().len(), 3);
    }
}
