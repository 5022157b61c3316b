//! Partners submitting through the gateway to the core simulator: ids, whitelist, TPS, core
//! outages, the other request types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{core_sim, free_port, sim_get, start_gateway, Client};
use engine::proto::{
    Address, Body, CommandStatus, DataSm, LongAddress, MessageId, QuerySm, ShortMessage,
    SubmitMulti, SubmitSm, Tlvs,
};
use engine::session::{BindType, Event};
use smpp_loadgen::core_sim::MessageDetail;

fn config(api: &str, port: u16, tps: u32) -> String {
    format!(
        r#"
api_base_url = "{api}"
smsc_name = "gw_test"
[[server_binds]]
name = "partner_acme"
system_id = "acme"
password = "secret1"
allowed_bind_types = ["transmitter", "transceiver"]
source_address_whitelist = ["MyBrand", "614*"]
tps_limit = {tps}
[listen]
host = "127.0.0.1"
port = {port}
"#
    )
}

fn submit(source: &str, text: &str) -> Body {
    Body::SubmitSm(SubmitSm {
        source_addr: Address::new(source).unwrap(),
        destination_addr: Address::new("61412345678").unwrap(),
        dest_addr_ton: engine::proto::Ton(1),
        dest_addr_npi: engine::proto::Npi(1),
        registered_delivery: 1,
        short_message: ShortMessage::new(Bytes::copy_from_slice(text.as_bytes())).unwrap(),
        ..SubmitSm::default()
    })
}

fn message_id(body: &Body) -> String {
    match body {
        Body::SubmitSmResp(resp) => resp.message_id.to_string_lossy().into_owned(),
        Body::DataSmResp(resp) => resp.message_id.to_string_lossy().into_owned(),
        other => panic!("not a submit response: {other:?}"),
    }
}

#[test]
fn submit_sm_reaches_the_core_and_returns_its_id() {
    let sim = core_sim();
    let port = free_port();
    let gateway = start_gateway(&config(&sim.base_url(), port, 100), 2);
    let mut client = Client::connect(port);
    assert_eq!(
        client.bind(BindType::Transceiver, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );

    let resp = client.request(submit("MyBrand", "Hello world"));
    assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
    let id = message_id(&resp.body);
    let detail: MessageDetail = sim_get(&sim, &format!("/admin/messages/{id}"));
    assert_eq!(detail.message_body, "Hello world");
    assert_eq!(detail.source_addr, "MyBrand");
    assert_eq!(detail.destination_addr, "61412345678");
    assert_eq!(detail.source_smsc.as_deref(), Some("partner_acme"));
    assert_eq!(detail.smsc_name.as_deref(), Some("gw_test"));
    assert!(detail.registered_delivery);

    // A prefix pattern of the whitelist matches too.
    let resp = client.request(submit("61400000001", "second"));
    assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
    assert_ne!(message_id(&resp.body), id);

    // data_sm is forwarded like submit_sm.
    let mut tlvs = Tlvs::new();
    tlvs.set_message_payload(Bytes::from_static(b"via data sm"))
        .unwrap();
    let resp = client.request(Body::DataSm(DataSm {
        source_addr: LongAddress::new("MyBrand").unwrap(),
        destination_addr: LongAddress::new("61412345678").unwrap(),
        tlvs,
        ..DataSm::default()
    }));
    assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
    let detail: MessageDetail =
        sim_get(&sim, &format!("/admin/messages/{}", message_id(&resp.body)));
    assert_eq!(detail.message_body, "via data sm");

    let stats = gateway
        .shared()
        .peers()
        .server_bind("partner_acme")
        .unwrap()
        .stats
        .snapshot();
    assert_eq!(stats.messages_received, 3);
    drop(client);
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn whitelist_miss_and_unsupported_operations_get_their_statuses() {
    let sim = core_sim();
    let port = free_port();
    let gateway = start_gateway(&config(&sim.base_url(), port, 100), 1);
    let mut client = Client::connect(port);
    assert_eq!(
        client.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );

    let resp = client.request(submit("Spoofed", "x"));
    assert_eq!(resp.command_status, CommandStatus::ESME_RINVSRCADR);
    assert!(matches!(resp.body, Body::SubmitSmResp(_)));

    let resp = client.request(Body::QuerySm(QuerySm {
        message_id: MessageId::new("1").unwrap(),
        ..QuerySm::default()
    }));
    assert_eq!(resp.command_status, CommandStatus::ESME_RQUERYFAIL);
    assert!(matches!(resp.body, Body::QuerySmResp(_)));

    // submit_multi to a distribution list only: the core has none, nothing is inserted.
    let mut dest_addresses = engine::proto::DestAddresses::default();
    dest_addresses
        .push(engine::proto::DestAddress::DistributionList {
            dl_name: Address::new("friends").unwrap(),
        })
        .unwrap();
    let resp = client.request(Body::SubmitMulti(SubmitMulti {
        source_addr: Address::new("MyBrand").unwrap(),
        dest_addresses,
        short_message: ShortMessage::new(Bytes::from_static(b"to many")).unwrap(),
        ..SubmitMulti::default()
    }));
    assert_eq!(resp.command_status, CommandStatus::ESME_RINVDLNAME);

    let stats: smpp_loadgen::core_sim::Stats = sim_get(&sim, "/admin/stats");
    assert_eq!(stats.inserted, 0, "nothing refused may reach the core");
    drop(client);
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn over_the_tps_limit_the_partner_is_throttled() {
    let sim = core_sim();
    let port = free_port();
    let gateway = start_gateway(&config(&sim.base_url(), port, 5), 1);
    let mut client = Client::connect(port);
    assert_eq!(
        client.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );

    // 20 submits at once: the limiter (5/s, burst 1) lets about one through.
    let started = Instant::now();
    let seqs: Vec<_> = (0..20)
        .map(|n| {
            client
                .session
                .send_request(submit("MyBrand", &format!("burst {n}")), n, Instant::now())
                .unwrap()
        })
        .collect();
    let mut ok = 0u32;
    let mut throttled = 0u64;
    for _ in &seqs {
        let status = client
            .wait_for(Duration::from_secs(10), |e| match e {
                Event::Response { pdu, .. } => Some(pdu.command_status),
                _ => None,
            })
            .unwrap();
        match status {
            CommandStatus::ESME_ROK => ok += 1,
            CommandStatus::ESME_RTHROTTLED => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert!(
        ok >= 1 && f64::from(ok) <= 1.0 + elapsed * 5.0 + 1.0,
        "ok {ok} in {elapsed}s"
    );
    assert_eq!(u64::from(ok) + throttled, 20);
    assert!(throttled >= 15, "{throttled}");
    let stats = gateway
        .shared()
        .peers()
        .server_bind("partner_acme")
        .unwrap()
        .stats
        .snapshot();
    assert_eq!(stats.throttled, throttled);
    drop(client);
    gateway.stop();
    gateway.wait().unwrap();
}

#[test]
fn an_unreachable_core_is_a_temporary_error() {
    // Nothing listens on the core's port: every insert fails with connection refused.
    let dead = format!("http://127.0.0.1:{}", free_port());
    let port = free_port();
    let gateway = start_gateway(&config(&dead, port, 100), 1);
    let mut client = Client::connect(port);
    assert_eq!(
        client.bind(BindType::Transmitter, "acme", "secret1"),
        CommandStatus::ESME_ROK
    );
    let resp = client.request(submit("MyBrand", "lost?"));
    assert_eq!(resp.command_status, CommandStatus::ESME_RMSGQFUL);
    assert!(matches!(resp.body, Body::SubmitSmResp(_)));
    drop(client);
    gateway.stop();
    gateway.wait().unwrap();
}
