//! Durable reassembly of MO parts for client binds with `mo_reassembly = true`.
//!
//! A part is written and fsynced ([`MoPartStore::put_batch`], one fsync per batch: group commit)
//! before the carrier's `deliver_sm` is acknowledged. The grouping rules (duplicates, bounds,
//! TTL from the first part, rejected numbering) are `proto::reassembly::Reassembler`'s: one
//! reassembler per bind holds the pending groups in memory (the stored bytes, so completing a
//! group reads nothing back) and the keyspace mirrors it on disk.
//!
//! Life of a group: parts are held until the last one arrives ([`PutOutcome::Complete`]), the
//! TTL passes ([`MoPartStore::expired`]) or memory bounds evict it (`evicted` of the put). The
//! caller then inserts it (whole, or part by part when incomplete) and, once the core took it,
//! calls [`MoPartStore::remove_groups`]; until then it stays on disk and [`MoPartStore::recover`]
//! returns it again after a restart, so nothing acknowledged is lost (a crash between the insert
//! and the removal can insert it twice).
//!
//! Key: bind and origin (each u16 length + UTF-8), reference (u16 BE), total, seq.
//! Value: received-at (u64 BE Unix ms), then the `deliver_sm` PDU as encoded on the wire.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, Bytes, BytesMut};
use core_api::Concat;
use fjall::{Database, Keyspace, PersistMode};

use super::{stored_ms, StoreError};
use crate::proto::reassembly::{
    Fragment, GroupKey, InsertOutcome, Inserted, Reassembler, ReassemblyLimits, RejectReason,
};
use crate::proto::{Body, DeliverSm, Pdu};
use crate::translate::concat_of;

/// One MO part to hold: the bind it came on, its sender, its numbering and the PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoPart {
    /// The client bind.
    pub bind: String,
    /// Who sent it: `source_addr>destination_addr`.
    pub origin: String,
    /// Its concatenation numbers (UDH or SAR).
    pub concat: Concat,
    /// The carrier's `deliver_sm`.
    pub pdu: DeliverSm,
}

impl MoPart {
    /// The part of a concatenated MO, or `None` when `pdu` is not one (no concatenation info,
    /// or a malformed UDH): insert those directly.
    pub fn from_deliver_sm(bind: &str, pdu: DeliverSm) -> Option<MoPart> {
        let concat = concat_of(&pdu)?;
        let origin = format!("{}>{}", pdu.source_addr, pdu.destination_addr);
        Some(MoPart {
            bind: bind.to_owned(),
            origin,
            concat,
            pdu,
        })
    }

    fn group_key(&self) -> MoGroupKey {
        MoGroupKey {
            bind: self.bind.clone(),
            origin: self.origin.clone(),
            reference: self.concat.reference,
            total: self.concat.total,
        }
    }
}

/// Which message a group of parts belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MoGroupKey {
    /// The client bind.
    pub bind: String,
    /// `source_addr>destination_addr`.
    pub origin: String,
    /// Concatenation reference.
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
}

/// A held part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    /// Its sequence number (1-based).
    pub seq: u8,
    /// When it was put.
    pub received: SystemTime,
    /// The carrier's `deliver_sm`.
    pub pdu: DeliverSm,
}

/// The parts of one message, in sequence order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoGroup {
    /// Which message.
    pub key: MoGroupKey,
    /// Its parts, by `seq`.
    pub parts: Vec<StoredPart>,
}

impl MoGroup {
    /// Whether every part is there.
    pub fn is_complete(&self) -> bool {
        self.parts.len() == usize::from(self.key.total)
    }

    /// The PDUs in sequence order (for `translate::assemble_mo`).
    pub fn pdus(&self) -> Vec<DeliverSm> {
        self.parts.iter().map(|p| p.pdu.clone()).collect()
    }
}

/// What became of one part of a [`MoPartStore::put_batch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored durably, waiting for the rest of its message.
    Held,
    /// Already stored (a retransmission): acknowledge it, nothing changed.
    Duplicate,
    /// Stored durably and completed its message: insert the group, then remove it.
    Complete(MoGroup),
    /// Numbering the reassembler refuses (total 0, seq 0 or above total, too large); nothing
    /// was kept: insert the part on its own.
    Rejected(RejectReason),
}

/// What [`MoPartStore::put_batch`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutResult {
    /// One outcome per part, in input order.
    pub outcomes: Vec<PutOutcome>,
    /// Incomplete groups evicted to stay within the memory bounds: insert their parts one by
    /// one, then remove them.
    pub evicted: Vec<MoGroup>,
}

/// What was on disk at start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recovery {
    /// Groups with every part: insert them, then remove them.
    pub complete: Vec<MoGroup>,
    /// Incomplete groups, held again in memory (they complete or expire as usual).
    pub pending: Vec<MoGroupKey>,
    /// Groups evicted while loading (memory bounds): insert part by part, then remove.
    pub evicted: Vec<MoGroup>,
    /// Records that could not be read (and were deleted).
    pub unreadable: usize,
}

/// Durable MO part store (see the module doc).
pub struct MoPartStore {
    db: Database,
    parts: Keyspace,
    default_limits: ReassemblyLimits,
    bind_limits: HashMap<String, ReassemblyLimits>,
    pending: HashMap<String, Reassembler<String, ()>>,
    /// Groups out of memory that a failed put could not hand back.
    stranded: Vec<MoGroup>,
}

impl std::fmt::Debug for MoPartStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MoPartStore")
            .field("default_limits", &self.default_limits)
            .field("binds", &self.pending.len())
            .finish_non_exhaustive()
    }
}

fn put_str(out: &mut BytesMut, text: &str) {
    let bytes = text.as_bytes();
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.put_u16(len);
    out.put_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
}

fn group_prefix(key: &MoGroupKey) -> BytesMut {
    let mut out = BytesMut::with_capacity(key.bind.len() + key.origin.len() + 8);
    put_str(&mut out, &key.bind);
    put_str(&mut out, &key.origin);
    out.put_u16(key.reference);
    out.put_u8(key.total);
    out
}

fn part_key(key: &MoGroupKey, seq: u8) -> Bytes {
    let mut out = group_prefix(key);
    out.put_u8(seq);
    out.freeze()
}

fn take_str(input: &mut &[u8]) -> Option<String> {
    let (len, rest) = input.split_first_chunk::<2>()?;
    let (text, rest) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
    *input = rest;
    String::from_utf8(text.to_vec()).ok()
}

fn parse_part_key(mut input: &[u8]) -> Option<(MoGroupKey, u8)> {
    let bind = take_str(&mut input)?;
    let origin = take_str(&mut input)?;
    match *input {
        [r0, r1, total, seq] => Some((
            MoGroupKey {
                bind,
                origin,
                reference: u16::from_be_bytes([r0, r1]),
                total,
            },
            seq,
        )),
        _ => None,
    }
}

fn encode_value(received_ms: u64, pdu: &DeliverSm) -> Bytes {
    let frame = Pdu::ok(0, Body::DeliverSm(pdu.clone()));
    let mut out = BytesMut::with_capacity(8 + frame.encoded_len());
    out.put_u64(received_ms);
    frame.encode(&mut out);
    out.freeze()
}

fn decode_value(value: &Bytes) -> Option<(u64, DeliverSm)> {
    let received = u64::from_be_bytes(*value.first_chunk::<8>()?);
    match Pdu::decode(value.slice(8..)).ok()?.body {
        Body::DeliverSm(sm) => Some((received, sm)),
        _ => None,
    }
}

fn time_of(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

fn group_of(key: MoGroupKey, fragments: Vec<Fragment<()>>) -> MoGroup {
    let parts = fragments
        .into_iter()
        .filter_map(|fragment| {
            let (received, pdu) = decode_value(&fragment.body)?;
            Some(StoredPart {
                seq: fragment.seq,
                received: time_of(received),
                pdu,
            })
        })
        .collect();
    MoGroup { key, parts }
}

fn key_of(bind: &str, key: GroupKey<String>) -> MoGroupKey {
    MoGroupKey {
        bind: bind.to_owned(),
        origin: key.origin,
        reference: key.reference,
        total: key.total,
    }
}

impl MoPartStore {
    /// Opens the part keyspace in `db`; binds without [`MoPartStore::configure_bind`] use
    /// `default_limits` (TTL and memory bounds). Call [`MoPartStore::recover`] before use.
    pub fn open(db: &Database, default_limits: ReassemblyLimits) -> Result<Self, StoreError> {
        Ok(MoPartStore {
            db: db.clone(),
            parts: db.keyspace("mo_parts", super::keyspace_options)?,
            default_limits,
            bind_limits: HashMap::new(),
            pending: HashMap::new(),
            stranded: Vec::new(),
        })
    }

    /// Sets a bind's limits (its `mo_reassembly_timeout` as `ttl_ms`); call before
    /// [`MoPartStore::recover`] and before its first part.
    pub fn configure_bind(&mut self, bind: &str, limits: ReassemblyLimits) {
        self.bind_limits.insert(bind.to_owned(), limits);
    }

    fn reassembler(&mut self, bind: &str) -> &mut Reassembler<String, ()> {
        let limits = self
            .bind_limits
            .get(bind)
            .copied()
            .unwrap_or(self.default_limits);
        self.pending
            .entry(bind.to_owned())
            .or_insert_with(|| Reassembler::new(limits))
    }

    /// Feeds one stored part to its bind's reassembler.
    fn hold(
        &mut self,
        key: &MoGroupKey,
        seq: u8,
        value: Bytes,
        received_ms: u64,
    ) -> Result<InsertOutcome<String, ()>, RejectReason> {
        let fragment = Fragment {
            reference: key.reference,
            total: key.total,
            seq,
            body: value,
            meta: (),
        };
        self.reassembler(&key.bind)
            .insert(key.origin.clone(), fragment, received_ms)
            .map_err(|rejected| rejected.reason)
    }

    /// Stores `parts` durably (one write batch, one fsync) and reports each one's fate.
    ///
    /// Returns only once the parts are on disk (duplicates included: the fsync also covers a
    /// copy whose first put failed): acknowledge the carrier after it. On an error nothing may
    /// be acknowledged (the carrier will send the parts again).
    pub fn put_batch(
        &mut self,
        parts: &[MoPart],
        now: SystemTime,
    ) -> Result<PutResult, StoreError> {
        if parts.is_empty() {
            return Ok(PutResult::default());
        }
        let received_ms = stored_ms(now);
        let mut batch = self.db.batch();
        let mut fresh: Vec<Option<(MoGroupKey, Bytes)>> = Vec::with_capacity(parts.len());
        let mut in_batch = HashSet::new();
        for part in parts {
            let key = part.group_key();
            let stored = part_key(&key, part.concat.seq);
            if !in_batch.insert(stored.clone()) || self.parts.contains_key(&stored)? {
                fresh.push(None);
                continue;
            }
            let value = encode_value(received_ms, &part.pdu);
            batch.insert(&self.parts, stored.as_ref(), value.as_ref());
            fresh.push(Some((key, value)));
        }
        batch.commit()?;
        // The batch is in the store from here: keep memory in step even if the fsync fails.
        let mut result = PutResult::default();
        let mut refused = self.db.batch();
        for (part, new) in parts.iter().zip(fresh) {
            let Some((key, value)) = new else {
                result.outcomes.push(PutOutcome::Duplicate);
                continue;
            };
            let outcome = match self.hold(&key, part.concat.seq, value, received_ms) {
                Err(reason) => {
                    refused.remove(&self.parts, part_key(&key, part.concat.seq).as_ref());
                    PutOutcome::Rejected(reason)
                }
                Ok(held) => {
                    result.evicted.extend(
                        held.evicted
                            .into_iter()
                            .map(|g| group_of(key_of(&part.bind, g.key), g.parts)),
                    );
                    match held.inserted {
                        Inserted::Pending => PutOutcome::Held,
                        Inserted::Duplicate(_) => PutOutcome::Duplicate,
                        Inserted::Complete(done) => {
                            PutOutcome::Complete(group_of(key_of(&part.bind, done.key), done.parts))
                        }
                    }
                }
            };
            result.outcomes.push(outcome);
        }
        let durable = refused
            .commit()
            .and_then(|()| self.db.persist(PersistMode::SyncData));
        if let Err(e) = durable {
            // The caller gets only the error, so groups this batch completed or evicted (no
            // longer in memory) would surface nowhere but a restart: hand them out through
            // `expired` instead.
            for outcome in result.outcomes {
                if let PutOutcome::Complete(group) = outcome {
                    self.stranded.push(group);
                }
            }
            self.stranded.extend(result.evicted);
            return Err(e.into());
        }
        Ok(result)
    }

    /// Hands back every group whose TTL passed at `now` (incomplete: insert the parts one by
    /// one, then [`MoPartStore::remove_groups`]).
    ///
    /// Groups a failed [`MoPartStore::put_batch`] completed or evicted come back here too, on
    /// the next call whatever `now` (check [`MoGroup::is_complete`]).
    pub fn expired(&mut self, now: SystemTime) -> Vec<MoGroup> {
        let now_ms = stored_ms(now);
        let mut out = std::mem::take(&mut self.stranded);
        for (bind, reassembler) in &mut self.pending {
            for group in reassembler.expire(now_ms) {
                out.push(group_of(key_of(bind, group.key), group.parts));
            }
        }
        out
    }

    /// Deletes one group's parts from disk (see [`MoPartStore::remove_groups`]).
    pub fn remove_group(&self, key: &MoGroupKey) -> Result<(), StoreError> {
        self.remove_groups(std::slice::from_ref(key))
    }

    /// Deletes the groups' parts from disk once the core has them (one batch, one fsync, so a
    /// restart does not insert them again).
    pub fn remove_groups(&self, keys: &[MoGroupKey]) -> Result<(), StoreError> {
        let mut batch = self.db.batch();
        for key in keys {
            for entry in self.parts.prefix(group_prefix(key)) {
                batch.remove(&self.parts, entry.key()?);
            }
        }
        batch.commit()?;
        self.db.persist(PersistMode::SyncData)?;
        Ok(())
    }

    /// Loads every part on disk into memory (oldest first, so TTLs count from each group's
    /// first part) and lists the groups: complete ones to insert now, pending ones held again.
    /// Call it once, right after [`MoPartStore::open`] and [`MoPartStore::configure_bind`].
    pub fn recover(&mut self) -> Result<Recovery, StoreError> {
        let mut recovery = Recovery::default();
        let mut loaded = Vec::new();
        let mut unreadable = self.db.batch();
        for entry in self.parts.iter() {
            let (key, value) = entry.into_inner()?;
            let value = Bytes::copy_from_slice(&value);
            match (parse_part_key(&key), decode_value(&value)) {
                (Some((group, seq)), Some((received, _))) => {
                    loaded.push((received, group, seq, value));
                }
                _ => {
                    unreadable.remove(&self.parts, key);
                    recovery.unreadable += 1;
                }
            }
        }
        unreadable.commit()?;
        loaded.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
        let mut pending = HashSet::new();
        for (received, group, seq, value) in loaded {
            match self.hold(&group, seq, value.clone(), received) {
                Ok(held) => {
                    for evicted in held.evicted {
                        let key = key_of(&group.bind, evicted.key);
                        pending.remove(&key);
                        recovery.evicted.push(group_of(key, evicted.parts));
                    }
                    match held.inserted {
                        Inserted::Pending => {
                            pending.insert(group.clone());
                        }
                        Inserted::Duplicate(_) => {}
                        Inserted::Complete(done) => {
                            pending.remove(&group);
                            recovery
                                .complete
                                .push(group_of(key_of(&group.bind, done.key), done.parts));
                        }
                    }
                }
                Err(_) => {
                    // Stored before a reject rule applied to it: hand it back on its own.
                    recovery.evicted.push(group_of(
                        group.clone(),
                        vec![Fragment {
                            reference: group.reference,
                            total: group.total,
                            seq,
                            body: value,
                            meta: (),
                        }],
                    ));
                }
            }
        }
        recovery.pending = pending.into_iter().collect();
        recovery.pending.sort();
        Ok(recovery)
    }
}
