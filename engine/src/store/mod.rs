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

/// Block cache of a shard's database. The maps are read rarely (a receipt after a reconnect or
/// restart, an MO part), so fjall's 32 MiB default would only hold memory.
pub const CACHE_BYTES: u64 = 8 * 1024 * 1024;

/// Memtable (write buffer) size of each of the shard's keyspaces. fjall's default is 64 MiB per
/// keyspace, kept in memory until it is full: with the receipt map's two keyspaces a shard held
/// up to ~128 MiB of mappings that had long been answered, which the soak saw as RSS growing
/// by ~330-560 bytes per message. A 4 MiB memtable is flushed to a table on disk when full.
///
/// (fjall 3.1 also has a database-wide `max_write_buffer_size`, but it is deprecated and not
/// enforced in 3.1.13, so the per-keyspace limit is the one that bounds memory.)
pub const MEMTABLE_BYTES: u64 = 4 * 1024 * 1024;

/// Opens (or creates) the shard's database in `dir`, with a small block cache.
pub fn open_database(dir: impl AsRef<Path>) -> Result<fjall::Database, StoreError> {
    Ok(fjall::Database::builder(dir)
        .cache_size(CACHE_BYTES)
        .open()?)
}

/// Options for a shard keyspace: memtables of [`MEMTABLE_BYTES`].
fn keyspace_options() -> fjall::KeyspaceCreateOptions {
    fjall::KeyspaceCreateOptions::default().max_memtable_size(MEMTABLE_BYTES)
}

/// Unix milliseconds of `time`, never negative (stored times are unsigned big-endian so
/// that byte order is time order).
fn stored_ms(time: std::time::SystemTime) -> u64 {
    u64::try_from(crate::translate::time::unix_ms(time)).unwrap_or(0)
}
