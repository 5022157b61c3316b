//! The real binary with runtime peer changes: SIGHUP with a changed file (the client bind moves
//! to another carrier simulator, an unchanged partner session is untouched, restart-only keys
//! are reported), SIGHUP with an invalid file (logged with the key, nothing changes), and a
//! persisted runtime change that overrides the file across a restart, then `peers reset`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{free_port, E2eConfig, GatewayProcess};
use smpp_loadgen::core_sim::{CoreSim, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

fn eventually(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    condition()
}

/// A header-only PDU (SMPP 3.4 section 3.2: length, id, status, sequence).
fn header(command_id: u32, sequence: u32) -> [u8; 16] {
    let mut pdu = [0u8; 16];
    pdu[..4].copy_from_slice(&16u32.to_be_bytes());
    pdu[4..8].copy_from_slice(&command_id.to_be_bytes());
    pdu[12..].copy_from_slice(&sequence.to_be_bytes());
    pdu
}

/// bind_transmitter (section 4.1.1): system_id, password, system_type, version, ton, npi, range.
fn bind_transmitter(system_id: &str, password: &str) -> Vec<u8> {
    let mut body = Vec::new();
    for field in [system_id, password, ""] {
        body.extend_from_slice(field.as_bytes());
        body.push(0);
    }
    body.extend_from_slice(&[0x34, 0, 0, 0]);
    let mut pdu = header(0x0000_0002, 1).to_vec();
    pdu[..4].copy_from_slice(&u32::try_from(16 + body.len()).unwrap().to_be_bytes());
    pdu.extend_from_slice(&body);
    pdu
}

fn read_pdu(stream: &mut TcpStream) -> Option<(u32, u32)> {
    let mut head = [0u8; 16];
    stream.read_exact(&mut head).ok()?;
    let word = |at: usize| u32::from_be_bytes(head[at..at + 4].try_into().unwrap());
    let mut rest = vec![0u8; usize::try_from(word(0)).unwrap().saturating_sub(16)];
    stream.read_exact(&mut rest).ok()?;
    Some((word(4), word(8)))
}

fn carrier() -> SmscSim {
    SmscSim::start(SmscConfig::default()).unwrap()
}

#[test]
fn sighup_applies_a_changed_file_and_keeps_an_invalid_one_out() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (first, second) = (carrier(), carrier());
    let listen_port = free_port();
    let api = core.base_url();
    let config = |carrier_port: u16, extra: &str| {
        E2eConfig {
            api: &api,
            carrier_port,
            listen_port,
            smsc_name: "gw_reload",
            server_bind: "partner_reload",
            source_whitelist: &[],
            extra,
        }
        .toml()
    };
    let mut gateway = GatewayProcess::start("reload", &config(first.local_addr().port(), ""));
    gateway.wait_for_port(listen_port, Duration::from_secs(20));
    assert!(
        eventually(Duration::from_secs(20), || first.stats().binds == 1),
        "{}",
        gateway.log()
    );
    // A partner binds on the server bind that the reload leaves unchanged.
    let mut partner = TcpStream::connect(("127.0.0.1", listen_port)).unwrap();
    partner
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    partner
        .write_all(&bind_transmitter("partner", "partner1"))
        .unwrap();
    assert_eq!(read_pdu(&mut partner), Some((0x8000_0002, 0)));

    // Changed file: the carrier bind moves to the second simulator; a global key changed too.
    let cache_dir = gateway.dir.join("cache").display().to_string();
    let changed = config(second.local_addr().port(), "smpp_poll_interval = 250")
        .replace("{cache}", &cache_dir);
    std::fs::write(gateway.config_path(), &changed).unwrap();
    gateway.signal("HUP");
    assert!(
        eventually(Duration::from_secs(20), || second.stats().binds == 1),
        "{}",
        gateway.log()
    );
    gateway.wait_for_log("client:carrier_sim", Duration::from_secs(5));
    gateway.wait_for_log(
        "`smpp_poll_interval` changed: needs a restart",
        Duration::from_secs(5),
    );
    assert!(!gateway.log().contains("server:partner_reload"));
    // The partner's session was not touched: it still answers an enquire_link.
    partner.write_all(&header(0x0000_0015, 2)).unwrap();
    assert_eq!(read_pdu(&mut partner), Some((0x8000_0015, 0)));

    // Invalid file: logged with the key, nothing changes.
    let invalid = changed.replace(
        "queue_check_frequency = 100\n[[server_binds]]",
        "queue_check_frequency = 100\ntps_limit = 0\n[[server_binds]]",
    );
    assert_ne!(invalid, changed);
    std::fs::write(gateway.config_path(), &invalid).unwrap();
    gateway.signal("HUP");
    gateway.wait_for_log("reload failed", Duration::from_secs(10));
    assert!(gateway.log().contains("tps_limit"), "{}", gateway.log());
    std::thread::sleep(Duration::from_millis(500));
    assert!(gateway.is_running());
    assert_eq!(second.stats().binds, 1, "the carrier session was kept");
    partner.write_all(&header(0x0000_0015, 3)).unwrap();
    assert_eq!(read_pdu(&mut partner), Some((0x8000_0015, 0)));
    assert_eq!(gateway.terminate(), Some(0));
}

#[test]
fn a_persisted_runtime_change_overrides_the_file_until_reset() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let (first, second) = (carrier(), carrier());
    let listen_port = free_port();
    let text = E2eConfig {
        api: &core.base_url(),
        carrier_port: first.local_addr().port(),
        listen_port,
        smsc_name: "gw_persist",
        server_bind: "partner_persist",
        source_whitelist: &[],
        extra: "",
    }
    .toml();
    let mut gateway = GatewayProcess::start("persist", &text);
    assert!(
        eventually(Duration::from_secs(20), || first.stats().binds == 1),
        "{}",
        gateway.log()
    );
    assert_eq!(gateway.terminate(), Some(0));

    // What the web UI would have stored: carrier_sim moved to the second carrier, a new bind.
    let loaded = smpp_config::Config::load(gateway.config_path())
        .unwrap()
        .config;
    {
        let store =
            engine::store::PeerStore::open(engine::store::PeerStore::dir_for(&loaded.cache_dir))
                .unwrap();
        let mut moved = loaded.binds[0].clone();
        moved.port = second.local_addr().port();
        store.put_client(&moved).unwrap();
        store.delete_server("partner_persist").unwrap();
    }
    gateway.restart();
    assert!(
        eventually(Duration::from_secs(20), || second.stats().binds == 1),
        "{}",
        gateway.log()
    );
    gateway.wait_for_log("override the file", Duration::from_secs(5));
    assert_eq!(first.stats().binds, 1, "the file's carrier is not used");
    // The deleted partner stays deleted: its bind is refused.
    let mut partner = TcpStream::connect(("127.0.0.1", listen_port)).unwrap();
    partner
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = partner.write_all(&bind_transmitter("partner", "partner1"));
    let answer = read_pdu(&mut partner);
    assert!(answer.is_none_or(|(_, status)| status != 0), "{answer:?}");

    // A reset while the gateway runs is refused (the store is in use).
    let reset = |path: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_omnimessage-smpp"))
            .args(["peers", "reset", "--config"])
            .arg(path)
            .output()
            .unwrap()
    };
    assert!(!reset(&gateway.config_path()).status.success());
    assert_eq!(gateway.terminate(), Some(0));
    let output = reset(&gateway.config_path());
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("2 runtime peer change(s) removed"));

    // After the reset the file's carrier is used again.
    gateway.restart();
    assert!(
        eventually(Duration::from_secs(20), || first.stats().binds == 2),
        "{}",
        gateway.log()
    );
    assert_eq!(gateway.terminate(), Some(0));
}
