//! Runtime peer management over a real engine runtime with real TCP: client binds added,
//! moved to another carrier, disconnected, reconnected and deleted at runtime against two
//! carrier simulators; a partner's server bind deleted while it is bound; validation errors that
//! name the key; changes persisted in the peer store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::coreclient::{CoreClientConfig, CorePool};
use engine::shard::{RuntimeOptions, Shared};
use engine::stats::ConnectionStatus;
use engine::store::PeerStore;
use http_sidecar::{ControlError, EngineAdmin, EngineView, GatewayControl, GatewayView, PeerAdmin};
use smpp_loadgen::core_sim::{CoreSim, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

fn carrier() -> SmscSim {
    SmscSim::start(SmscConfig {
        system_id: Some("gateway".into()),
        password: Some("secret".into()),
        ..SmscConfig::default()
    })
    .unwrap()
}

const FILE: &str = r#"
api_base_url = "{api}"
smsc_name = "gw_admin_test"
cache_dir = "{cache}"
[[server_binds]]
name = "partner_acme"
system_id = "acme"
password = "secret1"
allowed_bind_types = ["transceiver"]
[listen]
host = "127.0.0.1"
port = {listen}
"#;

/// A bind_transceiver PDU built from SMPP 3.4 section 4.1.5's field table.
fn bind_transceiver(system_id: &str, password: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for field in [system_id, password, ""] {
        body.extend_from_slice(field.as_bytes());
        body.push(0);
    }
    body.extend_from_slice(&[0x34, 0, 0, 0]); // interface_version, ton, npi, empty address_range
    let mut pdu = Vec::new();
    pdu.extend_from_slice(&u32::try_from(16 + body.len()).unwrap().to_be_bytes());
    pdu.extend_from_slice(&0x0000_0009u32.to_be_bytes());
    pdu.extend_from_slice(&0u32.to_be_bytes());
    pdu.extend_from_slice(&1u32.to_be_bytes());
    pdu.extend_from_slice(&body);
    pdu
}

/// Reads one PDU header: (command_id, command_status), or `None` when the link closed.
fn read_header(stream: &mut TcpStream) -> Option<(u32, u32)> {
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).ok()?;
    let word = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().unwrap());
    let mut rest = vec![0u8; usize::try_from(word(0)).unwrap().saturating_sub(16)];
    stream.read_exact(&mut rest).ok()?;
    Some((word(4), word(8)))
}

fn partner_bind(port: u16) -> (TcpStream, Option<(u32, u32)>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(&bind_transceiver("acme", "secret1"));
    let answer = read_header(&mut stream);
    (stream, answer)
}

struct Gateway {
    shared: Arc<Shared>,
    running: Option<engine::shard::Running>,
    _pool: CorePool,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.stop();
            let _ = running.wait();
        }
    }
}

fn start(config: smpp_config::Config) -> Gateway {
    let core_config = CoreClientConfig::new(config.api_base_url.as_str(), "gw_admin_test");
    let pool = CorePool::start(&core_config).unwrap();
    let shared = Arc::new(Shared::new(config, 2, pool.client()));
    let running = engine::shard::start(
        Arc::clone(&shared),
        RuntimeOptions {
            shards: 2,
            pin: false,
            heartbeat: Duration::from_millis(200),
        },
    )
    .unwrap();
    Gateway {
        shared,
        running: Some(running),
        _pool: pool,
    }
}

fn status(view: &EngineView, name: &str) -> Option<&'static str> {
    view.binds()
        .into_iter()
        .find(|bind| bind.identity.name == name)
        .map(|bind| bind.state())
}

#[test]
fn peers_change_at_runtime_and_persist() {
    let filter = engine::logger::filter_from_env(log::LevelFilter::Info);
    engine::logger::init(filter, engine::logger::Format::Text);
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (first, second) = (carrier(), carrier());
    let listen = free_port();
    let cache = tempfile::tempdir().unwrap();
    let text = FILE
        .replace("{api}", &core.base_url())
        .replace("{cache}", &cache.path().display().to_string())
        .replace("{listen}", &listen.to_string());
    let file = smpp_config::Config::from_toml_str(&text).unwrap().config;
    let store = Arc::new(PeerStore::open(PeerStore::dir_for(&file.cache_dir)).unwrap());
    let gateway = start(file.clone());
    let admin = EngineAdmin::new(Arc::clone(&gateway.shared), Some(Arc::clone(&store)));
    let view = EngineView::new(Arc::clone(&gateway.shared));

    // A partner binds before anything changes.
    let (mut partner, answer) = partner_bind(listen);
    assert_eq!(answer, Some((0x8000_0009, 0)));

    // Add a client bind at runtime: it binds to the first carrier.
    let template = smpp_config::Config::from_toml_str(&format!(
        "api_base_url = \"http://127.0.0.1:1\"\n[[binds]]\nname = \"carrier_x\"\n\
         bind_type = \"transceiver\"\nhost = \"127.0.0.1\"\nport = {}\nsystem_id = \"gateway\"\n\
         password = \"secret\"\nreconnect_min_backoff = 1\nreconnect_max_backoff = 2\n",
        first.local_addr().port()
    ))
    .unwrap()
    .config
    .binds[0]
        .clone();
    admin.put_client_peer(template.clone()).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || first.stats().binds == 1
            && status(&view, "carrier_x") == Some("connected")),
        "first carrier: {:?}",
        first.stats()
    );
    assert_eq!(admin.client_peers().len(), 1);

    // An invalid change names the key and changes nothing.
    let mut bad = template.clone();
    bad.tps_limit = 0;
    match admin.put_client_peer(bad) {
        Err(ControlError::Invalid(message)) => assert!(message.contains("tps_limit"), "{message}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(admin.client_peers()[0].tps_limit, template.tps_limit);

    // Move it to the second carrier: it unbinds from the first and binds to the second.
    let before = gateway
        .shared
        .peers()
        .client_bind("carrier_x")
        .unwrap()
        .clone();
    let mut moved = template.clone();
    moved.port = second.local_addr().port();
    admin.put_client_peer(moved.clone()).unwrap();
    assert!(
        eventually(Duration::from_secs(10), || second.stats().binds == 1
            && status(&view, "carrier_x") == Some("connected")),
        "second carrier: {:?}\n{:?}",
        second.stats(),
        view.binds()
    );
    let after = gateway
        .shared
        .peers()
        .client_bind("carrier_x")
        .unwrap()
        .clone();
    assert!(
        Arc::ptr_eq(&before.stats, &after.stats),
        "counters survive a change"
    );
    assert_eq!(after.stats.snapshot().bind_success, 2);

    // The operator disconnects it: it unbinds and stays down; reconnect binds again.
    admin.disconnect("carrier_x").unwrap();
    assert!(eventually(Duration::from_secs(10), || status(
        &view,
        "carrier_x"
    ) == Some(
        "disconnected"
    )));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(second.stats().binds, 1, "no reconnect while disconnected");
    assert_eq!(status(&view, "carrier_x"), Some("disconnected"));
    admin.reconnect("carrier_x").unwrap();
    assert!(
        eventually(Duration::from_secs(10), || second.stats().binds == 2
            && status(&view, "carrier_x") == Some("connected")),
        "{:?}",
        second.stats()
    );
    // Reconnect of a connected bind drops the session and binds again at once.
    admin.reconnect("carrier_x").unwrap();
    assert!(eventually(Duration::from_secs(10), || second.stats().binds == 3));
    assert!(matches!(
        admin.reconnect("nobody"),
        Err(ControlError::UnknownBind(_))
    ));

    // Delete it: it unbinds and is gone from the status.
    admin.delete_client_peer("carrier_x").unwrap();
    assert!(eventually(Duration::from_secs(10), || after.stats.status()
        == ConnectionStatus::Disconnected
        && status(&view, "carrier_x").is_none()));
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(second.stats().binds, 3, "a deleted bind does not come back");
    assert!(matches!(
        admin.delete_client_peer("carrier_x"),
        Err(ControlError::UnknownBind(_))
    ));

    // Delete the server bind: the bound partner's session is closed, a new bind is refused.
    admin.delete_server_peer("partner_acme").unwrap();
    let mut closed = false;
    while let Some((command, _)) = read_header(&mut partner) {
        if command == 0x0000_0006 {
            // The gateway's unbind: answer it, then the link closes.
            let _ = partner.write_all(&[0, 0, 0, 16, 0x80, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1]);
        }
        closed = true;
    }
    assert!(closed, "the partner's session was not closed");
    let (_, answer) = partner_bind(listen);
    assert!(
        answer.is_none() || answer.is_some_and(|(_, status)| status != 0),
        "a deleted partner bound again: {answer:?}"
    );

    // The changes are in the store and rebuild the same peers over the file.
    drop(gateway);
    let merged = store.overrides().unwrap().apply(&file).unwrap().config;
    assert!(merged.binds.is_empty(), "carrier_x stays deleted");
    assert!(merged.server_binds.is_empty(), "partner_acme stays deleted");
    assert_eq!(store.clear().unwrap(), 2);
}
