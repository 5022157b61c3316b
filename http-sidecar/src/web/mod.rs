//! The operator web UI on its own port (`[web]`, default 0.0.0.0:8087): a login form, the Live
//! Status page (auto-refreshed from `/api/status`, Reconnect/Disconnect buttons), Client and
//! Server Peers, Queue, Cache and Logs (live stream from the in-memory ring), over the JSON
//! admin API of docs/ADMIN-API.md. Pages are plain HTML/CSS/JS compiled into the binary.
//! Everything but the login form and the static files needs the admin token; HTTPS when
//! certificate files are configured.

mod admin_api;
mod assets;
mod auth;
pub mod logs;
mod peers;
mod sse;
mod tls;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::json;
use tiny_http::{Method, Request, Server};

use self::auth::{Caller, Sessions, SESSION_COOKIE, SESSION_TTL_MS};
use self::logs::{LogBuffer, LogFilter};
use self::sse::StreamSlots;
use crate::admin::{CacheAdmin, PeerAdmin, QueueView};
use crate::http::{bound_addr, form_value, listen, percent_decode, read_body, reply, reply_json};
use crate::status::{status_json, RateMeter};
use crate::view::{GatewayControl, GatewayView};

const LOGIN_HTML: &str = include_str!("assets/login.html");

/// Default port of the web UI.
pub const DEFAULT_WEB_PORT: u16 = 8087;
const POLL: Duration = Duration::from_millis(100);
const HTML: &str = "text/html; charset=utf-8";
/// Headers of every page: no framing, no inline script, no sniffing, no referrer.
const PAGE_HEADERS: [(&str, &str); 4] = [
    (
        "Content-Security-Policy",
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
];

/// Where and how the web UI serves.
#[derive(Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// Address to listen on (`[web]` host and port).
    pub addr: SocketAddr,
    /// The token operators log in with and scripts send as `Authorization: Bearer`.
    pub admin_token: String,
    /// Worker threads answering requests (log streams get threads of their own).
    pub threads: usize,
    /// Largest request body accepted.
    pub max_request_body: usize,
    /// Most log streams open at once.
    pub max_log_streams: usize,
    /// Certificate chain and key (PEM) for HTTPS; `None` serves plain HTTP.
    pub tls: Option<smpp_config::TlsFiles>,
}

impl std::fmt::Debug for WebSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSettings")
            .field("addr", &self.addr)
            .field("admin_token", &"***")
            .field("threads", &self.threads)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// What the pages beyond Live Status and Logs talk to; each is optional, and a page whose
/// backend is absent says so.
#[derive(Clone, Default)]
pub struct Backends {
    /// Reconnect and Disconnect.
    pub control: Option<Arc<dyn GatewayControl>>,
    /// Client and Server Peers.
    pub peers: Option<Arc<dyn PeerAdmin>>,
    /// Cache.
    pub cache: Option<Arc<dyn CacheAdmin>>,
    /// Queue.
    pub queue: Option<Arc<dyn QueueView>>,
}

impl Backends {
    /// No backend: Live Status and Logs only.
    pub fn new() -> Self {
        Self::default()
    }

    /// With the Reconnect/Disconnect commands.
    pub fn with_control(mut self, control: Arc<dyn GatewayControl>) -> Self {
        self.control = Some(control);
        self
    }

    /// With runtime peer management.
    pub fn with_peers(mut self, peers: Arc<dyn PeerAdmin>) -> Self {
        self.peers = Some(peers);
        self
    }

    /// With the cache operations.
    pub fn with_cache(mut self, cache: Arc<dyn CacheAdmin>) -> Self {
        self.cache = Some(cache);
        self
    }

    /// With the core's queue view.
    pub fn with_queue(mut self, queue: Arc<dyn QueueView>) -> Self {
        self.queue = Some(queue);
        self
    }
}

impl WebSettings {
    /// Settings for `addr` and `admin_token` with the other values at their defaults.
    pub fn new(addr: SocketAddr, admin_token: impl Into<String>) -> Self {
        Self {
            addr,
            admin_token: admin_token.into(),
            threads: 2,
            max_request_body: 64 * 1024,
            max_log_streams: 8,
            tls: None,
        }
    }

    /// Settings for the configuration's `[web]` table; an error names `web.admin_token` when
    /// the table has none.
    pub fn from_config(web: &smpp_config::Web) -> Result<Self, String> {
        let token = web
            .admin_token
            .as_ref()
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                "web.admin_token: is not set, and the web UI (web.enabled = true) needs it to \
                 authenticate operators; set it (or OMNIMESSAGE_SMPP_WEB_ADMIN_TOKEN), e.g. to the \
                 output of `openssl rand -hex 32`, or set web.enabled = false"
                    .to_owned()
            })?;
        let mut settings = Self::new(web.socket_addr(), token.expose());
        settings.tls = web.tls.clone();
        Ok(settings)
    }
}

struct Context {
    view: Arc<dyn GatewayView>,
    backends: Backends,
    logs: Arc<LogBuffer>,
    sessions: Sessions,
    rates: RateMeter,
    settings: WebSettings,
    stop: Arc<AtomicBool>,
    streams: Arc<StreamSlots>,
}

/// The running web UI.
pub struct WebUi {
    addr: SocketAddr,
    https: bool,
    stop: Arc<AtomicBool>,
    logs: Arc<LogBuffer>,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for WebUi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebUi").field("addr", &self.addr).finish()
    }
}

impl WebUi {
    /// Serves the UI over `view` and `control` (Live Status and Logs only); see
    /// [`WebUi::start_with`].
    pub fn start(
        settings: WebSettings,
        view: Arc<dyn GatewayView>,
        control: Option<Arc<dyn GatewayControl>>,
        logs: Arc<LogBuffer>,
    ) -> std::io::Result<WebUi> {
        let mut backends = Backends::new();
        backends.control = control;
        Self::start_with(settings, view, backends, logs)
    }

    /// Serves the UI over `view` and `backends`, with the Logs page reading `logs`.
    ///
    /// Refuses to start without an admin token. With `settings.tls` the port speaks HTTPS only;
    /// without, plain HTTP (a warning is logged: keep the port internal or put TLS in front).
    pub fn start_with(
        settings: WebSettings,
        view: Arc<dyn GatewayView>,
        backends: Backends,
        logs: Arc<LogBuffer>,
    ) -> std::io::Result<WebUi> {
        if settings.admin_token.trim().is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "web.admin_token is empty: the web UI needs it to authenticate operators",
            ));
        }
        let stop = Arc::new(AtomicBool::new(false));
        // With TLS, tiny_http serves on a loopback port only the terminator reaches.
        let (server, addr, terminator) = match &settings.tls {
            Some(files) => {
                let acceptor = tls::Terminator::load(files)?;
                let inner = Arc::new(listen(SocketAddr::from(([127, 0, 0, 1], 0)))?);
                let inner_addr = bound_addr(&inner)?;
                let (addr, handle) =
                    acceptor.spawn(settings.addr, inner_addr, Arc::clone(&stop))?;
                (inner, addr, Some(handle))
            }
            None => {
                let server = Arc::new(listen(settings.addr)?);
                let addr = bound_addr(&server)?;
                (server, addr, None)
            }
        };
        let https = terminator.is_some();
        let context = Arc::new(Context {
            view,
            backends,
            logs: Arc::clone(&logs),
            sessions: Sessions::default(),
            rates: RateMeter::default(),
            streams: Arc::new(StreamSlots::new(settings.max_log_streams)),
            settings,
            stop: Arc::clone(&stop),
        });
        let mut workers: Vec<JoinHandle<()>> = terminator.into_iter().collect();
        for index in 0..context.settings.threads.max(1) {
            let (server, context) = (Arc::clone(&server), Arc::clone(&context));
            workers.push(
                std::thread::Builder::new()
                    .name(format!("omsmpp-web-{index}"))
                    .spawn(move || serve(&server, &context))?,
            );
        }
        if https {
            log::info!("web UI on https://{addr}/");
        } else {
            log::warn!(
                "web UI on plain http://{addr}/: set web.tls_cert and web.tls_key, keep the port \
                 internal or put TLS in front"
            );
        }
        Ok(WebUi {
            addr,
            https,
            stop,
            logs,
            workers,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the port speaks HTTPS.
    pub fn is_https(&self) -> bool {
        self.https
    }

    /// Stops the workers and the log streams.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.logs.wake_all();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Drop for WebUi {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(server: &Server, context: &Arc<Context>) {
    while !context.stop.load(Ordering::Relaxed) {
        match server.recv_timeout(POLL) {
            Ok(Some(request)) => handle(context, request),
            Ok(None) => {}
            Err(error) => {
                log::debug!("web listener: {error}");
                std::thread::sleep(POLL);
            }
        }
    }
}

fn page(request: Request, html: &str) {
    reply(request, 200, HTML, html.as_bytes().to_vec(), &PAGE_HEADERS);
}

fn redirect(request: Request, location: &str, cookie: Option<&str>) {
    let mut headers = vec![("Location", location)];
    if let Some(cookie) = cookie {
        headers.push(("Set-Cookie", cookie));
    }
    reply(request, 303, HTML, Vec::new(), &headers);
}

fn error(request: Request, status: u16, message: &str) {
    reply_json(request, status, &json!({ "error": message }), &[]);
}

fn handle(context: &Arc<Context>, mut request: Request) {
    let method = request.method().clone();
    if !matches!(
        method,
        Method::Get | Method::Head | Method::Post | Method::Put | Method::Delete
    ) {
        let body = json!({ "error": format!("method {method} not allowed") });
        return reply_json(
            request,
            405,
            &body,
            &[("Allow", "GET, HEAD, POST, PUT, DELETE")],
        );
    }
    let Some(body) = read_body(&mut request, context.settings.max_request_body) else {
        let limit = context.settings.max_request_body;
        let message = format!("request body larger than {limit} bytes");
        return reply_json(
            request,
            413,
            &json!({ "error": message }),
            &[("Connection", "close")],
        );
    };
    let url = request.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mutating = !matches!(method, Method::Get | Method::Head);

    // Open to everyone: the login form and the static files.
    match (&method, path) {
        (Method::Get | Method::Head, "/login") => {
            return page(request, &LOGIN_HTML.replace("{{error}}", ""))
        }
        (Method::Post, "/login") => return login(context, request, &body),
        (Method::Post, "/logout") => {
            context.sessions.close(&request);
            let expired =
                format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
            return redirect(request, "/login", Some(&expired));
        }
        (Method::Get | Method::Head, _) if path.starts_with("/static/") => {
            return match assets::static_file(path) {
                Some((content_type, body)) => {
                    reply(request, 200, content_type, body.as_bytes().to_vec(), &[])
                }
                None => error(request, 404, &format!("no such file: {path}")),
            };
        }
        _ => {}
    }

    let Some(caller) = context
        .sessions
        .caller(&request, &context.settings.admin_token)
    else {
        return if path.starts_with("/api/") || mutating {
            error(
                request,
                401,
                "log in first (or send Authorization: Bearer <admin token>)",
            )
        } else {
            redirect(request, "/login", None)
        };
    };
    if mutating && !caller.may_mutate(&request) {
        return error(request, 403, "missing or wrong X-CSRF-Token");
    }
    route(context, request, &caller, &method, path, query, &body);
}

fn login(context: &Context, request: Request, body: &[u8]) {
    let form = String::from_utf8_lossy(body);
    let token = form_value(&form, "token").unwrap_or_default();
    if !auth::secrets_equal(&context.settings.admin_token, &token) {
        log::warn!("web UI: failed login from {:?}", request.remote_addr());
        let html = LOGIN_HTML.replace("{{error}}", "<p class=\"error\">Wrong token.</p>");
        return reply(request, 401, HTML, html.into_bytes(), &PAGE_HEADERS);
    }
    match context.sessions.open() {
        Ok(id) => {
            let max_age = SESSION_TTL_MS / 1000;
            let secure = if context.settings.tls.is_some() {
                "; Secure"
            } else {
                ""
            };
            let cookie = format!(
                "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
            );
            redirect(request, "/", Some(&cookie));
        }
        Err(failure) => {
            log::error!("web UI: cannot open a session: {failure}");
            error(request, 500, "cannot open a session")
        }
    }
}

fn route(
    context: &Arc<Context>,
    request: Request,
    caller: &Caller,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) {
    let get = matches!(method, Method::Get | Method::Head);
    if get {
        if let Some(html) = assets::page(path) {
            return page(request, &html);
        }
    }
    match (get, method, path) {
        (true, _, "/api/session") => {
            reply_json(request, 200, &json!({ "csrf_token": caller.csrf() }), &[]);
        }
        (true, _, "/api/status") => {
            let body = status_json(&*context.view, &context.rates);
            reply_json(request, 200, &body, &[]);
        }
        (true, _, "/api/logs") => {
            let filter = log_filter(query);
            let limit = form_value(query, "limit")
                .and_then(|n| n.parse().ok())
                .unwrap_or(500usize)
                .min(5000);
            let lines: Vec<_> = context
                .logs
                .lines_from(0, &filter, limit)
                .iter()
                .map(logs::LogLine::to_json)
                .collect();
            reply_json(request, 200, &json!({ "lines": lines }), &[]);
        }
        (true, _, "/api/logs/stream") => {
            let last_seen = crate::http::request_header(&request, "Last-Event-ID")
                .and_then(|id| id.trim().parse().ok());
            let spawned = sse::spawn(
                request,
                Arc::clone(&context.logs),
                log_filter(query),
                last_seen,
                Arc::clone(&context.stop),
                Arc::clone(&context.streams),
            );
            if let Err(failure) = spawned {
                log::error!("web UI: cannot start a log stream: {failure}");
            }
        }
        (false, Method::Post, "/api/logs/clear") => {
            context.logs.clear();
            reply_json(request, 200, &json!({ "cleared": true }), &[]);
        }
        (false, Method::Post, _) if path.starts_with("/api/binds/") => {
            bind_command(context, request, path);
        }
        _ => {
            if let Some(request) = admin_api::route(context, request, method, path, query, body) {
                let message = format!("no such path: {path}");
                error(request, 404, &message);
            }
        }
    }
}

fn log_filter(query: &str) -> LogFilter {
    LogFilter::new(
        form_value(query, "level").as_deref(),
        form_value(query, "q").as_deref(),
    )
}

/// `POST /api/binds/<name>/reconnect|disconnect`.
fn bind_command(context: &Context, request: Request, path: &str) {
    let rest = path.trim_start_matches("/api/binds/");
    let usage = "use /api/binds/<name>/reconnect or /disconnect";
    let Some((name, command)) = rest.rsplit_once('/') else {
        return error(request, 404, usage);
    };
    let name = percent_decode(name, false);
    let Some(control) = &context.backends.control else {
        return error(request, 503, "this gateway does not take bind commands");
    };
    let outcome = match command {
        "reconnect" => control.reconnect(&name),
        "disconnect" => control.disconnect(&name),
        _ => return error(request, 404, usage),
    };
    match outcome {
        Ok(()) => {
            log::info!("web UI: {command} {name}");
            let body = json!({ "bind": name, "command": command, "ok": true });
            reply_json(request, 200, &body, &[]);
        }
        Err(failure) => {
            let status = admin_api::control_status(&failure);
            error(request, status, &failure.to_string());
        }
    }
}
