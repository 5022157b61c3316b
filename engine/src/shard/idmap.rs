//! Carrier message id -> core message id, for matching receipts to the messages they report.
//!
//! In memory on the client bind's home shard, bounded in size and age. This stands in for the
//! fjall-backed map of `engine::store` (same keys, same lookups) until that lands; losing it
//! on a restart only sends the late receipts to `POST /api/delivery_receipts`.

use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::proto::message_id::{self, MessageIdKey};

/// What a carrier id maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MappedPart {
    /// The core's message id, shared by the keys of all readings (a clone is a count, not a
    /// copy of the string).
    pub(crate) core_id: Rc<str>,
    /// This part's number (1-based).
    pub(crate) part: u8,
    /// How many parts the message was sent in.
    pub(crate) parts: u8,
}

/// The bounded map.
#[derive(Debug)]
pub(crate) struct IdMap {
    entries: HashMap<MessageIdKey, MappedPart>,
    order: VecDeque<(Instant, MessageIdKey)>,
    ttl: Duration,
    capacity: usize,
}

impl IdMap {
    /// Default age limit of a mapping: receipts later than this go unmatched.
    pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(72 * 3600);
    /// Default most mappings held per bind.
    pub(crate) const DEFAULT_CAPACITY: usize = 2_000_000;

    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            ttl,
            capacity: capacity.max(1),
        }
    }

    /// Records the carrier's id for one part (both readings of an all-digit id).
    pub(crate) fn insert(&mut self, carrier_id: &str, mapped: MappedPart, now: Instant) {
        let Some(keys) = message_id::keys(carrier_id) else {
            return;
        };
        for key in keys.iter() {
            if self.entries.insert(key.clone(), mapped.clone()).is_none() {
                self.order.push_back((now, key.clone()));
            }
        }
        self.expire(now);
    }

    /// The part a receipt's id refers to.
    pub(crate) fn get(&mut self, receipt_id: &str, now: Instant) -> Option<MappedPart> {
        self.expire(now);
        message_id::find(receipt_id, |_, key| self.entries.get(key).cloned())
    }

    /// Mappings held.
    /// Forgets a message whose final receipt the core has taken: it will get no other receipt
    /// worth matching, and keeping it would hold memory for the whole TTL.
    pub(crate) fn remove(&mut self, receipt_id: &str) {
        let Some(keys) = message_id::keys(receipt_id) else {
            return;
        };
        let Some(target) = message_id::find(receipt_id, |_, key| self.entries.get(key).cloned())
        else {
            return;
        };
        // Only the readings that point at this very message: the other reading of an all-digit
        // id may be another message's.
        for key in keys.iter() {
            if self.entries.get(key) == Some(&target) {
                self.entries.remove(key);
            }
        }
        // The expiry queue still names the removed keys; drop them once they are most of it,
        // so a steady flow of matched receipts keeps the queue as small as the map.
        if self.order.len() > 1024 && self.order.len() > 2 * self.entries.len() {
            let entries = &self.entries;
            self.order.retain(|(_, key)| entries.contains_key(key));
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        self.order.len()
    }

    fn expire(&mut self, now: Instant) {
        while let Some((at, _)) = self.order.front() {
            let too_old = now.saturating_duration_since(*at) > self.ttl;
            if !too_old && self.order.len() <= self.capacity {
                break;
            }
            if let Some((_, key)) = self.order.pop_front() {
                self.entries.remove(&key);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn part(id: &str) -> MappedPart {
        MappedPart {
            core_id: Rc::from(id),
            part: 1,
            parts: 1,
        }
    }

    #[test]
    fn removed_ids_stop_matching_and_memory_stays_flat() {
        let mut map = IdMap::new(IdMap::DEFAULT_TTL, 1_000_000);
        let now = Instant::now();
        map.insert("0A1B", part("7"), now);
        map.insert("12", part("8"), now);
        map.insert("0x12", part("9"), now);
        map.remove("a1b");
        assert!(map.get("0A1B", now).is_none());
        // Removing "12" leaves the message whose hex id reads 18 in decimal.
        map.remove("12");
        assert_eq!(map.get("0x12", now).unwrap().core_id.as_ref(), "9");
        for i in 0..100_000u32 {
            let id = format!("{i:x}");
            map.insert(&id, part("x"), now);
            map.remove(&id);
        }
        assert_eq!(map.len(), 0);
        assert!(
            map.queued() <= 4096,
            "queue kept {} stale keys",
            map.queued()
        );
        // A key inserted again after removal keeps matching.
        map.insert("beef", part("9"), now);
        map.remove("dead");
        assert_eq!(map.get("beef", now).unwrap().core_id.as_ref(), "9");
    }

    #[test]
    fn receipt_ids_match_in_other_notations() {
        let mut map = IdMap::new(IdMap::DEFAULT_TTL, 100);
        let now = Instant::now();
        map.insert("0A1B", part("7"), now);
        assert_eq!(map.get("a1b", now).unwrap().core_id.as_ref(), "7");
        // A carrier that answers in hex and receipts in decimal (0x12 = 18).
        map.insert("12", part("8"), now);
        assert_eq!(map.get("18", now).unwrap().core_id.as_ref(), "8");
        assert!(map.get("nope", now).is_none());
    }

    #[test]
    fn old_and_excess_entries_go() {
        let mut map = IdMap::new(Duration::from_secs(10), 2);
        let t0 = Instant::now();
        map.insert("abc1", part("1"), t0);
        map.insert("abc2", part("2"), t0);
        map.insert("abc3", part("3"), t0);
        assert!(map.get("abc1", t0).is_none(), "capacity evicts the oldest");
        assert!(map.get("abc3", t0).is_some());
        assert!(map.get("abc3", t0 + Duration::from_secs(11)).is_none());
        assert_eq!(map.len(), 0);
    }
}
