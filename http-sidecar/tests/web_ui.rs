//! The web UI over real HTTP: login and sessions, CSRF on commands, bearer scripts, the pages,
//! the status API, bind commands reaching the control, the log ring and its live SSE stream.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_sidecar::{ControlError, GatewayControl, LogBuffer, WebSettings, WebUi};
use log::Level;
use support::{http, FakeGateway};

const TOKEN: &str = "correct-horse-battery-staple";

#[derive(Default)]
struct RecordingControl {
    commands: Mutex<Vec<String>>,
}

impl GatewayControl for RecordingControl {
    fn reconnect(&self, bind_name: &str) -> Result<(), ControlError> {
        self.record("reconnect", bind_name)
    }
    fn disconnect(&self, bind_name: &str) -> Result<(), ControlError> {
        self.record("disconnect", bind_name)
    }
}

impl RecordingControl {
    fn record(&self, command: &str, bind: &str) -> Result<(), ControlError> {
        if bind != "vodafone_uk" && bind != "partner acme" {
            return Err(ControlError::UnknownBind(bind.to_owned()));
        }
        self.commands
            .lock()
            .unwrap()
            .push(format!("{command} {bind}"));
        Ok(())
    }
}

struct Ui {
    web: WebUi,
    control: Arc<RecordingControl>,
    logs: Arc<LogBuffer>,
}

fn start() -> Ui {
    let control = Arc::new(RecordingControl::default());
    let logs = LogBuffer::new(100);
    let settings = WebSettings::new(SocketAddr::from(([127, 0, 0, 1], 0)), TOKEN);
    let web = WebUi::start(
        settings,
        FakeGateway::new(),
        Some(control.clone()),
        Arc::clone(&logs),
    )
    .unwrap();
    Ui { web, control, logs }
}

/// Logs in and returns the `Cookie` header value and the session's CSRF token.
fn login(addr: SocketAddr) -> (String, String) {
    let form = format!("token={TOKEN}");
    let answer = http(
        addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form.as_bytes(),
    );
    assert_eq!(answer.status, 303, "{answer:?}");
    assert_eq!(answer.header("Location"), Some("/"));
    let set_cookie = answer.header("Set-Cookie").unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("omsmpp_session=") && cookie.len() > 40);
    let session = http(addr, "GET", "/api/session", &[("Cookie", &cookie)], b"").json();
    let csrf = session["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(csrf.len(), 64);
    (cookie, csrf)
}

#[test]
fn pages_need_a_login_and_the_token_gets_a_session() {
    let ui = start();
    let addr = ui.web.local_addr();
    let answer = http(addr, "GET", "/", &[], b"");
    assert_eq!(answer.status, 303);
    assert_eq!(answer.header("Location"), Some("/login"));
    assert_eq!(http(addr, "GET", "/api/status", &[], b"").status, 401);
    let login_page = http(addr, "GET", "/login", &[], b"");
    assert_eq!(login_page.status, 200);
    assert!(login_page.body.contains("name=\"token\""));
    assert!(!login_page.body.contains("{{error}}"));

    let wrong = http(addr, "POST", "/login", &[], b"token=guess");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong token."));
    assert!(wrong.header("Set-Cookie").is_none());
    let forged = [("Cookie", "omsmpp_session=00112233")];
    assert_eq!(http(addr, "GET", "/api/status", &forged, b"").status, 401);

    let (cookie, _) = login(addr);
    let page = http(addr, "GET", "/", &[("Cookie", &cookie)], b"");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Live Status") && page.body.contains("/static/status.js"));
    assert!(page
        .header("Content-Security-Policy")
        .unwrap()
        .contains("default-src 'self'"));
    let logs_page = http(addr, "GET", "/logs", &[("Cookie", &cookie)], b"");
    assert!(logs_page.body.contains("/static/logs.js"));
    let script = http(addr, "GET", "/static/status.js", &[], b"");
    assert_eq!(
        script.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(script.body.contains("/api/status") && script.body.contains("5000"));

    let status = http(addr, "GET", "/api/status", &[("Cookie", &cookie)], b"").json();
    assert_eq!(status["totals"]["client_binds"], 1);
    assert_eq!(status["totals"]["server_binds"], 1);
    assert_eq!(status["listener"]["max_connections"], 100);

    let out = http(addr, "POST", "/logout", &[("Cookie", &cookie)], b"");
    assert_eq!(out.status, 303);
    assert!(out.header("Set-Cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(
        http(addr, "GET", "/api/status", &[("Cookie", &cookie)], b"").status,
        401
    );
    assert_eq!(http(addr, "PATCH", "/", &[], b"").status, 405);
    // A mutating call without credentials is refused before anything else looks at it.
    let anonymous = http(addr, "DELETE", "/api/peers/client/x", &[], b"");
    assert_eq!(anonymous.status, 401);
    assert!(anonymous.json()["error"]
        .as_str()
        .unwrap()
        .contains("log in"));
    assert_eq!(
        http(addr, "GET", "/api/nope", &[("Cookie", &cookie)], b"").status,
        401
    );
    ui.web.stop();
}

#[test]
fn bind_commands_need_the_csrf_token_or_a_bearer_token() {
    let ui = start();
    let addr = ui.web.local_addr();
    let (cookie, csrf) = login(addr);
    let path = "/api/binds/vodafone_uk/reconnect";
    let no_csrf = http(addr, "POST", path, &[("Cookie", &cookie)], b"");
    assert_eq!(no_csrf.status, 403);
    let wrong = http(
        addr,
        "POST",
        path,
        &[("Cookie", &cookie), ("X-CSRF-Token", "x")],
        b"",
    );
    assert_eq!(wrong.status, 403);
    assert!(ui.control.commands.lock().unwrap().is_empty());

    let ok = http(
        addr,
        "POST",
        path,
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        b"",
    );
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.json()["command"], "reconnect");

    let bearer = format!("Bearer {TOKEN}");
    let encoded = "/api/binds/partner%20acme/disconnect";
    let answer = http(addr, "POST", encoded, &[("Authorization", &bearer)], b"");
    assert_eq!(answer.status, 200, "{answer:?}");
    let bad_bearer = [("Authorization", "Bearer nope")];
    assert_eq!(http(addr, "POST", encoded, &bad_bearer, b"").status, 401);

    let unknown = http(
        addr,
        "POST",
        "/api/binds/ghost/reconnect",
        &[("Authorization", &bearer)],
        b"",
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error"], "no bind named 'ghost'");
    let verb = http(
        addr,
        "POST",
        "/api/binds/vodafone_uk/explode",
        &[("Authorization", &bearer)],
        b"",
    );
    assert_eq!(verb.status, 404);

    assert_eq!(
        *ui.control.commands.lock().unwrap(),
        ["reconnect vodafone_uk", "disconnect partner acme"]
    );
    ui.web.stop();
}

#[test]
fn the_web_ui_needs_an_admin_token() {
    let settings = WebSettings::new(SocketAddr::from(([127, 0, 0, 1], 0)), "  ");
    let error = WebUi::start(settings, FakeGateway::new(), None, LogBuffer::new(4)).unwrap_err();
    assert!(error.to_string().contains("web.admin_token"));
}

/// Reads SSE lines until one contains `needle`; returns every `data:` line seen.
fn read_events_until(reader: &mut BufReader<TcpStream>, needle: &str) -> Vec<String> {
    let mut data = Vec::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).unwrap();
        assert!(read > 0, "stream closed before {needle:?}; saw {data:?}");
        if let Some(payload) = line.strip_prefix("data: ") {
            data.push(payload.trim_end().to_owned());
            if payload.contains(needle) {
                return data;
            }
        }
    }
}

#[test]
fn logs_are_listed_filtered_streamed_and_cleared() {
    let ui = start();
    let addr = ui.web.local_addr();
    let (cookie, csrf) = login(addr);
    ui.logs
        .push(Level::Info, "engine::shard", "Bound vodafone_uk".to_owned());
    ui.logs.push(
        Level::Warn,
        "engine::shard",
        "Rejected submit_sm from partner_acme".to_owned(),
    );

    let listed = http(
        addr,
        "GET",
        "/api/logs?level=warn",
        &[("Cookie", &cookie)],
        b"",
    )
    .json();
    let lines = listed["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["level"], "WARN");
    assert_eq!(lines[0]["message"], "Rejected submit_sm from partner_acme");
    let searched = http(
        addr,
        "GET",
        "/api/logs?q=VODAFONE",
        &[("Cookie", &cookie)],
        b"",
    )
    .json();
    assert_eq!(searched["lines"].as_array().unwrap().len(), 1);

    // A live stream of warnings and worse, containing "partner".
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET /api/logs/stream?level=warn&q=partner HTTP/1.1\r\nHost: t\r\nCookie: {cookie}\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    assert!(status_line.starts_with("HTTP/1.1 200"), "{status_line}");
    let backlog = read_events_until(&mut reader, "Rejected submit_sm");
    assert_eq!(backlog.len(), 1);

    ui.logs.push(
        Level::Error,
        "engine::shard",
        "Bind failed for vodafone_uk".to_owned(),
    );
    ui.logs.push(
        Level::Info,
        "engine::shard",
        "partner_acme bound".to_owned(),
    );
    ui.logs.push(
        Level::Error,
        "engine::shard",
        "partner_acme exceeded TPS".to_owned(),
    );
    let live = read_events_until(&mut reader, "exceeded TPS");
    assert_eq!(live.len(), 1, "filtered out: {live:?}");
    let event: serde_json::Value = serde_json::from_str(&live[0]).unwrap();
    assert_eq!(event["level"], "ERROR");
    assert_eq!(event["seq"], 5);

    let cleared = http(
        addr,
        "POST",
        "/api/logs/clear",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        b"",
    );
    assert_eq!(cleared.status, 200);
    let listed = http(addr, "GET", "/api/logs", &[("Cookie", &cookie)], b"").json();
    assert!(listed["lines"].as_array().unwrap().is_empty());
    drop(reader);
    ui.web.stop();
}

#[test]
fn page_scripts_parse() {
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/assets");
    for script in [
        "common.js",
        "status.js",
        "logs.js",
        "peers.js",
        "queue.js",
        "cache.js",
    ] {
        let Ok(output) = std::process::Command::new("node")
            .arg("--check")
            .arg(assets.join(script))
            .output()
        else {
            eprintln!("node not installed: {script} not checked");
            return;
        };
        assert!(
            output.status.success(),
            "{script}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
