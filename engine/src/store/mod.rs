//! Per-shard durable state in fjall: the carrier-id -> core-id map for receipts
//! ([`ReceiptMap`]) and the parts of MO messages being reassembled ([`MoPartStore`]).
//!
//! Each shard opens one [`fjall::Database`] in its own directory ([`open_database`]; all
//! keyspaces of a database share one journal, so one per shard keeps shards from contending)
//! and builds both stores on it. Every call blocks on disk I/O: call them from a blocking
//! thread, never from the executor, and batch (`record_batch`, `put_batch`) to amortise the
//! journal writes and fsyncs. Times are `SystemTime`s passed in; nothing reads a clock.

mod mo_parts;
mod peers;
mod receipt_map;

use std::path::Path;

pub use mo_parts::{
    MoGroup, MoGroupKey, MoPart, MoPartStore, PutOutcome, PutResult, Recovery, StoredPart,
};
pub use peers::{PeerOverrides, PeerStore, PeerStoreError};
pub use receipt_map::{CoreRef, ReceiptMap, DEFAULT_RECEIPT_TTL};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// fjall refused an operation (I/O error, poisoned database, ...).
    #[error("store: {0}")]
    Fjall(#[from] fjall::Error),
}

/// Opens (or creates) the shard's database in `dir`.
pub fn open_database(dir: impl AsRef<Path>) -> Result<fjall::Database, StoreError> {
    Ok(fjall::Database::builder(dir).open()?)
}

/// Unix milliseconds of `time`, never negative (stored times are unsigned big-endian so
/// that byte order is time order).
fn stored_ms(time: std::time::SystemTime) -> u64 {
    u64::try_from(crate::translate::time::unix_ms(time)).unwrap_or(0)
}
