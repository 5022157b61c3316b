//! End to end, the real `omnimessage-smpp` binary: carrier MO to the core (one by one and
//! reassembled), long UCS-2 both ways, the listener's gates (IP, bind type), throttling,
//! submit_multi, a carrier link that drops mid-flight, and a core that restarts.
//! (Partner submit + receipt, source-address and password refusals are in e2e_gateway.rs and
//! e2e_smpplib.rs.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::Bytes;
use common::{
    core_messages, free_port, http_get_json, http_post_json, join_ucs2_parts, poll, ucs2_udh_parts,
    E2eConfig, Esme, FakeCarrier, GatewayProcess,
};
use engine::proto::{
    Address, Body, CommandStatus, DeliverSm, DestAddress, Npi, ShortMessage, SubmitMulti, SubmitSm,
    Ton,
};
use engine::session::BindType;
use serde_json::{json, Value};
use smpp_loadgen::core_sim::{CoreSim, RouteTable, SimConfig};
use smpp_loadgen::smsc::{MoConfig, SmscConfig, SmscSim};

const LONG_UCS2: &str = "Привет! Это длинное сообщение в кодировке UCS-2, которое не помещается \
                         в одну часть SMS и поэтому делится на несколько частей.";

fn core(default_route: Option<&str>, listen: &str) -> CoreSim {
    CoreSim::start(SimConfig {
        listen: listen.to_owned(),
        retry_delay: Duration::from_millis(200),
        routes: RouteTable {
            default: default_route.map(str::to_owned),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    })
    .unwrap()
}

/// The shared e2e configuration, plus `server_binds` tables and client bind keys of the test.
fn config(
    api: &str,
    carrier_port: u16,
    listen_port: u16,
    server_binds: &str,
    client_bind: &str,
) -> String {
    let toml = E2eConfig {
        api,
        carrier_port,
        listen_port,
        smsc_name: "smpp_engine",
        server_bind: "partner_e2e",
        source_whitelist: &["MyBrand", "614*"],
        extra: server_binds,
    }
    .toml();
    let anchor = "queue_check_frequency = 100\n[[server_binds]]";
    assert!(toml.contains(anchor), "E2eConfig layout changed");
    toml.replacen(
        anchor,
        &format!("queue_check_frequency = 100\n{client_bind}\n[[server_binds]]"),
        1,
    )
}

fn start(name: &str, toml: &str, listen: u16) -> GatewayProcess {
    let gateway = GatewayProcess::start(name, toml);
    gateway.wait_for_port(listen, Duration::from_secs(20));
    gateway.wait_for_log("Client bind carrier_sim bound", Duration::from_secs(20));
    gateway
}

fn submit(text: &[u8], data_coding: u8, esm_class: u8) -> SubmitSm {
    SubmitSm {
        source_addr: Address::new("MyBrand").unwrap(),
        destination_addr: Address::new("61412345678").unwrap(),
        esm_class,
        data_coding,
        short_message: ShortMessage::new(Bytes::copy_from_slice(text)).unwrap(),
        ..SubmitSm::default()
    }
}

fn mo_part(body: Bytes) -> DeliverSm {
    DeliverSm {
        source_addr: Address::new("61400000001").unwrap(),
        destination_addr: Address::new("1234").unwrap(),
        esm_class: 0x40,
        data_coding: 8,
        short_message: ShortMessage::new(body).unwrap(),
        ..DeliverSm::default()
    }
}

fn client_mo(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .filter(|m| m["source_mode"] == "client")
        .cloned()
        .collect()
}

#[test]
fn mo_from_the_carrier_simulator_reaches_the_core() {
    let core = core(None, "127.0.0.1:0");
    let carrier = SmscSim::start(SmscConfig {
        mo: Some(MoConfig {
            rate: 20,
            sources: vec!["61400000009".into()],
            destinations: vec!["5555".into()],
            ucs2_percent: 50,
        }),
        ..SmscConfig::default()
    })
    .unwrap();
    let listen = free_port();
    let toml = config(
        &core.base_url(),
        carrier.local_addr().port(),
        listen,
        "",
        "",
    );
    let mut gateway = start("mo", &toml, listen);
    let base = core.base_url();
    let mo = poll(Duration::from_secs(20), || {
        let mo = client_mo(&core_messages(&base));
        (mo.len() >= 5).then_some(mo)
    })
    .unwrap_or_else(|| panic!("no MO at the core; log:\n{}", gateway.log()));
    for message in &mo {
        assert_eq!(message["source_smsc"], "carrier_sim", "{message}");
        assert_eq!(message["source_addr"], "61400000009", "{message}");
        assert_eq!(message["destination_addr"], "5555", "{message}");
        assert!(
            !message["message_body"].as_str().unwrap().is_empty(),
            "{message}"
        );
    }
    assert_eq!(gateway.terminate(), Some(0), "{}", gateway.log());
    let _ = carrier.shutdown();
    core.shutdown();
}

#[test]
fn listener_gates_throttling_submit_multi_and_long_ucs2_both_ways() {
    let core = core(Some("carrier_sim"), "127.0.0.1:0");
    let base = core.base_url();
    let carrier = FakeCarrier::start();
    let listen = free_port();
    let server_binds = r#"
[[server_binds]]
name = "restricted"
system_id = "restrict"
password = "pw"
allowed_bind_types = ["transmitter"]
ip_whitelist = ["127.0.0.1"]
source_address_whitelist = ["MyBrand"]
tps_limit = 2
[[server_binds]]
name = "elsewhere"
system_id = "far"
password = "pw"
allowed_bind_types = ["transceiver"]
ip_whitelist = ["10.1.2.3"]
"#;
    let toml = config(&base, carrier.port, listen, server_binds, "");
    let mut gateway = start("gates", &toml, listen);

    // Wrong IP for this partner (another bind admits 127.0.0.1 at accept): bind_resp 0x0D.
    let (_, status) = Esme::bind(listen, BindType::Transceiver, "far", "pw");
    assert_eq!(status, CommandStatus::ESME_RBINDFAIL);
    // Bind type not allowed: 0x0D.
    let (_, status) = Esme::bind(listen, BindType::Receiver, "restrict", "pw");
    assert_eq!(status, CommandStatus::ESME_RBINDFAIL);
    gateway.wait_for_log("peer address not in ip_whitelist", Duration::from_secs(5));
    gateway.wait_for_log(
        "bind type not in allowed_bind_types",
        Duration::from_secs(5),
    );

    // tps_limit = 2: a burst of 10 gets ESME_RTHROTTLED for most of them.
    let (mut slow, status) = Esme::bind(listen, BindType::Transmitter, "restrict", "pw");
    assert_eq!(status, CommandStatus::ESME_ROK);
    let burst = (0..10)
        .map(|_| Body::SubmitSm(submit(b"burst", 0, 0)))
        .collect();
    let statuses: Vec<CommandStatus> = slow
        .burst(burst)
        .iter()
        .map(|pdu| pdu.command_status)
        .collect();
    let throttled = statuses
        .iter()
        .filter(|s| **s == CommandStatus::ESME_RTHROTTLED)
        .count();
    let accepted = statuses
        .iter()
        .filter(|s| **s == CommandStatus::ESME_ROK)
        .count();
    assert!(throttled >= 5 && accepted >= 1, "{statuses:?}");
    assert_eq!(throttled + accepted, 10, "{statuses:?}");

    let (mut partner, status) = Esme::bind(listen, BindType::Transceiver, "partner", "partner1");
    assert_eq!(status, CommandStatus::ESME_ROK);

    // submit_multi: three numbers and a distribution list.
    let sme = |n: &str| DestAddress::Sme {
        dest_addr_ton: Ton(1),
        dest_addr_npi: Npi(1),
        destination_addr: Address::new(n).unwrap(),
    };
    let multi = SubmitMulti {
        source_addr: Address::new("MyBrand").unwrap(),
        dest_addresses: vec![
            sme("61400000101"),
            DestAddress::DistributionList {
                dl_name: Address::new("friends").unwrap(),
            },
            sme("61400000102"),
            sme("61400000103"),
        ]
        .try_into()
        .unwrap(),
        short_message: ShortMessage::new(Bytes::from_static(b"to many")).unwrap(),
        ..SubmitMulti::default()
    };
    let resp = partner.request(Body::SubmitMulti(multi));
    assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
    let Body::SubmitMultiResp(resp) = resp.body else {
        panic!("not a submit_multi_resp: {resp:?}");
    };
    assert!(!resp.message_id.to_string_lossy().is_empty());
    let unsuccess: Vec<_> = resp
        .unsuccess_smes
        .iter()
        .map(|u| {
            (
                u.destination_addr.to_string_lossy().into_owned(),
                u.error_status_code,
            )
        })
        .collect();
    assert_eq!(
        unsuccess,
        vec![("friends".to_owned(), CommandStatus::ESME_RINVDLNAME)]
    );
    let first = http_get_json(
        &base,
        &format!("/admin/messages/{}", resp.message_id.to_string_lossy()),
    )
    .unwrap();
    assert_eq!(first["destination_addr"], "61400000101", "{first}");
    let fanned = poll(Duration::from_secs(5), || {
        let mut to: Vec<String> = core_messages(&base)
            .iter()
            .filter(|m| m["message_body"] == "to many")
            .map(|m| m["destination_addr"].as_str().unwrap().to_owned())
            .collect();
        // Inserted concurrently: any order.
        to.sort();
        (to.len() == 3).then_some(to)
    });
    assert_eq!(
        fanned,
        Some(vec![
            "61400000101".to_owned(),
            "61400000102".to_owned(),
            "61400000103".to_owned()
        ])
    );

    // A partner's long UCS-2 message in UDH parts: one core message per part, with its
    // concat and udh; the core routes them to the carrier, each part unsplit with its UDH.
    let parts = ucs2_udh_parts(LONG_UCS2, 42, 67);
    assert_eq!(parts.len(), 2);
    let mut ids = Vec::new();
    for (body, _) in &parts {
        let resp = partner.request(Body::SubmitSm(submit(body, 8, 0x40)));
        assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
        let Body::SubmitSmResp(resp) = resp.body else {
            panic!("not a submit_sm_resp");
        };
        ids.push(resp.message_id.to_string_lossy().into_owned());
    }
    assert_ne!(ids[0], ids[1], "each part its own core id");
    for (id, seq) in ids.iter().zip(1u64..) {
        let message = http_get_json(&base, &format!("/admin/messages/{id}")).unwrap();
        assert_eq!(
            message["concat"],
            json!({"ref": 42, "total": 2, "seq": seq})
        );
        assert!(
            message["udh"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(&format!("0500032A02{seq:02}")),
            "{message}"
        );
        assert_eq!(message["source_mode"], "server");
    }
    let at_carrier = poll(Duration::from_secs(15), || {
        carrier.with(|c| {
            let parts: Vec<SubmitSm> = c
                .submits
                .iter()
                .filter(|sm| sm.short_message.as_bytes().get(3) == Some(&42))
                .cloned()
                .collect();
            (parts.len() == 2).then_some(parts)
        })
    })
    .unwrap_or_else(|| panic!("partner parts not at the carrier:\n{}", gateway.log()));
    assert!(at_carrier.iter().all(|sm| sm.data_coding == 8));
    assert_eq!(join_ucs2_parts(&at_carrier), LONG_UCS2);

    // The core's long UCS-2 MT: the gateway splits it for the carrier.
    http_post_json(
        &base,
        "/admin/enqueue",
        &json!({"dest_smsc": "carrier_sim", "body": LONG_UCS2, "encoding": "ucs2",
                "destination": "61499999999", "vary_destination": false}),
    );
    let split = poll(Duration::from_secs(15), || {
        carrier.with(|c| {
            let parts: Vec<SubmitSm> = c
                .submits
                .iter()
                .filter(|sm| sm.destination_addr.as_bytes() == b"61499999999")
                .cloned()
                .collect();
            (parts.len() >= 2).then_some(parts)
        })
    })
    .unwrap_or_else(|| panic!("no split MT at the carrier:\n{}", gateway.log()));
    assert!(split
        .iter()
        .all(|sm| sm.data_coding == 8 && sm.esm_class & 0x40 != 0));
    assert_eq!(join_ucs2_parts(&split), LONG_UCS2);

    assert_eq!(gateway.terminate(), Some(0), "{}", gateway.log());
    core.shutdown();
}

#[test]
fn mo_parts_are_reassembled_durably_and_expired_groups_inserted_part_by_part() {
    let core = core(None, "127.0.0.1:0");
    let base = core.base_url();
    let carrier = FakeCarrier::start();
    let listen = free_port();
    let toml = config(
        &base,
        carrier.port,
        listen,
        "",
        "mo_reassembly = true\nmo_reassembly_timeout = 2",
    );
    let mut gateway = start("reassembly", &toml, listen);

    let per_part = LONG_UCS2.encode_utf16().count().div_ceil(3);
    let parts = ucs2_udh_parts(LONG_UCS2, 9, per_part);
    assert_eq!(parts.len(), 3);
    // A complete message, its middle part repeated (a carrier retry), then an incomplete one.
    let incomplete = ucs2_udh_parts(
        "Второе сообщение, у которого не хватит одной из частей",
        10,
        20,
    );
    assert_eq!(incomplete.len(), 3);
    carrier.with(|c| {
        for (body, _) in [&parts[0], &parts[1], &parts[1], &parts[2]] {
            c.outbox.push_back(mo_part(body.clone()));
        }
        c.outbox.push_back(mo_part(incomplete[0].0.clone()));
        c.outbox.push_back(mo_part(incomplete[2].0.clone()));
    });
    let resps = poll(Duration::from_secs(15), || {
        carrier.with(|c| (c.deliver_resps.len() == 6).then(|| c.deliver_resps.clone()))
    })
    .unwrap_or_else(|| panic!("deliver_sm not answered:\n{}", gateway.log()));
    assert!(
        resps.iter().all(|s| *s == CommandStatus::ESME_ROK),
        "{resps:?}"
    );
    let whole = poll(Duration::from_secs(10), || {
        let mo = client_mo(&core_messages(&base));
        (!mo.is_empty()).then_some(mo)
    })
    .unwrap_or_else(|| panic!("no MO at the core:\n{}", gateway.log()));
    assert_eq!(whole.len(), 1, "one message for three parts: {whole:?}");
    assert_eq!(whole[0]["message_body"], LONG_UCS2);
    assert!(whole[0]["concat"].is_null() && whole[0]["udh"].is_null());

    // After mo_reassembly_timeout the two held parts of the other message go in one by one.
    let expired = poll(Duration::from_secs(15), || {
        let mut mo: Vec<Value> = client_mo(&core_messages(&base))
            .into_iter()
            .filter(|m| !m["concat"].is_null())
            .collect();
        mo.sort_by_key(|m| m["concat"]["seq"].as_u64());
        (mo.len() == 2).then_some(mo)
    })
    .unwrap_or_else(|| panic!("expired parts not inserted:\n{}", gateway.log()));
    let seqs: Vec<u64> = expired
        .iter()
        .map(|m| m["concat"]["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![1, 3]);
    assert!(expired.iter().all(|m| m["concat"]["ref"] == 10));
    assert!(expired.iter().all(|m| m["udh"].is_string()));
    assert_eq!(
        client_mo(&core_messages(&base)).len(),
        3,
        "nothing inserted twice"
    );

    assert_eq!(gateway.terminate(), Some(0), "{}", gateway.log());
    core.shutdown();
}

#[test]
fn a_dropped_carrier_link_fails_in_flight_temporarily_and_reconnects() {
    let core = core(None, "127.0.0.1:0");
    let base = core.base_url();
    let carrier = FakeCarrier::start();
    carrier.with(|c| c.answer_submits = false);
    let listen = free_port();
    let toml = config(&base, carrier.port, listen, "", "");
    let mut gateway = start("reconnect", &toml, listen);

    http_post_json(
        &base,
        "/admin/enqueue",
        &json!({"dest_smsc": "carrier_sim", "body": "in flight"}),
    );
    poll(Duration::from_secs(10), || {
        carrier.with(|c| (!c.submits.is_empty()).then_some(()))
    })
    .unwrap_or_else(|| panic!("no submit at the carrier:\n{}", gateway.log()));
    // The link drops with the submit unanswered; the next link answers.
    carrier.with(|c| {
        c.answer_submits = true;
        c.drop_link = true;
    });
    poll(Duration::from_secs(20), || {
        carrier.with(|c| (c.binds >= 2 && c.bound).then_some(()))
    })
    .unwrap_or_else(|| panic!("the bind did not come back:\n{}", gateway.log()));
    let message = poll(Duration::from_secs(20), || {
        let m = http_get_json(&base, "/admin/messages/1")?;
        (m["state"] == "sent").then_some(m)
    })
    .unwrap_or_else(|| panic!("message not sent after reconnect:\n{}", gateway.log()));
    let history = message["history"].as_array().unwrap();
    assert!(
        history
            .iter()
            .any(|h| h["status"] == "failed" && h["permanent"] == false),
        "in-flight reported failed temporary first: {message}"
    );
    assert!(carrier.with(|c| c.submits.len()) >= 2, "sent again");

    // MO parts without mo_reassembly: each part is its own message with concat and udh.
    let parts = ucs2_udh_parts(LONG_UCS2, 5, 67);
    carrier.with(|c| {
        for (body, _) in &parts {
            c.outbox.push_back(mo_part(body.clone()));
        }
    });
    let mo = poll(Duration::from_secs(10), || {
        let mut mo = client_mo(&core_messages(&base));
        // Each part is inserted as it comes: any order.
        mo.sort_by_key(|m| m["concat"]["seq"].as_u64());
        (mo.len() == 2).then_some(mo)
    })
    .unwrap_or_else(|| panic!("MO parts not at the core:\n{}", gateway.log()));
    for (message, seq) in mo.iter().zip(1u64..) {
        assert_eq!(message["concat"], json!({"ref": 5, "total": 2, "seq": seq}));
        assert!(message["udh"].is_string(), "{message}");
    }
    assert_eq!(gateway.terminate(), Some(0), "{}", gateway.log());
    core.shutdown();
}

#[test]
fn the_gateway_rides_out_a_core_restart() {
    let core_port = free_port();
    let core_addr = format!("127.0.0.1:{core_port}");
    let first = core(Some("carrier_sim"), &core_addr);
    let base = first.base_url();
    let carrier = FakeCarrier::start();
    let listen = free_port();
    let toml = config(&base, carrier.port, listen, "", "");
    let mut gateway = start("core-restart", &toml, listen);
    let (mut partner, status) = Esme::bind(listen, BindType::Transceiver, "partner", "partner1");
    assert_eq!(status, CommandStatus::ESME_ROK);
    let ok = partner.request(Body::SubmitSm(submit(b"before", 0, 0)));
    assert_eq!(ok.command_status, CommandStatus::ESME_ROK);

    first.shutdown();
    // A pooled connection may still finish a call with the stopped core; soon every insert
    // fails, and the partner hears a temporary error.
    let down = poll(Duration::from_secs(15), || {
        let resp = partner.request(Body::SubmitSm(submit(b"while down", 0, 0)));
        (resp.command_status != CommandStatus::ESME_ROK).then_some(resp.command_status)
    });
    assert_eq!(
        down,
        Some(CommandStatus::ESME_RMSGQFUL),
        "core unreachable: temporary"
    );

    let second = core(Some("carrier_sim"), &core_addr);
    let status = poll(Duration::from_secs(20), || {
        let resp = partner.request(Body::SubmitSm(submit(b"after", 0, 0)));
        (resp.command_status == CommandStatus::ESME_ROK).then_some(resp.command_status)
    });
    assert_eq!(status, Some(CommandStatus::ESME_ROK), "{}", gateway.log());
    // The new core routes it to the carrier: the MT poller works against it too. (A pooled
    // connection may have served one last call of the old core, so submit again now and then
    // until one goes through the new core.)
    let mut last_submit = std::time::Instant::now();
    let delivered = poll(Duration::from_secs(30), || {
        let through = carrier.with(|c| {
            c.submits
                .iter()
                .any(|sm| sm.short_message.as_bytes() == b"after")
        });
        if !through && last_submit.elapsed() > Duration::from_secs(3) {
            last_submit = std::time::Instant::now();
            partner.request(Body::SubmitSm(submit(b"after", 0, 0)));
        }
        through.then_some(())
    });
    assert!(delivered.is_some(), "{}", gateway.log());
    assert_eq!(gateway.terminate(), Some(0), "{}", gateway.log());
    second.shutdown();
}
