//! The shards' message caches ([`crate::cache`]) as the gateway runs them: one
//! [`MessageCache`] per shard opened before the shards start, its group-commit
//! [`CacheWriter`] and its flush thread ([`super::cache_flush`]), reachable from every shard
//! and from the sidecar through [`super::Shared::caches`].
//!
//! Opening: when a bind has `cache_enabled`, a cache that cannot be opened stops the start
//! with an error naming `cache_dir`. When no bind uses the cache it is opened only if an
//! earlier run left shard directories under `cache_dir` (their records are still delivered),
//! and a failure is only logged. Without an open cache a bind given `cache_enabled` at
//! runtime answers a core outage with a temporary error, as without a cache.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use core_api::InsertMessage;
use smpp_config::{CacheStorageType, ClientBind, Config, ServerBind};

use crate::cache::{
    BindCacheSettings, CacheError, CacheSettings, CacheWriter, MessageCache, StorageType,
    StoreFuture, WriterOptions, WriterThread,
};
use crate::coreclient::CoreClient;

/// How long after a temporary insert failure new messages of cache-enabled binds go straight
/// to the cache instead of trying the core first (see the README's cache section).
pub const CORE_DOWN_HOLD: Duration = Duration::from_secs(1);

/// One shard's cache, writer and "core is down" mark.
pub struct ShardCache {
    cache: MessageCache,
    writer: RwLock<Option<CacheWriter>>,
    thread: Mutex<Option<WriterThread>>,
    /// Unix ms until which inserts skip the core (0: try the core).
    core_down_until_ms: AtomicU64,
}

impl std::fmt::Debug for ShardCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardCache")
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl ShardCache {
    /// The cache (summary, listing, operator calls, counters).
    pub fn cache(&self) -> &MessageCache {
        &self.cache
    }

    /// Stores `message` durably for `bind`; the future resolves to the local id once the
    /// group commit is fsynced. After [`Caches::close`] it resolves to an error.
    pub fn store(&self, bind: &str, message: &InsertMessage, now: SystemTime) -> StoreFuture {
        let writer = self.writer.read().unwrap_or_else(PoisonError::into_inner);
        match writer.as_ref() {
            Some(writer) => writer.store(bind, message, now),
            None => stopped_store(),
        }
    }

    /// Stores a carrier receipt that matched no message; resolves like [`ShardCache::store`].
    pub fn store_receipt(
        &self,
        bind: &str,
        receipt: &core_api::DeliveryReceiptPost,
        now: SystemTime,
    ) -> StoreFuture {
        let writer = self.writer.read().unwrap_or_else(PoisonError::into_inner);
        match writer.as_ref() {
            Some(writer) => writer.store_receipt(bind, receipt, now),
            None => stopped_store(),
        }
    }

    /// [`ShardCache::store`] for a blocking caller (tools, tests): waits for the fsync.
    pub fn store_blocking(
        &self,
        bind: &str,
        message: &InsertMessage,
        now: SystemTime,
    ) -> Result<i64, CacheError> {
        let writer = self
            .writer
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        match writer {
            Some(writer) => writer.store_blocking(bind, message, now),
            None => Err(CacheError::WriterStopped),
        }
    }

    /// Whether a recent temporary failure says the core is down at `now`.
    pub fn core_known_down(&self, now: SystemTime) -> bool {
        unix_ms(now) < self.core_down_until_ms.load(Ordering::Relaxed)
    }

    /// The core failed temporarily at `now`: skip it for [`CORE_DOWN_HOLD`].
    pub fn mark_core_down(&self, now: SystemTime) {
        let until = unix_ms(now).saturating_add(CORE_DOWN_HOLD.as_millis() as u64);
        self.core_down_until_ms.store(until, Ordering::Relaxed);
    }

    /// The core took a message: try it first again.
    pub fn mark_core_up(&self) {
        self.core_down_until_ms.store(0, Ordering::Relaxed);
    }
}

/// A store future that fails at once with `WriterStopped`.
fn stopped_store() -> StoreFuture {
    StoreFuture::stopped()
}

/// Why the caches could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cache_dir: cannot open the message cache of shard {shard} in {dir}: {source}")]
pub struct CacheOpenError {
    shard: usize,
    dir: String,
    source: CacheError,
}

/// Every shard's cache (empty until [`Caches::open`]).
#[derive(Default)]
pub struct Caches {
    shards: std::sync::OnceLock<Vec<Arc<ShardCache>>>,
    flushers: Mutex<Vec<JoinHandle<()>>>,
    stop: Arc<AtomicBool>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches")
            .field("shards", &self.all().len())
            .finish_non_exhaustive()
    }
}

/// The engine's cache settings from the configuration.
pub fn cache_settings(config: &Config) -> CacheSettings {
    CacheSettings {
        dir: config.cache_dir.clone(),
        storage: match config.cache_storage_type {
            CacheStorageType::Disc => StorageType::Disc,
            CacheStorageType::Ram => StorageType::Ram,
        },
        max_retry_attempts: config.cache_max_retry_attempts,
        backoff_multiplier: config.cache_backoff_multiplier,
    }
}

/// Sets every configured bind's `cache_max_size` and `cache_retry_interval` on `cache`.
pub fn configure_binds(cache: &MessageCache, config: &Config) {
    configure_bind_list(cache, &config.binds, &config.server_binds);
}

/// Sets the `cache_max_size` and `cache_retry_interval` of each of these binds on `cache`.
pub(crate) fn configure_bind_list(
    cache: &MessageCache,
    binds: &[ClientBind],
    server_binds: &[ServerBind],
) {
    let client = binds
        .iter()
        .map(|b| (&b.name, b.cache_max_size, b.cache_retry_interval));
    let server = server_binds
        .iter()
        .map(|b| (&b.name, b.cache_max_size, b.cache_retry_interval));
    for (name, max_size, retry_interval) in client.chain(server) {
        cache.configure_bind(
            name,
            BindCacheSettings {
                max_size,
                retry_interval,
            },
        );
    }
}

impl Caches {
    /// Opens shard 0..`shards`'s caches, starts their writers and flush threads (flushing
    /// through `core` every `cache_flush_interval`). Blocks on disk I/O and recovery.
    pub fn open(
        &self,
        config: &Config,
        shards: usize,
        core: &CoreClient,
    ) -> Result<(), CacheOpenError> {
        let required = config.binds.iter().any(|b| b.cache_enabled)
            || config.server_binds.iter().any(|b| b.cache_enabled);
        // Without a cache-enabled bind the cache is only opened to deliver what an earlier
        // run left on disc; nothing is created when there is nothing to recover.
        let left_on_disc = config.cache_storage_type == CacheStorageType::Disc
            && (0..shards.max(1))
                .any(|shard| config.cache_dir.join(format!("shard-{shard}")).is_dir());
        if !required && !left_on_disc {
            return Ok(());
        }
        match self.try_open(config, shards, core) {
            Ok(()) => Ok(()),
            Err(error) if required => Err(error),
            Err(error) => {
                log::warn!("{error}; no bind has cache_enabled, running without the cache");
                Ok(())
            }
        }
    }

    fn try_open(
        &self,
        config: &Config,
        shards: usize,
        core: &CoreClient,
    ) -> Result<(), CacheOpenError> {
        let settings = cache_settings(config);
        let mut opened = Vec::with_capacity(shards);
        for shard in 0..shards.max(1) {
            let failure = |source| CacheOpenError {
                shard,
                dir: config.cache_dir.display().to_string(),
                source,
            };
            let cache = MessageCache::open(&settings, shard).map_err(failure)?;
            configure_binds(&cache, config);
            let (writer, thread) =
                CacheWriter::start(&cache, WriterOptions::default()).map_err(failure)?;
            opened.push(Arc::new(ShardCache {
                cache,
                writer: RwLock::new(Some(writer)),
                thread: Mutex::new(Some(thread)),
                core_down_until_ms: AtomicU64::new(0),
            }));
        }
        if config.cache_storage_type == CacheStorageType::Ram {
            log::info!(
                "message cache in RAM (cache_storage_type = \"ram\"): cached messages do not \
                 survive a restart"
            );
        }
        let mut flushers = self.flushers.lock().unwrap_or_else(PoisonError::into_inner);
        for shard in &opened {
            let handle = super::cache_flush::start(
                Arc::clone(shard),
                core.clone(),
                config.cache_flush_interval,
                Arc::clone(&self.stop),
            );
            match handle {
                Ok(handle) => flushers.push(handle),
                Err(error) => log::error!(
                    "cache shard {}: cannot start the flush thread: {error}",
                    shard.cache.shard()
                ),
            }
        }
        let _ = self.shards.set(opened);
        Ok(())
    }

    /// Shard `index`'s cache, if the caches are open.
    pub fn shard(&self, index: usize) -> Option<&Arc<ShardCache>> {
        self.shards.get()?.get(index)
    }

    /// Every shard's cache (empty when not open).
    pub fn all(&self) -> &[Arc<ShardCache>] {
        self.shards.get().map_or(&[], Vec::as_slice)
    }

    /// Stops the flush threads (each finishes its round), then the writers (each finishes
    /// its queued stores) and waits for all of them. Idempotent.
    pub fn close(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let flushers: Vec<_> = self
            .flushers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .collect();
        for handle in flushers {
            if handle.join().is_err() {
                log::error!("a cache flush thread panicked");
            }
        }
        for shard in self.all() {
            drop(
                shard
                    .writer
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
            let thread = shard
                .thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(thread) = thread {
                thread.join();
            }
        }
    }
}
