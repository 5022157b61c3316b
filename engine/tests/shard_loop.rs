//! The whole loop with the load generator as the partner: `smpp-loadgen esme` submits through
//! the gateway, the core routes to the carrier simulator over the gateway's client bind, the
//! carrier's receipts come back and reach the partner as deliver_sm receipts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{free_port, start_gateway};
use smpp_loadgen::core_sim::{CoreSim, RouteTable, SimConfig};
use smpp_loadgen::esme::{self, EsmeConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

#[test]
fn loadgen_partner_gets_a_receipt_for_every_message() {
    let core = CoreSim::start(SimConfig {
        routes: RouteTable {
            default: Some("carrier_a".into()),
            rules: Vec::new(),
        },
        ..SimConfig::default()
    })
    .unwrap();
    let carrier = SmscSim::start(SmscConfig::default()).unwrap();
    let port = free_port();
    let cache = std::env::temp_dir().join(format!("omsmpp-loop-{}", std::process::id()));
    let toml = format!(
        r#"
api_base_url = "{api}"
smsc_name = "gw_loop"
cache_dir = "{cache}"
[[binds]]
name = "carrier_a"
bind_type = "transceiver"
host = "127.0.0.1"
port = {carrier}
system_id = "gateway"
password = "secret"
tps_limit = 10000
queue_check_frequency = 100
[[server_binds]]
name = "partner_load"
system_id = "loadgen"
password = "secret"
allowed_bind_types = ["transmitter", "receiver", "transceiver"]
# The loop is under test here, not throttling: at 10,000/s (burst 1,000) a fast box refused
# part of the 2,000 with 0x58 when loadgen submitted them at 20,000/s.
tps_limit = 100000
queue_check_frequency = 100
[listen]
host = "127.0.0.1"
port = {port}
"#,
        api = core.base_url(),
        cache = cache.display(),
        carrier = carrier.local_addr().port(),
    );
    let gateway = start_gateway(&toml, 2);
    let report = esme::run(EsmeConfig {
        port,
        sessions: 2,
        window: 32,
        count: Some(2000),
        duration: Duration::from_secs(60),
        registered_delivery: true,
        wait_receipts: Duration::from_secs(30),
        ..EsmeConfig::default()
    })
    .unwrap();
    eprintln!(
        "loop: {} acked in {:.2}s ({:.0}/s end to end), {} receipts matched",
        report.acked, report.send_secs, report.messages_per_sec, report.receipts_matched
    );
    assert_eq!(report.acked, 2000, "{report:?}");
    assert_eq!(report.receipts_matched, 2000, "{report:?}");
    assert_eq!(carrier.stats().submits_ok, 2000);
    gateway.stop();
    gateway.wait().unwrap();
    let _ = std::fs::remove_dir_all(&cache);
}
