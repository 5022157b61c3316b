//! Sequence numbers for the requests a session originates.
//!
//! SMPP 3.4 (section 3.2, "sequence_number") allows 0x00000001..=0x7FFFFFFF; the counter
//! starts at 1 and wraps from the top back to 1, never producing 0 or a value with the high
//! bit set.

/// A PDU sequence number as carried in the header.
pub type SequenceNumber = u32;

/// The highest sequence number SMPP 3.4 allows.
pub const MAX_SEQUENCE_NUMBER: SequenceNumber = 0x7FFF_FFFF;

/// Hands out the sequence numbers of one session's outgoing requests.
#[derive(Debug, Clone)]
pub(crate) struct SequenceCounter {
    next: SequenceNumber,
}

impl SequenceCounter {
    /// A counter whose first number is 1.
    pub(crate) fn new() -> Self {
        Self { next: 1 }
    }

    /// A counter whose first number is `first` (clamped into the valid range).
    pub(crate) fn starting_at(first: SequenceNumber) -> Self {
        let next = if (1..=MAX_SEQUENCE_NUMBER).contains(&first) {
            first
        } else {
            1
        };
        Self { next }
    }

    /// Returns the next number and advances, wrapping 0x7FFFFFFF -> 1.
    pub(crate) fn next_number(&mut self) -> SequenceNumber {
        let current = self.next;
        self.next = if current >= MAX_SEQUENCE_NUMBER {
            1
        } else {
            current + 1
        };
        current
    }
}

impl Default for SequenceCounter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_one_and_counts_up() {
        let mut counter = SequenceCounter::new();
        assert_eq!(counter.next_number(), 1);
        assert_eq!(counter.next_number(), 2);
        assert_eq!(counter.next_number(), 3);
    }

    #[test]
    fn wraps_from_max_back_to_one() {
        let mut counter = SequenceCounter::starting_at(MAX_SEQUENCE_NUMBER - 1);
        assert_eq!(counter.next_number(), 0x7FFF_FFFE);
        assert_eq!(counter.next_number(), 0x7FFF_FFFF);
        assert_eq!(counter.next_number(), 1);
        assert_eq!(counter.next_number(), 2);
    }

    #[test]
    fn out_of_range_start_falls_back_to_one() {
        assert_eq!(SequenceCounter::starting_at(0).next_number(), 1);
        assert_eq!(SequenceCounter::starting_at(0x8000_0000).next_number(), 1);
    }
}
