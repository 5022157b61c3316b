//! The metrics/status HTTP server: tiny_http on a few std threads of its own.
//!
//! Workers poll the request queue with a short timeout rather than block in `recv`: tiny_http
//! 0.12 can lose a wake-up when several connections arrive at once, and the poll also lets
//! [`Sidecar::stop`] end the workers without a special request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;
use tiny_http::{Method, Request, Server};

use crate::exposition::{render, Format};
use crate::http::{bound_addr, listen, read_body, reply, reply_json, request_header};
use crate::status::{health_json, status_json, RateMeter};
use crate::view::GatewayView;

/// How long a worker waits for a request before it looks at the stop flag again.
const POLL: Duration = Duration::from_millis(100);

/// Where and how the sidecar serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SidecarSettings {
    /// Address to listen on (`[metrics]` host and port; default 0.0.0.0:4000).
    pub addr: SocketAddr,
    /// Worker threads answering requests.
    pub threads: usize,
    /// Largest request body read; a bigger one is answered 413 (only GET/HEAD are served, so
    /// any body is noise).
    pub max_request_body: usize,
}

/// Default port of the metrics endpoint.
pub const DEFAULT_METRICS_PORT: u16 = 4000;

impl Default for SidecarSettings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([0, 0, 0, 0], DEFAULT_METRICS_PORT)),
            threads: 2,
            max_request_body: 4096,
        }
    }
}

impl SidecarSettings {
    /// Settings for the configuration's `[metrics]` table.
    pub fn from_config(metrics: &smpp_config::Metrics) -> Self {
        Self {
            addr: metrics.socket_addr(),
            ..Self::default()
        }
    }
}

/// A running sidecar.
pub struct Sidecar {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Sidecar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sidecar").field("addr", &self.addr).finish()
    }
}

struct Context {
    view: Arc<dyn GatewayView>,
    rates: RateMeter,
    max_request_body: usize,
}

impl Sidecar {
    /// Listens on `settings.addr` and serves `/metrics`, `/status` and `/health` from `view`.
    pub fn start(
        settings: SidecarSettings,
        view: Arc<dyn GatewayView>,
    ) -> std::io::Result<Sidecar> {
        let server = Arc::new(listen(settings.addr)?);
        let addr = bound_addr(&server)?;
        let stop = Arc::new(AtomicBool::new(false));
        let context = Arc::new(Context {
            view,
            rates: RateMeter::default(),
            max_request_body: settings.max_request_body,
        });
        let mut workers = Vec::new();
        for index in 0..settings.threads.max(1) {
            let (server, stop, context) = (server.clone(), stop.clone(), context.clone());
            let worker = std::thread::Builder::new()
                .name(format!("omsmpp-metrics-{index}"))
                .spawn(move || serve(&server, &stop, &context))?;
            workers.push(worker);
        }
        log::info!("metrics and status on http://{addr}/metrics, /status, /health");
        Ok(Sidecar {
            addr,
            stop,
            workers,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the workers and closes the listener.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for Sidecar {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(server: &Server, stop: &AtomicBool, context: &Context) {
    while !stop.load(Ordering::Relaxed) {
        match server.recv_timeout(POLL) {
            Ok(Some(request)) => handle(context, request),
            Ok(None) => {}
            Err(error) => {
                log::debug!("metrics listener: {error}");
                std::thread::sleep(POLL);
            }
        }
    }
}

fn handle(context: &Context, mut request: Request) {
    if read_body(&mut request, context.max_request_body).is_none() {
        let body = json!({
            "error": format!("request body larger than {} bytes", context.max_request_body)
        });
        return reply_json(request, 413, &body, &[("Connection", "close")]);
    }
    if !matches!(request.method(), Method::Get | Method::Head) {
        let body =
            json!({ "error": format!("method {} not allowed; use GET or HEAD", request.method()) });
        return reply_json(request, 405, &body, &[("Allow", "GET, HEAD")]);
    }
    let path = request.url().split('?').next().unwrap_or("").to_owned();
    match path.as_str() {
        "/metrics" => {
            let format = Format::negotiate(request_header(&request, "Accept"));
            match render(&context.view, format) {
                Ok(text) => reply(request, 200, format.content_type(), text.into_bytes(), &[]),
                Err(_) => {
                    let body = json!({ "error": "metrics could not be rendered" });
                    reply_json(request, 500, &body, &[]);
                }
            }
        }
        "/status" => {
            let body = status_json(&*context.view, &context.rates);
            reply_json(request, 200, &body, &[]);
        }
        "/health" => {
            let (status, body) = health_json(&*context.view);
            reply_json(request, status, &body, &[]);
        }
        _ => {
            let body = json!({
                "error": format!("no such path: {path}"),
                "paths": ["/metrics", "/status", "/health"],
            });
            reply_json(request, 404, &body, &[]);
        }
    }
}
