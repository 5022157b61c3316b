//! Pairs receipts with the submits they report on, by normalised message id
//! ([`engine::proto::message_id`]), across all sessions: a receipt may arrive on any session,
//! and even before the submit_sm_resp that announced its id has been processed.

use engine::proto::message_id::{self, Index, MessageIdKey};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};

const SHARDS: usize = 32;

#[derive(Debug, Clone)]
struct Sent {
    /// Send time of the submit (ns since the run started).
    at: u64,
    /// The id's key in the other index, removed with this one.
    twin: Option<(Index, MessageIdKey)>,
}

#[derive(Debug, Default)]
struct Shard {
    primary: HashMap<MessageIdKey, Sent>,
    alternate: HashMap<MessageIdKey, Sent>,
    /// Receipts whose id was not known yet: arrival time by the receipt id's primary key.
    early: HashMap<MessageIdKey, u64>,
}

impl Shard {
    fn index(&mut self, index: Index) -> &mut HashMap<MessageIdKey, Sent> {
        match index {
            Index::Primary => &mut self.primary,
            Index::Alternate => &mut self.alternate,
        }
    }
}

/// The shared table of submitted ids awaiting their receipt.
#[derive(Debug)]
pub(crate) struct Matcher {
    shards: Vec<Mutex<Shard>>,
}

fn shard_of(key: &MessageIdKey) -> usize {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    usize::try_from(hasher.finish() % SHARDS as u64).unwrap_or(0)
}

impl Matcher {
    /// An empty table.
    pub(crate) fn new() -> Matcher {
        Matcher {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    fn with<T>(&self, key: &MessageIdKey, f: impl FnOnce(&mut Shard) -> T) -> Option<T> {
        let shard = self.shards.get(shard_of(key))?;
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        Some(f(&mut shard))
    }

    /// Records submit id `id` sent at `sent_at`. Returns the send time again when its receipt
    /// had already come, at the time it came (so the caller records the latency).
    pub(crate) fn submitted(&self, id: &str, sent_at: u64) -> Option<(u64, u64)> {
        let keys = message_id::keys(id)?;
        for key in keys.iter() {
            if let Some(arrived) = self.with(key, |s| s.early.remove(key)).flatten() {
                return Some((sent_at, arrived));
            }
        }
        let primary = (Index::Primary, keys.primary.clone());
        let alternate = keys.alternate.clone().map(|k| (Index::Alternate, k));
        if let Some((index, key)) = &alternate {
            let twin = Some(primary.clone());
            self.with(key, |s| {
                s.index(*index)
                    .insert(key.clone(), Sent { at: sent_at, twin })
            });
        }
        let (index, key) = primary;
        self.with(&key, |s| {
            s.index(index).insert(
                key.clone(),
                Sent {
                    at: sent_at,
                    twin: alternate,
                },
            )
        });
        None
    }

    /// Matches receipt id `id`, arrived at `arrived`, and returns its submit's send time;
    /// `None` when no submit had that id (the receipt is kept in case the submit_sm_resp is
    /// still on its way).
    pub(crate) fn receipt(&self, id: &str, arrived: u64) -> Option<u64> {
        let found = message_id::find(id, |index, key| {
            self.with(key, |s| s.index(index).remove(key)).flatten()
        });
        match found {
            Some(sent) => {
                if let Some((index, key)) = &sent.twin {
                    self.with(key, |s| s.index(*index).remove(key));
                }
                Some(sent.at)
            }
            None => {
                if let Some(key) = message_id::normalize(id) {
                    self.with(&key, |s| s.early.insert(key.clone(), arrived));
                }
                None
            }
        }
    }

    /// Receipts never matched (their id was not among the submits).
    pub(crate) fn unmatched(&self) -> u64 {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).early.len() as u64)
            .sum()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn matches_across_hex_and_decimal_and_early_receipts() {
        let m = Matcher::new();
        assert_eq!(m.submitted("7F3A21", 10), None);
        // The same number written in decimal in the receipt.
        assert_eq!(m.receipt("8337953", 50), Some(10));
        assert_eq!(
            m.receipt("8337953", 60),
            None,
            "a second receipt is not matched again"
        );
        // A decimal submit id: both readings are indexed, and both go once matched.
        assert_eq!(m.submitted("00123", 20), None);
        assert_eq!(m.receipt("123", 70), Some(20));
        assert_eq!(m.receipt("0x123", 80), None);
        // The receipt before the response.
        assert_eq!(m.receipt("abc", 90), None);
        assert_eq!(m.submitted("ABC", 30), Some((30, 90)));
        assert_eq!(m.unmatched(), 2);
    }
}
