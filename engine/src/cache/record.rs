//! On-disk layout of cached messages and the local message id scheme.
//!
//! Three keyspaces in the shard's database:
//! - `cache_bodies`: key -> the `InsertMessage` JSON (written once, never rewritten);
//! - `cache_states`: key -> the small state record below (rewritten on every transition, so a
//!   state change never copies the message body);
//! - `cache_meta`: `next_counter` -> the highest counter ever written (u64 BE).
//!
//! Key: bind (u16 BE length + UTF-8), then the record's counter (u64 BE). Counters only grow,
//! so a prefix scan of a bind lists its records oldest first.
//!
//! State value: version (1), state, retry_count (u32 BE), next_retry_at, created_at (u64 BE
//! Unix ms each), last_error (UTF-8, the rest).

use std::time::{SystemTime, UNIX_EPOCH};

use super::CacheError;

/// Bits of a local id's magnitude that carry the shard index.
const SHARD_BITS: u32 = 8;
/// Highest counter that still fits an `i64` id once shifted by [`SHARD_BITS`].
pub(super) const MAX_COUNTER: u64 = (1 << (63 - SHARD_BITS)) - 1;
/// Counters start at Unix ms shifted by this much (4096 ids per ms of downtime to spare).
const TIME_SEED_BITS: u32 = 12;

/// Meta key of the counter high-water mark.
pub(super) const NEXT_COUNTER_KEY: &[u8] = b"next_counter";

const STATE_VERSION: u8 = 1;
/// Longest `last_error` kept, in bytes.
const MAX_ERROR_LEN: usize = 500;

/// Where a cached message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageState {
    /// Waiting for its `next_retry_at`.
    Pending,
    /// Handed to a flush and not yet answered.
    Delivering,
    /// Gave up (max retries or a 4xx): stays until an operator retries or deletes it.
    FailedPermanent,
}

impl MessageState {
    /// The operator-facing name (`pending`, `delivering`, `failed_permanent`).
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Delivering => "delivering",
            MessageState::FailedPermanent => "failed_permanent",
        }
    }

    fn tag(self) -> u8 {
        match self {
            MessageState::Pending => 0,
            MessageState::Delivering => 1,
            MessageState::FailedPermanent => 2,
        }
    }

    fn from_tag(tag: u8) -> Option<MessageState> {
        match tag {
            0 => Some(MessageState::Pending),
            1 => Some(MessageState::Delivering),
            2 => Some(MessageState::FailedPermanent),
            _ => None,
        }
    }
}

/// The mutable part of a record (kept in memory and in `cache_states`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct StateRecord {
    pub(super) state: MessageState,
    pub(super) retry_count: u32,
    pub(super) next_retry_ms: u64,
    pub(super) created_ms: u64,
    pub(super) last_error: Option<Box<str>>,
}

impl StateRecord {
    pub(super) fn encode(&self) -> Vec<u8> {
        let error = self.last_error.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(22 + error.len());
        out.push(STATE_VERSION);
        out.push(self.state.tag());
        out.extend_from_slice(&self.retry_count.to_be_bytes());
        out.extend_from_slice(&self.next_retry_ms.to_be_bytes());
        out.extend_from_slice(&self.created_ms.to_be_bytes());
        out.extend_from_slice(error.as_bytes());
        out
    }

    pub(super) fn decode(value: &[u8]) -> Option<StateRecord> {
        let (&[version, state], rest) = value.split_first_chunk::<2>()?;
        if version != STATE_VERSION {
            return None;
        }
        let (retry, rest) = rest.split_first_chunk::<4>()?;
        let (next, rest) = rest.split_first_chunk::<8>()?;
        let (created, error) = rest.split_first_chunk::<8>()?;
        let error = std::str::from_utf8(error).ok()?;
        Some(StateRecord {
            state: MessageState::from_tag(state)?,
            retry_count: u32::from_be_bytes(*retry),
            next_retry_ms: u64::from_be_bytes(*next),
            created_ms: u64::from_be_bytes(*created),
            last_error: (!error.is_empty()).then(|| error.into()),
        })
    }
}

/// `error` cut to [`MAX_ERROR_LEN`] bytes on a character boundary.
pub(super) fn bounded_error(error: &str) -> Box<str> {
    let mut end = error.len().min(MAX_ERROR_LEN);
    while !error.is_char_boundary(end) {
        end -= 1;
    }
    error.get(..end).unwrap_or_default().into()
}

/// The key prefix of a bind's records.
pub(super) fn bind_prefix(bind: &str) -> Vec<u8> {
    let bytes = bind.as_bytes();
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(2 + usize::from(len) + 8);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
    out
}

pub(super) fn record_key(bind: &str, counter: u64) -> Vec<u8> {
    let mut out = bind_prefix(bind);
    out.extend_from_slice(&counter.to_be_bytes());
    out
}

pub(super) fn parse_key(key: &[u8]) -> Option<(String, u64)> {
    let (len, rest) = key.split_first_chunk::<2>()?;
    let (bind, counter) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
    let counter: [u8; 8] = counter.try_into().ok()?;
    Some((
        String::from_utf8(bind.to_vec()).ok()?,
        u64::from_be_bytes(counter),
    ))
}

/// The local message id of `counter` on `shard`: `-(counter * 256 + shard)`.
///
/// The low 8 bits name the shard, so two shards never produce the same id; the counter is
/// unique within a shard's database across restarts (see [`first_counter`]).
pub(super) fn local_id(shard: u8, counter: u64) -> i64 {
    let magnitude = (counter.min(MAX_COUNTER) << SHARD_BITS) | u64::from(shard);
    -i64::try_from(magnitude).unwrap_or(i64::MAX)
}

/// The shard that generated a local id (to route a sidecar operation), or `None` when `id` is
/// not a local id.
pub fn shard_of_id(id: i64) -> Option<u8> {
    split_id(id).map(|(shard, _)| shard)
}

pub(super) fn split_id(id: i64) -> Option<(u8, u64)> {
    if id >= 0 {
        return None;
    }
    let magnitude = id.unsigned_abs();
    let shard = u8::try_from(magnitude & ((1 << SHARD_BITS) - 1)).ok()?;
    Some((shard, magnitude >> SHARD_BITS))
}

/// The first counter of a run: above every counter already written (`stored_high`), and
/// above the clock-seeded floor `unix_ms * 4096`, so that even a database that lost its files
/// (`ram` storage, a wiped directory) does not hand out ids of an earlier run unless that run
/// produced more than 4096 ids per millisecond on average.
pub(super) fn first_counter(stored_high: Option<u64>, now: SystemTime) -> Result<u64, CacheError> {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let seeded = now_ms.saturating_mul(1 << TIME_SEED_BITS);
    let after_stored = stored_high.map_or(0, |high| high.saturating_add(1));
    let first = seeded.max(after_stored);
    if first > MAX_COUNTER {
        return Err(CacheError::IdsExhausted);
    }
    Ok(first)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn state_record_round_trips() {
        let record = StateRecord {
            state: MessageState::FailedPermanent,
            retry_count: 10,
            next_retry_ms: 1_800_000_000_123,
            created_ms: 1_700_000_000_000,
            last_error: Some("http 503 (busy)".into()),
        };
        assert_eq!(StateRecord::decode(&record.encode()), Some(record));
        assert_eq!(StateRecord::decode(&[1, 9, 0, 0, 0, 0]), None);
        assert_eq!(StateRecord::decode(&[]), None);
    }

    #[test]
    fn keys_order_by_counter_within_a_bind() {
        let a = record_key("acme", 5);
        let b = record_key("acme", 256);
        assert!(a < b);
        assert_eq!(parse_key(&b), Some(("acme".to_owned(), 256)));
        assert_eq!(parse_key(&[0, 9, b'x']), None);
    }

    #[test]
    fn ids_are_negative_and_carry_the_shard() {
        let id = local_id(3, 482_253);
        assert!(id < 0);
        assert_eq!(id, -(482_253 * 256 + 3));
        assert_eq!(split_id(id), Some((3, 482_253)));
        assert_eq!(shard_of_id(5), None);
        assert_eq!(
            split_id(local_id(255, MAX_COUNTER)),
            Some((255, MAX_COUNTER))
        );
    }

    #[test]
    fn first_counter_is_above_the_stored_mark_and_the_clock() {
        let now = UNIX_EPOCH + Duration::from_millis(1_000);
        assert_eq!(first_counter(None, now).unwrap(), 4_096_000);
        assert_eq!(first_counter(Some(9_000_000), now).unwrap(), 9_000_001);
        assert!(first_counter(Some(MAX_COUNTER), now).is_err());
    }

    #[test]
    fn errors_are_cut_on_a_char_boundary() {
        let long = "é".repeat(400);
        let cut = bounded_error(&long);
        assert!(cut.len() <= MAX_ERROR_LEN);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
