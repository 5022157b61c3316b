//! State every shard reads: the configuration snapshot, per-bind limiters and counters, the
//! listener's connection count and the stop flag. All of it is immutable or atomic, except the
//! peers snapshot, which a runtime change replaces as a whole (see [`Shared::replace_peers`]).

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

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
    pub limiter: Arc<RateLimiter>,
    /// TPS limit of deliveries to the partner (each part counts).
    pub deliver_limiter: Arc<RateLimiter>,
    /// Counters (kept when a runtime change replaces the bind's settings).
    pub stats: Arc<BindStats>,
    /// The operator's commands (kept across changes of the settings).
    pub operator: Arc<OperatorCommands>,
}

/// A client bind (carrier) with its live limiter and counters.
#[derive(Debug)]
pub struct ClientBindRuntime {
    /// The configured bind.
    pub config: ClientBind,
    /// TPS limit of submit_sm to the carrier.
    pub limiter: Arc<RateLimiter>,
    /// Counters (kept when a runtime change replaces the bind's settings).
    pub stats: Arc<BindStats>,
    /// The shard that runs this bind.
    pub home_shard: usize,
    /// The operator's commands (kept across changes of the settings).
    pub operator: Arc<OperatorCommands>,
}

/// What the operator asked of a bind (web UI, admin API), read by the shard that runs it.
#[derive(Debug, Default)]
pub struct OperatorCommands {
    /// A client bind stays unbound until a reconnect.
    down: AtomicBool,
    /// Reconnects (client) or session closes (server) asked for so far.
    kicks: AtomicU64,
}

impl OperatorCommands {
    /// Whether the operator disconnected the (client) bind.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Marks the bind down or up.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Release);
    }

    /// Asks for the bind's sessions to be dropped (and a client bind to reconnect at once).
    pub fn kick(&self) {
        self.kicks.fetch_add(1, Ordering::AcqRel);
    }

    /// How many kicks were asked for so far.
    pub fn kicks(&self) -> u64 {
        self.kicks.load(Ordering::Acquire)
    }
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
        Self::empty().next(&config.binds, &config.server_binds, shards)
    }

    /// No binds at all.
    pub fn empty() -> Self {
        Self {
            server_binds: Vec::new(),
            client_binds: Vec::new(),
        }
    }

    /// The snapshot after a runtime change to these binds. A bind whose settings did not change
    /// keeps its runtime state as it is (the same `Arc`, so its sessions are untouched); a
    /// changed bind keeps its counters, operator commands and, when `tps_limit` is unchanged,
    /// its rate limiters.
    pub fn next(&self, binds: &[ClientBind], server_binds: &[ServerBind], shards: usize) -> Self {
        let server_binds = server_binds
            .iter()
            .map(|bind| match self.server_bind(&bind.name) {
                Some(old) if old.config == *bind => Arc::clone(old),
                old => {
                    let same_rate = old.filter(|o| o.config.tps_limit == bind.tps_limit);
                    Arc::new(ServerBindRuntime {
                        limiter: same_rate.map_or_else(
                            || Arc::new(RateLimiter::per_second(bind.tps_limit)),
                            |o| Arc::clone(&o.limiter),
                        ),
                        deliver_limiter: same_rate.map_or_else(
                            || Arc::new(RateLimiter::per_second(bind.tps_limit)),
                            |o| Arc::clone(&o.deliver_limiter),
                        ),
                        stats: old.map_or_else(Arc::default, |o| Arc::clone(&o.stats)),
                        operator: old.map_or_else(Arc::default, |o| Arc::clone(&o.operator)),
                        config: bind.clone(),
                    })
                }
            })
            .collect();
        let client_binds = binds
            .iter()
            .map(|bind| match self.client_bind(&bind.name) {
                Some(old) if old.config == *bind => Arc::clone(old),
                old => {
                    let stats = old.map_or_else(Arc::default, |o| Arc::clone(&o.stats));
                    if !bind.enabled {
                        stats.set_status(ConnectionStatus::Disabled);
                    } else if stats.status() == ConnectionStatus::Disabled {
                        stats.set_status(ConnectionStatus::Disconnected);
                    }
                    let same_rate = old.filter(|o| o.config.tps_limit == bind.tps_limit);
                    Arc::new(ClientBindRuntime {
                        limiter: same_rate.map_or_else(
                            || Arc::new(RateLimiter::per_second(bind.tps_limit)),
                            |o| Arc::clone(&o.limiter),
                        ),
                        stats,
                        home_shard: home_shard(&bind.name, shards),
                        operator: old.map_or_else(Arc::default, |o| Arc::clone(&o.operator)),
                        config: bind.clone(),
                    })
                }
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
    /// The binds: replaced as a whole by a runtime change; read once per connection or bind,
    /// never per PDU.
    peers: RwLock<Arc<Peers>>,
    /// Bumped by every peer change and operator command; shards reconcile when it moves.
    generation: AtomicU64,
    /// Held by whoever is changing the peers (validate, persist, replace), one at a time.
    peers_writer: Mutex<()>,
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
    /// Failed binds per peer address, for the lockout (`listen.bind_failure_limit`).
    pub(crate) bind_failures: Mutex<crate::lockout::BindFailures>,
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
        let lockout = crate::lockout::LockoutPolicy {
            limit: config.listen.bind_failure_limit,
            window: config.listen.bind_failure_window,
            duration: config.listen.lockout_duration,
        };
        Self {
            config,
            peers: RwLock::new(Arc::new(peers)),
            generation: AtomicU64::new(0),
            peers_writer: Mutex::new(()),
            shards,
            listener: ListenerStats::default(),
            core,
            health: super::heartbeat::CoreHealth::default(),
            caches: super::caches::Caches::default(),
            bind_failures: Mutex::new(crate::lockout::BindFailures::new(
                lockout,
                crate::lockout::BindFailures::DEFAULT_CAPACITY,
            )),
            open_connections: AtomicU32::new(0),
            stop: AtomicBool::new(false),
        }
    }

    /// The binds in effect now.
    pub fn peers(&self) -> Arc<Peers> {
        let guard = self
            .peers
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(&guard)
    }

    /// Puts `binds` and `server_binds` (already validated) in effect: shards start new client
    /// binds, restart changed ones, stop deleted ones and close the sessions of changed or
    /// deleted server binds within about 50 ms. Returns the new snapshot.
    pub fn replace_peers(&self, binds: &[ClientBind], server_binds: &[ServerBind]) -> Arc<Peers> {
        let mut guard = self
            .peers
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let next = Arc::new(guard.next(binds, server_binds, self.shards));
        *guard = Arc::clone(&next);
        drop(guard);
        // Cache limits (cache_max_size, cache_retry_interval) follow the bind's new settings.
        for shard in self.caches.all() {
            super::caches::configure_bind_list(shard.cache(), binds, server_binds);
        }
        self.bump_generation();
        next
    }

    /// Changes the peers: `change` gets the snapshot in effect and returns the new binds (after
    /// validating and persisting them) or an error, which leaves everything as it was. Changes
    /// run one at a time, so none is lost to a concurrent one.
    pub fn change_peers<T, E>(
        &self,
        change: impl FnOnce(&Peers) -> Result<(Vec<ClientBind>, Vec<ServerBind>, T), E>,
    ) -> Result<T, E> {
        let _writer = self
            .peers_writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let current = self.peers();
        let (binds, server_binds, outcome) = change(&current)?;
        self.replace_peers(&binds, &server_binds);
        Ok(outcome)
    }

    /// Tells the shards to look at the peers and operator commands again.
    pub fn bump_generation(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Moves with every peer change and operator command.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Asks every shard to stop.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was requested.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Whether connections from `address` are closed at accept (a lockout after failed binds).
    pub(crate) fn locked_out(&self, address: std::net::IpAddr) -> bool {
        if self.config.listen.bind_failure_limit == 0 {
            return false;
        }
        self.bind_failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_locked(address, std::time::Instant::now())
    }

    /// Counts a failed bind (wrong password, unknown system_id) from `address`; the outcome
    /// says whether it began a lockout.
    pub(crate) fn bind_failed(&self, address: std::net::IpAddr) -> crate::lockout::FailureOutcome {
        if self.config.listen.bind_failure_limit == 0 {
            return crate::lockout::FailureOutcome::Ignored;
        }
        self.bind_failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .record_failure(address, std::time::Instant::now())
    }

    /// A successful bind from `address` clears its failed binds.
    pub(crate) fn bind_succeeded(&self, address: std::net::IpAddr) {
        if self.config.listen.bind_failure_limit == 0 {
            return;
        }
        self.bind_failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .record_success(address, std::time::Instant::now());
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
