//! What the web UI and the JSON admin API ask of the gateway beyond counters: runtime peer
//! management ([`PeerAdmin`]), the store-and-forward cache ([`CacheAdmin`]) and a read-only
//! look at the core's queue ([`QueueView`]).
//!
//! Each trait has one implementation over the engine and is easy to fake in tests. Every call
//! is made from a sidecar thread and may block briefly (a disk read, a core call); none is on
//! a shard's hot path.

use core_api::QueuedMessageView;
use engine::cache::{CacheSummary, CachedMessageView};
use smpp_config::{ClientBind, ServerBind};

use crate::view::ControlError;

/// Adds, changes and removes peers while the gateway runs. A change is validated like the
/// configuration file (an error names the key), applied at once (a changed client bind
/// reconnects with its new settings, a deleted one unbinds, a new server bind accepts at
/// once) and persisted so that it overrides the file's entry at the next start.
pub trait PeerAdmin: Send + Sync + 'static {
    /// Client binds (carriers) as they are in effect now, in configuration order.
    fn client_peers(&self) -> Vec<ClientBind>;
    /// Server binds (partners) as they are in effect now, in configuration order.
    fn server_peers(&self) -> Vec<ServerBind>;
    /// Adds a client bind, or replaces the one with the same name.
    fn put_client_peer(&self, bind: ClientBind) -> Result<(), ControlError>;
    /// Removes a client bind (its session unbinds).
    fn delete_client_peer(&self, name: &str) -> Result<(), ControlError>;
    /// Adds a server bind, or replaces the one with the same name.
    fn put_server_peer(&self, bind: ServerBind) -> Result<(), ControlError>;
    /// Removes a server bind (its partner's sessions are closed).
    fn delete_server_peer(&self, name: &str) -> Result<(), ControlError>;
}

/// The operator's calls on the store-and-forward cache of every shard.
pub trait CacheAdmin: Send + Sync + 'static {
    /// Counts overall and per bind, summed over the shards.
    fn cache_summary(&self) -> CacheSummary;
    /// Up to `limit` cached messages of `bind`, oldest first.
    fn cache_messages(
        &self,
        bind: &str,
        limit: usize,
    ) -> Result<Vec<CachedMessageView>, ControlError>;
    /// Puts a `failed_permanent` message back to pending with retry_count 0.
    fn cache_retry(&self, id: i64) -> Result<(), ControlError>;
    /// Deletes one cached message.
    fn cache_delete(&self, id: i64) -> Result<(), ControlError>;
    /// Deletes every `failed_permanent` message of `bind`; returns how many went.
    fn cache_delete_failed(&self, bind: &str) -> Result<usize, ControlError>;
}

/// The core's pending messages (`GET /api/messages?status=pending`), read without leasing.
pub trait QueueView: Send + Sync + 'static {
    /// Up to `limit` pending messages, of one `dest_smsc` or of all.
    fn pending(
        &self,
        dest_smsc: Option<&str>,
        limit: u32,
    ) -> Result<Vec<QueuedMessageView>, ControlError>;
}
