//! Partners binding to the gateway's listener over real TCP: credentials, whitelists, bind
//! types, keepalive, unbind, limits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{free_port, start_gateway, Client};
use engine::proto::CommandStatus;
use engine::session::{BindType, CloseReason, Event};

fn config(port: u16, extra: &str) -> String {
    format!(
        r#"
api_base_url = "http://127.0.0.1:9"
smsc_name = "gw_test"
[[server_binds]]
name = "partner_acme"
system_id = "acme"
password = "secret1"
allowed_bind_types = ["transmitter", "transceiver"]
ip_whitelist = ["127.0.0.1"]
[[server_binds]]
name = "partner_far"
system_id = "far"
password = "secret2"
ip_whitelist = ["10.0.0.0/8"]
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
[listen]
host = "127.0.0.1"
port = {port}
{extra}
"#
    )
}

#[test]
fn bind_statuses_follow_the_credentials() {
    let port = free_port();
    let gateway = start_gateway(&config(port, "max_connections = 50"), 2);

    let mut ok = Client::connect_with(port, Duration::from_millis(100));
    assert_eq!(
        ok.bind(BindType::Transceiver, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    // Our enquire_links are answered: the link stays up, no probe is left unanswered.
    assert!(ok.pump_for(Duration::from_millis(450)));
    assert!(ok.session.stats().enquire_links_sent >= 3);
    assert!(ok.session.state().is_bound());
    assert!(!ok.events.iter().any(|e| matches!(e, Event::Closed(_))));

    let mut wrong_password = Client::connect(port);
    assert_eq!(
        wrong_password.bind(BindType::Transmitter, "acme", "nope"),
        CommandStatus::ESME_RINVPASWD
    );
    assert!(wrong_password.wait_closed(Duration::from_secs(5)));

    let mut wrong_system_id = Client::connect(port);
    assert_eq!(
        wrong_system_id.bind(BindType::Transmitter, "nobody", "secret1"),
        CommandStatus::ESME_RINVSYSID
    );

    let mut wrong_type = Client::connect(port);
    assert_eq!(
        wrong_type.bind(BindType::Receiver, "acme", "secret1"),
        CommandStatus::ESME_RBINDFAIL
    );

    // "far" only accepts 10/8: 127.0.0.1 passes the accept gate (acme allows it) but not the
    // bind, even with the right password.
    let mut outside = Client::connect(port);
    assert_eq!(
        outside.bind(BindType::Transceiver, "far", "secret2"),
        CommandStatus::ESME_RBINDFAIL
    );

    // Unbind from the partner side closes cleanly.
    ok.session.unbind(std::time::Instant::now()).unwrap();
    assert!(ok
        .wait_for(Duration::from_secs(5), |e| match e {
            Event::Closed(CloseReason::Unbound) => Some(()),
            _ => None,
        })
        .is_some());

    let peers = gateway.shared().peers();
    let acme = &peers.server_bind("partner_acme").unwrap().stats;
    assert!(common::eventually(Duration::from_secs(5), || acme
        .snapshot()
        .disconnections
        == 1));
    let stats = acme.snapshot();
    assert_eq!(stats.bind_success, 1);
    assert_eq!(stats.bind_failures, 2);
    assert_eq!(stats.disconnections, 1);
    assert_eq!(
        stats.enquire_link_received,
        ok.session.stats().enquire_links_sent
    );
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn address_outside_every_whitelist_is_refused_before_bind() {
    let port = free_port();
    let toml = format!(
        r#"
api_base_url = "http://127.0.0.1:9"
[[server_binds]]
name = "partner_far"
system_id = "far"
password = "secret2"
ip_whitelist = ["10.0.0.0/8"]
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
[listen]
host = "127.0.0.1"
port = {port}
"#
    );
    let gateway = start_gateway(&toml, 1);
    let mut client = Client::connect(port);
    // The connection is closed before any PDU is read: the bind never gets an answer.
    let bind = engine::proto::Bind::new("far", "secret2").unwrap();
    client
        .session
        .bind(BindType::Transceiver, bind, std::time::Instant::now())
        .unwrap();
    assert!(client
        .wait_for(Duration::from_secs(5), |e| match e {
            Event::Closed(CloseReason::ConnectionLost) => Some(()),
            _ => None,
        })
        .is_some());
    assert_eq!(
        gateway
            .shared()
            .listener
            .refused_ip
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn max_connections_closes_the_extra_connection() {
    let port = free_port();
    let gateway = start_gateway(&config(port, "max_connections = 2"), 1);
    let mut first = Client::connect(port);
    let mut second = Client::connect(port);
    assert_eq!(
        first.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    assert_eq!(
        second.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    let mut third = Client::connect(port);
    assert!(third.wait_closed(Duration::from_secs(5)));
    assert_eq!(gateway.shared().open_connections(), 2);
    drop(first);
    // The slot frees once the gateway notices the close.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while gateway.shared().open_connections() != 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut fourth = Client::connect(port);
    assert_eq!(
        fourth.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn shutdown_unbinds_bound_partners() {
    let port = free_port();
    let gateway = start_gateway(&config(port, ""), 1);
    let mut client = Client::connect(port);
    assert_eq!(
        client.bind(BindType::Transceiver, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    gateway.stop();
    // The gateway sends unbind; our session answers unbind_resp and reports PeerUnbound.
    assert!(client
        .wait_for(Duration::from_secs(5), |e| match e {
            Event::Closed(CloseReason::PeerUnbound) => Some(()),
            _ => None,
        })
        .is_some());
    gateway.wait().unwrap();
}

#[test]
fn a_taken_port_fails_the_start_with_a_message() {
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    common::init_logging();
    let loaded = smpp_config::Config::from_toml_str(&config(port, "")).unwrap();
    let pool = common::core_pool(&loaded.config);
    let shared = std::sync::Arc::new(engine::shard::Shared::new(loaded.config, 1, pool.client()));
    let error = engine::shard::start(
        shared,
        engine::shard::RuntimeOptions {
            pin: false,
            ..engine::shard::RuntimeOptions::new(1)
        },
    )
    .unwrap_err();
    assert!(error.to_string().contains(&port.to_string()), "{error}");
}
