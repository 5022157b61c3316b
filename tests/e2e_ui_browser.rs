//! End to end through the web UI: the real `omnimessage-smpp` binary with the carrier and core
//! simulators, operated by headless Chromium as an operator would (log in, add a client peer
//! with the form, disconnect and reconnect it, edit a partner's ip_whitelist, retry a cached
//! message), each page action checked on the SMPP side: the carrier simulator saw the bind, the
//! partner is refused, the core simulator received exactly the retried message.
//!
//! The page steps are http-sidecar/tests/web_browser/e2e.mjs (playwright-core and its
//! node_modules as for the fake-backed browser test, http-sidecar/tests/web_admin.rs). Skipped,
//! saying why, when Chromium or playwright-core is missing, unless REQUIRE_BROWSER_TEST is set.
//! Screenshots go to a temporary directory, or to docs/screenshots/ with UPDATE_SCREENSHOTS=1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "../http-sidecar/tests/web_browser/driver.rs"]
mod driver;

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use common::{core_messages, free_port, poll, with_web_ui, E2eConfig, Esme, GatewayProcess};
use driver::{Browser, Screenshots, Steps};
use engine::proto::{Address, Body, CommandStatus, ShortMessage, SubmitSm};
use engine::session::{BindType, Event};
use serde_json::{json, Value};
use smpp_loadgen::core_sim::{CoreSim, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

const TOKEN: &str = "ui-e2e-admin-token-0123456789";
const PARTNER_BIND: &str = "partner_ui";
/// The client peer the test adds through the form, and the credentials its carrier demands.
const NEW_PEER: &str = "carrier_ui";
const NEW_PEER_SYSTEM_ID: &str = "ui_peer";
const NEW_PEER_PASSWORD: &str = "uipw1234";
/// Longest a page step may take (page changes show within one 5 s refresh).
const STEP: Duration = Duration::from_secs(45);

/// The shared e2e configuration with the web UI on, and the cache on for the partner's bind
/// with retries an hour apart: a cached message reaches the core only when an operator presses
/// Retry.
fn config(core_port: u16, carrier_port: u16, listen_port: u16) -> (String, u16) {
    let toml = E2eConfig {
        api: &format!("http://127.0.0.1:{core_port}"),
        carrier_port,
        listen_port,
        smsc_name: "smpp_ui",
        server_bind: PARTNER_BIND,
        source_whitelist: &["MyBrand"],
        extra: "cache_flush_interval = 200",
    }
    .toml();
    let anchor = "queue_check_frequency = 100\n[listen]";
    assert!(toml.contains(anchor), "E2eConfig layout changed");
    let toml = toml.replacen(
        anchor,
        "queue_check_frequency = 100\ncache_enabled = true\ncache_retry_interval = 3600\n[listen]",
        1,
    );
    with_web_ui(&toml, TOKEN)
}

fn core_on(port: u16) -> Option<CoreSim> {
    CoreSim::start(SimConfig {
        listen: format!("127.0.0.1:{port}"),
        ..SimConfig::default()
    })
    .ok()
}

/// Binds as the partner; `None` when the gateway closed the connection without a bind_resp.
fn partner_bind(listen: u16) -> (Esme, Option<CommandStatus>) {
    let mut esme = Esme::connect(listen);
    let credentials = engine::proto::Bind::new("partner", "partner1").unwrap();
    esme.session
        .bind(
            BindType::Transceiver,
            credentials,
            std::time::Instant::now(),
        )
        .unwrap();
    let status = esme.wait_for(Duration::from_secs(10), |event| match event {
        Event::Bound { .. } => Some(CommandStatus::ESME_ROK),
        Event::BindFailed(status) => Some(*status),
        _ => None,
    });
    (esme, status)
}

struct Scenario {
    gateway: GatewayProcess,
    browser: Steps,
    listen: u16,
    /// The partner bound at the start (closed by the ip_whitelist change).
    partner: Option<Esme>,
}

impl Scenario {
    fn step(&mut self, step: &str, args: Value) -> Value {
        self.browser.step(step, args, STEP)
    }
}

#[test]
fn an_operator_runs_the_real_gateway_from_the_web_ui() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(browser) = Browser::find(&root.join("http-sidecar/tests/web_browser")) else {
        return;
    };
    let core_port = free_port();
    let core = core_on(core_port).expect("core simulator");
    let carrier = SmscSim::start(SmscConfig::default()).unwrap();
    let new_carrier = SmscSim::start(SmscConfig {
        system_id: Some(NEW_PEER_SYSTEM_ID.to_owned()),
        password: Some(NEW_PEER_PASSWORD.to_owned()),
        ..SmscConfig::default()
    })
    .unwrap();
    let listen = free_port();
    let (toml, web_port) = config(core_port, carrier.local_addr().port(), listen);
    let gateway = GatewayProcess::start("ui-browser", &toml);
    gateway.wait_for_port(listen, Duration::from_secs(20));
    gateway.wait_for_log("Client bind carrier_sim bound", Duration::from_secs(20));
    let shots = Screenshots::new(&root.join("docs/screenshots"), "e2e");
    let steps = browser.steps(
        "e2e.mjs",
        &format!("http://127.0.0.1:{web_port}"),
        TOKEN,
        &shots,
    );
    let mut run = Scenario {
        gateway,
        browser: steps,
        listen,
        partner: None,
    };

    live_status_shows_the_binds(&mut run);
    a_client_peer_added_in_the_form_binds_to_its_carrier(&mut run, &new_carrier);
    disconnect_and_reconnect_from_the_page(&mut run, &new_carrier);
    an_edited_ip_whitelist_refuses_the_partner(&mut run);
    let _core_back = a_cached_message_is_retried_from_the_page(&mut run, core, core_port);
    run.step(
        "logs",
        json!({ "search": "operator",
                "text": format!("{NEW_PEER}: reconnect asked by the operator"),
                "screenshot": "logs" }),
    );
    run.step("finish", json!({}));
    assert_eq!(carrier.stats().binds_rejected, 0);
}

/// Step 1: log in; Live Status shows the carrier bind and the bound partner connected.
fn live_status_shows_the_binds(run: &mut Scenario) {
    let (mut partner, status) = partner_bind(run.listen);
    assert_eq!(status, Some(CommandStatus::ESME_ROK));
    run.step("login", json!({}));
    let rows = run.step(
        "binds",
        json!({ "expect": { "carrier_sim": "connected", PARTNER_BIND: "connected" } }),
    );
    let carrier_row = rows["carrier_sim"].as_array().unwrap();
    assert_eq!(carrier_row[1], "client (transceiver)", "{rows}");
    assert!(
        carrier_row[2]
            .as_str()
            .unwrap()
            .starts_with("gateway@127.0.0.1:"),
        "{rows}"
    );
    assert_eq!(rows[PARTNER_BIND][1], "server", "{rows}");
    assert!(partner.pump());
    run.partner = Some(partner);
}

/// Step 2: a client peer added with the Client Peers form binds to its carrier simulator
/// with the credentials typed in.
fn a_client_peer_added_in_the_form_binds_to_its_carrier(run: &mut Scenario, carrier: &SmscSim) {
    let port = carrier.local_addr().port();
    let row = run.step(
        "add_client_peer",
        json!({ "fields": {
            "name": NEW_PEER, "host": "127.0.0.1", "port": port,
            "system_id": NEW_PEER_SYSTEM_ID, "password": NEW_PEER_PASSWORD,
        }, "screenshot": "client-peers" }),
    );
    assert_eq!(row[0], NEW_PEER, "{row}");
    assert_eq!(row[3], port.to_string(), "{row}");
    assert!(!row.to_string().contains(NEW_PEER_PASSWORD), "{row}");
    let rows = run.step(
        "binds",
        json!({ "expect": { NEW_PEER: "connected", "carrier_sim": "connected",
                            PARTNER_BIND: "connected" },
                "screenshot": "status" }),
    );
    assert!(
        rows[NEW_PEER][2]
            .as_str()
            .unwrap()
            .starts_with(&format!("{NEW_PEER_SYSTEM_ID}@127.0.0.1:{port}")),
        "{rows}"
    );
    let bound = poll(Duration::from_secs(5), || {
        (carrier.stats().binds == 1).then_some(())
    });
    let stats = carrier.stats();
    assert!(bound.is_some() && stats.binds_rejected == 0, "{stats:?}");
}

/// Step 3: Disconnect on Live Status takes the new bind down and keeps it down; Reconnect binds
/// it to the carrier again.
fn disconnect_and_reconnect_from_the_page(run: &mut Scenario, carrier: &SmscSim) {
    run.step(
        "bind_command",
        json!({ "bind": NEW_PEER, "button": "Disconnect" }),
    );
    run.step("binds", json!({ "expect": { NEW_PEER: "disconnected" } }));
    run.gateway.wait_for_log(
        &format!("{NEW_PEER}: disconnect asked by the operator"),
        Duration::from_secs(5),
    );
    // Down means down: no bind attempt while disconnected.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(carrier.stats().binds, 1);
    run.step("binds", json!({ "expect": { NEW_PEER: "disconnected" } }));

    run.step(
        "bind_command",
        json!({ "bind": NEW_PEER, "button": "Reconnect" }),
    );
    run.step("binds", json!({ "expect": { NEW_PEER: "connected" } }));
    let binds = poll(Duration::from_secs(10), || {
        let binds = carrier.stats().binds;
        (binds == 2).then_some(binds)
    });
    assert_eq!(binds, Some(2), "{:?}", carrier.stats());
}

/// Step 4: the partner binds from 127.0.0.1; after its ip_whitelist is changed on Server Peers
/// it is refused at accept; changed back, it binds again.
fn an_edited_ip_whitelist_refuses_the_partner(run: &mut Scenario) {
    let (_before, status) = partner_bind(run.listen);
    assert_eq!(status, Some(CommandStatus::ESME_ROK), "accepted before");

    let row = run.step(
        "edit_server_peer",
        json!({ "name": PARTNER_BIND, "fields": { "ip_whitelist": "192.0.2.0/24" },
                "screenshot": "server-peers" }),
    );
    assert_eq!(row[3], "192.0.2.0/24", "{row}");
    // The sessions bound under the old whitelist are closed.
    let mut first = run.partner.take().unwrap();
    let closed = poll(Duration::from_secs(10), || (!first.pump()).then_some(()));
    assert!(closed.is_some(), "the first partner session is still open");
    let (mut refused, status) = partner_bind(run.listen);
    assert_eq!(status, None, "refused at accept, no bind_resp");
    assert!(!refused.pump(), "the gateway closed the connection");
    run.gateway
        .wait_for_log("Refused connection from 127.0.0.1", Duration::from_secs(5));

    let row = run.step(
        "edit_server_peer",
        json!({ "name": PARTNER_BIND, "fields": { "ip_whitelist": "127.0.0.1" } }),
    );
    assert_eq!(row[3], "127.0.0.1/32", "{row}");
    let (_after, status) = partner_bind(run.listen);
    assert_eq!(status, Some(CommandStatus::ESME_ROK), "accepted again");
}

/// Step 5: with the core down a partner's submit_sm is acknowledged from the cache; once the
/// core is back, Retry on the Cache page delivers exactly that message. Returns the core.
fn a_cached_message_is_retried_from_the_page(
    run: &mut Scenario,
    core: CoreSim,
    core_port: u16,
) -> CoreSim {
    assert!(!run.gateway.log().contains("connection refused"));
    core.shutdown();
    // The simulator's open connections may still answer for a moment (they close within
    // 100 ms): wait until the gateway has met a closed port.
    run.gateway
        .wait_for_log("connection refused", Duration::from_secs(10));
    let (mut partner, status) = partner_bind(run.listen);
    assert_eq!(status, Some(CommandStatus::ESME_ROK));
    let text = "cached while the core was down, retried from the web UI";
    let answer = partner.request(Body::SubmitSm(SubmitSm {
        source_addr: Address::new("MyBrand").unwrap(),
        destination_addr: Address::new("61400000042").unwrap(),
        short_message: ShortMessage::new(Bytes::from_static(text.as_bytes())).unwrap(),
        ..SubmitSm::default()
    }));
    assert_eq!(answer.command_status, CommandStatus::ESME_ROK);
    let Body::SubmitSmResp(resp) = &answer.body else {
        panic!("not a submit_sm_resp: {answer:?}");
    };
    let id = resp.message_id.to_str().unwrap().to_owned();
    run.gateway.wait_for_log(
        &format!("Message {id} cached for {PARTNER_BIND}"),
        Duration::from_secs(10),
    );
    // The first delivery attempt fails; the next is an hour away.
    run.gateway.wait_for_log(
        &format!("Failed to deliver message {id} (retry 1/"),
        Duration::from_secs(10),
    );
    let core = poll(Duration::from_secs(10), || core_on(core_port)).expect("core back");
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        core_messages(&core.base_url()).is_empty(),
        "nothing reaches the core before Retry"
    );

    let messages = run.step("cache_messages", json!({ "bind": PARTNER_BIND }));
    let shown = messages.as_array().unwrap();
    assert_eq!(shown.len(), 1, "{messages}");
    assert_eq!(shown[0]["id"], id.as_str(), "{messages}");
    assert_eq!(shown[0]["state"], "pending", "{messages}");
    assert_eq!(shown[0]["retries"], 1, "{messages}");
    run.step("cache_retry", json!({ "id": id, "screenshot": "cache" }));

    let base = core.base_url();
    let arrived = poll(Duration::from_secs(15), || {
        let messages = core_messages(&base);
        (!messages.is_empty()).then_some(messages)
    })
    .unwrap_or_else(|| panic!("nothing at the core after Retry:\n{}", run.gateway.log()));
    std::thread::sleep(Duration::from_secs(1));
    let settled = core_messages(&base);
    assert_eq!(settled.len(), 1, "exactly one message: {settled:?}");
    let message = &arrived[0];
    assert_eq!(message["frontend_message_id"], id.as_str(), "{message}");
    assert_eq!(message["message_body"], text, "{message}");
    assert_eq!(message["source_addr"], "MyBrand", "{message}");
    assert_eq!(message["destination_addr"], "61400000042", "{message}");
    assert_eq!(message["source_smsc"], PARTNER_BIND, "{message}");
    run.gateway.wait_for_log(
        &format!("Successfully delivered cached message {id}"),
        Duration::from_secs(5),
    );
    run.step("cache_total", json!({ "total": 0 }));
    core
}
