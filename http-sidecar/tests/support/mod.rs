//! A gateway view the tests move by hand (over real `BindStats` counters), a sidecar on an
//! ephemeral port, and a raw HTTP/1.1 client so every status code and header is visible.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::coreclient::{Endpoint, EndpointStats, ErrorKind, StatsSnapshot, LATENCY_BUCKETS};
use engine::stats::BindStats;
use http_sidecar::{
    BindIdentity, BindMode, BindView, CacheView, CoreView, GatewayInfo, GatewayView, ListenerView,
    Sidecar, SidecarSettings,
};

/// One bind of the fake gateway: its labels, live counters and the rest of its view.
pub struct FakeBind {
    pub identity: BindIdentity,
    pub stats: BindStats,
    pub cache: Mutex<CacheView>,
    pub in_flight: Mutex<Option<u64>>,
    pub last_error: Mutex<Option<String>>,
}

/// A gateway whose state the test sets.
pub struct FakeGateway {
    pub binds: Vec<FakeBind>,
    pub core: Mutex<CoreView>,
    pub listener: Mutex<ListenerView>,
    pub liveness: Mutex<Result<(), String>>,
    pub started_at_ms: i64,
}

pub fn empty_pool_stats() -> StatsSnapshot {
    StatsSnapshot {
        endpoints: Endpoint::ALL
            .iter()
            .map(|&endpoint| EndpointStats {
                endpoint,
                ok: 0,
                errors: [0; ErrorKind::COUNT],
                latency_buckets: [0; LATENCY_BUCKETS + 1],
                latency_sum_us: 0,
            })
            .collect(),
        queue_full: 0,
        queued: 0,
        supports_batch: false,
    }
}

impl FakeGateway {
    /// A client bind `vodafone_uk` (transceiver to smsc.vodafone.example:2775) and a server
    /// bind `partner_acme` on the listener 0.0.0.0:2775.
    pub fn new() -> Arc<FakeGateway> {
        let bind =
            |name: &str, mode, host: &str, bind_type: Option<&str>, system_id: &str| FakeBind {
                identity: BindIdentity {
                    name: name.to_owned(),
                    mode,
                    host: host.to_owned(),
                    port: 2775,
                    bind_type: bind_type.map(str::to_owned),
                    system_id: system_id.to_owned(),
                },
                stats: BindStats::new(),
                cache: Mutex::new(CacheView::default()),
                in_flight: Mutex::new(None),
                last_error: Mutex::new(None),
            };
        Arc::new(FakeGateway {
            binds: vec![
                bind(
                    "vodafone_uk",
                    BindMode::Client,
                    "smsc.vodafone.example",
                    Some("transceiver"),
                    "gw_user",
                ),
                bind("partner_acme", BindMode::Server, "0.0.0.0", None, "acme"),
            ],
            core: Mutex::new(CoreView {
                api_base_url: "http://core.example:8080".to_owned(),
                healthy: true,
                health_checks: 0,
                health_check_failures: 0,
                last_probe_latency_us: 0,
                last_heartbeat_ms: None,
                registrations: 0,
                pool: empty_pool_stats(),
            }),
            listener: Mutex::new(ListenerView {
                enabled: true,
                host: "0.0.0.0".to_owned(),
                port: 2775,
                max_connections: 100,
                open_connections: 0,
                accepted: 0,
                refused_max_connections: 0,
                refused_ip: 0,
                bind_refused: 0,
                refused_locked_out: 0,
                lockouts: 0,
            }),
            liveness: Mutex::new(Ok(())),
            started_at_ms: core_api::rfc3339::now_millis(),
        })
    }

    pub fn bind(&self, name: &str) -> &FakeBind {
        self.binds.iter().find(|b| b.identity.name == name).unwrap()
    }
}

impl GatewayView for FakeGateway {
    fn binds(&self) -> Vec<BindView> {
        self.binds
            .iter()
            .map(|bind| BindView {
                identity: bind.identity.clone(),
                enabled: true,
                stats: bind.stats.snapshot(),
                cache: *bind.cache.lock().unwrap(),
                tps_limit: 100,
                window_size: 10,
                in_flight: *bind.in_flight.lock().unwrap(),
                last_error: bind.last_error.lock().unwrap().clone(),
            })
            .collect()
    }

    fn core(&self) -> CoreView {
        self.core.lock().unwrap().clone()
    }

    fn listener(&self) -> ListenerView {
        self.listener.lock().unwrap().clone()
    }

    fn info(&self) -> GatewayInfo {
        GatewayInfo {
            version: "9.9.9-test".to_owned(),
            smsc_name: "smpp_test_01".to_owned(),
            started_at_ms: self.started_at_ms,
            shards: 3,
        }
    }

    fn liveness(&self) -> Result<(), String> {
        self.liveness.lock().unwrap().clone()
    }
}

/// The sidecar on 127.0.0.1 with an ephemeral port.
pub fn start_sidecar(view: Arc<dyn GatewayView>) -> Sidecar {
    let settings = SidecarSettings {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        threads: 2,
        max_request_body: 1024,
    };
    Sidecar::start(settings, view).unwrap()
}

/// A parsed HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Sends `method path` with `headers` and `body`, reads the whole answer (Connection: close).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server may answer and close before it read a refused body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: body.to_owned(),
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Answer {
    http(addr, "GET", path, &[], b"")
}

/// The value of the sample line that starts with `series` (name and labels) followed by a space.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}
