//! The run mode: load the configuration, install the logger, start the gateway, wait for
//! SIGTERM/SIGINT, stop in order.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

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
    let Some(stop) = stop_on_signals() else {
        return ExitCode::FAILURE;
    };
    let smsc_name = config.smsc_name.clone();
    let gateway = match Gateway::start(config) {
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
    wait_for(&stop);
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
