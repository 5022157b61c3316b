//! Reassembly of inbound concatenated parts (UDH 8/16-bit or SAR), sans-io.
//!
//! Parts are grouped by (caller-supplied origin, reference number, total parts): the origin is
//! whatever identifies the sender to the caller, e.g. source address plus bind name. Parts may
//! come in any order, more than once, or never. Time is the caller's: every call takes `now` in
//! milliseconds from any fixed epoch, and nothing happens between calls.
//!
//! Nothing is dropped silently. Each part handed to [`Reassembler::insert`] comes back exactly
//! once: in an [`Assembled`] message, in an [`Incomplete`] group (expired or evicted), as a
//! [`Inserted::Duplicate`], or in a [`Rejected`] error. Callers deliver incomplete groups part by
//! part.
//!
//! Rules:
//! * A group expires `ttl_ms` after its first part arrived; [`Reassembler::expire`] returns it.
//! * Pending memory is bounded by `max_groups` and `max_bytes`. A part costs its body plus the
//!   size of a [`Fragment`] ([`part_cost`]), so many empty parts are bounded too. A part that
//!   would exceed either limit evicts the oldest groups first, and they are returned with the
//!   insert's outcome; if the oldest is the part's own group, the part starts a fresh one.
//! * A repeated sequence number is a duplicate: the first copy is kept, the new one returned.
//! * `total == 1` is a whole message already and completes at once, without being stored.
//! * `total == 0`, `seq == 0`, `seq > total`, and a part costing more than `max_bytes` are
//!   rejected.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use bytes::{BufMut, Bytes, BytesMut};

use super::concat::SarInfo;
use super::udh::ConcatInfo;

/// Bounds and timing of a [`Reassembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReassemblyLimits {
    /// How long a group may wait for its missing parts, from its first part.
    pub ttl_ms: u64,
    /// Most groups held at once (at least 1 is used).
    pub max_groups: usize,
    /// Most octets held at once over all groups, counted by [`part_cost`].
    pub max_bytes: usize,
}

impl Default for ReassemblyLimits {
    fn default() -> Self {
        ReassemblyLimits {
            ttl_ms: 300_000,
            max_groups: 10_000,
            max_bytes: 16 * 1024 * 1024,
        }
    }
}

/// One received part: its concatenation numbers, body (UDH removed) and caller data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment<M> {
    /// Reference number shared by the parts (8-bit references widened).
    pub reference: u16,
    /// Number of parts of the message.
    pub total: u8,
    /// This part's number, from 1.
    pub seq: u8,
    /// The part's body without UDH.
    pub body: Bytes,
    /// Whatever the caller needs to deliver or acknowledge this part on its own.
    pub meta: M,
}

impl<M> Fragment<M> {
    /// A part announced by a UDH concatenation element.
    pub fn from_udh(info: &ConcatInfo, body: Bytes, meta: M) -> Self {
        Fragment {
            reference: info.reference,
            total: info.total,
            seq: info.seq,
            body,
            meta,
        }
    }

    /// A part announced by SAR TLVs.
    pub fn from_sar(sar: &SarInfo, body: Bytes, meta: M) -> Self {
        Fragment {
            reference: sar.ref_num,
            total: sar.total,
            seq: sar.seq,
            body,
            meta,
        }
    }
}

/// What identifies a message being reassembled.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupKey<K> {
    /// The caller's origin key.
    pub origin: K,
    /// Reference number.
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
}

/// A message whose parts all arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assembled<K, M> {
    /// Which message.
    pub key: GroupKey<K>,
    /// Every part, in sequence order.
    pub parts: Vec<Fragment<M>>,
}

impl<K, M> Assembled<K, M> {
    /// The parts' bodies joined in order (no copy for a single part).
    pub fn body(&self) -> Bytes {
        join_bodies(&self.parts)
    }
}

/// Why an incomplete group was handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseReason {
    /// Its TTL passed.
    Expired,
    /// Evicted to stay within the memory bounds.
    Evicted,
    /// Handed back by [`Reassembler::drain`].
    Drained,
}

/// A group handed back before all its parts arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete<K, M> {
    /// Which message.
    pub key: GroupKey<K>,
    /// The parts that did arrive, in sequence order.
    pub parts: Vec<Fragment<M>>,
    /// When its first part arrived.
    pub first_seen_ms: u64,
    /// Why it was handed back.
    pub reason: ReleaseReason,
}

/// Why a part was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum RejectReason {
    /// Total number of parts is 0.
    #[error("concatenation total is 0")]
    TotalZero,
    /// Sequence number is 0.
    #[error("concatenation sequence number is 0")]
    SeqZero,
    /// Sequence number above the total.
    #[error("concatenation sequence number is above the total")]
    SeqBeyondTotal,
    /// The part alone exceeds the memory bound.
    #[error("part is larger than the reassembly memory bound")]
    TooLarge,
}

/// A refused part, handed back with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("concatenated part rejected: {reason}")]
pub struct Rejected<M> {
    /// Why.
    pub reason: RejectReason,
    /// The part.
    pub fragment: Fragment<M>,
}

/// What became of an inserted part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted<K, M> {
    /// Held until the rest arrives.
    Pending,
    /// Its sequence number was already held: this copy is handed back.
    Duplicate(Fragment<M>),
    /// It completed its message.
    Complete(Assembled<K, M>),
}

/// Result of [`Reassembler::insert`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertOutcome<K, M> {
    /// What became of the part.
    pub inserted: Inserted<K, M>,
    /// Groups evicted to make room, oldest first.
    pub evicted: Vec<Incomplete<K, M>>,
}

#[derive(Debug)]
struct Group<M> {
    /// Received parts sorted by `seq`.
    parts: Vec<Fragment<M>>,
    bytes: usize,
    first_seen_ms: u64,
    order: (u64, u64),
}

/// Holds parts of concatenated messages until they complete, expire or are evicted.
#[derive(Debug)]
pub struct Reassembler<K, M> {
    limits: ReassemblyLimits,
    groups: HashMap<GroupKey<K>, Group<M>>,
    /// (deadline, serial) -> key: expiry order, which is also age order.
    order: BTreeMap<(u64, u64), GroupKey<K>>,
    serial: u64,
    bytes: usize,
}

impl<K: Clone + Eq + Hash, M> Reassembler<K, M> {
    /// An empty reassembler with these limits.
    pub fn new(limits: ReassemblyLimits) -> Self {
        Reassembler {
            limits: ReassemblyLimits {
                max_groups: limits.max_groups.max(1),
                ..limits
            },
            groups: HashMap::new(),
            order: BTreeMap::new(),
            serial: 0,
            bytes: 0,
        }
    }

    /// Groups held.
    pub fn pending_groups(&self) -> usize {
        self.groups.len()
    }

    /// Octets held, counted by [`part_cost`].
    pub fn pending_bytes(&self) -> usize {
        self.bytes
    }

    /// When the next group expires (in the caller's milliseconds), if any is held.
    pub fn next_expiry(&self) -> Option<u64> {
        self.order.keys().next().map(|&(deadline, _)| deadline)
    }

    /// Adds a part from `origin` received at `now_ms` (see the module doc for the rules).
    pub fn insert(
        &mut self,
        origin: K,
        fragment: Fragment<M>,
        now_ms: u64,
    ) -> Result<InsertOutcome<K, M>, Rejected<M>> {
        if let Err(reason) = self.check(&fragment) {
            return Err(Rejected { reason, fragment });
        }
        let key = GroupKey {
            origin,
            reference: fragment.reference,
            total: fragment.total,
        };
        if fragment.total == 1 {
            return Ok(InsertOutcome {
                inserted: Inserted::Complete(Assembled {
                    key,
                    parts: vec![fragment],
                }),
                evicted: Vec::new(),
            });
        }
        if let Some(group) = self.groups.get(&key) {
            if position(&group.parts, fragment.seq).is_ok() {
                return Ok(InsertOutcome {
                    inserted: Inserted::Duplicate(fragment),
                    evicted: Vec::new(),
                });
            }
        }

        let mut evicted = Vec::new();
        let cost = part_cost(&fragment);
        while self.bytes + cost > self.limits.max_bytes {
            match self.release_oldest(ReleaseReason::Evicted) {
                Some(group) => evicted.push(group),
                None => break,
            }
        }
        if !self.groups.contains_key(&key) {
            while self.groups.len() >= self.limits.max_groups {
                match self.release_oldest(ReleaseReason::Evicted) {
                    Some(group) => evicted.push(group),
                    None => break,
                }
            }
        }
        let order = &mut self.order;
        let serial = &mut self.serial;
        let ttl_ms = self.limits.ttl_ms;
        let group = self.groups.entry(key.clone()).or_insert_with(|| {
            *serial += 1;
            let slot = (now_ms.saturating_add(ttl_ms), *serial);
            order.insert(slot, key.clone());
            Group {
                parts: Vec::new(),
                bytes: 0,
                first_seen_ms: now_ms,
                order: slot,
            }
        });
        self.bytes += cost;
        group.bytes += cost;
        let at = position(&group.parts, fragment.seq).unwrap_or_else(|at| at);
        group.parts.insert(at, fragment);

        let inserted = if group.parts.len() == usize::from(key.total) {
            match self.remove(&key) {
                Some(group) => Inserted::Complete(Assembled {
                    key,
                    parts: group.parts,
                }),
                None => Inserted::Pending,
            }
        } else {
            Inserted::Pending
        };
        Ok(InsertOutcome { inserted, evicted })
    }

    /// Hands back every group whose TTL has passed at `now_ms`, oldest first.
    pub fn expire(&mut self, now_ms: u64) -> Vec<Incomplete<K, M>> {
        let mut expired = Vec::new();
        while self
            .next_expiry()
            .is_some_and(|deadline| deadline <= now_ms)
        {
            match self.release_oldest(ReleaseReason::Expired) {
                Some(group) => expired.push(group),
                None => break,
            }
        }
        expired
    }

    /// Hands back every group held, oldest first (e.g. at shutdown).
    pub fn drain(&mut self) -> Vec<Incomplete<K, M>> {
        let mut all = Vec::with_capacity(self.groups.len());
        while let Some(group) = self.release_oldest(ReleaseReason::Drained) {
            all.push(group);
        }
        all
    }

    fn check(&self, fragment: &Fragment<M>) -> Result<(), RejectReason> {
        if fragment.total == 0 {
            Err(RejectReason::TotalZero)
        } else if fragment.seq == 0 {
            Err(RejectReason::SeqZero)
        } else if fragment.seq > fragment.total {
            Err(RejectReason::SeqBeyondTotal)
        } else if part_cost(fragment) > self.limits.max_bytes {
            Err(RejectReason::TooLarge)
        } else {
            Ok(())
        }
    }

    fn release_oldest(&mut self, reason: ReleaseReason) -> Option<Incomplete<K, M>> {
        let (_, key) = self.order.pop_first()?;
        let group = self.remove(&key)?;
        Some(Incomplete {
            key,
            parts: group.parts,
            first_seen_ms: group.first_seen_ms,
            reason,
        })
    }

    fn remove(&mut self, key: &GroupKey<K>) -> Option<Group<M>> {
        let group = self.groups.remove(key)?;
        self.order.remove(&group.order);
        self.bytes = self.bytes.saturating_sub(group.bytes);
        Some(group)
    }
}

/// What a held part counts against `max_bytes`: its body plus the size of a [`Fragment`].
pub fn part_cost<M>(fragment: &Fragment<M>) -> usize {
    fragment.body.len() + std::mem::size_of::<Fragment<M>>()
}

fn position<M>(parts: &[Fragment<M>], seq: u8) -> Result<usize, usize> {
    parts.binary_search_by_key(&seq, |part| part.seq)
}

/// The bodies of `parts` joined in order (no copy for a single part).
pub fn join_bodies<M>(parts: &[Fragment<M>]) -> Bytes {
    match parts {
        [] => Bytes::new(),
        [only] => only.body.clone(),
        _ => {
            let len = parts.iter().map(|p| p.body.len()).sum();
            let mut buf = BytesMut::with_capacity(len);
            for part in parts {
                buf.put_slice(&part.body);
            }
            buf.freeze()
        }
    }
}
