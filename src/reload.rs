//! SIGHUP: re-read the configuration file and put its peer changes in effect without a restart.
//!
//! - The file is loaded and checked exactly as at start (environment overrides included). An
//!   invalid file is logged with the key and the problem and nothing changes.
//! - The runtime peer changes persisted by the web UI / admin API still override the file, as
//!   they would at the next start: a reload gives the peers a restart would give. To make the
//!   file win again, reset them (`omnimessage-smpp peers reset --config FILE`, gateway
//!   stopped) — see docs/RUNTIME-PEERS.md.
//! - Peer differences are applied like a runtime change from the UI: new binds start, deleted
//!   ones unbind, changed ones reconnect (client) or have their old sessions closed (server);
//!   unchanged binds and their traffic are not touched.
//! - Other keys (listener, shards, core URL, ...) are only reported as needing a restart.

use std::collections::BTreeSet;
use std::sync::Arc;

use engine::shard::Shared;
use engine::store::PeerStore;
use smpp_config::Config;

/// What a reload did (for the log and tests).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ReloadOutcome {
    /// Binds added, changed or deleted (`client:name` / `server:name`).
    pub(crate) changed_peers: Vec<String>,
    /// Keys that changed but take effect only after a restart.
    pub(crate) needs_restart: Vec<&'static str>,
}

/// Re-reads `path` and applies it to the running gateway; `Err` (already logged) leaves the
/// gateway as it was.
pub(crate) fn reload(
    path: &str,
    shared: &Arc<Shared>,
    store: Option<&PeerStore>,
) -> Result<ReloadOutcome, String> {
    log::info!("SIGHUP: reloading {path}");
    let result = load(path, store).and_then(|config| apply(shared, &config));
    match &result {
        Ok(outcome) => {
            for key in &outcome.needs_restart {
                log::warn!("reload: `{key}` changed: needs a restart to take effect");
            }
            if outcome.changed_peers.is_empty() {
                log::info!("reload: no peer changes");
            } else {
                log::info!(
                    "reload: applied peer changes: {}",
                    outcome.changed_peers.join(", ")
                );
            }
        }
        Err(error) => log::error!("reload failed, the running configuration is kept: {error}"),
    }
    result
}

fn load(path: &str, store: Option<&PeerStore>) -> Result<Config, String> {
    let loaded =
        Config::load(path).map_err(|error| format!("{path}: invalid configuration: {error}"))?;
    for warning in &loaded.warnings {
        log::warn!("config: {warning}");
    }
    let Some(store) = store else {
        return Ok(loaded.config);
    };
    let overrides = store
        .overrides()
        .map_err(|error| format!("runtime peer changes: {error}"))?;
    if overrides.is_empty() {
        return Ok(loaded.config);
    }
    overrides
        .apply(&loaded.config)
        .map(|merged| merged.config)
        .map_err(|error| {
            format!(
                "the runtime peer changes in {} do not fit {path}: {error}",
                store.dir().display()
            )
        })
}

fn apply(shared: &Arc<Shared>, config: &Config) -> Result<ReloadOutcome, String> {
    let needs_restart = restart_keys(&shared.config, config);
    let changed_peers = shared.change_peers(|peers| {
        let mut changed = BTreeSet::new();
        for bind in &config.binds {
            if peers
                .client_bind(&bind.name)
                .is_none_or(|old| old.config != *bind)
            {
                changed.insert(format!("client:{}", bind.name));
            }
        }
        for old in &peers.client_binds {
            if config.client_bind(&old.config.name).is_none() {
                changed.insert(format!("client:{}", old.config.name));
            }
        }
        for bind in &config.server_binds {
            if peers
                .server_bind(&bind.name)
                .is_none_or(|old| old.config != *bind)
            {
                changed.insert(format!("server:{}", bind.name));
            }
        }
        for old in &peers.server_binds {
            if !config
                .server_binds
                .iter()
                .any(|b| b.name == old.config.name)
            {
                changed.insert(format!("server:{}", old.config.name));
            }
        }
        Ok::<_, String>((
            config.binds.clone(),
            config.server_binds.clone(),
            changed.into_iter().collect(),
        ))
    })?;
    Ok(ReloadOutcome {
        changed_peers,
        needs_restart,
    })
}

/// The keys outside the peers whose value differs between `running` and `file`.
fn restart_keys(running: &Config, file: &Config) -> Vec<&'static str> {
    let same =
        |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| format!("{a:?}") == format!("{b:?}");
    let keys: [(&'static str, bool); 20] = [
        (
            "api_base_url",
            same(&running.api_base_url, &file.api_base_url),
        ),
        (
            "smpp_poll_interval",
            same(&running.smpp_poll_interval, &file.smpp_poll_interval),
        ),
        (
            "verify_ssl_peer",
            same(&running.verify_ssl_peer, &file.verify_ssl_peer),
        ),
        ("smsc_name", same(&running.smsc_name, &file.smsc_name)),
        (
            "cache_flush_interval",
            same(&running.cache_flush_interval, &file.cache_flush_interval),
        ),
        (
            "cache_max_retry_attempts",
            same(
                &running.cache_max_retry_attempts,
                &file.cache_max_retry_attempts,
            ),
        ),
        (
            "cache_backoff_multiplier",
            same(
                &running.cache_backoff_multiplier,
                &file.cache_backoff_multiplier,
            ),
        ),
        (
            "cache_storage_type",
            same(&running.cache_storage_type, &file.cache_storage_type),
        ),
        ("cache_dir", same(&running.cache_dir, &file.cache_dir)),
        ("shards", same(&running.shards, &file.shards)),
        ("log_level", same(&running.log_level, &file.log_level)),
        ("log_format", same(&running.log_format, &file.log_format)),
        (
            "max_command_length",
            same(&running.max_command_length, &file.max_command_length),
        ),
        (
            "api_connect_timeout_ms",
            same(&running.api_connect_timeout, &file.api_connect_timeout),
        ),
        (
            "api_send_timeout_ms",
            same(&running.api_send_timeout, &file.api_send_timeout),
        ),
        (
            "api_recv_timeout_ms",
            same(&running.api_recv_timeout, &file.api_recv_timeout),
        ),
        (
            "api_pool_threads",
            same(&running.api_pool_threads, &file.api_pool_threads),
        ),
        ("listen", same(&running.listen, &file.listen)),
        ("metrics", same(&running.metrics, &file.metrics)),
        ("web", same(&running.web, &file.web)),
    ];
    keys.into_iter()
        .filter(|(_, unchanged)| !unchanged)
        .map(|(key, _)| key)
        .collect()
}
