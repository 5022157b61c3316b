//! A small stand-in for the OmniMessage core, on tiny_http at 127.0.0.1, for the core client
//! tests. It checks what it receives the way the real core would (method, path, the
//! `User-Agent` and `X-Frontend` headers, the JSON body parsed into the contract types) and
//! answers a 400 naming the fault when something is off, so a wrong request fails the test.
//! Every request is also recorded for the test to inspect.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use core_api::{
    headers, paths, BatchStatusUpdate, DeliveryReceiptPost, DeliveryStatusUpdate,
    FrontendRegistration, InsertMessage,
};
use engine::coreclient::{CoreClientConfig, CorePool};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The frontend name every test client uses.
pub const SMSC_NAME: &str = "smpp_test_01";

/// How the stub answers.
#[derive(Clone)]
pub enum Behaviour {
    /// The contract, with canned data; `batch` is advertised in the health answer.
    Contract {
        /// Advertise `features: ["batch"]`.
        batch: bool,
    },
    /// Every request (after the header checks) gets this status and raw body.
    Fixed(u16, &'static str),
    /// The contract without the batch endpoints (404), though health advertises them.
    ClaimsBatch,
}

/// One request as the stub received it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub user_agent: Option<String>,
    pub x_frontend: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("recorded body is JSON")
    }
}

/// A running stub core.
pub struct CoreStub {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    threads: Vec<thread::JoinHandle<()>>,
    _parked: Vec<TcpStream>,
}

impl CoreStub {
    pub fn start(behaviour: Behaviour) -> CoreStub {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind stub"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("stub listens on an IP address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let next_id = Arc::new(AtomicU64::new(1000));
        let threads = (0..4)
            .map(|_| {
                let server = Arc::clone(&server);
                let seen = Arc::clone(&seen);
                let next_id = Arc::clone(&next_id);
                let behaviour = behaviour.clone();
                thread::spawn(move || {
                    while let Ok(request) = server.recv() {
                        serve(request, &behaviour, &seen, &next_id);
                    }
                })
            })
            .collect();
        let parked = park_idle_pool_threads(addr);
        CoreStub {
            addr,
            seen,
            server,
            threads,
            _parked: parked,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for CoreStub {
    fn drop(&mut self) {
        self.server.unblock();
        for _ in 1..self.threads.len() {
            self.server.unblock();
        }
        for handle in self.threads.drain(..) {
            let _ = handle.join();
        }
    }
}

/// Occupies the idle connection threads tiny_http 0.12 starts with.
///
/// Its connection pool (`util::TaskPool`) counts a thread as waiting until the thread wakes up,
/// so when several connections arrive in a burst while threads are idle, a wake-up is lost and
/// the extra connections wait in its queue until a busy thread finishes its connection, which
/// with keep-alive means never: the client times out (seen here: 8 workers opening their
/// connections at once, 4 of them hanging). Once no thread is idle, every new connection gets
/// a thread of its own. So: let the initial threads start, then hold one keep-alive
/// connection (a completed request) per possible idle thread.
fn park_idle_pool_threads(addr: SocketAddr) -> Vec<TcpStream> {
    thread::sleep(Duration::from_millis(50));
    (0..8)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).expect("park connection");
            stream
                .write_all(b"GET /__park HTTP/1.1\r\nHost: stub\r\n\r\n")
                .expect("park request");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut answer = Vec::new();
            let mut chunk = [0u8; 512];
            while !answer.windows(2).any(|w| w == b"OK") {
                let n = stream.read(&mut chunk).expect("park answer");
                assert!(n > 0, "stub closed a parked connection");
                answer.extend_from_slice(&chunk[..n]);
            }
            stream
        })
        .collect()
}

/// A test configuration for `url` with short time-outs.
pub fn config(url: &str) -> CoreClientConfig {
    let mut config = CoreClientConfig::new(url, SMSC_NAME);
    config.threads = 4;
    config.queue_capacity = 64;
    config.connect_timeout = Duration::from_secs(2);
    config.send_timeout = Duration::from_secs(2);
    config.recv_timeout = Duration::from_secs(2);
    config
}

pub fn start_pool(config: &CoreClientConfig) -> CorePool {
    CorePool::start(config).expect("pool starts")
}

/// A listener that accepts connections and never answers (a hung core). It keeps accepted
/// sockets open until it is dropped or `lifetime` passes.
pub struct HangingServer {
    pub addr: SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
    accepted: Arc<AtomicU64>,
}

impl HangingServer {
    pub fn start(lifetime: Duration) -> HangingServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind hanging server");
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let (stop2, accepted2) = (Arc::clone(&stop), Arc::clone(&accepted));
        thread::spawn(move || {
            let until = Instant::now() + lifetime;
            let mut held: Vec<TcpStream> = Vec::new();
            while Instant::now() < until && !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        accepted2.fetch_add(1, Ordering::Relaxed);
                        held.push(stream);
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HangingServer {
            addr,
            stop,
            accepted,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for HangingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// An address on which nothing listens.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// A minimal valid insert.
pub fn insert(destination: &str) -> InsertMessage {
    serde_json::from_value(json!({
        "source_addr": "61412345678", "source_addr_ton": 1, "source_addr_npi": 1,
        "destination_addr": destination, "dest_addr_ton": 0, "dest_addr_npi": 0,
        "message_body": "Hi there", "encoding": "gsm7", "data_coding": 0, "esm_class": 0,
        "registered_delivery": true, "priority": 0, "validity_period": null,
        "source_smsc": "partner_acme", "source_mode": "server", "smsc_name": SMSC_NAME
    }))
    .expect("valid insert")
}

fn header(request: &tiny_http::Request, name: &'static str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str().to_owned())
}

fn serve(
    mut request: tiny_http::Request,
    behaviour: &Behaviour,
    seen: &Mutex<Vec<Seen>>,
    next_id: &AtomicU64,
) {
    if request.url() == "/__park" {
        let _ = request.respond(tiny_http::Response::from_string("OK"));
        return;
    }
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let record = Seen {
        method: request.method().as_str().to_owned(),
        target: request.url().to_owned(),
        user_agent: header(&request, "User-Agent"),
        x_frontend: header(&request, headers::X_FRONTEND),
        content_type: header(&request, "Content-Type"),
        body,
    };
    let (status, answer) = match check_headers(&record) {
        Err(fault) => (400, error(&fault)),
        Ok(()) => match behaviour {
            Behaviour::Fixed(status, body) => (*status, (*body).to_owned()),
            Behaviour::Contract { batch } => contract(&record, *batch, next_id),
            Behaviour::ClaimsBatch => {
                let health = paths::split_target(&record.target).0 == paths::HEALTH;
                contract(&record, health, next_id)
            }
        },
    };
    seen.lock().unwrap().push(record);
    let response = tiny_http::Response::from_data(answer)
        .with_status_code(status)
        .with_header(
            tiny_http::Header::from_bytes("Content-Type", "application/json").expect("header"),
        );
    let _ = request.respond(response);
}

fn error(reason: &str) -> String {
    json!({ "error": reason }).to_string()
}

fn check_headers(seen: &Seen) -> Result<(), String> {
    if seen.user_agent.as_deref() != Some(headers::USER_AGENT) {
        return Err(format!("User-Agent {:?}", seen.user_agent));
    }
    if seen.x_frontend.as_deref() != Some(SMSC_NAME) {
        return Err(format!("X-Frontend {:?}", seen.x_frontend));
    }
    let has_body = seen.method == "POST" || seen.method == "PUT";
    if has_body && seen.content_type.as_deref() != Some(headers::CONTENT_TYPE_JSON) {
        return Err(format!("Content-Type {:?}", seen.content_type));
    }
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(seen: &Seen) -> Result<T, (u16, String)> {
    serde_json::from_slice(&seen.body).map_err(|e| (400, error(&format!("body: {e}"))))
}

/// The contract's endpoints with canned data; a request of the wrong shape gets a 400/404.
fn contract(seen: &Seen, batch: bool, next_id: &AtomicU64) -> (u16, String) {
    match answer(seen, batch, next_id) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn answer(seen: &Seen, batch: bool, next_id: &AtomicU64) -> Result<(u16, String), (u16, String)> {
    let (path, query) = paths::split_target(&seen.target);
    let method = seen.method.as_str();
    let fresh_id = || next_id.fetch_add(1, Ordering::Relaxed).to_string();
    match (method, path) {
        ("GET", paths::HEALTH) => {
            let features: Vec<&str> = if batch { vec!["batch"] } else { vec![] };
            Ok((
                200,
                json!({"status": "ok", "features": features}).to_string(),
            ))
        }
        ("POST", paths::FRONTENDS) => {
            let reg: FrontendRegistration = parse(seen)?;
            if reg.name != SMSC_NAME {
                return Err((400, error("name: differs from X-Frontend")));
            }
            Ok((
                201,
                json!({"name": reg.name, "ttl_seconds": reg.ttl_seconds,
                            "expires_at": "2026-11-21T10:01:30Z"})
                .to_string(),
            ))
        }
        ("GET", paths::MESSAGE_QUEUE) => {
            let mut dest = None;
            let mut limit = None;
            for pair in paths::query_pairs(query) {
                let (key, value) = pair.map_err(|e| (400, error(&e.to_string())))?;
                match key.as_str() {
                    "destination_smsc" => dest = Some(value),
                    "limit" => limit = value.parse::<usize>().ok(),
                    _ => return Err((400, error(&format!("unknown parameter {key}")))),
                }
            }
            let dest = dest.ok_or((400, error("destination_smsc: missing")))?;
            let limit = limit.ok_or((400, error("limit: missing or not a number")))?;
            let items: Vec<Value> = (1..=limit.min(2))
                .map(|n| {
                    json!({"id": format!("q{n}"), "kind": "mt", "source_addr": "MyBrand",
                           "source_addr_ton": 5, "destination_addr": "61412345678",
                           "dest_addr_ton": 1, "dest_addr_npi": 1, "message_body": "Hello world",
                           "encoding": "auto", "registered_delivery": true,
                           "validity_period": "2026-11-22T10:00:00Z", "deliver_after": null,
                           "dest_smsc": dest, "delivery_attempts": 0, "extra": "ignored"})
                })
                .collect();
            Ok((200, Value::Array(items).to_string()))
        }
        ("POST", paths::MESSAGES) => {
            let message: InsertMessage = parse(seen)?;
            if message.destination_addr.is_empty() {
                return Err((400, error("destination_addr: empty")));
            }
            Ok((201, json!({"id": fresh_id()}).to_string()))
        }
        ("POST", paths::DELIVERY_RECEIPTS) => {
            let receipt: DeliveryReceiptPost = parse(seen)?;
            if receipt.smsc_message_id.is_empty() {
                return Err((400, error("smsc_message_id: empty")));
            }
            Ok((201, json!({"id": format!("r{}", fresh_id())}).to_string()))
        }
        ("POST", paths::MESSAGES_BATCH) if batch => {
            let messages: Vec<InsertMessage> = parse(seen)?;
            let results: Vec<Value> = messages
                .iter()
                .map(|m| {
                    if m.destination_addr.is_empty() {
                        json!({"status": 400, "error": "destination_addr: empty"})
                    } else {
                        json!({"status": 201, "id": fresh_id()})
                    }
                })
                .collect();
            Ok((200, Value::Array(results).to_string()))
        }
        ("PUT", paths::DELIVERY_STATUS_BATCH) if batch => {
            let updates: Vec<BatchStatusUpdate> = parse(seen)?;
            let results: Vec<Value> = updates
                .iter()
                .map(|u| {
                    if u.id == "unknown" {
                        json!({"id": u.id, "status": 404, "error": "unknown message id"})
                    } else {
                        json!({"id": u.id, "status": 200})
                    }
                })
                .collect();
            Ok((200, Value::Array(results).to_string()))
        }
        ("PUT", _) => match paths::parse_delivery_status(path) {
            Some(Ok(id)) => {
                let update: DeliveryStatusUpdate = parse(seen)?;
                if id == "unknown" {
                    return Err((404, error("unknown message id")));
                }
                Ok((
                    200,
                    json!({"id": id, "status": update.status.as_str()}).to_string(),
                ))
            }
            Some(Err(e)) => Err((400, error(&e.to_string()))),
            None => Err((404, error(&format!("no route for PUT {path}")))),
        },
        _ => Err((404, error(&format!("no route for {method} {path}")))),
    }
}
