//! scripts/monitoring/ stays in step with what `/metrics` serves: every `smpp_*` name an alert
//! or a dashboard panel queries is a series the sidecar exposes, and promtool (when installed)
//! accepts the config, the rules, their unit tests and the dashboard's queries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use support::{get, start_sidecar, FakeGateway};

fn monitoring_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/monitoring")
}

/// Every `smpp_...` identifier in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(found) = text.get(i..).and_then(|rest| rest.find("smpp_")) {
        let start = i + found;
        let boundary = start == 0 || {
            let before = bytes[start - 1];
            !(before.is_ascii_alphanumeric() || before == b'_' || before == b':')
        };
        let end = start
            + text[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - start);
        if boundary {
            names.insert(text[start..end].to_owned());
        }
        i = end;
    }
    names
}

/// Names of the samples the sidecar serves now.
fn exposed_names() -> BTreeSet<String> {
    let gateway = FakeGateway::new();
    *gateway.bind("vodafone_uk").in_flight.lock().unwrap() = Some(1);
    gateway.core.lock().unwrap().last_heartbeat_ms = Some(1);
    let sidecar = start_sidecar(gateway.clone());
    let text = get(sidecar.local_addr(), "/metrics").body;
    sidecar.stop();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.split(['{', ' ']).next().unwrap().to_owned())
        .collect()
}

#[test]
fn alerts_and_dashboard_query_only_exposed_series() {
    let exposed = exposed_names();
    for file in [
        "smpp-alerts.yml",
        "smpp-alerts.test.yml",
        "grafana-dashboard.json",
    ] {
        let text = std::fs::read_to_string(monitoring_dir().join(file)).unwrap();
        let used = metric_names(&text);
        assert!(used.len() >= 5, "{file} uses {used:?}");
        let unknown: Vec<_> = used.difference(&exposed).collect();
        assert!(
            unknown.is_empty(),
            "{file} queries {unknown:?}, not served by /metrics"
        );
    }
}

#[test]
fn the_guides_alerts_are_all_there() {
    let rules = std::fs::read_to_string(monitoring_dir().join("smpp-alerts.yml")).unwrap();
    for alert in [
        "SMPPConnectionDown",
        "SMPPHighFailureRate",
        "SMPPBindFailures",
        "SMPPNoTraffic",
        "SMPPFrequentDisconnections",
        "OmniMessageAPIUnreachable",
        "OmniMessageAPITimeout",
        "SMPPCachePermanentFailures",
        "SMPPCacheOverflow",
    ] {
        assert!(rules.contains(&format!("- alert: {alert}\n")), "{alert}");
    }
    let dashboard: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(monitoring_dir().join("grafana-dashboard.json")).unwrap(),
    )
    .unwrap();
    assert!(dashboard["panels"].as_array().unwrap().len() >= 10);
}

#[test]
fn promtool_checks_the_assets() {
    if std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("promtool not installed: skipped (scripts/monitoring/check.sh installs it)");
        return;
    }
    let output = std::process::Command::new("bash")
        .arg(monitoring_dir().join("check.sh"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
