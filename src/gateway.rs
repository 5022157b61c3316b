//! Starting and stopping a whole gateway in this process: the core API pool, the shards, the
//! metrics sidecar and the web UI, in that order, and the reverse on the way down. Shared by the
//! run mode and the demo.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use engine::coreclient::{CoreClientConfig, CorePool};
use engine::shard::{Running, RuntimeOptions, Shared, SHUTDOWN_GRACE};
use engine::store::PeerStore;
use http_sidecar::{
    Backends, EngineAdmin, EngineCacheAdmin, EngineQueue, EngineView, LogBuffer, RingLog, Sidecar,
    SidecarSettings, WebSettings, WebUi,
};
use smpp_config::Config;

/// Log lines kept for the web UI's Logs page.
const LOG_RING_LINES: usize = 5000;

/// The ring the installed logger fills (set once, by [`install_logger`]).
static LOG_RING: OnceLock<Arc<LogBuffer>> = OnceLock::new();

/// Installs the process logger (level from `RUST_LOG` or the config, text or JSON lines) with
/// every line it writes also kept in the ring the Logs page shows.
pub(crate) fn install_logger(config: &Config) {
    let filter = engine::logger::filter_from_env(engine::logger::level_filter(config.log_level));
    let max = filter.max_level();
    let inner = engine::logger::logger(filter, engine::logger::format_of(config.log_format));
    let ring = Arc::clone(LOG_RING.get_or_init(|| LogBuffer::new(LOG_RING_LINES)));
    if log::set_boxed_logger(Box::new(RingLog::new(inner, ring))).is_ok() {
        log::set_max_level(max);
    }
}

/// A running gateway.
pub(crate) struct Gateway {
    pool: CorePool,
    running: Running,
    sidecar: Option<Sidecar>,
    web: Option<WebUi>,
    shards: usize,
    /// Where runtime peer changes are kept (`None`: not persisted, as in the demo).
    peer_store: Option<Arc<PeerStore>>,
}

impl Gateway {
    /// Starts everything `config` describes; the logger must be installed already (glommio
    /// reports memlock trouble only through `log`).
    pub(crate) fn start(config: Config) -> Result<Gateway, String> {
        Self::start_with_peer_store(config, None)
    }

    /// Starts like [`Gateway::start`]; runtime peer changes are persisted in `peer_store`.
    pub(crate) fn start_with_peer_store(
        config: Config,
        peer_store: Option<Arc<PeerStore>>,
    ) -> Result<Gateway, String> {
        let mut core =
            CoreClientConfig::new(config.api_base_url.as_str(), config.smsc_name.clone());
        core.threads = usize::from(config.api_pool_threads).max(1);
        core.connect_timeout = config.api_connect_timeout;
        core.send_timeout = config.api_send_timeout;
        core.recv_timeout = config.api_recv_timeout;
        core.verify_ssl_peer = config.verify_ssl_peer;
        let pool = CorePool::start(&core)
            .map_err(|error| format!("cannot start the core API client: {error}"))?;

        if config.listen.enabled {
            // The shards bind with SO_REUSEPORT, which lets a second gateway of the same user
            // share the port silently and take half of the partners. A plain bind cannot tell
            // that apart from the sockets a killed predecessor left closing (they share its
            // SO_REUSEPORT), so look for a listener instead: anything accepting here is another
            // server.
            let addr = config.listen.socket_addr();
            let probe = if addr.ip().is_unspecified() {
                std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
            } else {
                addr
            };
            // A connect from 127.0.0.1:P to 127.0.0.1:P succeeds with nobody listening (TCP
            // simultaneous open) when the kernel picks P as the probe's own port; that is not a
            // server.
            let someone_listens =
                std::net::TcpStream::connect_timeout(&probe, Duration::from_millis(500))
                    .is_ok_and(|stream| stream.local_addr().ok() != stream.peer_addr().ok());
            if someone_listens {
                pool.shutdown_within(Duration::from_secs(1));
                return Err(format!(
                    "listen.port: cannot listen on {addr}: another process already accepts \
                     connections there"
                ));
            }
        }
        // A UI without credentials must not come up; the gateway itself still serves SMPP.
        let web_settings = if config.web.enabled {
            match WebSettings::from_config(&config.web) {
                Ok(settings) => Some(settings),
                Err(why) => {
                    log::warn!("the web UI is not started: {why}");
                    None
                }
            }
        } else {
            None
        };
        let queue = EngineQueue::from_config(&config);
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        let shards = config.shards.resolve(cpus);
        let metrics = config.metrics;
        let shared = Arc::new(Shared::new(config, shards, pool.client()));
        let running = match engine::shard::start(Arc::clone(&shared), RuntimeOptions::new(shards)) {
            Ok(running) => running,
            Err(error) => {
                pool.shutdown_within(Duration::from_secs(1));
                return Err(format!("cannot start: {error}"));
            }
        };
        let admin = Arc::new(EngineAdmin::new(Arc::clone(&shared), peer_store.clone()));
        let cache_admin = Arc::new(EngineCacheAdmin::new(Arc::clone(&shared)));
        let view = Arc::new(EngineView::new(shared).with_version(env!("CARGO_PKG_VERSION")));
        let sidecar = if metrics.enabled {
            match Sidecar::start(SidecarSettings::from_config(&metrics), view.clone()) {
                Ok(sidecar) => Some(sidecar),
                Err(error) => {
                    running.stop();
                    let _ = running.wait();
                    pool.shutdown_within(Duration::from_secs(1));
                    return Err(format!(
                        "metrics.port: cannot listen on {}: {error}",
                        metrics.socket_addr()
                    ));
                }
            }
        } else {
            None
        };
        let web = match web_settings {
            Some(settings) => {
                let addr = settings.addr;
                let backends = Backends::new()
                    .with_queue(Arc::new(queue))
                    .with_control(admin.clone())
                    .with_peers(admin)
                    .with_cache(cache_admin);
                let logs = Arc::clone(LOG_RING.get_or_init(|| LogBuffer::new(LOG_RING_LINES)));
                match WebUi::start_with(settings, view, backends, logs) {
                    Ok(web) => Some(web),
                    Err(error) => {
                        running.stop();
                        let _ = running.wait();
                        pool.shutdown_within(Duration::from_secs(1));
                        if let Some(sidecar) = sidecar {
                            sidecar.stop();
                        }
                        return Err(format!("web: cannot serve on {addr}: {error}"));
                    }
                }
            }
            None => None,
        };
        Ok(Gateway {
            pool,
            running,
            sidecar,
            web,
            shards,
            peer_store,
        })
    }

    /// How many shards run.
    pub(crate) fn shards(&self) -> usize {
        self.shards
    }

    /// The state the shards share (binds, counters).
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.running.shared()
    }

    /// The store of runtime peer changes, if they are persisted.
    pub(crate) fn peer_store(&self) -> Option<&Arc<PeerStore>> {
        self.peer_store.as_ref()
    }

    /// Unbinds every session, waits for answers in flight (up to the shutdown grace), lets the
    /// status reports of the last moments reach the core, then stops the sidecar.
    pub(crate) fn stop(self) -> Result<(), String> {
        self.running.stop();
        let result = self.running.wait().map_err(|error| error.to_string());
        self.pool.shutdown_within(SHUTDOWN_GRACE);
        if let Some(web) = self.web {
            web.stop();
        }
        if let Some(sidecar) = self.sidecar {
            sidecar.stop();
        }
        result
    }
}
