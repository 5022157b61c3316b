//! The sidecar over a real engine runtime: a client bind to the carrier simulator sends what
//! the core simulator queued, and the scraped series and the status page follow.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::coreclient::{CoreClientConfig, CorePool};
use engine::shard::{RuntimeOptions, Shared};
use http_sidecar::{EngineView, GatewayView};
use smpp_loadgen::core_sim::{CoreSim, EnqueueRequest, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};
use support::{get, http, sample, start_sidecar};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

fn config(api: &str, carrier_port: u16, listen_port: u16) -> String {
    format!(
        r#"
api_base_url = "{api}"
smsc_name = "gw_sidecar_test"
[[binds]]
name = "carrier_a"
bind_type = "transceiver"
host = "127.0.0.1"
port = {carrier_port}
system_id = "gateway"
password = "secret"
queue_check_frequency = 100
[[server_binds]]
name = "partner_acme"
system_id = "acme"
password = "secret1"
allowed_bind_types = ["transceiver"]
[listen]
host = "127.0.0.1"
port = {listen_port}
max_connections = 7
"#
    )
}

#[test]
fn metrics_and_status_follow_a_running_gateway() {
    let filter = engine::logger::filter_from_env(log::LevelFilter::Warn);
    engine::logger::init(filter, engine::logger::Format::Text);
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let carrier = SmscSim::start(SmscConfig {
        system_id: Some("gateway".into()),
        password: Some("secret".into()),
        ..SmscConfig::default()
    })
    .unwrap();
    let toml = config(&core.base_url(), carrier.local_addr().port(), free_port());
    let loaded = smpp_config::Config::from_toml_str(&toml).unwrap();
    let mut core_config =
        CoreClientConfig::new(loaded.config.api_base_url.as_str(), "gw_sidecar_test");
    core_config.threads = 2;
    let pool = CorePool::start(&core_config).unwrap();
    let shared = Arc::new(Shared::new(loaded.config, 1, pool.client()));
    let running = engine::shard::start(
        Arc::clone(&shared),
        RuntimeOptions {
            shards: 1,
            pin: false,
            heartbeat: Duration::from_millis(200),
        },
    )
    .unwrap();
    let view: Arc<dyn GatewayView> = Arc::new(EngineView::new(Arc::clone(&shared)));
    let sidecar = start_sidecar(Arc::clone(&view));
    let addr = sidecar.local_addr();

    // Before any traffic every bind's series are there.
    let labels = format!(
        r#"{{bind_name="carrier_a",mode="client",host="127.0.0.1",port="{}",bind_type="transceiver",system_id="gateway"}}"#,
        carrier.local_addr().port()
    );
    let partner = format!(
        r#"{{bind_name="partner_acme",mode="server",host="127.0.0.1",port="{}",system_id="acme"}}"#,
        shared.config.listen.port
    );
    let text = get(addr, "/metrics").body;
    assert_eq!(
        sample(&text, &format!("smpp_messages_received_total{partner}")),
        Some(0.0),
        "{text}"
    );
    assert_eq!(sample(&text, "smpp_shards"), Some(1.0));

    let enqueue = serde_json::to_vec(&EnqueueRequest::new("carrier_a", 5)).unwrap();
    let answer = http(
        core.addr(),
        "POST",
        "/admin/enqueue",
        &[("Content-Type", "application/json")],
        &enqueue,
    );
    assert!(answer.status < 300, "{answer:?}");

    let mut text = String::new();
    assert!(
        eventually(Duration::from_secs(20), || {
            text = get(addr, "/metrics").body;
            sample(&text, &format!("smpp_messages_sent_total{labels}")) == Some(5.0)
        }),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!("smpp_connection_status{labels}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("smpp_bind_success_total{labels}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, &format!("smpp_connection_status{partner}")),
        Some(0.0)
    );
    let polled = sample(
        &text,
        r#"smpp_core_api_requests_total{endpoint="get_queue",outcome="success"}"#,
    )
    .unwrap();
    assert!(polled >= 1.0, "{text}");
    assert!(
        eventually(Duration::from_secs(10), || {
            text = get(addr, "/metrics").body;
            sample(&text, "smpp_core_api_registrations_total") >= Some(1.0)
        }),
        "{text}"
    );
    assert_eq!(sample(&text, "smpp_core_api_up"), Some(1.0), "{text}");
    assert!(sample(&text, "smpp_core_api_health_checks_total") >= Some(1.0));
    let port = shared.config.listen.port.to_string();
    assert_eq!(
        sample(
            &text,
            &format!(r#"smpp_listener_max_connections{{host="127.0.0.1",port="{port}"}}"#)
        ),
        Some(7.0)
    );

    let status = get(addr, "/status").json();
    assert_eq!(status["smsc_name"], "gw_sidecar_test");
    assert_eq!(status["binds"][0]["name"], "carrier_a");
    assert_eq!(status["binds"][0]["state"], "connected");
    assert_eq!(status["binds"][0]["counters"]["messages_sent"], 5);
    assert_eq!(status["binds"][1]["state"], "disconnected");
    assert_eq!(status["totals"]["client_connected"], 1);
    assert_eq!(status["listener"]["max_connections"], 7);
    assert_eq!(get(addr, "/health").status, 200);

    running.stop();
    assert_eq!(get(addr, "/health").status, 503);
    running.wait().unwrap();
    sidecar.stop();
    pool.shutdown();
}
