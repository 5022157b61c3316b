//! What the sidecar reads from the gateway and the commands it may send: plain snapshot values
//! behind two small traits, so the HTTP side never touches the shards' own state.
//!
//! A [`GatewayView`] is asked for fresh snapshots on every request (a scrape, a status page
//! refresh). Implementations copy atomics and published `Arc` snapshots; they must not take a
//! lock the hot path also takes. [`crate::EngineView`] implements it over the engine's shared
//! state.

use engine::coreclient::StatsSnapshot;
use engine::stats::{BindStatsSnapshot, ConnectionStatus};

/// Which side of SMPP a bind plays (the `mode` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindMode {
    /// The gateway is the ESME and connects out to a carrier.
    Client,
    /// Partners connect in to the gateway's listener.
    Server,
}

impl BindMode {
    /// `client` or `server`, as the metrics label and the JSON spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            BindMode::Client => "client",
            BindMode::Server => "server",
        }
    }
}

/// The labels that identify a bind's series (SPEC.md section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindIdentity {
    /// Unique bind name (`bind_name`).
    pub name: String,
    /// Client or server (`mode`).
    pub mode: BindMode,
    /// The carrier's host (client) or the listener's host (server).
    pub host: String,
    /// The carrier's port (client) or the listener's port (server).
    pub port: u16,
    /// transmitter|receiver|transceiver of a client bind; `None` for server binds, which carry
    /// no `bind_type` label.
    pub bind_type: Option<String>,
    /// The SMPP system_id of the bind.
    pub system_id: String,
}

/// The message cache of one bind (SPEC.md section 5). All zero while the bind has no cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheView {
    /// Whether `cache_enabled` is set for the bind.
    pub enabled: bool,
    /// Messages held now (every state).
    pub size: u64,
    /// Of those, waiting for their next delivery attempt.
    pub pending: u64,
    /// Of those, given up after `cache_max_retry_attempts`.
    pub failed_permanent: u64,
    /// Cached messages delivered to the core since start.
    pub delivered: u64,
    /// Failed delivery attempts that were rescheduled.
    pub retries: u64,
    /// Messages marked failed_permanent since start.
    pub permanent_failures: u64,
    /// Oldest entries dropped because the cache was full.
    pub overflow: u64,
}

/// One bind as the sidecar sees it at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct BindView {
    /// Labels.
    pub identity: BindIdentity,
    /// `enabled` from the configuration (server binds are always enabled).
    pub enabled: bool,
    /// The bind's counters and connection status.
    pub stats: BindStatsSnapshot,
    /// The bind's cache.
    pub cache: CacheView,
    /// Configured TPS limit.
    pub tps_limit: u32,
    /// Configured window (most requests in flight per session).
    pub window_size: u32,
    /// Requests awaiting their response over all the bind's sessions, when the engine publishes
    /// it; `None` leaves the window-occupancy series out rather than report a made-up zero.
    pub in_flight: Option<u64>,
    /// The last error the bind met (bind refused, connection lost, ...), if any.
    pub last_error: Option<String>,
}

impl BindView {
    /// The connection status, folding `connecting` into `reconnecting` as the status page
    /// shows four states (connected|disconnected|reconnecting|disabled).
    pub fn state(&self) -> &'static str {
        match self.stats.connection_status() {
            ConnectionStatus::Connected => "connected",
            ConnectionStatus::Disconnected => "disconnected",
            ConnectionStatus::Connecting | ConnectionStatus::Reconnecting => "reconnecting",
            ConnectionStatus::Disabled => "disabled",
        }
    }

    /// Whether the bind is bound now.
    pub fn is_connected(&self) -> bool {
        self.stats.connection_status() == ConnectionStatus::Connected
    }

    /// Seconds the bind has been connected at `now_ms` (0 when it is not connected).
    pub fn uptime_seconds(&self, now_ms: i64) -> u64 {
        if self.is_connected() {
            u64::try_from(now_ms.saturating_sub(self.stats.status_since_ms) / 1000).unwrap_or(0)
        } else {
            0
        }
    }
}

/// The core API as seen from the gateway.
#[derive(Debug, Clone, PartialEq)]
pub struct CoreView {
    /// The configured `api_base_url`.
    pub api_base_url: String,
    /// The last health probe got `200 {"status":"ok"}`.
    pub healthy: bool,
    /// Health probes made since start.
    pub health_checks: u64,
    /// Health probes that failed.
    pub health_check_failures: u64,
    /// Latency of the last health probe in microseconds.
    pub last_probe_latency_us: u64,
    /// Unix milliseconds of the last heartbeat the core accepted, when known.
    pub last_heartbeat_ms: Option<i64>,
    /// Frontend registrations the core accepted.
    pub registrations: u64,
    /// The client pool's per-endpoint counters and latency histograms.
    pub pool: StatsSnapshot,
}

/// The shared SMPP listener of the server binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerView {
    /// Whether the listener runs.
    pub enabled: bool,
    /// Bound address.
    pub host: String,
    /// Bound port.
    pub port: u16,
    /// `listen.max_connections`.
    pub max_connections: u32,
    /// Connections open now.
    pub open_connections: u32,
    /// Connections accepted since start.
    pub accepted: u64,
    /// Connections closed at once because `max_connections` were open.
    pub refused_max_connections: u64,
    /// Connections refused because no server bind whitelists the peer's address.
    pub refused_ip: u64,
    /// Binds refused (unknown system_id, wrong password, bind type not allowed).
    pub bind_refused: u64,
    /// Connections closed at accept because their address was locked out after failed binds.
    pub refused_locked_out: u64,
    /// Lockouts begun (`listen.bind_failure_limit` failed binds from one address).
    pub lockouts: u64,
}

/// Facts about the running gateway process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayInfo {
    /// Version of the gateway.
    pub version: String,
    /// `smsc_name` of this instance.
    pub smsc_name: String,
    /// Unix milliseconds when the gateway started.
    pub started_at_ms: i64,
    /// Number of shards running.
    pub shards: usize,
}

/// Read access to the gateway's published state. Every call returns a fresh snapshot.
pub trait GatewayView: Send + Sync + 'static {
    /// Every configured bind, client binds first, each in configuration order.
    fn binds(&self) -> Vec<BindView>;
    /// The core API's health and the client pool's counters.
    fn core(&self) -> CoreView;
    /// The server listener.
    fn listener(&self) -> ListenerView;
    /// Version, name, start time, shard count.
    fn info(&self) -> GatewayInfo;
    /// `Ok` while the gateway serves; `Err(reason)` when it is stopping or a part of it died.
    fn liveness(&self) -> Result<(), String>;
}

/// Why a command was not carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// No bind has this name.
    UnknownBind(String),
    /// The command does not apply to this bind (e.g. reconnecting a server bind).
    NotApplicable(String),
    /// The shards did not take the command (stopping, channel full).
    Unavailable(String),
    /// The request is invalid; the text names the key or field and the problem.
    Invalid(String),
    /// Nothing has this id (a cached message, say).
    NotFound(String),
}

impl std::fmt::Display for ControlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ControlError::UnknownBind(name) => write!(f, "no bind named '{name}'"),
            ControlError::NotApplicable(why)
            | ControlError::Unavailable(why)
            | ControlError::Invalid(why)
            | ControlError::NotFound(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ControlError {}

/// Commands the web UI sends to the shards (over the engine's channels).
pub trait GatewayControl: Send + Sync + 'static {
    /// Drops the bind's session(s) and connects again at once (client binds), or closes the
    /// partner's sessions so it reconnects (server binds).
    fn reconnect(&self, bind_name: &str) -> Result<(), ControlError>;
    /// Unbinds and stays disconnected until a reconnect (client binds), or closes the
    /// partner's sessions (server binds).
    fn disconnect(&self, bind_name: &str) -> Result<(), ControlError>;
}

/// Unix milliseconds now.
pub(crate) fn now_millis() -> i64 {
    core_api::rfc3339::now_millis()
}
