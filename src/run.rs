//! The run mode: load the configuration, install the logger, start the gateway, wait for
//! SIGTERM/SIGINT, stop in order.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use engine::store::PeerStore;

use crate::gateway::Gateway;

/// Runs the gateway with the configuration at `path`; returns the process exit code.
pub(crate) fn run(path: &str) -> ExitCode {
    let loaded = match smpp_config::Config::load(path) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("{path}: invalid configuration:\n{error}");
            return ExitCode::FAILURE;
        }
    };
    let config = loaded.config;
    // The logger comes first: glommio reports memlock trouble only through `log`.
    install_logger(&config);
    for warning in &loaded.warnings {
        log::warn!("config: {warning}");
    }
    let (config, store) = match with_runtime_peers(path, config) {
        Ok(loaded) => loaded,
        Err(error) => {
            log::error!("{error}");
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let Some(stop) = stop_on_signals() else {
        return ExitCode::FAILURE;
    };
    let reload = Arc::new(AtomicBool::new(false));
    if let Err(error) =
        signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(&reload))
    {
        log::error!("cannot install the SIGHUP handler: {error}");
        return ExitCode::FAILURE;
    }
    let smsc_name = config.smsc_name.clone();
    let gateway = match Gateway::start_with_peer_store(config, Some(store)) {
        Ok(gateway) => gateway,
        Err(error) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "omnimessage-smpp {} running as {smsc_name} on {} shard(s)",
        env!("CARGO_PKG_VERSION"),
        gateway.shards()
    );
    while !stop.load(Ordering::SeqCst) {
        if reload.swap(false, Ordering::SeqCst) {
            let store = gateway.peer_store().map(|store| &**store);
            let _ = crate::reload::reload(path, gateway.shared(), store);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    log::info!("stop requested: unbinding sessions");
    match gateway.stop() {
        Ok(()) => {
            log::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            log::error!("stopped with an error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Opens the store of runtime peer changes and lays them over the file's binds.
fn with_runtime_peers(
    path: &str,
    config: smpp_config::Config,
) -> Result<(smpp_config::Config, Arc<PeerStore>), String> {
    let dir = PeerStore::dir_for(&config.cache_dir);
    let store = PeerStore::open(&dir).map_err(|error| {
        format!(
            "cache_dir: cannot open the runtime peer store {}: {error}",
            dir.display()
        )
    })?;
    let overrides = store
        .overrides()
        .map_err(|error| format!("{}: {error}", dir.display()))?;
    if overrides.is_empty() {
        return Ok((config, Arc::new(store)));
    }
    let merged = overrides.apply(&config).map_err(|error| {
        format!(
            "the runtime peer changes stored in {} do not fit {path}: {error} \
             (reset them to the file with: omnimessage-smpp peers reset --config {path})",
            dir.display()
        )
    })?;
    log::info!(
        "runtime peer changes from {} override the file: {} client and {} server bind(s) \
         changed, added or deleted",
        dir.display(),
        overrides.clients.len(),
        overrides.servers.len()
    );
    Ok((merged.config, Arc::new(store)))
}

/// `peers reset --config FILE`: forgets the runtime peer changes (the gateway must be stopped).
pub(crate) fn peers_reset(path: &str) -> ExitCode {
    let config = match smpp_config::Config::load(path) {
        Ok(loaded) => loaded.config,
        Err(error) => {
            eprintln!("{path}: invalid configuration:\n{error}");
            return ExitCode::FAILURE;
        }
    };
    let dir = PeerStore::dir_for(&config.cache_dir);
    if !dir.exists() {
        println!("{}: no runtime peer changes", dir.display());
        return ExitCode::SUCCESS;
    }
    let cleared = PeerStore::open(&dir).and_then(|store| store.clear());
    match cleared {
        Ok(count) => {
            println!(
                "{}: {count} runtime peer change(s) removed; the file's binds apply at the next start",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "{}: cannot reset ({error}); is the gateway still running? stop it first",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// Installs the gateway's logger: level from `RUST_LOG` or the config, text or JSON lines,
/// and what it writes also kept for the web UI's Logs page.
pub(crate) fn install_logger(config: &smpp_config::Config) {
    crate::gateway::install_logger(config);
}

/// A flag raised by SIGTERM or SIGINT; `None` (after logging why) if the handlers cannot be
/// installed.
pub(crate) fn stop_on_signals() -> Option<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(error) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            log::error!("cannot install the handler of signal {signal}: {error}");
            return None;
        }
    }
    Some(stop)
}

/// Blocks until `stop` is raised.
pub(crate) fn wait_for(stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
}
