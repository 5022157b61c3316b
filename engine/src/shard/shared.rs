//! State every shard reads: the configuration snapshot, per-bind limiters and counters, the
//! listener's connection count and the stop flag. All of it is immutable or atomic.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use smpp_config::{ClientBind, Config, ServerBind};

use crate::coreclient::CoreClient;
use crate::ratelimit::RateLimiter;
use crate::stats::{BindStats, ConnectionStatus, ListenerStats};

/// A server bind (partner) with its live limiter and counters.
#[derive(Debug)]
pub struct ServerBindRuntime {
    /// The configured bind.
    pub config: ServerBind,
    /// TPS limit of the partner's submits, shared by its sessions on every shard.
    pub limiter: RateLimiter,
    /// TPS limit of deliveries to the partner (each part counts).
    pub deliver_limiter: RateLimiter,
    /// Counters.
    pub stats: BindStats,
}

/// A client bind (carrier) with its live limiter and counters.
#[derive(Debug)]
pub struct ClientBindRuntime {
    /// The configured bind.
    pub config: ClientBind,
    /// TPS limit of submit_sm to the carrier.
    pub limiter: RateLimiter,
    /// Counters.
    pub stats: BindStats,
    /// The shard that runs this bind.
    pub home_shard: usize,
}

/// Peers as one immutable snapshot (replaced as a whole when binds change at runtime).
#[derive(Debug)]
pub struct Peers {
    /// Server binds (partners).
    pub server_binds: Vec<Arc<ServerBindRuntime>>,
    /// Client binds (carriers).
    pub client_binds: Vec<Arc<ClientBindRuntime>>,
}

impl Peers {
    /// Builds the runtime state of every bind; client binds are spread over `shards`.
    pub fn new(config: &Config, shards: usize) -> Self {
        let server_binds = config
            .server_binds
            .iter()
            .map(|bind| {
                Arc::new(ServerBindRuntime {
                    limiter: RateLimiter::per_second(bind.tps_limit),
                    deliver_limiter: RateLimiter::per_second(bind.tps_limit),
                    stats: BindStats::new(),
                    config: bind.clone(),
                })
            })
            .collect();
        let client_binds = config
            .binds
            .iter()
            .map(|bind| {
                let stats = BindStats::new();
                if !bind.enabled {
                    stats.set_status(ConnectionStatus::Disabled);
                }
                Arc::new(ClientBindRuntime {
                    limiter: RateLimiter::per_second(bind.tps_limit),
                    stats,
                    home_shard: home_shard(&bind.name, shards),
                    config: bind.clone(),
                })
            })
            .collect();
        Self {
            server_binds,
            client_binds,
        }
    }

    /// The server bind a partner's bind selects by system_id.
    pub fn server_bind_by_system_id(&self, system_id: &[u8]) -> Option<&Arc<ServerBindRuntime>> {
        self.server_binds
            .iter()
            .find(|bind| bind.config.system_id.as_bytes() == system_id)
    }

    /// The server bind with this name.
    pub fn server_bind(&self, name: &str) -> Option<&Arc<ServerBindRuntime>> {
        self.server_binds.iter().find(|b| b.config.name == name)
    }

    /// The client bind with this name.
    pub fn client_bind(&self, name: &str) -> Option<&Arc<ClientBindRuntime>> {
        self.client_binds.iter().find(|b| b.config.name == name)
    }
}

/// The shard a client bind lives on: a stable hash (FNV-1a) of its name, so a restart with the
/// same shard count puts it on the same shard.
pub fn home_shard(name: &str, shards: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    usize::try_from(hash % u64::try_from(shards.max(1)).unwrap_or(1)).unwrap_or(0)
}

/// What all shards share.
pub struct Shared {
    /// The configuration the gateway started with.
    pub config: Config,
    /// The binds.
    pub peers: Peers,
    /// Number of shards.
    pub shards: usize,
    /// Listener counters.
    pub listener: ListenerStats,
    /// The core's API (the blocking pool's handle).
    pub core: CoreClient,
    /// What the heartbeat's health probes found.
    pub health: super::heartbeat::CoreHealth,
    /// Every shard's message cache (opened by [`super::start`]).
    pub caches: super::caches::Caches,
    open_connections: AtomicU32,
    stop: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("shards", &self.shards)
            .field("peers", &self.peers)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// The shared state of a gateway about to start `shards` shards, calling the core
    /// through `core`.
    pub fn new(config: Config, shards: usize, core: CoreClient) -> Self {
        let peers = Peers::new(&config, shards);
        Self {
            config,
            peers,
            shards,
            listener: ListenerStats::default(),
            core,
            health: super::heartbeat::CoreHealth::default(),
            caches: super::caches::Caches::default(),
            open_connections: AtomicU32::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// Asks every shard to stop.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was requested.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Counts a new server connection if fewer than `max` are open.
    pub(crate) fn try_open_connection(&self, max: u32) -> bool {
        self.open_connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < max).then_some(open + 1)
            })
            .is_ok()
    }

    /// A server connection ended.
    pub(crate) fn close_connection(&self) {
        let _ = self
            .open_connections
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                Some(open.saturating_sub(1))
            });
    }

    /// Server connections open now.
    pub fn open_connections(&self) -> u32 {
        self.open_connections.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_shard_is_stable_and_in_range() {
        for shards in 1..8 {
            for name in ["vodafone_uk", "carrier_sim", "a", ""] {
                let shard = home_shard(name, shards);
                assert!(shard < shards);
                assert_eq!(shard, home_shard(name, shards));
            }
        }
        // Different names spread: not everything on shard 0 of 4.
        let spread: std::collections::HashSet<_> = (0..32)
            .map(|i| home_shard(&format!("bind_{i}"), 4))
            .collect();
        assert!(spread.len() > 1);
    }
}
