//! The OmniMessage core simulator: every call of the core REST contract, in memory, over HTTP.
//!
//! Start it in-process with [`CoreSim::start`] (tests and benchmarks use port 0) or from the
//! command line with `smpp-loadgen core`. Besides the contract it serves an admin API
//! (`/admin/...`: bulk enqueue, stats, message history, reset, routes, fault injection),
//! described in `docs/core-api.md`.

mod admin;
pub mod admin_types;
mod api;
pub mod cli;
mod connection;
pub mod faults;
mod frontends;
mod http;
mod reply;
pub mod routes;
mod store;

pub use admin_types::{EnqueueRequest, EnqueueResponse, MessageDetail, Stats};
pub use faults::{FaultMode, FaultRequest};
pub use routes::{RouteRule, RouteTable};

use frontends::Frontends;
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;
use store::{Store, StorePolicy};

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    pub listen: String,
    /// How long a handed-out queue item stays leased.
    pub lease: Duration,
    /// Delay before a throttled or temporarily failed message is offered again.
    pub retry_delay: Duration,
    /// Hand-outs after which a temporary failure becomes final (0 = retry for ever).
    pub max_attempts: u32,
    /// Serve and advertise the batch endpoints.
    pub batch: bool,
    /// Routing of inserted messages.
    pub routes: RouteTable,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            listen: "127.0.0.1:0".to_owned(),
            lease: Duration::from_secs(60),
            retry_delay: Duration::from_secs(5),
            max_attempts: 0,
            batch: true,
            routes: RouteTable::default(),
            max_body_bytes: 32 << 20,
        }
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// State shared by every worker.
pub(crate) struct Shared {
    pub(crate) store: Store,
    pub(crate) frontends: Frontends,
    pub(crate) faults: faults::Faults,
    pub(crate) batch: bool,
    pub(crate) max_body_bytes: usize,
    pub(crate) control: std::sync::Mutex<mpsc::Sender<http::Control>>,
    /// Calls currently held by a `hang` fault.
    pub(crate) hanging: std::sync::atomic::AtomicUsize,
}

/// A running simulator; dropping it stops it.
pub struct CoreSim {
    addr: SocketAddr,
    control: mpsc::Sender<http::Control>,
    supervisor: Option<JoinHandle<()>>,
}

impl CoreSim {
    /// Binds the listener and starts the accept thread.
    pub fn start(config: SimConfig) -> io::Result<CoreSim> {
        config
            .routes
            .validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let listener = http::listen(config.listen.as_str()).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.listen))
        })?;
        let addr = listener.local_addr()?;
        let (control, commands) = mpsc::channel();
        let policy = StorePolicy {
            lease_ms: millis(config.lease).max(1),
            retry_delay_ms: millis(config.retry_delay),
            max_attempts: config.max_attempts,
        };
        let shared = std::sync::Arc::new(Shared {
            store: Store::new(policy, config.routes),
            frontends: Frontends::default(),
            faults: faults::Faults::default(),
            batch: config.batch,
            max_body_bytes: config.max_body_bytes,
            control: std::sync::Mutex::new(control.clone()),
            hanging: std::sync::atomic::AtomicUsize::new(0),
        });
        let supervisor = std::thread::Builder::new()
            .name("core-sim".into())
            .spawn(move || http::supervise(shared, listener, addr, commands))?;
        Ok(CoreSim {
            addr,
            control,
            supervisor: Some(supervisor),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`, the `api_base_url` to give a gateway.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the listener and waits for the accept thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.control.send(http::Control::Shutdown);
        if let Some(handle) = self.supervisor.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for CoreSim {
    fn drop(&mut self) {
        self.stop();
    }
}
