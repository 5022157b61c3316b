//! `/status`, `/health` and the error answers over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use engine::stats::ConnectionStatus;
use support::{get, http, start_sidecar, FakeGateway};

#[test]
fn status_lists_every_bind_with_state_counters_and_totals() {
    let gateway = FakeGateway::new();
    let client = gateway.bind("vodafone_uk");
    client.stats.set_status(ConnectionStatus::Reconnecting);
    client.stats.add_connection_attempts(3);
    client.stats.add_bind_failures(3);
    *client.last_error.lock().unwrap() = Some("bind refused: ESME_RINVPASWD".to_owned());
    let partner = gateway.bind("partner_acme");
    partner.stats.session_bound();
    partner.stats.add_received(12);
    *partner.in_flight.lock().unwrap() = Some(2);
    partner.cache.lock().unwrap().size = 4;
    {
        let mut listener = gateway.listener.lock().unwrap();
        listener.open_connections = 1;
        listener.accepted = 5;
    }
    gateway.core.lock().unwrap().last_heartbeat_ms = Some(1_700_000_000_000);
    let sidecar = start_sidecar(gateway.clone());
    let answer = get(sidecar.local_addr(), "/status");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("Content-Type"), Some("application/json"));
    let status = answer.json();
    assert_eq!(status["status"], "ok");
    assert_eq!(status["version"], "9.9.9-test");
    assert_eq!(status["smsc_name"], "smpp_test_01");
    assert_eq!(status["shards"], 3);
    assert!(status["uptime_seconds"].as_i64().unwrap() >= 0);
    assert_eq!(
        status["totals"],
        serde_json::json!({
            "client_binds": 1, "client_connected": 0, "server_binds": 1, "server_connected": 1
        })
    );
    let binds = status["binds"].as_array().unwrap();
    assert_eq!(binds.len(), 2);
    let carrier = &binds[0];
    assert_eq!(carrier["name"], "vodafone_uk");
    assert_eq!(carrier["mode"], "client");
    assert_eq!(carrier["bind_type"], "transceiver");
    assert_eq!(carrier["host"], "smsc.vodafone.example");
    assert_eq!(carrier["port"], 2775);
    assert_eq!(carrier["state"], "reconnecting");
    assert_eq!(carrier["uptime_seconds"], 0);
    assert_eq!(carrier["counters"]["connection_attempts"], 3);
    assert_eq!(carrier["counters"]["bind_failures"], 3);
    assert_eq!(carrier["last_error"], "bind refused: ESME_RINVPASWD");
    assert_eq!(carrier["in_flight"], serde_json::Value::Null);
    assert!(carrier["since"].as_str().unwrap().ends_with('Z'));
    let acme = &binds[1];
    assert_eq!(acme["mode"], "server");
    assert_eq!(acme["bind_type"], serde_json::Value::Null);
    assert_eq!(acme["state"], "connected");
    assert_eq!(acme["bound_sessions"], 1);
    assert_eq!(acme["counters"]["messages_received"], 12);
    assert_eq!(acme["in_flight"], 2);
    assert_eq!(acme["cache"]["size"], 4);
    assert_eq!(acme["tps_now"], 0.0);
    assert_eq!(status["listener"]["host"], "0.0.0.0");
    assert_eq!(status["listener"]["port"], 2775);
    assert_eq!(status["listener"]["max_connections"], 100);
    assert_eq!(status["listener"]["current_connections"], 1);
    assert_eq!(status["core"]["healthy"], true);
    assert_eq!(status["core"]["last_heartbeat"], "2023-11-14T22:13:20Z");
    assert_eq!(status["cache"]["size"], 4);
    sidecar.stop();
}

#[test]
fn tps_now_is_the_rate_since_the_previous_look() {
    let gateway = FakeGateway::new();
    let sidecar = start_sidecar(gateway.clone());
    let addr = sidecar.local_addr();
    let first = get(addr, "/status").json();
    assert_eq!(first["binds"][1]["tps_now"], 0.0);
    let started = std::time::Instant::now();
    gateway.bind("partner_acme").stats.add_received(300);
    std::thread::sleep(Duration::from_millis(1500));
    let second = get(addr, "/status").json();
    let elapsed = started.elapsed().as_secs_f64();
    let tps = second["binds"][1]["tps_now"].as_f64().unwrap();
    // 300 messages over the time between the two looks (a little more than 1.5 s).
    assert!(
        tps <= 300.0 / 1.5 + 0.1 && tps >= 300.0 / (elapsed + 0.2),
        "{tps}"
    );
    assert_eq!(second["binds"][0]["tps_now"], 0.0);
    sidecar.stop();
}

#[test]
fn health_is_ok_while_running_and_503_with_the_reason_otherwise() {
    let gateway = FakeGateway::new();
    let sidecar = start_sidecar(gateway.clone());
    let addr = sidecar.local_addr();
    let answer = get(addr, "/health");
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json(), serde_json::json!({ "status": "ok" }));
    *gateway.liveness.lock().unwrap() = Err("the gateway is stopping".to_owned());
    let answer = get(addr, "/health");
    assert_eq!(answer.status, 503);
    assert_eq!(
        answer.json(),
        serde_json::json!({ "status": "unavailable", "reason": "the gateway is stopping" })
    );
    assert_eq!(get(addr, "/status").json()["status"], "unavailable");
    sidecar.stop();
}

#[test]
fn unknown_paths_wrong_methods_and_big_bodies_are_refused() {
    let gateway = FakeGateway::new();
    let sidecar = start_sidecar(gateway.clone());
    let addr = sidecar.local_addr();

    let answer = get(addr, "/nope");
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["error"], "no such path: /nope");

    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let answer = http(addr, method, "/metrics", &[], b"x=1");
        assert_eq!(answer.status, 405, "{method}");
        assert_eq!(answer.header("Allow"), Some("GET, HEAD"));
        assert!(answer.json()["error"].as_str().unwrap().contains(method));
    }

    let answer = http(addr, "GET", "/status", &[], &[b'a'; 4096]);
    assert_eq!(answer.status, 413);
    assert_eq!(
        answer.json()["error"],
        "request body larger than 1024 bytes"
    );
    // A small body on a GET is read and ignored.
    assert_eq!(http(addr, "GET", "/health", &[], b"{}").status, 200);

    // A query string does not change the route.
    assert_eq!(get(addr, "/health?probe=lb").status, 200);

    let head = http(addr, "HEAD", "/metrics", &[], b"");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    sidecar.stop();
}

#[test]
fn concurrent_scrapes_are_all_answered() {
    let gateway = FakeGateway::new();
    let sidecar = start_sidecar(gateway.clone());
    let addr = sidecar.local_addr();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            std::thread::spawn(move || {
                let path = ["/metrics", "/status", "/health"][i % 3];
                get(addr, path).status
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), 200);
    }
    sidecar.stop();
}
