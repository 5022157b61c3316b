//! The run mode: load the configuration, install the logger, start the core pool and the
//! shards, wait for SIGTERM/SIGINT, stop in order.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use engine::coreclient::{CoreClientConfig, CorePool};
use engine::shard::{RuntimeOptions, Shared, SHUTDOWN_GRACE};

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
    let filter = engine::logger::filter_from_env(engine::logger::level_filter(config.log_level));
    engine::logger::init(filter, engine::logger::format_of(config.log_format));
    for warning in &loaded.warnings {
        log::warn!("config: {warning}");
    }

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        if let Err(error) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            log::error!("cannot install the handler of signal {signal}: {error}");
            return ExitCode::FAILURE;
        }
    }

    let mut core = CoreClientConfig::new(config.api_base_url.as_str(), config.smsc_name.clone());
    core.threads = usize::from(config.api_pool_threads).max(1);
    core.connect_timeout = config.api_connect_timeout;
    core.send_timeout = config.api_send_timeout;
    core.recv_timeout = config.api_recv_timeout;
    core.verify_ssl_peer = config.verify_ssl_peer;
    let pool = match CorePool::start(&core) {
        Ok(pool) => pool,
        Err(error) => {
            log::error!("cannot start the core API client: {error}");
            return ExitCode::FAILURE;
        }
    };

    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let shards = config.shards.resolve(cpus);
    let smsc_name = config.smsc_name.clone();
    let shared = Arc::new(Shared::new(config, shards, pool.client()));
    let running = match engine::shard::start(shared, RuntimeOptions::new(shards)) {
        Ok(running) => running,
        Err(error) => {
            log::error!("cannot start: {error}");
            pool.shutdown_within(Duration::from_secs(1));
            return ExitCode::FAILURE;
        }
    };
    log::info!(
        "omnimessage-smpp {} running as {smsc_name} on {shards} shard(s)",
        env!("CARGO_PKG_VERSION")
    );
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
    }
    log::info!("stop requested: unbinding sessions");
    running.stop();
    let result = running.wait();
    // Status reports queued by the shards' last moments still go out.
    pool.shutdown_within(SHUTDOWN_GRACE);
    match result {
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
