//! The real `smpp-loadgen` binary: `smsc` in one process, `esme` in another, over TCP.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_smpp-loadgen");

#[test]
fn esme_and_smsc_binaries_write_their_reports() {
    let dir = std::env::temp_dir().join(format!("loadgen-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let smsc_json = dir.join("smsc.json");
    let mut smsc = Command::new(BIN)
        .args([
            "smsc",
            "--listen",
            "127.0.0.1:0",
            "--duration",
            "6",
            "--stats-secs",
            "0",
        ])
        .arg("--receipt-mix")
        .arg("DELIVRD=3,UNDELIV=1")
        .arg("--stats-json")
        .arg(&smsc_json)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(smsc.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit(' ').next().unwrap().to_owned();
    let port = addr.rsplit(':').next().unwrap().to_owned();

    let json = dir.join("esme.json");
    let hgrm = dir.join("lat.hgrm");
    let esme = Command::new(BIN)
        .args(["esme", "--port", &port, "--sessions", "2", "--count", "400"])
        .args(["--text-mix", "gsm=3,ucs2=1", "--registered-delivery"])
        .args(["--wait-receipts", "10", "--progress-secs", "0"])
        .arg("--json")
        .arg(&json)
        .arg("--hgrm")
        .arg(&hgrm)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&esme.stdout);
    assert_eq!(
        esme.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&esme.stderr)
    );
    assert!(stdout.contains("submit->resp"), "{stdout}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["acked"], 400);
    assert_eq!(report["receipts_matched"], 400);
    assert_eq!(report["submit_resp"]["count"], 400);
    assert_eq!(report["submit_receipt"]["count"], 400);
    let states = &report["receipt_states"];
    assert_eq!(
        states["DELIVRD"].as_u64().unwrap() + states["UNDELIV"].as_u64().unwrap(),
        400
    );
    for path in [hgrm.clone(), dir.join("lat.receipt.hgrm")] {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("       Value     Percentile TotalCount 1/(1-Percentile)"));
        assert!(text.contains("Total count    =          400]"), "{text}");
    }

    // The simulator ends by itself at --duration and leaves its counters behind.
    let status = smsc.wait().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("smsc summary")), "{rest:?}");
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&smsc_json).unwrap()).unwrap();
    assert_eq!(stats["submits"], 400);
    assert_eq!(stats["receipts_acked"], 400);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_options_exit_with_status_2_and_name_the_option() {
    for (args, needle) in [
        (vec!["smsc", "--receipt-mix", "DELIVRD=x"], "--receipt-mix"),
        (vec!["esme", "--bind-type", "sideways"], "--bind-type"),
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
    let help = Command::new(BIN).args(["esme", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--wait-receipts"));
}
