//! [`MessageCache`]: a shard's database, its keyspaces, the in-memory index and recovery.
//!
//! The database and its keyspaces ([`Store`]) sit behind a lock of their own: every operation
//! takes the current store once and keeps it for its whole run, so that a reopen after fjall
//! refused the database ([`super::heal`]) waits for the operations under way and every later
//! one (writer batch, flush, operator call) uses the new database.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use fjall::{Database, Keyspace, KeyspaceCreateOptions};

use super::index::{BindCacheSettings, Entry, Index};
use super::record::{
    first_counter, local_id, parse_key, record_key, split_id, MessageState, StateRecord,
    MAX_COUNTER, NEXT_COUNTER_KEY,
};
use super::stats::CacheStats;
use super::{CacheError, CacheSettings, StorageType};

/// One shard's message cache (see the module doc). Cheap to clone: clones share the database,
/// the index and the counters.
#[derive(Clone)]
pub struct MessageCache {
    pub(super) inner: Arc<Inner>,
}

/// An open database and its keyspaces.
pub(super) struct Store {
    pub(super) db: Database,
    pub(super) bodies: Keyspace,
    pub(super) states: Keyspace,
    pub(super) meta: Keyspace,
}

impl Store {
    /// Opens (or creates) the database at `path`.
    pub(super) fn open(path: &Path) -> Result<Store, CacheError> {
        std::fs::create_dir_all(path)?;
        // Never fjall's `temporary`: a reopen after a failure must find the files again; a
        // `ram` cache's directory is removed when the cache is dropped (see `Inner`'s Drop).
        let db = Database::builder(path).open()?;
        let bodies = db.keyspace("cache_bodies", KeyspaceCreateOptions::default)?;
        let states = db.keyspace("cache_states", KeyspaceCreateOptions::default)?;
        let meta = db.keyspace("cache_meta", KeyspaceCreateOptions::default)?;
        Ok(Store {
            db,
            bodies,
            states,
            meta,
        })
    }
}

pub(super) struct Inner {
    /// The open database; `None` while it is being reopened.
    store: RwLock<Option<Arc<Store>>>,
    pub(super) shard: u8,
    pub(super) storage: StorageType,
    pub(super) path: PathBuf,
    pub(super) max_retry_attempts: u32,
    pub(super) backoff_multiplier: u32,
    next_counter: AtomicU64,
    index: Mutex<Index>,
    pub(super) stats: CacheStats,
    recovered: Recovered,
    /// Whether the database works, and the reopen schedule when it does not.
    pub(super) health: Mutex<super::heal::HealthState>,
    /// The last error fjall returned (the cause named when it turns out poisoned).
    pub(super) last_failure: Mutex<Option<String>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Close the database before removing a `ram` cache's files.
        let store = self
            .store
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(store);
        if self.storage == StorageType::Ram {
            if let Err(e) = std::fs::remove_dir_all(&self.path) {
                log::warn!(
                    "cache shard {}: cannot remove the ram cache {}: {e}",
                    self.shard,
                    self.path.display()
                );
            }
        }
    }
}

/// What [`recover`] found on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Recovered {
    pub(super) records: usize,
    pub(super) reset_to_pending: usize,
    pub(super) unreadable: usize,
}

impl std::fmt::Debug for MessageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageCache")
            .field("shard", &self.inner.shard)
            .field("path", &self.inner.path)
            .field("storage", &self.inner.storage)
            .finish_non_exhaustive()
    }
}

/// Unix ms of `time`, 0 before 1970 (stored times are unsigned).
pub(super) fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub(super) fn time_of(ms: u64) -> SystemTime {
    UNIX_EPOCH + std::time::Duration::from_millis(ms)
}

fn ram_directory(shard: u8) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "omnimessage-smpp-cache-{}-shard-{shard}-{nanos}",
        std::process::id()
    ))
}

impl MessageCache {
    /// Opens (or creates) shard `shard`'s cache: `<settings.dir>/shard-<shard>` for disc
    /// storage, a fresh temporary directory (deleted on drop) for `ram`. Recovers what is on
    /// disk: records a crash left `delivering` go back to `pending`, unreadable records are
    /// deleted. Blocks on disk I/O.
    pub fn open(settings: &CacheSettings, shard: usize) -> Result<MessageCache, CacheError> {
        let shard = u8::try_from(shard).map_err(|_| CacheError::ShardIndex(shard))?;
        let path = match settings.storage {
            StorageType::Disc => settings.dir.join(format!("shard-{shard}")),
            StorageType::Ram => ram_directory(shard),
        };
        let opened = Store::open(&path).and_then(|store| {
            let (index, recovered, highest) = recover(&store)?;
            let stored_high = store
                .meta
                .get(NEXT_COUNTER_KEY)?
                .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes));
            Ok((store, index, recovered, highest, stored_high))
        });
        let (store, index, recovered, highest, stored_high) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                if settings.storage == StorageType::Ram {
                    // Nothing of a fresh temporary directory is worth keeping.
                    let _ = std::fs::remove_dir_all(&path);
                }
                return Err(e);
            }
        };
        let next = first_counter(stored_high.max(highest), SystemTime::now())?;
        if recovered.records > 0 || recovered.unreadable > 0 {
            log::info!(
                "cache shard {shard}: recovered {} cached messages ({} left delivering put back \
                 to pending, {} unreadable deleted)",
                recovered.records,
                recovered.reset_to_pending,
                recovered.unreadable
            );
        }
        Ok(MessageCache {
            inner: Arc::new(Inner {
                store: RwLock::new(Some(Arc::new(store))),
                shard,
                storage: settings.storage,
                path,
                max_retry_attempts: settings.max_retry_attempts,
                backoff_multiplier: settings.backoff_multiplier,
                next_counter: AtomicU64::new(next),
                index: Mutex::new(index),
                stats: CacheStats::default(),
                recovered,
                health: Mutex::new(super::heal::HealthState::default()),
                last_failure: Mutex::new(None),
            }),
        })
    }

    /// The open database, kept by the caller for the whole operation;
    /// [`CacheError::Unavailable`] while it is being reopened after a failure.
    pub(super) fn store(&self) -> Result<Arc<Store>, CacheError> {
        self.inner
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| CacheError::Unavailable(self.inner.path.display().to_string()))
    }

    /// Takes the store out (operations get [`CacheError::Unavailable`] until
    /// [`MessageCache::put_store`]).
    pub(super) fn take_store(&self) -> Option<Arc<Store>> {
        self.inner
            .store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Installs `store` as the database every operation uses from now on.
    pub(super) fn put_store(&self, store: Arc<Store>) {
        *self
            .inner
            .store
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(store);
    }

    /// The shard index this cache's ids carry.
    pub fn shard(&self) -> usize {
        usize::from(self.inner.shard)
    }

    /// The database directory (a temporary one for `ram` storage).
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Disc or RAM.
    pub fn storage(&self) -> StorageType {
        self.inner.storage
    }

    /// Sets a bind's `cache_max_size` and `cache_retry_interval` (binds never configured use
    /// [`BindCacheSettings::default`]). May be called again at runtime.
    pub fn configure_bind(&self, bind: &str, settings: BindCacheSettings) {
        self.index().settings.insert(bind.into(), settings);
    }

    /// The shard's counters (`smpp_cache_*_total`).
    pub fn stats(&self) -> &CacheStats {
        &self.inner.stats
    }

    /// How many records were on disk at open, and how many of them had been left
    /// `delivering` by a crash and were put back to `pending`.
    pub fn recovered(&self) -> (usize, usize) {
        (
            self.inner.recovered.records,
            self.inner.recovered.reset_to_pending,
        )
    }

    pub(super) fn index(&self) -> MutexGuard<'_, Index> {
        // A panic while holding the lock leaves the index as consistent as each single
        // update is; keep serving rather than poisoning the whole cache.
        self.inner
            .index
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Reserves a counter and its local id.
    pub(super) fn allocate(&self) -> Result<(u64, i64), CacheError> {
        let counter = self.inner.next_counter.fetch_add(1, Ordering::Relaxed);
        if counter > MAX_COUNTER {
            return Err(CacheError::IdsExhausted);
        }
        Ok((counter, local_id(self.inner.shard, counter)))
    }

    /// Reserves a local id before the core is tried: it goes with the first insert as
    /// `frontend_message_id`, so a record stored under it after an ambiguous failure (a
    /// time-out: the core may have taken the message) is deduplicated by the core when the
    /// flush delivers it. [`CacheWriter::store`](super::CacheWriter::store) stores a message
    /// whose `frontend_message_id` is such an id under that id.
    pub fn reserve_id(&self) -> Result<i64, CacheError> {
        self.allocate().map(|(_, id)| id)
    }

    /// The counter of a local id generated by this shard.
    pub(super) fn counter_of(&self, id: i64) -> Option<u64> {
        match split_id(id) {
            Some((shard, counter)) if shard == self.inner.shard => Some(counter),
            _ => None,
        }
    }

    pub(super) fn id_of(&self, counter: u64) -> i64 {
        local_id(self.inner.shard, counter)
    }
}

/// Reads every record into a fresh index; puts `delivering` records back to `pending` and
/// deletes unreadable ones (on disk too). Returns the index, what it did and the highest
/// counter seen.
pub(super) fn recover(store: &Store) -> Result<(Index, Recovered, Option<u64>), CacheError> {
    let Store {
        db, bodies, states, ..
    } = store;
    let mut index = Index::default();
    let mut recovered = Recovered::default();
    let mut highest = None;
    let mut batch = db.batch();
    for item in states.iter() {
        let (key, value) = item.into_inner()?;
        let parsed = parse_key(&key).zip(StateRecord::decode(&value));
        let Some(((bind, counter), mut record)) = parsed else {
            batch.remove(states, key.clone());
            batch.remove(bodies, key);
            recovered.unreadable += 1;
            continue;
        };
        highest = highest.max(Some(counter));
        if record.state == MessageState::Delivering {
            record.state = MessageState::Pending;
            batch.insert(states, record_key(&bind, counter), record.encode());
            recovered.reset_to_pending += 1;
        }
        recovered.records += 1;
        let bind = index.bind_name(&bind);
        index.insert(counter, Entry { bind, record });
    }
    batch.commit()?;
    if recovered.reset_to_pending > 0 || recovered.unreadable > 0 {
        db.persist(fjall::PersistMode::SyncData)?;
    }
    Ok((index, recovered, highest))
}
