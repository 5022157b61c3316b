//! Interop: PyPI `smpplib`, an SMPP client written by others, against the real gateway binary's
//! server bind, with the core and carrier simulators behind it. All three bind types, wrong
//! credentials, GSM, UCS-2 and long messages, source-address rejection, and receipts coming back
//! to the partner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{free_port, E2eConfig, GatewayProcess};
use serde_json::Value;
use smpp_loadgen::core_sim::{CoreSim, RouteTable, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

/// The Python with smpplib: `SMPPLIB_PYTHON` (set by scripts/test.sh) or the repo's `.venv`.
fn python() -> PathBuf {
    let path = std::env::var_os("SMPPLIB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            [env!("CARGO_MANIFEST_DIR"), ".venv", "bin", "python"]
                .iter()
                .collect()
        });
    let usable = Command::new(&path)
        .args(["-c", "import smpplib"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        usable,
        "{} cannot import smpplib: run scripts/test.sh (it creates .venv with smpplib)",
        path.display()
    );
    path
}

fn partner(port: u16, password: &str, args: &[&str]) -> Value {
    let script: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "interop",
        "smpplib_partner.py",
    ]
    .iter()
    .collect();
    let out = Command::new(python())
        .arg(script)
        .args(["127.0.0.1", &port.to_string(), "partner", password])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "smpplib script failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The core simulator's counters, for failure messages.
fn core_stats(core: &CoreSim) -> String {
    ureq::get(&format!("{}/admin/stats", core.base_url()))
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default()
}

fn config(core: &CoreSim, carrier: &SmscSim, listen: u16) -> String {
    E2eConfig {
        api: &core.base_url(),
        carrier_port: carrier.local_addr().port(),
        listen_port: listen,
        smsc_name: "smpp_interop",
        server_bind: "partner_interop",
        source_whitelist: &["MyBrand", "614*"],
        extra: "",
    }
    .toml()
}

#[test]
fn smpplib_partner_binds_submits_and_gets_its_receipts() {
    let core = CoreSim::start(SimConfig {
        routes: RouteTable {
            default: Some("carrier_sim".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    })
    .unwrap();
    let carrier = SmscSim::start(SmscConfig::default()).unwrap();
    let listen = free_port();
    let mut gateway = GatewayProcess::start("interop", &config(&core, &carrier, listen));
    gateway.wait_for_port(listen, Duration::from_secs(20));
    gateway.wait_for_log("Client bind carrier_sim bound", Duration::from_secs(20));

    for bind_type in ["transmitter", "receiver", "transceiver"] {
        let result = partner(listen, "partner1", &["bind", bind_type]);
        assert_eq!(result["bound"], true, "{bind_type}: {result}");
        assert_eq!(result["enquire_link_resp"], "enquire_link_resp", "{result}");
        assert_eq!(result["unbound"], true, "{bind_type}: {result}");
    }

    let refused = partner(listen, "wrong", &["bind", "transceiver"]);
    assert_eq!(refused["bound"], false, "{refused}");
    assert_eq!(refused["status"], 0x0E, "wrong password: {refused}");

    // GSM, UCS-2 (Cyrillic), and a 3-part long GSM text; smpplib splits it with a UDH.
    let long = "The quick brown fox jumps over the lazy dog. ".repeat(8);
    let texts = ["Hello from smpplib", "Привет из smpplib", long.as_str()];
    let mut args = vec!["submit", "transceiver"];
    args.extend(texts);
    args.extend(["--receipts", "5", "--wait", "20"]);
    let result = partner(listen, "partner1", &args);
    let submitted = result["submitted"].as_u64().unwrap();
    assert_eq!(submitted, 5, "1 GSM + 1 UCS-2 + 3 parts: {result}");
    let resps = result["resps"].as_array().unwrap();
    assert_eq!(
        resps.len(),
        5,
        "every submit_sm answered ESME_ROK: {result}"
    );
    assert!(result["errors"].as_array().unwrap().is_empty(), "{result}");
    let ids: Vec<&str> = resps
        .iter()
        .map(|r| r["message_id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().all(|id| !id.is_empty()), "{result}");
    let receipts = result["receipts"].as_array().unwrap();
    assert_eq!(
        receipts.len(),
        5,
        "a receipt for every part: {result}\ncore: {}\n{}",
        core_stats(&core),
        gateway.log()
    );
    for receipt in receipts {
        let text = receipt["text"].as_str().unwrap();
        let id = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("id:"))
            .unwrap_or_default();
        assert!(ids.contains(&id), "receipt {text:?} is for none of {ids:?}");
        assert!(text.contains("stat:DELIVRD"), "{text}");
    }

    let rejected = partner(
        listen,
        "partner1",
        &[
            "submit",
            "transmitter",
            "not allowed",
            "--source",
            "Spoofed",
            "--wait",
            "5",
        ],
    );
    let errors = rejected["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{rejected}");
    assert_eq!(
        errors[0]["status"], 0x0A,
        "source address not whitelisted: {rejected}"
    );
    gateway.wait_for_log(
        "Rejected submit_sm from partner_interop - source_addr 'Spoofed' not in whitelist",
        Duration::from_secs(5),
    );

    assert_eq!(gateway.terminate(), Some(0), "{}", gateway.log());
    let _ = carrier.shutdown();
    core.shutdown();
}
