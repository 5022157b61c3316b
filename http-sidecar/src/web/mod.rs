//! The operator web UI on its own port (`[web]`, default 0.0.0.0:8087): a login form, the Live
//! Status page (auto-refreshed from `/api/status`, Reconnect/Disconnect buttons) and the Logs
//! page (live stream from the in-memory ring). Pages are plain HTML/CSS/JS compiled into the
//! binary. Everything but the login form and the static files needs the admin token.

mod auth;
pub mod logs;
mod sse;

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
use crate::http::{bound_addr, form_value, listen, percent_decode, read_body, reply, reply_json};
use crate::status::{status_json, RateMeter};
use crate::view::{GatewayControl, GatewayView};

const LOGIN_HTML: &str = include_str!("assets/login.html");
const STATUS_HTML: &str = include_str!("assets/status.html");
const LOGS_HTML: &str = include_str!("assets/logs.html");
const APP_CSS: &str = include_str!("assets/app.css");
const STATUS_JS: &str = include_str!("assets/status.js");
const LOGS_JS: &str = include_str!("assets/logs.js");

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
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl WebSettings {
    /// Settings for `addr` and `admin_token` with the other values at their defaults.
    pub fn new(addr: SocketAddr, admin_token: impl Into<String>) -> Self {
        Self {
            addr,
            admin_token: admin_token.into(),
            threads: 2,
            max_request_body: 16 * 1024,
            max_log_streams: 8,
        }
    }

    /// Settings for the configuration's `[web]` table.
    pub fn from_config(web: &smpp_config::Web, admin_token: impl Into<String>) -> Self {
        Self::new(web.socket_addr(), admin_token)
    }
}

struct Context {
    view: Arc<dyn GatewayView>,
    control: Option<Arc<dyn GatewayControl>>,
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
    /// Serves the UI over `view` and `control`, with the Logs page reading `logs`.
    ///
    /// Refuses to start without an admin token. The UI speaks plain HTTP: put it behind a TLS
    /// proxy or keep the port internal (a warning is logged).
    pub fn start(
        settings: WebSettings,
        view: Arc<dyn GatewayView>,
        control: Option<Arc<dyn GatewayControl>>,
        logs: Arc<LogBuffer>,
    ) -> std::io::Result<WebUi> {
        if settings.admin_token.trim().is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "web.admin_token is empty: the web UI needs it to authenticate operators",
            ));
        }
        let server = Arc::new(listen(settings.addr)?);
        let addr = bound_addr(&server)?;
        let stop = Arc::new(AtomicBool::new(false));
        let context = Arc::new(Context {
            view,
            control,
            logs: Arc::clone(&logs),
            sessions: Sessions::default(),
            rates: RateMeter::default(),
            streams: Arc::new(StreamSlots::new(settings.max_log_streams)),
            settings,
            stop: Arc::clone(&stop),
        });
        let mut workers = Vec::new();
        for index in 0..context.settings.threads.max(1) {
            let (server, context) = (Arc::clone(&server), Arc::clone(&context));
            workers.push(
                std::thread::Builder::new()
                    .name(format!("omsmpp-web-{index}"))
                    .spawn(move || serve(&server, &context))?,
            );
        }
        log::warn!("web UI on plain http://{addr}/: keep the port internal or put TLS in front");
        Ok(WebUi {
            addr,
            stop,
            logs,
            workers,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
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
    if !matches!(method, Method::Get | Method::Head | Method::Post) {
        let body = json!({ "error": format!("method {method} not allowed") });
        return reply_json(request, 405, &body, &[("Allow", "GET, HEAD, POST")]);
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
    let post = method == Method::Post;

    // Open to everyone: the login form and the static files.
    match (post, path) {
        (false, "/login") => return page(request, &LOGIN_HTML.replace("{{error}}", "")),
        (true, "/login") => return login(context, request, &body),
        (true, "/logout") => {
            context.sessions.close(&request);
            let expired =
                format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
            return redirect(request, "/login", Some(&expired));
        }
        (false, "/static/app.css") => {
            return reply(request, 200, "text/css; charset=utf-8", APP_CSS.into(), &[]);
        }
        (false, "/static/status.js") => return javascript(request, STATUS_JS),
        (false, "/static/logs.js") => return javascript(request, LOGS_JS),
        _ => {}
    }

    let Some(caller) = context
        .sessions
        .caller(&request, &context.settings.admin_token)
    else {
        return if path.starts_with("/api/") {
            error(
                request,
                401,
                "log in first (or send Authorization: Bearer <admin token>)",
            )
        } else {
            redirect(request, "/login", None)
        };
    };
    if post && !caller.may_mutate(&request) {
        return error(request, 403, "missing or wrong X-CSRF-Token");
    }
    route(context, request, &caller, post, path, query);
}

fn javascript(request: Request, source: &str) {
    let content_type = "text/javascript; charset=utf-8";
    reply(request, 200, content_type, source.as_bytes().to_vec(), &[]);
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
            let cookie = format!(
                "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"
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
    post: bool,
    path: &str,
    query: &str,
) {
    match (post, path) {
        (false, "/") => page(request, STATUS_HTML),
        (false, "/logs") => page(request, LOGS_HTML),
        (false, "/api/session") => {
            reply_json(request, 200, &json!({ "csrf_token": caller.csrf() }), &[]);
        }
        (false, "/api/status") => {
            let body = status_json(&*context.view, &context.rates);
            reply_json(request, 200, &body, &[]);
        }
        (false, "/api/logs") => {
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
        (false, "/api/logs/stream") => {
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
        (true, "/api/logs/clear") => {
            context.logs.clear();
            reply_json(request, 200, &json!({ "cleared": true }), &[]);
        }
        (true, _) if path.starts_with("/api/binds/") => bind_command(context, request, path),
        _ => {
            let message = format!("no such path: {path}");
            error(request, 404, &message);
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
    let Some((name, command)) = rest.rsplit_once('/') else {
        return error(
            request,
            404,
            "use /api/binds/<name>/reconnect or /disconnect",
        );
    };
    let name = percent_decode(name, false);
    let Some(control) = &context.control else {
        return error(request, 501, "this gateway does not take commands yet");
    };
    let outcome = match command {
        "reconnect" => control.reconnect(&name),
        "disconnect" => control.disconnect(&name),
        _ => {
            return error(
                request,
                404,
                "use /api/binds/<name>/reconnect or /disconnect",
            )
        }
    };
    match outcome {
        Ok(()) => {
            log::info!("web UI: {command} {name}");
            reply_json(
                request,
                200,
                &json!({ "bind": name, "command": command, "ok": true }),
                &[],
            );
        }
        Err(failure) => {
            let status = match failure {
                crate::view::ControlError::UnknownBind(_)
                | crate::view::ControlError::NotFound(_) => 404,
                crate::view::ControlError::Invalid(_) => 400,
                crate::view::ControlError::NotApplicable(_) => 409,
                crate::view::ControlError::Unavailable(_) => 503,
            };
            error(request, status, &failure.to_string());
        }
    }
}
