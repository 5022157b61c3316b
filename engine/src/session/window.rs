//! The window of in-flight requests: O(1) lookup by sequence number, deadlines in FIFO order.
//!
//! Slots live in a slab allocated once at full capacity. A doubly linked list threads the live
//! slots in send order; since every request gets the same timeout, send order is deadline order,
//! so the oldest slot carries the next deadline and removing an answered request from the
//! middle costs O(1) with no stale queue entries left behind. Lookup by sequence number goes
//! through an open-addressed index (linear probing, backward-shift deletion) of at least twice
//! the capacity; our sequence numbers are consecutive, so `seq & mask` spreads them evenly
//! without hashing.

use std::time::Instant;

use super::sequence::SequenceNumber;

/// Largest window a session accepts; larger configured values are clamped to it.
pub const MAX_WINDOW_SIZE: usize = 65_536;

const NIL: u32 = u32::MAX;

/// One request awaiting its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InFlight<T> {
    /// The request's sequence number.
    pub(crate) seq: SequenceNumber,
    /// When the request times out.
    pub(crate) deadline: Instant,
    /// Whatever the session keeps about the request.
    pub(crate) data: T,
}

/// Why a request could not enter the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InsertError {
    /// Every slot is taken.
    Full,
    /// A request with this sequence number is still in flight.
    Duplicate,
}

#[derive(Debug, Clone, Copy)]
struct Slot<T> {
    entry: InFlight<T>,
    /// Towards older slots in the send-order list; unused when free.
    prev: u32,
    /// Towards newer slots, or the next free slot when free.
    next: u32,
}

/// A bounded set of in-flight requests keyed by sequence number.
#[derive(Debug, Clone)]
pub(crate) struct Window<T: Copy> {
    slots: Vec<Slot<T>>,
    capacity: usize,
    index: Vec<u32>,
    mask: usize,
    free: u32,
    oldest: u32,
    newest: u32,
    len: usize,
}

impl<T: Copy> Window<T> {
    /// A window holding up to `capacity` requests (clamped to 1..=[`MAX_WINDOW_SIZE`]).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.clamp(1, MAX_WINDOW_SIZE);
        let index_len = (capacity * 2).next_power_of_two();
        Self {
            // Grows as requests go out: a quiet session holds no slots.
            slots: Vec::new(),
            capacity,
            index: vec![NIL; index_len],
            mask: index_len - 1,
            free: NIL,
            oldest: NIL,
            newest: NIL,
            len: 0,
        }
    }

    /// How many requests are in flight.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The most requests that can be in flight at once.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Whether no slot is free.
    pub(crate) fn is_full(&self) -> bool {
        self.len >= self.capacity
    }

    /// Adds a request as the newest; `deadline` must not be earlier than any already present.
    pub(crate) fn insert(
        &mut self,
        seq: SequenceNumber,
        deadline: Instant,
        data: T,
    ) -> Result<(), InsertError> {
        if self.is_full() {
            return Err(InsertError::Full);
        }
        let mut pos = self.home(seq);
        loop {
            let slot = self.index[pos];
            if slot == NIL {
                break;
            }
            if self.slots[slot as usize].entry.seq == seq {
                return Err(InsertError::Duplicate);
            }
            pos = (pos + 1) & self.mask;
        }
        let entry = InFlight {
            seq,
            deadline,
            data,
        };
        let fresh = Slot {
            entry,
            prev: self.newest,
            next: NIL,
        };
        let slot = if self.free != NIL {
            let slot = self.free;
            self.free = self.slots[slot as usize].next;
            self.slots[slot as usize] = fresh;
            slot
        } else {
            // Below capacity with no free slot means the slab has not reached full size yet;
            // it was reserved up front, so this push never reallocates.
            self.slots.push(fresh);
            (self.slots.len() - 1) as u32
        };
        if self.newest == NIL {
            self.oldest = slot;
        } else {
            self.slots[self.newest as usize].next = slot;
        }
        self.newest = slot;
        self.index[pos] = slot;
        self.len += 1;
        Ok(())
    }

    /// The request with sequence number `seq`, if in flight.
    #[cfg(test)]
    pub(crate) fn get(&self, seq: SequenceNumber) -> Option<&InFlight<T>> {
        let pos = self.find(seq)?;
        Some(&self.slots[self.index[pos] as usize].entry)
    }

    /// Takes the request with sequence number `seq` out of the window.
    pub(crate) fn remove(&mut self, seq: SequenceNumber) -> Option<InFlight<T>> {
        self.remove_if(seq, |_| true)
    }

    /// Takes the request with sequence number `seq` out of the window if `accept` approves
    /// of it; otherwise leaves it in place. One lookup either way.
    pub(crate) fn remove_if(
        &mut self,
        seq: SequenceNumber,
        accept: impl FnOnce(&InFlight<T>) -> bool,
    ) -> Option<InFlight<T>> {
        let pos = self.find(seq)?;
        let slot = self.index[pos];
        if !accept(&self.slots[slot as usize].entry) {
            return None;
        }
        self.unindex(pos);
        Some(self.release(slot))
    }

    /// The deadline of the oldest request, which is the earliest deadline in the window.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        if self.oldest == NIL {
            None
        } else {
            Some(self.slots[self.oldest as usize].entry.deadline)
        }
    }

    /// Takes out the oldest request if its deadline is at or before `now`.
    pub(crate) fn pop_expired(&mut self, now: Instant) -> Option<InFlight<T>> {
        match self.next_deadline() {
            Some(deadline) if deadline <= now => self.pop_oldest(),
            _ => None,
        }
    }

    /// Takes out the oldest request whatever its deadline.
    pub(crate) fn pop_oldest(&mut self) -> Option<InFlight<T>> {
        if self.oldest == NIL {
            return None;
        }
        let seq = self.slots[self.oldest as usize].entry.seq;
        self.remove(seq)
    }

    fn home(&self, seq: SequenceNumber) -> usize {
        seq as usize & self.mask
    }

    fn find(&self, seq: SequenceNumber) -> Option<usize> {
        let mut pos = self.home(seq);
        loop {
            let slot = self.index[pos];
            if slot == NIL {
                return None;
            }
            if self.slots[slot as usize].entry.seq == seq {
                return Some(pos);
            }
            pos = (pos + 1) & self.mask;
        }
    }

    /// Empties index position `pos`, shifting later members of its probe run back so that
    /// every remaining key stays reachable from its home position.
    fn unindex(&mut self, pos: usize) {
        let mut hole = pos;
        let mut probe = pos;
        loop {
            probe = (probe + 1) & self.mask;
            let slot = self.index[probe];
            if slot == NIL {
                break;
            }
            let home = self.home(self.slots[slot as usize].entry.seq);
            let home_to_probe = probe.wrapping_sub(home) & self.mask;
            let hole_to_probe = probe.wrapping_sub(hole) & self.mask;
            if home_to_probe >= hole_to_probe {
                self.index[hole] = slot;
                hole = probe;
            }
        }
        self.index[hole] = NIL;
    }

    /// Unlinks `slot` from the send-order list and puts it on the free list.
    fn release(&mut self, slot: u32) -> InFlight<T> {
        let Slot {
            entry, prev, next, ..
        } = self.slots[slot as usize];
        if prev == NIL {
            self.oldest = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NIL {
            self.newest = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
        self.slots[slot as usize].next = self.free;
        self.free = slot;
        self.len -= 1;
        entry
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn at(t0: Instant, secs: u64) -> Instant {
        t0 + Duration::from_secs(secs)
    }

    #[test]
    fn insert_lookup_remove() {
        let t0 = Instant::now();
        let mut window = Window::new(4);
        window.insert(1, at(t0, 10), 'a').unwrap();
        window.insert(2, at(t0, 11), 'b').unwrap();
        assert_eq!(window.len(), 2);
        assert_eq!(window.get(2).unwrap().data, 'b');
        assert_eq!(window.remove(1).unwrap().data, 'a');
        assert!(window.get(1).is_none());
        assert!(window.remove(1).is_none());
        assert_eq!(window.len(), 1);
    }

    #[test]
    fn refuses_when_full_and_frees_a_slot_on_remove() {
        let t0 = Instant::now();
        let mut window = Window::new(2);
        window.insert(1, t0, ()).unwrap();
        window.insert(2, t0, ()).unwrap();
        assert!(window.is_full());
        assert_eq!(window.insert(3, t0, ()), Err(InsertError::Full));
        window.remove(1).unwrap();
        window.insert(3, t0, ()).unwrap();
        assert_eq!(window.len(), 2);
    }

    #[test]
    fn remove_if_leaves_a_refused_entry_in_place() {
        let t0 = Instant::now();
        let mut window = Window::new(4);
        window.insert(5, t0, 'x').unwrap();
        assert!(window.remove_if(5, |entry| entry.data == 'y').is_none());
        assert_eq!(window.len(), 1);
        assert_eq!(
            window.remove_if(5, |entry| entry.data == 'x').unwrap().seq,
            5
        );
        assert_eq!(window.len(), 0);
    }

    #[test]
    fn refuses_a_duplicate_sequence_number() {
        let t0 = Instant::now();
        let mut window = Window::new(4);
        window.insert(7, t0, ()).unwrap();
        assert_eq!(window.insert(7, t0, ()), Err(InsertError::Duplicate));
    }

    #[test]
    fn deadlines_come_out_oldest_first_even_after_middle_removals() {
        let t0 = Instant::now();
        let mut window = Window::new(8);
        for seq in 1..=5 {
            window.insert(seq, at(t0, u64::from(seq)), seq).unwrap();
        }
        window.remove(1).unwrap();
        window.remove(3).unwrap();
        assert_eq!(window.next_deadline(), Some(at(t0, 2)));
        assert!(window.pop_expired(at(t0, 1)).is_none());
        assert_eq!(window.pop_expired(at(t0, 4)).unwrap().seq, 2);
        assert_eq!(window.pop_expired(at(t0, 4)).unwrap().seq, 4);
        assert!(window.pop_expired(at(t0, 4)).is_none());
        assert_eq!(window.pop_oldest().unwrap().seq, 5);
        assert!(window.pop_oldest().is_none());
        assert_eq!(window.next_deadline(), None);
    }

    #[test]
    fn colliding_sequence_numbers_stay_reachable() {
        // Index length is 8 for capacity 4: these all share home position 1.
        let t0 = Instant::now();
        let mut window = Window::new(4);
        for seq in [1, 9, 17, 25] {
            window.insert(seq, t0, seq).unwrap();
        }
        window.remove(9).unwrap();
        assert_eq!(window.get(17).unwrap().data, 17);
        assert_eq!(window.get(25).unwrap().data, 25);
        window.remove(1).unwrap();
        assert_eq!(window.get(25).unwrap().data, 25);
        window.insert(33, t0, 33).unwrap();
        assert_eq!(window.get(33).unwrap().data, 33);
    }

    #[test]
    fn matches_a_reference_map_under_a_random_workload() {
        // A deterministic xorshift drives inserts of consecutive and far-apart numbers, removals
        // from anywhere and expiries, comparing every step against a BTreeMap.
        let t0 = Instant::now();
        let mut window = Window::new(16);
        let mut reference: BTreeMap<u32, u64> = BTreeMap::new();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next_seq: u32 = 1;
        let mut clock = 0u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            match state % 4 {
                0 | 1 => {
                    clock += 1;
                    next_seq = next_seq.wrapping_add(1 + (state >> 40) as u32 % 3) & 0x7FFF_FFFF;
                    let result = window.insert(next_seq, at(t0, clock), clock);
                    if reference.len() >= 16 {
                        assert_eq!(result, Err(InsertError::Full));
                    } else {
                        match reference.entry(next_seq) {
                            std::collections::btree_map::Entry::Occupied(_) => {
                                assert_eq!(result, Err(InsertError::Duplicate));
                            }
                            std::collections::btree_map::Entry::Vacant(slot) => {
                                assert_eq!(result, Ok(()));
                                slot.insert(clock);
                            }
                        }
                    }
                }
                2 => {
                    let keys: Vec<u32> = reference.keys().copied().collect();
                    if let Some(&seq) = keys.get((state >> 20) as usize % keys.len().max(1)) {
                        assert_eq!(window.remove(seq).unwrap().data, reference[&seq]);
                        reference.remove(&seq);
                    }
                }
                _ => {
                    let oldest = reference
                        .iter()
                        .min_by_key(|(_, &c)| c)
                        .map(|(&s, &c)| (s, c));
                    match window.pop_expired(at(t0, clock.saturating_sub(8))) {
                        Some(expired) => {
                            assert_eq!(Some((expired.seq, expired.data)), oldest);
                            reference.remove(&expired.seq);
                        }
                        None => {
                            if let Some((_, c)) = oldest {
                                assert!(c > clock.saturating_sub(8));
                            }
                        }
                    }
                }
            }
            assert_eq!(window.len(), reference.len());
            for (&seq, &data) in &reference {
                assert_eq!(window.get(seq).map(|e| e.data), Some(data));
            }
        }
    }
}
