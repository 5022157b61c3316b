//! Client binds against the carrier simulator and the core simulator: MT out with statuses
//! and receipts back, MO in, reconnect after the carrier drops the link.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{core_sim, eventually, sim_get, sim_post, start_gateway};
use smpp_loadgen::core_sim::{EnqueueRequest, Stats};
use smpp_loadgen::smsc::{Faults, MoConfig, SmscConfig, SmscSim};

fn config(api: &str, carrier_port: u16, tps: u32) -> String {
    let cache = temp_dir();
    config_with_cache(api, carrier_port, tps, &cache)
}

fn temp_dir() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir()
        .join(format!("omsmpp-shard-client-{}-{n}", std::process::id()))
        .display()
        .to_string()
}

fn config_with_cache(api: &str, carrier_port: u16, tps: u32, cache: &str) -> String {
    format!(
        r#"
api_base_url = "{api}"
smsc_name = "gw_test"
cache_dir = "{cache}"
[[binds]]
name = "carrier_a"
bind_type = "transceiver"
host = "127.0.0.1"
port = {carrier_port}
system_id = "gateway"
password = "secret"
tps_limit = {tps}
queue_check_frequency = 100
reconnect_min_backoff = 1
reconnect_max_backoff = 2
"#
    )
}

fn core_stats(sim: &smpp_loadgen::core_sim::CoreSim) -> Stats {
    sim_get(sim, "/admin/stats")
}

#[test]
fn mt_goes_out_and_receipts_come_back() {
    let core = core_sim();
    let carrier = SmscSim::start(SmscConfig {
        system_id: Some("gateway".into()),
        password: Some("secret".into()),
        ..SmscConfig::default()
    })
    .unwrap();
    let gateway = start_gateway(
        &config(&core.base_url(), carrier.local_addr().port(), 200),
        2,
    );
    let mut request = EnqueueRequest::new("carrier_a", 20);
    request.registered_delivery = true;
    sim_post(&core, "/admin/enqueue", &request);
    // A long message goes in parts and is reported once.
    let mut long = EnqueueRequest::new("carrier_a", 1);
    long.body = "x".repeat(300);
    long.registered_delivery = true;
    sim_post(&core, "/admin/enqueue", &long);

    assert!(
        eventually(Duration::from_secs(20), || {
            let stats = core_stats(&core);
            stats.sent == 21 && stats.final_states.get("delivered") == Some(&21)
        }),
        "core: {:?}\ncarrier: {:?}",
        core_stats(&core),
        carrier.stats()
    );
    let stats = core_stats(&core);
    assert_eq!(stats.unmatched_receipts, 0);
    assert_eq!(stats.failed, 0);
    let carrier_stats = carrier.stats();
    assert_eq!(carrier_stats.submits, 22, "20 single + 2 parts");
    assert_eq!(carrier_stats.receipts_acked, carrier_stats.receipts_sent);
    let bind = gateway
        .shared()
        .peers()
        .client_bind("carrier_a")
        .unwrap()
        .clone();
    let snap = bind.stats.snapshot();
    assert_eq!(snap.messages_sent, 22);
    assert_eq!(snap.bind_success, 1);
    assert_eq!(
        snap.connection_status(),
        engine::stats::ConnectionStatus::Connected
    );
    // Shard 0's heartbeat registered the frontend with its bind's state.
    assert!(eventually(Duration::from_secs(5), || {
        let live: Vec<smpp_loadgen::core_sim::admin_types::FrontendView> =
            sim_get(&core, "/admin/frontends");
        live.iter().any(|f| {
            f.registration.name == "gw_test"
                && f.registration
                    .binds
                    .iter()
                    .any(|b| b.name == "carrier_a" && b.status == "connected")
        })
    }));
    assert!(gateway
        .shared()
        .health
        .healthy
        .load(std::sync::atomic::Ordering::Relaxed));
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn mo_from_the_carrier_is_inserted_then_acknowledged() {
    let core = core_sim();
    let carrier = SmscSim::start(SmscConfig {
        mo: Some(MoConfig {
            rate: 50,
            sources: vec!["61400000001".into()],
            destinations: vec!["1234".into()],
            ucs2_percent: 0,
        }),
        ..SmscConfig::default()
    })
    .unwrap();
    let gateway = start_gateway(
        &config(&core.base_url(), carrier.local_addr().port(), 100),
        1,
    );
    assert!(
        eventually(Duration::from_secs(10), || carrier.stats().mo_acked >= 20),
        "{:?}",
        carrier.stats()
    );
    gateway.stop();
    gateway.wait().unwrap();
    let carrier_stats = carrier.stats();
    let stats = core_stats(&core);
    // Every MO acknowledged to the carrier is in the core (nothing acked and lost).
    assert!(
        stats.inserted >= carrier_stats.mo_acked,
        "{stats:?} {carrier_stats:?}"
    );
    assert_eq!(carrier_stats.deliver_errors, 0);
}

#[test]
fn mo_is_refused_with_a_temporary_error_while_the_core_is_down() {
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let carrier = SmscSim::start(SmscConfig {
        mo: Some(MoConfig {
            rate: 20,
            sources: vec!["61400000001".into()],
            destinations: vec!["1234".into()],
            ucs2_percent: 0,
        }),
        ..SmscConfig::default()
    })
    .unwrap();
    let gateway = start_gateway(&config(&dead, carrier.local_addr().port(), 100), 1);
    assert!(
        eventually(Duration::from_secs(10), || carrier.stats().deliver_errors
            >= 3),
        "{:?}",
        carrier.stats()
    );
    assert_eq!(carrier.stats().mo_acked, 0);
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn the_bind_reconnects_after_the_carrier_drops_it() {
    let core = core_sim();
    let carrier = SmscSim::start(SmscConfig {
        faults: Faults {
            drop_after: 5,
            ..Faults::default()
        },
        ..SmscConfig::default()
    })
    .unwrap();
    let gateway = start_gateway(
        &config(&core.base_url(), carrier.local_addr().port(), 100),
        1,
    );
    sim_post(
        &core,
        "/admin/enqueue",
        &EnqueueRequest::new("carrier_a", 12),
    );
    assert!(
        eventually(Duration::from_secs(20), || core_stats(&core).sent >= 12),
        "core: {:?}\ncarrier: {:?}",
        core_stats(&core),
        carrier.stats()
    );
    let bind = gateway
        .shared()
        .peers()
        .client_bind("carrier_a")
        .unwrap()
        .clone();
    let snap = bind.stats.snapshot();
    assert!(snap.bind_success >= 2, "{snap:?}");
    assert!(snap.disconnections >= 1, "{snap:?}");
    assert!(snap.connection_attempts >= 2, "{snap:?}");
    assert!(carrier.stats().dropped_connections >= 1);
    // Nothing is lost: every message was eventually reported sent exactly once.
    assert_eq!(core_stats(&core).sent, 12);
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn a_receipt_after_a_restart_is_matched_through_the_durable_map() {
    let core = core_sim();
    let carrier = SmscSim::start(SmscConfig {
        receipt_delay: Duration::from_secs(2),
        ..SmscConfig::default()
    })
    .unwrap();
    let cache = temp_dir();
    let toml = config_with_cache(&core.base_url(), carrier.local_addr().port(), 100, &cache);
    let mut request = EnqueueRequest::new("carrier_a", 1);
    request.registered_delivery = true;
    sim_post(&core, "/admin/enqueue", &request);
    {
        let gateway = start_gateway(&toml, 1);
        assert!(eventually(Duration::from_secs(10), || core_stats(&core)
            .sent
            == 1));
        // Stop before the receipt (2 s later) arrives.
        gateway.stop();
        gateway.wait().unwrap();
    }
    assert_eq!(carrier.stats().receipts_sent, 0, "{:?}", carrier.stats());
    let gateway = start_gateway(&toml, 1);
    assert!(
        eventually(Duration::from_secs(15), || core_stats(&core)
            .final_states
            .get("delivered")
            == Some(&1)),
        "core: {:?}\ncarrier: {:?}",
        core_stats(&core),
        carrier.stats()
    );
    assert_eq!(core_stats(&core).unmatched_receipts, 0);
    gateway.stop();
    gateway.wait().unwrap();
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn shutdown_reports_every_message_it_took() {
    let core = core_sim();
    let carrier = SmscSim::start(SmscConfig {
        faults: Faults {
            slow: Duration::from_millis(700),
            ..Faults::default()
        },
        ..SmscConfig::default()
    })
    .unwrap();
    let gateway = start_gateway(
        &config(&core.base_url(), carrier.local_addr().port(), 100),
        1,
    );
    sim_post(
        &core,
        "/admin/enqueue",
        &EnqueueRequest::new("carrier_a", 8),
    );
    assert!(eventually(Duration::from_secs(10), || core_stats(&core)
        .leased
        == 8));
    // Stop while the carrier still sits on the submits.
    gateway.stop();
    gateway.wait().unwrap();
    let stats = core_stats(&core);
    // Every leased message got its status before the process could exit: none waits for its
    // lease to lapse (which would resend messages the carrier already took).
    assert_eq!(stats.leased, 0, "{stats:?}");
    assert_eq!(stats.sent + stats.failed, 8, "{stats:?}");
}
