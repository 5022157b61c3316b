//! [`CacheAdmin`] over the engine: the operator's calls on every shard's message cache.
//! Counts are summed over the shards; a message id names its shard
//! ([`engine::cache::shard_of_id`]), so retry and delete go straight to the right cache.
//! Calls block on disk I/O (an fsync for retry and delete): run them on a sidecar thread.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use engine::cache::{shard_of_id, CacheCounts, CacheSummary, CachedMessageView};
use engine::shard::{ShardCache, Shared};

use crate::admin::CacheAdmin;
use crate::view::ControlError;

/// The engine's caches as a [`CacheAdmin`].
#[derive(Debug)]
pub struct EngineCacheAdmin {
    shared: Arc<Shared>,
}

impl EngineCacheAdmin {
    /// The admin of `shared`'s caches.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    fn shard_of(&self, id: i64) -> Result<&Arc<ShardCache>, ControlError> {
        let not_found = || ControlError::NotFound(format!("no cached message {id}"));
        let shard = shard_of_id(id).ok_or_else(not_found)?;
        self.shared
            .caches
            .shard(usize::from(shard))
            .ok_or_else(not_found)
    }

    fn known_bind(&self, bind: &str) -> Result<(), ControlError> {
        let peers = self.shared.peers();
        if peers.server_bind(bind).is_some() || peers.client_bind(bind).is_some() {
            return Ok(());
        }
        // A bind removed from the configuration may still have records.
        if self
            .shared
            .caches
            .all()
            .iter()
            .any(|s| s.cache().size_of(bind) > 0)
        {
            return Ok(());
        }
        Err(ControlError::UnknownBind(bind.to_owned()))
    }
}

fn unavailable(error: impl std::fmt::Display) -> ControlError {
    ControlError::Unavailable(error.to_string())
}

impl CacheAdmin for EngineCacheAdmin {
    fn cache_summary(&self) -> CacheSummary {
        let mut overall = CacheCounts::default();
        let mut binds: BTreeMap<String, CacheCounts> = BTreeMap::new();
        for shard in self.shared.caches.all() {
            let summary = shard.cache().summary();
            overall += summary.overall;
            for (bind, counts) in summary.binds {
                *binds.entry(bind).or_default() += counts;
            }
        }
        CacheSummary {
            overall,
            binds: binds.into_iter().collect(),
        }
    }

    fn cache_messages(
        &self,
        bind: &str,
        limit: usize,
    ) -> Result<Vec<CachedMessageView>, ControlError> {
        self.known_bind(bind)?;
        let mut messages: Vec<CachedMessageView> = self
            .shared
            .caches
            .all()
            .iter()
            .flat_map(|shard| shard.cache().list(bind, limit))
            .collect();
        messages.sort_by_key(|m| (m.created_at, std::cmp::Reverse(m.id)));
        messages.truncate(limit);
        Ok(messages)
    }

    fn cache_retry(&self, id: i64) -> Result<(), ControlError> {
        let shard = self.shard_of(id)?;
        match shard.cache().retry(id, SystemTime::now()) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ControlError::NotFound(format!(
                "no cached message {id} waiting or failed (unknown, or being delivered now)"
            ))),
            Err(error) => Err(unavailable(error)),
        }
    }

    fn cache_delete(&self, id: i64) -> Result<(), ControlError> {
        let shard = self.shard_of(id)?;
        match shard.cache().delete(id) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ControlError::NotFound(format!("no cached message {id}"))),
            Err(error) => Err(unavailable(error)),
        }
    }

    fn cache_delete_failed(&self, bind: &str) -> Result<usize, ControlError> {
        self.known_bind(bind)?;
        let mut removed = 0;
        for shard in self.shared.caches.all() {
            removed += shard.cache().delete_failed(bind).map_err(unavailable)?;
        }
        Ok(removed)
    }
}
