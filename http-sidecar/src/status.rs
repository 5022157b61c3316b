//! `GET /status` and `GET /health` bodies, built from the view's snapshots.
//!
//! "TPS now" is the message rate (sent + received) of a bind since the sidecar last looked,
//! over at least one second: the sidecar remembers the previous totals itself, so the shards
//! publish plain counters and nothing else.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::view::{now_millis, BindMode, BindView, CacheView, GatewayView};

/// Shortest interval a TPS figure is measured over.
const TPS_WINDOW_MS: i64 = 1000;

#[derive(Debug, Clone, Copy)]
struct Sample {
    at_ms: i64,
    total: u64,
    tps: f64,
}

/// Per-bind message rates measured between successive looks.
#[derive(Debug, Default)]
pub struct RateMeter {
    samples: Mutex<HashMap<(BindMode, String), Sample>>,
}

impl RateMeter {
    /// The bind's messages per second at `now_ms`, measured since the previous sample at least
    /// one second old (0 on the first look).
    pub fn tps(&self, bind: &BindView, now_ms: i64) -> f64 {
        let total = bind
            .stats
            .messages_sent
            .saturating_add(bind.stats.messages_received);
        let key = (bind.identity.mode, bind.identity.name.clone());
        // Only sidecar threads take this lock; the shards never see it.
        let mut samples = match self.samples.lock() {
            Ok(samples) => samples,
            Err(poisoned) => poisoned.into_inner(),
        };
        let sample = samples.entry(key).or_insert(Sample {
            at_ms: now_ms,
            total,
            tps: 0.0,
        });
        let elapsed = now_ms.saturating_sub(sample.at_ms);
        if elapsed >= TPS_WINDOW_MS {
            let delta = total.saturating_sub(sample.total);
            *sample = Sample {
                at_ms: now_ms,
                total,
                tps: delta as f64 * 1000.0 / elapsed as f64,
            };
        }
        sample.tps
    }

    /// Forgets binds that are gone (deleted at runtime), so the table stays as big as the
    /// configuration.
    pub fn retain(&self, binds: &[BindView]) {
        let mut samples = match self.samples.lock() {
            Ok(samples) => samples,
            Err(poisoned) => poisoned.into_inner(),
        };
        if samples.len() > binds.len() {
            samples.retain(|(mode, name), _| {
                binds
                    .iter()
                    .any(|b| b.identity.mode == *mode && b.identity.name == *name)
            });
        }
    }
}

fn rfc3339(ms: i64) -> String {
    core_api::rfc3339::format_millis(ms)
}

fn cache_json(cache: &CacheView) -> Value {
    json!({
        "enabled": cache.enabled,
        "size": cache.size,
        "pending": cache.pending,
        "failed_permanent": cache.failed_permanent,
        "delivered": cache.delivered,
        "retries": cache.retries,
        "permanent_failures": cache.permanent_failures,
        "overflow": cache.overflow,
    })
}

fn bind_json(bind: &BindView, tps: f64, now_ms: i64) -> Value {
    let id = &bind.identity;
    let s = &bind.stats;
    json!({
        "name": id.name,
        "mode": id.mode.as_str(),
        "host": id.host,
        "port": id.port,
        "bind_type": id.bind_type,
        "system_id": id.system_id,
        "enabled": bind.enabled,
        "state": bind.state(),
        "since": rfc3339(s.status_since_ms),
        "uptime_seconds": bind.uptime_seconds(now_ms),
        "bound_sessions": s.bound_sessions,
        "tps_now": (tps * 10.0).round() / 10.0,
        "tps_limit": bind.tps_limit,
        "in_flight": bind.in_flight,
        "window_size": bind.window_size,
        "last_error": bind.last_error,
        "counters": {
            "messages_sent": s.messages_sent,
            "messages_received": s.messages_received,
            "delivery_failures": s.delivery_failures,
            "bind_success": s.bind_success,
            "bind_failures": s.bind_failures,
            "connection_attempts": s.connection_attempts,
            "disconnections": s.disconnections,
            "enquire_link_sent": s.enquire_link_sent,
            "enquire_link_received": s.enquire_link_received,
            "throttled": s.throttled,
            "rejected": s.rejected,
        },
        "cache": cache_json(&bind.cache),
    })
}

/// The `/status` document.
pub fn status_json(view: &dyn GatewayView, rates: &RateMeter) -> Value {
    let now = now_millis();
    let info = view.info();
    let binds = view.binds();
    let count = |mode: BindMode, connected_only: bool| {
        binds
            .iter()
            .filter(|b| b.identity.mode == mode && (!connected_only || b.is_connected()))
            .count()
    };
    let totals = json!({
        "client_binds": count(BindMode::Client, false),
        "client_connected": count(BindMode::Client, true),
        "server_binds": count(BindMode::Server, false),
        "server_connected": count(BindMode::Server, true),
    });
    let mut cache = CacheView::default();
    for bind in &binds {
        let c = &bind.cache;
        cache.enabled |= c.enabled;
        cache.size += c.size;
        cache.pending += c.pending;
        cache.failed_permanent += c.failed_permanent;
        cache.delivered += c.delivered;
        cache.retries += c.retries;
        cache.permanent_failures += c.permanent_failures;
        cache.overflow += c.overflow;
    }
    let binds_json: Vec<Value> = binds
        .iter()
        .map(|bind| bind_json(bind, rates.tps(bind, now), now))
        .collect();
    rates.retain(&binds);
    let listener = view.listener();
    let core = view.core();
    let (ok, errors) = core
        .pool
        .endpoints
        .iter()
        .fold((0u64, 0u64), |(ok, err), e| {
            (ok + e.ok, err + e.error_total())
        });
    let liveness = view.liveness();
    json!({
        "status": if liveness.is_ok() { "ok" } else { "unavailable" },
        "reason": liveness.err(),
        "version": info.version,
        "smsc_name": info.smsc_name,
        "started_at": rfc3339(info.started_at_ms),
        "uptime_seconds": now.saturating_sub(info.started_at_ms).max(0) / 1000,
        "shards": info.shards,
        "totals": totals,
        "binds": binds_json,
        "listener": {
            "enabled": listener.enabled,
            "host": listener.host,
            "port": listener.port,
            "max_connections": listener.max_connections,
            "current_connections": listener.open_connections,
            "accepted": listener.accepted,
            "refused_max_connections": listener.refused_max_connections,
            "refused_ip": listener.refused_ip,
            "bind_refused": listener.bind_refused,
            "refused_locked_out": listener.refused_locked_out,
            "lockouts": listener.lockouts,
        },
        "core": {
            "api_base_url": core.api_base_url,
            "healthy": core.healthy,
            "last_heartbeat": core.last_heartbeat_ms.map(rfc3339),
            "health_checks": core.health_checks,
            "health_check_failures": core.health_check_failures,
            "last_probe_latency_ms": core.last_probe_latency_us as f64 / 1000.0,
            "registrations": core.registrations,
            "requests_ok": ok,
            "requests_failed": errors,
            "queued_jobs": core.pool.queued,
        },
        "cache": cache_json(&cache),
    })
}

/// The `/health` answer: HTTP status and body.
pub fn health_json(view: &dyn GatewayView) -> (u16, Value) {
    match view.liveness() {
        Ok(()) => (200, json!({ "status": "ok" })),
        Err(reason) => (503, json!({ "status": "unavailable", "reason": reason })),
    }
}
