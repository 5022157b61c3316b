//! End to end: the store-and-forward cache of the real binary with the core simulator down,
//! failing or back up. Partners are `smpp-loadgen esme` runs (in process) or a small blocking
//! ESME that keeps the ids it was given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use common::{free_port, E2eConfig, GatewayProcess};
use engine::proto::{Address, Bind, Body, CommandStatus, ShortMessage, SubmitSm};
use engine::session::{BindType, EsmeSession, Event, SessionConfig};
use smpp_loadgen::core_sim::{CoreSim, FaultMode, FaultRequest, SimConfig, Stats};
use smpp_loadgen::esme::{EsmeConfig, EsmeRun};

const BIND: &str = "partner_cache";

/// The shared e2e configuration with the cache on for the server bind, the sidecar on
/// `metrics_port`, and `globals` added at the top level.
fn cache_config(core_port: u16, listen_port: u16, max_size: u32, globals: &str) -> String {
    let base = E2eConfig {
        api: &format!("http://127.0.0.1:{core_port}"),
        carrier_port: free_port(),
        listen_port,
        smsc_name: "smpp_cache",
        server_bind: BIND,
        source_whitelist: &["MyBrand"],
        extra: globals,
    }
    .toml();
    let server_bind = format!(
        "queue_check_frequency = 100\ntps_limit = 10000\ncache_enabled = true\n\
         cache_max_size = {max_size}\ncache_retry_interval = 1\n[listen]"
    );
    let text = base.replacen("queue_check_frequency = 100\n[listen]", &server_bind, 1);
    assert!(text.contains("cache_enabled = true"), "{text}");
    text.replacen("[metrics]\nenabled = false", "[metrics]\nenabled = true", 1)
}

fn metrics_port(config: &str) -> u16 {
    let at = config.find("[metrics]").unwrap();
    let port_line = config[at..]
        .lines()
        .find(|l| l.starts_with("port = "))
        .unwrap();
    port_line["port = ".len()..].trim().parse().unwrap()
}

fn http_get(url: &str) -> String {
    ureq::get(url)
        .call()
        .ok()
        .and_then(|mut r| r.body_mut().read_to_string().ok())
        .unwrap_or_default()
}

fn core_at(port: u16) -> CoreSim {
    // The gateway may hold the port in TIME_WAIT of its own connections: try for a while.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match CoreSim::start(SimConfig {
            listen: format!("127.0.0.1:{port}"),
            ..SimConfig::default()
        }) {
            Ok(core) => return core,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("core simulator cannot listen on {port}: {e}"),
        }
    }
}

fn stats(core: &CoreSim) -> Stats {
    serde_json::from_str(&http_get(&format!("{}/admin/stats", core.base_url()))).unwrap()
}

/// Waits until the core has `count` inserted messages (or `within` passed); returns the stats.
fn wait_inserted(core: &CoreSim, count: u64, within: Duration, gateway: &GatewayProcess) -> Stats {
    let deadline = Instant::now() + within;
    loop {
        let now = stats(core);
        if now.inserted >= count {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {count} messages reached the core after {within:?}\nlog:\n{}",
            now.inserted,
            tail(&gateway.log())
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

fn flood(listen_port: u16, count: u64, sessions: usize, window: usize) -> EsmeRun {
    EsmeRun::start(EsmeConfig {
        port: listen_port,
        system_id: "partner".into(),
        password: "partner1".into(),
        sessions,
        window,
        count: Some(count),
        duration: Duration::from_secs(40),
        source: "MyBrand".into(),
        ..EsmeConfig::default()
    })
    .unwrap()
}

#[test]
fn core_down_partner_gets_acks_then_every_message_arrives_once() {
    let core_port = free_port();
    let listen = free_port();
    let config = cache_config(core_port, listen, 10_000, "cache_flush_interval = 200");
    let gateway = GatewayProcess::start("cache-down-up", &config);
    gateway.wait_for_port(listen, Duration::from_secs(20));

    let report = flood(listen, 600, 2, 32).join().unwrap();
    assert_eq!(
        report.acked,
        600,
        "{}\n{}",
        report.text(),
        tail(&gateway.log())
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let log = gateway.log();
    assert!(
        log.contains(&format!("cached for {BIND}")),
        "{}",
        tail(&log)
    );

    // The cached messages are visible in /metrics and /status while the core is down.
    let metrics = format!("http://127.0.0.1:{}", metrics_port(&config));
    let scrape = http_get(&format!("{metrics}/metrics"));
    let size_line = scrape
        .lines()
        .find(|l| l.starts_with("smpp_cache_size{") && l.contains(BIND))
        .unwrap_or_else(|| panic!("no smpp_cache_size of {BIND}:\n{scrape}"));
    assert!(size_line.ends_with(" 600"), "{size_line}");
    let status: serde_json::Value =
        serde_json::from_str(&http_get(&format!("{metrics}/status"))).unwrap();
    assert_eq!(status["cache"]["size"], 600, "{status}");

    let core = core_at(core_port);
    let arrived = wait_inserted(&core, 600, Duration::from_secs(40), &gateway);
    std::thread::sleep(Duration::from_millis(800));
    let settled = stats(&core);
    assert_eq!(arrived.inserted, 600, "{arrived:?}");
    assert_eq!(settled.inserted, 600, "no message twice: {settled:?}");

    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let scrape = http_get(&format!("{metrics}/metrics"));
        let delivered = scrape
            .lines()
            .find(|l| l.starts_with("smpp_cache_delivered_total{") && l.contains(BIND))
            .unwrap_or_default()
            .to_owned();
        if delivered.ends_with(" 600") {
            assert!(
                scrape
                    .lines()
                    .any(|l| l.starts_with("smpp_cache_size{") && l.ends_with(" 0")),
                "{scrape}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "{delivered}\n{scrape}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(gateway
        .log()
        .contains("Successfully delivered cached message -"));
}

#[test]
fn kill_9_mid_flood_loses_no_acknowledged_message() {
    let core_port = free_port();
    let listen = free_port();
    let config = cache_config(core_port, listen, 100_000, "cache_flush_interval = 200");
    let mut first = GatewayProcess::start("cache-kill9", &config);
    first.wait_for_port(listen, Duration::from_secs(20));

    let run = flood(listen, 20_000, 2, 64);
    let deadline = Instant::now() + Duration::from_secs(30);
    while run.acked() < 1_500 {
        assert!(Instant::now() < deadline, "{}", tail(&first.log()));
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill_hard();
    let report = run.join().unwrap();
    let acked = report.acked;
    assert!((1_500..20_000).contains(&acked), "{}", report.text());

    let second = GatewayProcess::restart_in(&first.dir, &config);
    second.wait_for_port(listen, Duration::from_secs(20));
    second.wait_for_log("recovered", Duration::from_secs(10));
    let core = core_at(core_port);
    wait_inserted(&core, acked, Duration::from_secs(50), &second);
    std::thread::sleep(Duration::from_secs(1));
    let settled = stats(&core);
    // Every acknowledged message arrived; beyond them only messages durable at the kill
    // whose ack was still on its way (at most the windows in flight), each once.
    let in_flight = report.lost_in_flight + report.timed_out;
    eprintln!(
        "acked {acked}, in flight at the kill {in_flight}, arrived {}",
        settled.inserted
    );
    assert!(
        settled.inserted >= acked && settled.inserted <= acked + in_flight,
        "acked {acked}, in flight at the kill {in_flight}, arrived {}",
        settled.inserted
    );
}

/// A blocking partner that keeps the ids it is given.
struct Partner {
    stream: TcpStream,
    session: EsmeSession,
    buf: BytesMut,
    events: Vec<Event>,
}

impl Partner {
    fn bind(port: u16) -> Partner {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let mut partner = Partner {
            stream,
            session: EsmeSession::new(SessionConfig::default(), Instant::now()),
            buf: BytesMut::new(),
            events: Vec::new(),
        };
        let credentials = Bind::new("partner", "partner1").unwrap();
        partner
            .session
            .bind(BindType::Transmitter, credentials, Instant::now())
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !partner
            .events
            .iter()
            .any(|e| matches!(e, Event::Bound { .. }))
        {
            assert!(Instant::now() < deadline, "not bound: {:?}", partner.events);
            partner.pump();
        }
        partner
    }

    fn pump(&mut self) {
        let mut out = BytesMut::new();
        self.session.poll_transmit(&mut out);
        if !out.is_empty() {
            self.stream.write_all(&out).unwrap();
        }
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => self.session.connection_lost(),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.session.handle_input(&mut self.buf, Instant::now());
            }
            Err(_) => {}
        }
        while let Some(event) = self.session.poll_event() {
            self.events.push(event);
        }
    }

    /// Submits one message; returns the status and the message id.
    fn submit(&mut self, text: &str) -> (CommandStatus, String) {
        let body = Body::SubmitSm(SubmitSm {
            source_addr: Address::new("MyBrand").unwrap(),
            destination_addr: Address::new("61412345678").unwrap(),
            short_message: ShortMessage::new(Bytes::copy_from_slice(text.as_bytes())).unwrap(),
            ..SubmitSm::default()
        });
        let seq = self.session.send_request(body, 0, Instant::now()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let found = self
                .events
                .iter()
                .position(|e| matches!(e, Event::Response { seq: s, .. } if *s == seq));
            if let Some(at) = found {
                let Event::Response { pdu, .. } = self.events.remove(at) else {
                    unreachable!()
                };
                let id = match &pdu.body {
                    Body::SubmitSmResp(resp) => resp.message_id.to_string_lossy().into_owned(),
                    _ => String::new(),
                };
                return (pdu.command_status, id);
            }
            assert!(Instant::now() < deadline, "no submit_sm_resp");
            self.pump();
        }
    }
}

#[test]
fn a_core_answering_503_backs_off_then_fails_permanently() {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let mut fault = FaultRequest::mode(FaultMode::Http503);
    fault.path_prefix = Some("/api/messages".into());
    let armed = ureq::post(&format!("{}/admin/faults", core.base_url()))
        .send_json(&fault)
        .unwrap();
    assert_eq!(armed.status(), 200);
    let listen = free_port();
    let globals = "cache_flush_interval = 100\ncache_max_retry_attempts = 2\n\
                   cache_backoff_multiplier = 2";
    let config = cache_config(core.addr().port(), listen, 10_000, globals);
    let gateway = GatewayProcess::start("cache-503", &config);
    gateway.wait_for_port(listen, Duration::from_secs(20));

    let mut partner = Partner::bind(listen);
    let (status, id) = partner.submit("to be cached");
    assert_eq!(status, CommandStatus::ESME_ROK);
    assert!(id.starts_with('-'), "a local id: {id}");

    // Failures at t0, t0 + 1 s (retry_interval), t0 + 1 s + 2 s (times the multiplier).
    let lines = [
        format!("Failed to deliver message {id} (retry 1/2), next retry at "),
        format!("Failed to deliver message {id} (retry 2/2), next retry at "),
        format!("Message {id} exceeded max retries (2), marking as failed_permanent"),
    ];
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    for line in &lines {
        while !gateway.log().contains(line.as_str()) {
            assert!(
                Instant::now() < deadline,
                "no {line:?}:\n{}",
                tail(&gateway.log())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        seen.push(Instant::now());
    }
    let first_gap = seen[1] - seen[0];
    let second_gap = seen[2] - seen[1];
    assert!(
        first_gap >= Duration::from_millis(850) && first_gap < Duration::from_millis(1_900),
        "{first_gap:?}"
    );
    assert!(
        second_gap >= Duration::from_millis(1_850) && second_gap < Duration::from_millis(3_500),
        "{second_gap:?}"
    );
    let metrics = format!("http://127.0.0.1:{}/metrics", metrics_port(&config));
    let scrape = http_get(&metrics);
    for (series, value) in [
        ("smpp_cache_retry_total{", " 2"),
        ("smpp_cache_permanent_failures_total{", " 1"),
        ("smpp_cache_size{", " 1"),
    ] {
        assert!(
            scrape
                .lines()
                .any(|l| l.starts_with(series) && l.contains(BIND) && l.ends_with(value)),
            "{series}{value}:\n{scrape}"
        );
    }
    assert_eq!(stats(&core).inserted, 0);
}

#[test]
fn overflow_drops_the_oldest_and_ram_storage_delivers() {
    let core_port = free_port();
    let listen = free_port();
    let globals = "cache_flush_interval = 200\ncache_storage_type = \"ram\"";
    let config = cache_config(core_port, listen, 5, globals);
    let gateway = GatewayProcess::start("cache-overflow-ram", &config);
    gateway.wait_for_port(listen, Duration::from_secs(20));

    // One session: every message on the same shard, whose cache holds 5.
    let mut partner = Partner::bind(listen);
    let mut ids = Vec::new();
    for n in 0..8 {
        let (status, id) = partner.submit(&format!("message {n}"));
        assert_eq!(status, CommandStatus::ESME_ROK);
        ids.push(id);
    }
    gateway.wait_for_log(
        &format!("Cache overflow for {BIND}: deleted oldest message"),
        Duration::from_secs(5),
    );
    let overflows = gateway
        .log()
        .matches(&format!(
            "Cache overflow for {BIND}: deleted oldest message"
        ))
        .count();
    assert_eq!(overflows, 3);
    assert!(gateway
        .log()
        .contains("cached messages do not survive a restart"));
    // ram storage writes nothing under cache_dir.
    assert!(!gateway.dir.join("cache").join("shard-0").exists());

    let core = core_at(core_port);
    wait_inserted(&core, 5, Duration::from_secs(30), &gateway);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(stats(&core).inserted, 5);
    // The survivors are the newest five: their ids came back as frontend_message_id.
    let mut arrived = Vec::new();
    for core_id in 1..=5 {
        let detail: serde_json::Value = serde_json::from_str(&http_get(&format!(
            "{}/admin/messages/{core_id}",
            core.base_url()
        )))
        .unwrap();
        arrived.push(detail["frontend_message_id"].as_str().unwrap().to_owned());
    }
    arrived.sort();
    let mut newest: Vec<String> = ids[3..].to_vec();
    newest.sort();
    assert_eq!(arrived, newest);
}

#[test]
fn an_unusable_cache_dir_stops_the_start_naming_the_key() {
    let listen = free_port();
    let config = cache_config(free_port(), listen, 100, "");
    // A regular file where the cache directory should be.
    let blocker = std::env::temp_dir().join(format!("omsmpp-cache-blocker-{}", std::process::id()));
    std::fs::write(&blocker, b"not a directory").unwrap();
    let config = config.replacen(
        "cache_dir = \"{cache}\"",
        &format!("cache_dir = \"{}\"", blocker.join("cache").display()),
        1,
    );
    let mut gateway = GatewayProcess::start("cache-bad-dir", &config);
    gateway.wait_for_log("cache_dir", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(300));
    let code = gateway.terminate();
    let log = gateway.log();
    let _ = std::fs::remove_file(&blocker);
    assert_eq!(code, Some(1), "{log}");
    // The runtime peer store lives in cache_dir too and is opened first; either names the key.
    assert!(
        log.contains("cache_dir: cannot open the message cache")
            || log.contains("cache_dir: cannot open the runtime peer store"),
        "{log}"
    );
}

#[test]
fn carrier_mo_is_cached_while_the_core_is_down_and_acknowledged() {
    use smpp_loadgen::smsc::{MoConfig, SmscConfig, SmscSim};
    let carrier = SmscSim::start(SmscConfig {
        system_id: Some("gateway".into()),
        password: Some("secret".into()),
        mo: Some(MoConfig {
            rate: 50,
            sources: vec!["61400000001".into()],
            destinations: vec!["12345".into()],
            ucs2_percent: 0,
        }),
        ..SmscConfig::default()
    })
    .unwrap();
    let core_port = free_port();
    let listen = free_port();
    let config = cache_config(core_port, listen, 10_000, "cache_flush_interval = 200");
    let config = config.replacen(
        &format!("port = {}", config_carrier_port(&config)),
        &format!("port = {}", carrier.local_addr().port()),
        1,
    );
    let config = config.replacen(
        "queue_check_frequency = 100\n[[server_binds]]",
        "queue_check_frequency = 100\ncache_enabled = true\ncache_retry_interval = 1\n\
         [[server_binds]]",
        1,
    );
    let gateway = GatewayProcess::start("cache-mo", &config);
    let deadline = Instant::now() + Duration::from_secs(30);
    while carrier.stats().mo_acked < 40 {
        assert!(
            Instant::now() < deadline,
            "{:?}\n{}",
            carrier.stats(),
            tail(&gateway.log())
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let stats_at_stop = carrier.shutdown();
    assert_eq!(stats_at_stop.deliver_errors, 0, "{stats_at_stop:?}");
    assert!(gateway.log().contains("cached for carrier_sim"));

    let core = core_at(core_port);
    wait_inserted(
        &core,
        stats_at_stop.mo_acked,
        Duration::from_secs(30),
        &gateway,
    );
    std::thread::sleep(Duration::from_millis(800));
    let arrived = stats(&core).inserted;
    assert!(
        arrived >= stats_at_stop.mo_acked && arrived <= stats_at_stop.mo_sent,
        "acked {}, sent {}, arrived {arrived}",
        stats_at_stop.mo_acked,
        stats_at_stop.mo_sent
    );
}

/// The carrier port the shared configuration names in its `[[binds]]` section.
fn config_carrier_port(config: &str) -> u16 {
    let at = config.find("[[binds]]").unwrap();
    let line = config[at..]
        .lines()
        .find(|l| l.starts_with("port = "))
        .unwrap();
    line["port = ".len()..].trim().parse().unwrap()
}
