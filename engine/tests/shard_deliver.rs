//! Deliveries from the core to bound partners (MO routed to them, receipts of their submits).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{core_sim, eventually, free_port, sim_get, sim_post, start_gateway, Client};
use engine::proto::CommandStatus;
use engine::session::BindType;
use smpp_loadgen::core_sim::{EnqueueRequest, Stats};

fn config(api: &str, port: u16) -> String {
    format!(
        r#"
api_base_url = "{api}"
smsc_name = "gw_test"
[[server_binds]]
name = "partner_acme"
system_id = "acme"
password = "secret1"
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
tps_limit = 1000
queue_check_frequency = 100
[listen]
host = "127.0.0.1"
port = {port}
"#
    )
}

fn core_stats(sim: &smpp_loadgen::core_sim::CoreSim) -> Stats {
    sim_get(sim, "/admin/stats")
}

#[test]
fn queued_messages_are_delivered_to_bound_receivers() {
    let core = core_sim();
    let port = free_port();
    let gateway = start_gateway(&config(&core.base_url(), port), 2);
    let mut receiver = Client::connect(port);
    assert_eq!(
        receiver.bind(BindType::Receiver, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    let mut request = EnqueueRequest::new("partner_acme", 10);
    request.body = "Hello partner".into();
    sim_post(&core, "/admin/enqueue", &request);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while receiver.delivered.len() < 10 && std::time::Instant::now() < deadline {
        receiver.pump();
    }
    assert_eq!(receiver.delivered.len(), 10);
    // Send the last deliver_sm_resps.
    assert!(receiver.pump_for(Duration::from_millis(200)));
    assert_eq!(
        receiver.delivered[0].short_message.as_bytes(),
        b"Hello partner"
    );
    assert!(
        eventually(Duration::from_secs(5), || core_stats(&core)
            .status_reports
            .get("delivered")
            == Some(&10)),
        "{:?}",
        core_stats(&core)
    );
    let snap = gateway
        .shared()
        .peers()
        .server_bind("partner_acme")
        .unwrap()
        .stats
        .snapshot();
    assert_eq!(snap.messages_sent, 10);
    drop(receiver);
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn a_refused_delivery_is_reported_failed_and_a_transmitter_gets_none() {
    let core = core_sim();
    let port = free_port();
    let gateway = start_gateway(&config(&core.base_url(), port), 1);
    // A transmitter session must not receive deliveries.
    let mut transmitter = Client::connect(port);
    assert_eq!(
        transmitter.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    sim_post(
        &core,
        "/admin/enqueue",
        &EnqueueRequest::new("partner_acme", 1),
    );
    assert!(transmitter.pump_for(Duration::from_millis(400)));
    assert!(transmitter.delivered.is_empty());
    assert_eq!(
        core_stats(&core).leased,
        0,
        "nothing is polled without a receiver"
    );

    let mut receiver = Client::connect(port);
    receiver.deliver_status = CommandStatus::ESME_RX_T_APPN;
    assert_eq!(
        receiver.bind(BindType::Transceiver, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while receiver.delivered.is_empty() && std::time::Instant::now() < deadline {
        receiver.pump();
    }
    assert_eq!(receiver.delivered.len(), 1);
    assert!(receiver.pump_for(Duration::from_millis(200)));
    assert!(
        eventually(Duration::from_secs(5), || core_stats(&core).failed >= 1),
        "{:?}",
        core_stats(&core)
    );
    drop(receiver);
    drop(transmitter);
    gateway.stop();
    gateway.wait().unwrap();
}
