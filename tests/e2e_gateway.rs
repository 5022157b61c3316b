//! End to end: the real `omnimessage-smpp` binary between the core simulator, the carrier
//! simulator and a partner ESME. A partner's submit_sm is routed by the core to the carrier,
//! the carrier's receipt comes back, and the partner receives its receipt as a deliver_sm.
//! Then SIGTERM: the partner is unbound and the process exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::Duration;

use bytes::Bytes;
use common::{free_port, E2eConfig, Esme, GatewayProcess};
use engine::proto::{Address, Body, CommandStatus, ShortMessage, SubmitSm};
use engine::session::{BindType, CloseReason, Event};
use smpp_loadgen::core_sim::{CoreSim, RouteTable, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

fn submit(source: &str) -> Body {
    Body::SubmitSm(SubmitSm {
        source_addr: Address::new(source).unwrap(),
        destination_addr: Address::new("61412345678").unwrap(),
        registered_delivery: 1,
        short_message: ShortMessage::new(Bytes::from_static(b"Hello from the partner")).unwrap(),
        ..SubmitSm::default()
    })
}

#[test]
fn partner_submit_goes_to_the_carrier_and_its_receipt_comes_back() {
    let core = CoreSim::start(SimConfig {
        routes: RouteTable {
            default: Some("carrier_sim".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    })
    .unwrap();
    let carrier = SmscSim::start(SmscConfig::default()).unwrap();
    let listen_port = free_port();
    let config = E2eConfig {
        api: &core.base_url(),
        carrier_port: carrier.local_addr().port(),
        listen_port,
        smsc_name: "smpp_e2e",
        server_bind: "partner_demo",
        source_whitelist: &["MyBrand"],
        extra: "log_format = \"json\"",
    }
    .toml();
    let mut gateway = GatewayProcess::start("e2e", &config);

    let (mut partner, bound) =
        Esme::bind(listen_port, BindType::Transceiver, "partner", "partner1");
    assert_eq!(bound, CommandStatus::ESME_ROK, "log:\n{}", gateway.log());

    let resp = partner.request(submit("MyBrand"));
    assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
    let Body::SubmitSmResp(resp) = resp.body else {
        panic!("not a submit_sm_resp");
    };
    let core_id = resp.message_id.to_string_lossy().into_owned();

    let rejected = partner.request(submit("Spoofed"));
    assert_eq!(rejected.command_status, CommandStatus::ESME_RINVSRCADR);

    // The receipt travels core -> carrier -> gateway -> core -> gateway -> partner.
    let receipt = partner
        .wait_for(Duration::from_secs(20), |e| match e {
            Event::RequestReceived(pdu) => match &pdu.body {
                Body::DeliverSm(sm) => Some(sm.clone()),
                _ => None,
            },
            _ => None,
        })
        .unwrap_or_else(|| {
            panic!(
                "no receipt reached the partner; carrier {:?}\nlog:\n{}",
                carrier.stats(),
                gateway.log()
            )
        });
    assert_eq!(receipt.esm_class & 0x3C, 0x04, "a delivery receipt");
    assert_eq!(
        receipt
            .tlvs
            .receipted_message_id()
            .map(|id| String::from_utf8_lossy(id).into_owned()),
        Some(core_id.clone())
    );
    let text = String::from_utf8_lossy(receipt.short_message.as_bytes()).into_owned();
    assert!(
        text.contains(&format!("id:{core_id}")) && text.contains("stat:DELIVRD"),
        "{text}"
    );
    assert_eq!(carrier.stats().submits_ok, 1);

    // SIGTERM: the partner is unbound, the process exits 0.
    partner.pump();
    let code = gateway.terminate();
    let unbound = partner.wait_for(Duration::from_secs(10), |e| match e {
        Event::Closed(reason) => Some(*reason),
        _ => None,
    });
    assert_eq!(code, Some(0), "log:\n{}", gateway.log());
    assert_eq!(unbound, Some(CloseReason::PeerUnbound));
    let log = gateway.log();
    assert!(
        log.contains(
            "Rejected submit_sm from partner_demo - source_addr 'Spoofed' not in whitelist"
        ),
        "{log}"
    );
    // log_format = "json": every line is a JSON object.
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
}

#[test]
fn the_config_can_come_from_the_environment_and_errors_name_the_key() {
    let dir = std::env::temp_dir().join(format!("omsmpp-e2e-env-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "api_base_url = \"http://127.0.0.1:9\"\n[listen]\nmax_connections = 0\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
        .env("OMNIMESSAGE_SMPP_CONFIG", &path)
        .env_remove("API_BASE_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("max_connections"), "{stderr}");

    // Neither --config nor the variable: a usage error.
    let out = Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
        .env_remove("OMNIMESSAGE_SMPP_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("OMNIMESSAGE_SMPP_CONFIG"));
    let _ = std::fs::remove_dir_all(&dir);
}
