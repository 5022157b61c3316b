//! Shard 0's heartbeat: probe the core's health and register this frontend with its binds'
//! states, at start and then every interval (the registration lives `DEFAULT_TTL_SECONDS`).

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use core_api::BindMode;

use super::context::ShardContext;
use crate::coreclient::{BindStatus, DEFAULT_TTL_SECONDS};
use crate::stats::ConnectionStatus;

/// What the last health probes found, for metrics and the status page.
#[derive(Debug, Default)]
pub struct CoreHealth {
    /// The last probe got `200 {"status":"ok"}`.
    pub healthy: AtomicBool,
    /// Probes made.
    pub probes: AtomicU64,
    /// Probes that failed.
    pub failures: AtomicU64,
    /// Latency of the last probe, microseconds.
    pub last_latency_us: AtomicU64,
    /// Registrations the core accepted.
    pub registrations: AtomicU64,
    /// Unix milliseconds of the last registration the core accepted (0: none yet).
    pub last_registration_ms: AtomicI64,
}

fn bind_status(status: ConnectionStatus) -> BindStatus {
    match status {
        ConnectionStatus::Connected => BindStatus::Connected,
        ConnectionStatus::Connecting | ConnectionStatus::Reconnecting => BindStatus::Reconnecting,
        ConnectionStatus::Disabled => BindStatus::Disabled,
        ConnectionStatus::Disconnected => BindStatus::Disconnected,
    }
}

/// Runs until the gateway stops.
pub(crate) async fn run(ctx: Rc<ShardContext>, interval: Duration) {
    let shared = &ctx.shared;
    let mut next = Instant::now();
    while !shared.stopping() {
        if Instant::now() >= next {
            next = Instant::now() + interval;
            beat(&ctx).await;
        }
        glommio::timer::sleep(Duration::from_millis(50)).await;
    }
}

async fn beat(ctx: &ShardContext) {
    let shared = &ctx.shared;
    let probe = ctx.core.probe_health().await;
    let health = &shared.health;
    health.probes.fetch_add(1, Ordering::Relaxed);
    health.healthy.store(probe.healthy, Ordering::Relaxed);
    health.last_latency_us.store(
        u64::try_from(probe.latency.as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
    if !probe.healthy {
        health.failures.fetch_add(1, Ordering::Relaxed);
        log::warn!(
            "core health check failed: {}",
            probe
                .error
                .as_ref()
                .map_or_else(|| format!("status {:?}", probe.status), ToString::to_string)
        );
    }
    let peers = shared.peers();
    let binds = peers
        .client_binds
        .iter()
        .map(|b| {
            (
                b.config.name.as_str(),
                BindMode::Client,
                bind_status(b.stats.status()),
            )
        })
        .chain(peers.server_binds.iter().map(|b| {
            (
                b.config.name.as_str(),
                BindMode::Server,
                bind_status(b.stats.status()),
            )
        }));
    let registration = ctx.core.registration(DEFAULT_TTL_SECONDS, binds);
    match ctx.core.register_frontend(registration).await {
        Ok(()) => {
            health.registrations.fetch_add(1, Ordering::Relaxed);
            health
                .last_registration_ms
                .store(core_api::rfc3339::now_millis(), Ordering::Relaxed);
        }
        Err(error) => log::warn!("frontend registration failed: {error}"),
    }
}
