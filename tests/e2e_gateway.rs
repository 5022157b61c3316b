//! End to end: the real `omnimessage-smpp` binary between the core simulator, the carrier
//! simulator and a partner ESME. A partner's submit_sm is routed by the core to the carrier,
//! the carrier's receipt comes back, and the partner receives its receipt as a deliver_sm.
//! Then SIGTERM: the partner is unbound and the process exits 0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::{free_port, E2eConfig, GatewayProcess};
use engine::proto::{Address, Bind, Body, CommandStatus, DeliverSm, ShortMessage, SubmitSm};
use engine::session::{BindType, CloseReason, EsmeSession, Event, SessionConfig};
use smpp_loadgen::core_sim::{CoreSim, RouteTable, SimConfig};
use smpp_loadgen::smsc::{SmscConfig, SmscSim};

/// A blocking partner ESME that answers deliver_sm with ESME_ROK.
struct Partner {
    stream: TcpStream,
    session: EsmeSession,
    buf: BytesMut,
    events: Vec<Event>,
    delivered: Vec<DeliverSm>,
}

impl Partner {
    fn connect(port: u16) -> Partner {
        let deadline = Instant::now() + Duration::from_secs(10);
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("gateway not listening: {e}"),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Partner {
            stream,
            session: EsmeSession::new(SessionConfig::default(), Instant::now()),
            buf: BytesMut::new(),
            events: Vec::new(),
            delivered: Vec::new(),
        }
    }

    fn pump(&mut self) -> bool {
        let mut out = BytesMut::new();
        self.session.poll_transmit(&mut out);
        if !out.is_empty() {
            let _ = self.stream.write_all(&out);
        }
        let mut chunk = [0u8; 8192];
        let open = match self.stream.read(&mut chunk) {
            Ok(0) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.session.handle_input(&mut self.buf, Instant::now());
                true
            }
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
        };
        if !open {
            self.session.connection_lost();
        }
        while let Some(event) = self.session.poll_event() {
            if let Event::RequestReceived(pdu) = &event {
                if let Body::DeliverSm(sm) = &pdu.body {
                    self.delivered.push(sm.clone());
                    let _ = self.session.respond_status(
                        pdu.sequence_number,
                        pdu.command_id(),
                        CommandStatus::ESME_ROK,
                    );
                    continue;
                }
            }
            self.events.push(event);
        }
        open
    }

    fn wait_for<T>(&mut self, timeout: Duration, pick: impl Fn(&Event) -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.events.iter().position(|e| pick(e).is_some()) {
                return pick(&self.events.remove(i));
            }
            if Instant::now() > deadline || !self.pump() {
                return self.events.iter().find_map(&pick);
            }
        }
    }

    fn request(&mut self, body: Body) -> engine::proto::Pdu {
        let seq = self.session.send_request(body, 0, Instant::now()).unwrap();
        self.wait_for(Duration::from_secs(10), |e| match e {
            Event::Response { seq: s, pdu, .. } if *s == seq => Some(pdu.clone()),
            _ => None,
        })
        .expect("no response")
    }
}

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

    let mut partner = Partner::connect(listen_port);
    let bind = Bind::new("partner", "partner1").unwrap();
    partner
        .session
        .bind(BindType::Transceiver, bind, Instant::now())
        .unwrap();
    let bound = partner.wait_for(Duration::from_secs(10), |e| match e {
        Event::Bound { .. } => Some(true),
        Event::BindFailed(_) => Some(false),
        _ => None,
    });
    assert_eq!(bound, Some(true), "log:\n{}", gateway.log());

    let resp = partner.request(submit("MyBrand"));
    assert_eq!(resp.command_status, CommandStatus::ESME_ROK);
    let Body::SubmitSmResp(resp) = resp.body else {
        panic!("not a submit_sm_resp");
    };
    let core_id = resp.message_id.to_string_lossy().into_owned();

    let rejected = partner.request(submit("Spoofed"));
    assert_eq!(rejected.command_status, CommandStatus::ESME_RINVSRCADR);

    // The receipt travels core -> carrier -> gateway -> core -> gateway -> partner.
    let deadline = Instant::now() + Duration::from_secs(20);
    while partner.delivered.is_empty() && Instant::now() < deadline {
        partner.pump();
    }
    let receipt = partner.delivered.first().unwrap_or_else(|| {
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
