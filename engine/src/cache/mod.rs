//! Store-and-forward message cache: messages the core could not take right now (connection
//! error, time-out, 5xx) are kept durably per shard and delivered later, oldest first.
//!
//! Each shard opens one [`MessageCache`] over its own fjall database (`<cache_dir>/shard-N`;
//! storage `ram` uses a temporary directory deleted on drop, so its records do **not** survive
//! a restart). Two halves:
//!
//! - **Writes that must be durable before the ack** go through the shard's [`CacheWriter`]:
//!   a thread that gathers the stores of about a millisecond, writes them in one batch, calls
//!   `persist(SyncData)` once and only then resolves every waiter (group commit). A failed
//!   persist resolves every waiter of the batch with an error: answer the sender with a
//!   temporary error, never an ack.
//! - **Everything else is synchronous and blocking** (fjall does disk I/O): the flush state
//!   machine ([`MessageCache::due`], [`MessageCache::delivered`], [`MessageCache::failed`])
//!   and the operator calls ([`MessageCache::summary`], [`MessageCache::list`],
//!   [`MessageCache::retry`], [`MessageCache::delete`], [`MessageCache::delete_failed`]).
//!   Run them on a blocking thread, never on the executor. Time is passed in; nothing here
//!   reads the clock except [`MessageCache::open`] (to seed the id counter).
//!
//! Local message ids are negative (`-(counter * 256 + shard)`): the shard index in the low
//! 8 bits keeps shards apart, and the counter starts above both the highest counter ever
//! written in this database (stored with every batch) and `unix_ms * 4096`, so ids stay
//! unique across restarts (and, short of 4096 ids/ms, even when `ram` storage lost the files).
//! An id goes to the core as `frontend_message_id`, which the core deduplicates: a flush
//! retried after a time-out, or repeated after a crash, never creates a second message.
//!
//! A failed write or fsync makes fjall refuse the whole database ("poisoned"). The shard's
//! flush thread calls [`MessageCache::maintain`], which notices it, logs it once and reopens
//! the database from disk once its filesystem has room again, without a restart (see
//! `heal.rs`); meanwhile stores fail with a temporary error.
//!
//! Flush order: the records due at `now`, by due time then age, so first attempts go oldest
//! first and a backed-off record takes its turn when its `next_retry_at` comes.
//!
//! Wiring in a shard: at start `MessageCache::open(&settings, shard_index)`, then
//! `configure_bind` for every bind with `cache_enabled`, then `CacheWriter::start`. On a
//! submit_sm / deliver_sm whose insert failed with `CoreError::is_temporary()` on a bind with
//! `cache_enabled`: `writer.store(bind, &insert, now).await` -> `Ok(id)`: answer ESME_ROK
//! (submit_sm_resp carries `id.to_string()`); `Err(_)`: answer a temporary error (e.g.
//! ESME_RSYSERR / ESME_RTHROTTLED), never an ack. The flush worker, every
//! `cache_flush_interval`, on a blocking thread: `due(now, limit)`, insert each message (or
//! the batch form), then `settle(id, answer, now)` for each; repeat while `due` returns a full
//! `limit`. A `ram` cache left behind by a killed process stays in the temp directory (named
//! `omnimessage-smpp-cache-<pid>-shard-N-<nanos>`) until the system cleans it.

mod flush;
mod heal;
mod index;
mod ops;
mod partition;
mod record;
mod stats;
mod writer;

use std::path::PathBuf;

pub use flush::{CachedPayload, DueMessage, FailOutcome, Settled};
pub use index::BindCacheSettings;
pub use ops::CachedMessageView;
pub use partition::MessageCache;
pub use record::{shard_of_id, MessageState};
pub use stats::{CacheCounters, CacheCounts, CacheStats, CacheSummary};
pub use writer::{
    CacheWriter, PersistHook, StoreFuture, WriterOptions, WriterThread, DISK_RESERVE_BYTES,
};

/// Where a shard's records live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StorageType {
    /// `<cache_dir>/shard-N`: survives restarts and crashes.
    #[default]
    Disc,
    /// A temporary directory removed when the cache is dropped: lost on restart.
    Ram,
}

/// The global cache settings (`cache_dir`, `cache_storage_type`, `cache_max_retry_attempts`,
/// `cache_backoff_multiplier`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// Parent directory of the shard directories (disc storage).
    pub dir: PathBuf,
    /// Disc or RAM.
    pub storage: StorageType,
    /// Failed deliveries after which a message is `failed_permanent`.
    pub max_retry_attempts: u32,
    /// Factor applied to the retry delay after each failure.
    pub backoff_multiplier: u32,
}

impl CacheSettings {
    /// Disc storage under `dir` with the documented defaults (10 attempts, factor 2).
    pub fn new(dir: impl Into<PathBuf>) -> CacheSettings {
        CacheSettings {
            dir: dir.into(),
            storage: StorageType::Disc,
            max_retry_attempts: 10,
            backoff_multiplier: 2,
        }
    }
}

/// A cache failure.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// fjall refused an operation (I/O error, poisoned database, ...).
    #[error("cache: {0}")]
    Fjall(#[from] fjall::Error),
    /// A file-system operation around the database failed.
    #[error("cache: {0}")]
    Io(#[from] std::io::Error),
    /// More shards than the id scheme has room for.
    #[error("cache: shard index {0} is above 255")]
    ShardIndex(usize),
    /// The id counter reached its end (not before the year 2248 with a sane clock).
    #[error("cache: local message ids exhausted")]
    IdsExhausted,
    /// The message could not be serialised.
    #[error("cache: message not serialisable: {0}")]
    Encode(String),
    /// The batch holding the message was not made durable: do not acknowledge it.
    #[error("cache: not durable: {0}")]
    NotDurable(String),
    /// The writer thread is gone (shut down or panicked).
    #[error("cache: writer stopped")]
    WriterStopped,
    /// The database (this path) refused a write and is being reopened: try again later.
    #[error(
        "cache: the database {0} failed a write and is closed until it is reopened \
         (No space left on device?)"
    )]
    Unavailable(String),
}
