//! [`GatewayView`] over the engine's shared state: every value is an atomic load or a field of
//! the immutable configuration snapshot, so a scrape never waits for a shard.
//!
//! Window occupancy, a bind's last error and the time of the last accepted heartbeat come from
//! the engine's counters. The cache figures are summed over the shards' caches (an in-memory
//! index each; a short lock, never disk I/O).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use engine::shard::Shared;

use crate::view::{
    now_millis, BindIdentity, BindMode, BindView, CacheView, CoreView, GatewayInfo, GatewayView,
    ListenerView,
};

/// The engine's runtime state as a [`GatewayView`].
#[derive(Debug)]
pub struct EngineView {
    shared: Arc<Shared>,
    started_at_ms: i64,
    version: String,
}

impl EngineView {
    /// A view of `shared`, counting uptime from now.
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            started_at_ms: now_millis(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    /// Reports `version` instead of this crate's version (the binary's, say).
    pub fn with_version(mut self, version: impl Into<String>) -> Self {
        self.version = version.into();
        self
    }
}

/// Each bind's cache figures summed over the shards.
fn cache_views(shared: &Shared) -> HashMap<String, CacheView> {
    let mut views: HashMap<String, CacheView> = HashMap::new();
    for shard in shared.caches.all() {
        let cache = shard.cache();
        for (bind, counts) in cache.summary().binds {
            let view = views.entry(bind).or_default();
            view.size += counts.total as u64;
            view.pending += counts.pending as u64;
            view.failed_permanent += counts.failed as u64;
        }
        for (bind, counters) in cache.bind_counters() {
            let view = views.entry(bind).or_default();
            view.delivered += counters.delivered_total;
            view.retries += counters.retry_total;
            view.permanent_failures += counters.permanent_failures_total;
            view.overflow += counters.overflow_total;
        }
    }
    views
}

impl GatewayView for EngineView {
    fn binds(&self) -> Vec<BindView> {
        let peers = self.shared.peers();
        let listen = &self.shared.config.listen;
        let caches = cache_views(&self.shared);
        let cache_of = |name: &str, enabled: bool| CacheView {
            enabled,
            ..caches.get(name).copied().unwrap_or_default()
        };
        let clients = peers.client_binds.iter().map(|bind| {
            let config = &bind.config;
            BindView {
                identity: BindIdentity {
                    name: config.name.clone(),
                    mode: BindMode::Client,
                    host: config.host.clone(),
                    port: config.port,
                    bind_type: Some(config.bind_type.as_str().to_owned()),
                    system_id: config.system_id.clone(),
                },
                enabled: config.enabled,
                stats: bind.stats.snapshot(),
                cache: cache_of(&config.name, config.cache_enabled),
                tps_limit: config.tps_limit,
                window_size: config.window_size,
                in_flight: Some(bind.stats.in_flight()),
                last_error: bind.stats.last_error().map(|(_, error)| error),
            }
        });
        let servers = peers.server_binds.iter().map(|bind| {
            let config = &bind.config;
            BindView {
                identity: BindIdentity {
                    name: config.name.clone(),
                    mode: BindMode::Server,
                    host: listen.host.to_string(),
                    port: listen.port,
                    bind_type: None,
                    system_id: config.system_id.clone(),
                },
                enabled: true,
                stats: bind.stats.snapshot(),
                cache: cache_of(&config.name, config.cache_enabled),
                tps_limit: config.tps_limit,
                window_size: config.window_size,
                in_flight: Some(bind.stats.in_flight()),
                last_error: bind.stats.last_error().map(|(_, error)| error),
            }
        });
        clients.chain(servers).collect()
    }

    fn core(&self) -> CoreView {
        let health = &self.shared.health;
        let load = |value: &std::sync::atomic::AtomicU64| value.load(Ordering::Relaxed);
        CoreView {
            api_base_url: self.shared.config.api_base_url.as_str().to_owned(),
            healthy: health.healthy.load(Ordering::Relaxed),
            health_checks: load(&health.probes),
            health_check_failures: load(&health.failures),
            last_probe_latency_us: load(&health.last_latency_us),
            last_heartbeat_ms: Some(load_i64(&health.last_registration_ms)).filter(|&ms| ms > 0),
            registrations: load(&health.registrations),
            pool: self.shared.core.stats(),
        }
    }

    fn listener(&self) -> ListenerView {
        let listen = &self.shared.config.listen;
        let stats = &self.shared.listener;
        let load = |value: &std::sync::atomic::AtomicU64| value.load(Ordering::Relaxed);
        ListenerView {
            enabled: listen.enabled,
            host: listen.host.to_string(),
            port: listen.port,
            max_connections: listen.max_connections,
            open_connections: self.shared.open_connections(),
            accepted: load(&stats.accepted),
            refused_max_connections: load(&stats.refused_max_connections),
            refused_ip: load(&stats.refused_ip),
            bind_refused: load(&stats.bind_refused),
            refused_locked_out: load(&stats.refused_locked_out),
            lockouts: load(&stats.lockouts),
        }
    }

    fn info(&self) -> GatewayInfo {
        GatewayInfo {
            version: self.version.clone(),
            smsc_name: self.shared.config.smsc_name.clone(),
            started_at_ms: self.started_at_ms,
            shards: self.shared.shards,
        }
    }

    fn liveness(&self) -> Result<(), String> {
        if self.shared.stopping() {
            Err("the gateway is stopping".to_owned())
        } else {
            Ok(())
        }
    }
}

fn load_i64(value: &std::sync::atomic::AtomicI64) -> i64 {
    value.load(Ordering::Relaxed)
}
