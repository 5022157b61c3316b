//! Abuse of the SMPP listener over TCP, against the real binary: hostile bytes, impossible
//! command_lengths, connections that never bind, requests out of state, a connection flood
//! beyond `listen.max_connections`, a wrong-password bind storm and a partner far above its
//! TPS. After each, the gateway must still be alive and serving a well-behaved partner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod raw;

use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{free_port, E2eConfig, GatewayProcess};
use raw::*;
use smpp_loadgen::core_sim::{CoreSim, SimConfig};

struct Setup {
    core: CoreSim,
    gateway: GatewayProcess,
    port: u16,
    metrics: u16,
}

/// Core simulator, a carrier port nobody answers (carrier traffic is not under test here) and
/// the gateway with metrics on; `edit` may change the configuration text.
fn start(name: &str, edit: impl FnOnce(String) -> String) -> Setup {
    let core = CoreSim::start(SimConfig::default()).unwrap();
    let port = free_port();
    let toml = E2eConfig {
        api: &core.base_url(),
        carrier_port: free_port(),
        listen_port: port,
        smsc_name: "smpp_abuse",
        server_bind: "partner_abuse",
        source_whitelist: &["MyBrand"],
        extra: "",
    }
    .toml();
    let (toml, metrics) = with_metrics(&toml);
    let gateway = GatewayProcess::start(name, &edit(toml));
    gateway.wait_for_port(port, Duration::from_secs(20));
    Setup {
        core,
        gateway,
        port,
        metrics,
    }
}

impl Setup {
    /// A well-behaved partner still binds and gets a message accepted; no panic was logged.
    fn assert_still_serving(&self) {
        assert!(
            alive(self.gateway.pid()),
            "gateway died:\n{}",
            self.gateway.log()
        );
        let mut partner = bound_partner(self.port);
        // A flood just before may have emptied the bind's TPS bucket: 0x58 for a moment.
        let resp = poll(Duration::from_secs(5), || {
            Some(submit_one(&mut partner, b"still here")).filter(|r| r.status != ESME_RTHROTTLED)
        })
        .expect("throttled for 5 s");
        assert_eq!(resp.status, ESME_ROK, "{resp:?}");
        assert!(!resp.first_cstring().is_empty());
        assert!(
            !self.gateway.log().contains("panicked"),
            "{}",
            self.gateway.log()
        );
    }

    fn metrics_text(&self) -> String {
        let (status, body) = http_get(self.metrics, "/metrics");
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// Whether a fresh connection binds the test partner with ESME_ROK within `within`.
fn good_bind_within(port: u16, within: Duration) -> Option<RawPdu> {
    poll(within, || {
        let mut c = RawClient::connect(port);
        let seq = c.request(BIND_TRANSCEIVER, &bind_body("partner", "partner1"));
        c.response(seq, Duration::from_secs(2))
            .filter(|r| r.status == ESME_ROK)
    })
}

/// A deterministic stream of noise (xorshift), so a failure replays.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

#[test]
fn hostile_bytes_get_a_nack_or_a_close_and_the_gateway_keeps_serving() {
    let setup = start("abuse-bytes", |t| t);
    let header = |len: u32| {
        let mut header = pdu(SUBMIT_SM, 0, 1, &[]);
        header[..4].copy_from_slice(&len.to_be_bytes());
        header
    };
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("noise", noise(4096, 0x9E37_79B9_7F4A_7C15)),
        ("command_length 0", header(0)),
        ("command_length 15", header(15)),
        ("command_length 2^31", header(1 << 31)),
        ("command_length u32::MAX", header(u32::MAX)),
    ];
    for (name, bytes) in cases {
        let mut client = RawClient::connect(setup.port);
        client.send(&bytes);
        let started = Instant::now();
        let mut answers = Vec::new();
        let closed = loop {
            match client.read_pdu(Duration::from_secs(5)) {
                Read1::Pdu(p) => answers.push(p),
                Read1::Closed => break true,
                Read1::TimedOut => break false,
            }
        };
        assert!(closed, "{name}: still open after 5 s, answers {answers:?}");
        assert!(
            answers
                .iter()
                .all(|p| p.command_id == GENERIC_NACK || p.command_id & RESP != 0),
            "{name}: {answers:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{name}");
        if name.starts_with("command_length") {
            let nack = answers
                .first()
                .unwrap_or_else(|| panic!("{name}: no generic_nack"));
            assert_eq!(nack.command_id, GENERIC_NACK, "{name}: {nack:?}");
            assert_ne!(nack.status, ESME_ROK, "{name}: {nack:?}");
        }
    }
    // Noise after a good bind: the bound session ends the same way, others go on.
    let mut bound = bound_partner(setup.port);
    bound.send(&noise(2048, 7));
    assert!(bound.wait_closed(Duration::from_secs(5)));
    setup.assert_still_serving();
}

#[test]
fn connections_that_never_bind_are_closed_after_the_bind_timeout() {
    let setup = start("abuse-slowloris", |t| with_listen(&t, "bind_timeout = 1"));
    let opened = Instant::now();
    let mut silent = RawClient::connect(setup.port);
    let mut header_only = RawClient::connect(setup.port);
    // A header announcing 100 octets, of which only the first 8 ever come.
    header_only.send(&pdu(BIND_TRANSCEIVER, 0, 1, &[0; 84])[..8]);
    let mut trickle = RawClient::connect(setup.port);
    let bind = pdu(BIND_TRANSCEIVER, 0, 1, &bind_body("partner", "partner1"));
    // One octet every 200 ms: the bind would complete after ~7 s, past the timeout.
    let mut trickle_closed = None;
    for octet in &bind {
        trickle.send(std::slice::from_ref(octet));
        if let Read1::Closed = trickle.read_pdu(Duration::from_millis(200)) {
            trickle_closed = Some(opened.elapsed());
            break;
        }
    }
    let trickle_closed = trickle_closed.expect("the trickling connection was never closed");
    assert!(
        silent.wait_closed(Duration::from_secs(5)),
        "silent connection open"
    );
    assert!(
        header_only.wait_closed(Duration::from_secs(5)),
        "partial PDU open"
    );
    let silent_closed = opened.elapsed();
    assert!(
        trickle_closed >= Duration::from_millis(900) && trickle_closed < Duration::from_secs(4),
        "trickle closed after {trickle_closed:?}"
    );
    assert!(silent_closed < Duration::from_secs(5), "{silent_closed:?}");
    setup.assert_still_serving();
}

#[test]
fn requests_before_bind_and_a_second_bind_are_refused() {
    let setup = start("abuse-state", |t| t);
    let mut client = RawClient::connect(setup.port);
    let seq = client.request(SUBMIT_SM, &submit_body("MyBrand", "614", b"early", false));
    let resp = client
        .response(seq, Duration::from_secs(5))
        .expect("no answer");
    assert_eq!(
        (resp.command_id, resp.status),
        (SUBMIT_SM | RESP, ESME_RINVBNDSTS)
    );
    // enquire_link is answered in every state.
    let seq = client.request(ENQUIRE_LINK, &[]);
    let resp = client
        .response(seq, Duration::from_secs(5))
        .expect("no answer");
    assert_eq!(
        (resp.command_id, resp.status),
        (ENQUIRE_LINK | RESP, ESME_ROK)
    );

    assert_eq!(
        client.bind(BIND_TRANSCEIVER, "partner", "partner1"),
        ESME_ROK
    );
    assert_eq!(
        client.bind(BIND_TRANSMITTER, "partner", "partner1"),
        ESME_RALYBND
    );
    // The first bind still stands.
    let resp = submit_one(&mut client, b"after the second bind");
    assert_eq!(resp.status, ESME_ROK, "{resp:?}");
    let seq = client.request(UNBIND, &[]);
    let resp = client
        .response(seq, Duration::from_secs(5))
        .expect("no unbind_resp");
    assert_eq!((resp.command_id, resp.status), (UNBIND | RESP, ESME_ROK));
    assert!(client.wait_closed(Duration::from_secs(5)));
    setup.assert_still_serving();
}

#[test]
fn a_connection_flood_beyond_max_connections_is_refused_and_counted() {
    const FLOOD: usize = 10_000;
    const MAX: usize = 100;
    // The test holds every connection open at once: raise the soft fd limit to the hard one
    // (the gateway child inherits it).
    let (soft, hard) = rlimit::Resource::NOFILE.get().unwrap();
    let needed = (FLOOD + 1_000) as u64;
    assert!(
        hard >= needed,
        "RLIMIT_NOFILE hard limit {hard} is below the {needed} fds this test needs for \
         {FLOOD} connections at once; raise it (ulimit -Hn) on this machine"
    );
    if soft < needed {
        rlimit::Resource::NOFILE.set(hard, hard).unwrap();
    }
    let setup = start("abuse-flood", |t| {
        with_listen(&t, &format!("max_connections = {MAX}"))
    });
    let pid = setup.gateway.pid();
    let fds_before = fd_count(pid);
    let started = Instant::now();
    let mut conns = Vec::with_capacity(FLOOD);
    let mut connect_failed = 0;
    for _ in 0..FLOOD {
        match TcpStream::connect_timeout(
            &([127, 0, 0, 1], setup.port).into(),
            Duration::from_secs(2),
        ) {
            Ok(stream) => conns.push(RawClient::from_stream(stream)),
            Err(_) => connect_failed += 1,
        }
    }
    // Sweep until every connection the gateway refused shows EOF.
    let mut open: Vec<RawClient> = conns;
    let mut refused = connect_failed;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && refused < FLOOD - MAX {
        let mut still = Vec::with_capacity(open.len());
        for mut c in open {
            match c.read_pdu(Duration::from_millis(1)) {
                Read1::Closed => refused += 1,
                _ => still.push(c),
            }
        }
        open = still;
    }
    assert!(
        refused >= FLOOD - MAX,
        "only {refused} of {FLOOD} refused ({connect_failed} at connect) after {:?}",
        started.elapsed()
    );
    assert!(open.len() <= MAX, "{} connections open", open.len());
    let counted = metric(
        &setup.metrics_text(),
        "smpp_listener_connections_refused",
        &["reason=\"max_connections\""],
    );
    assert!(
        counted >= (FLOOD - MAX - connect_failed) as f64,
        "metric counts {counted} refusals, {refused} seen"
    );
    eprintln!(
        "RESULT connection flood: {FLOOD} connections, max {MAX}: refused {refused} ({connect_failed} \
         at connect), open {}, metric {counted}, fds before {fds_before}, took {:?}",
        open.len(),
        started.elapsed()
    );
    // Let the accepted ones go: their slots come back and a partner binds again.
    drop(open);
    let served = good_bind_within(setup.port, Duration::from_secs(15));
    assert!(
        served.is_some(),
        "no bind after the flood:\n{}",
        setup.gateway.log()
    );
    setup.assert_still_serving();
    let fds_after = poll(Duration::from_secs(10), || {
        let n = fd_count(pid);
        (n <= fds_before + 10).then_some(n)
    });
    assert!(fds_after.is_some(), "fds {fds_before} -> {}", fd_count(pid));
    eprintln!(
        "RESULT connection flood fds: gateway before {fds_before}, after {}; whole test {:?}",
        fds_after.unwrap_or_default(),
        started.elapsed()
    );
}

#[test]
fn a_wrong_password_bind_storm_is_refused_counted_and_not_logged_line_by_line() {
    const STORM: usize = 300;
    let setup = start("abuse-storm", |t| t);
    let started = Instant::now();
    for i in 0..STORM {
        let mut c = RawClient::connect(setup.port);
        let status = c.bind(BIND_TRANSCEIVER, "partner", &format!("guess{i}"));
        assert_eq!(status, ESME_RINVPASWD, "attempt {i}");
        assert!(
            c.wait_closed(Duration::from_secs(5)),
            "attempt {i} left open"
        );
    }
    let storm_time = started.elapsed();
    let counted = metric(
        &setup.metrics_text(),
        "smpp_listener_connections_refused",
        &["reason=\"bind\""],
    );
    assert_eq!(counted, STORM as f64);
    let failures = metric(
        &setup.metrics_text(),
        "smpp_bind_failures",
        &["bind_name=\"partner_abuse\""],
    );
    assert_eq!(failures, STORM as f64, "per-bind failure counter");
    let log = setup.gateway.log();
    let lines = log
        .lines()
        .filter(|l| l.contains("Refused transceiver"))
        .count();
    // 10 lines per calendar second at most, plus one reporting what was suppressed; a storm
    // shorter than a second can still straddle two seconds.
    let allowed = 10 * (storm_time.as_secs() as usize + 2) + 2;
    assert!(
        lines <= allowed && lines < STORM,
        "{lines} refusal lines for {STORM} attempts in {storm_time:?}"
    );
    assert!(!log.contains("guess1"), "a tried password reached the log");
    // No lockout by default (`bind_failure_limit = 0`): the series exist and stay at 0, and
    // the partner below still binds from the very address that failed 300 times.
    let text = setup.metrics_text();
    assert!(text.contains("smpp_listener_lockouts_total"), "{text}");
    assert!(text.contains("reason=\"locked_out\""), "{text}");
    assert_eq!(metric(&text, "smpp_listener_lockouts", &[]), 0.0);
    assert_eq!(
        metric(
            &text,
            "smpp_listener_connections_refused",
            &["reason=\"locked_out\""]
        ),
        0.0
    );
    eprintln!(
        "RESULT bind storm: {STORM} wrong passwords in {storm_time:?}: metric {counted}, \
         bind failures {failures}, log lines {lines}"
    );
    setup.assert_still_serving();
}

#[test]
fn failed_binds_past_the_limit_lock_the_address_out_for_the_lockout_duration() {
    const LIMIT: usize = 5;
    let setup = start("abuse-lockout", |t| {
        with_listen(
            &t,
            &format!(
                "bind_failure_limit = {LIMIT}\nbind_failure_window = 60\nlockout_duration = 3"
            ),
        )
    });
    // Present from the start, at 0 (the metrics endpoint may come up after the SMPP port).
    let text = poll(Duration::from_secs(10), || {
        let (status, body) = http_get(setup.metrics, "/metrics");
        (status == 200).then_some(body)
    })
    .expect("no /metrics");
    assert!(text.contains("smpp_listener_lockouts_total"), "{text}");
    assert_eq!(metric(&text, "smpp_listener_lockouts", &[]), 0.0, "{text}");
    // LIMIT - 1 wrong passwords and one unknown system_id from 127.0.0.1.
    for i in 0..LIMIT {
        let mut c = RawClient::connect(setup.port);
        let (system_id, expected) = if i == 0 {
            ("nobody", ESME_RINVSYSID)
        } else {
            ("partner", ESME_RINVPASWD)
        };
        assert_eq!(
            c.bind(BIND_TRANSCEIVER, system_id, &format!("guess{i}")),
            expected,
            "attempt {i}"
        );
        assert!(
            c.wait_closed(Duration::from_secs(5)),
            "attempt {i} left open"
        );
    }
    let locked_at = Instant::now();
    // Now even the right password gets no answer: the connection is closed at accept.
    let mut refused = 0;
    for _ in 0..3 {
        let mut c = RawClient::connect(setup.port);
        c.request(BIND_TRANSCEIVER, &bind_body("partner", "partner1"));
        match c.read_pdu(Duration::from_secs(2)) {
            Read1::Closed => refused += 1,
            Read1::Pdu(p) => panic!("a locked-out address got {p:?}"),
            Read1::TimedOut => panic!("a locked-out address was left open"),
        }
    }
    let text = setup.metrics_text();
    let lockouts = metric(&text, "smpp_listener_lockouts", &[]);
    let counted = metric(
        &text,
        "smpp_listener_connections_refused",
        &["reason=\"locked_out\""],
    );
    assert_eq!(lockouts, 1.0, "{text}");
    assert_eq!(counted, 3.0, "{text}");
    assert_eq!(
        metric(
            &text,
            "smpp_listener_connections_refused",
            &["reason=\"bind\""]
        ),
        LIMIT as f64
    );
    let log = setup.gateway.log();
    assert!(
        log.contains("Locked out 127.0.0.1 for 3 s: 5 failed binds within 60 s"),
        "{log}"
    );
    assert!(
        log.contains("address locked out after failed binds"),
        "{log}"
    );
    // After lockout_duration the address is served again.
    let served = good_bind_within(setup.port, Duration::from_secs(15));
    assert!(
        served.is_some(),
        "still locked out:\n{}",
        setup.gateway.log()
    );
    eprintln!(
        "RESULT lockout: limit {LIMIT}, window 60 s, duration 3 s: lockouts {lockouts}, \
         refused at accept {refused} (metric {counted}), served again after {:?}",
        locked_at.elapsed()
    );
    setup.assert_still_serving();
}

#[test]
fn a_partner_ten_times_over_its_tps_is_throttled_without_memory_growth() {
    const TPS: u64 = 50;
    const SECS: u64 = 4;
    let setup = start("abuse-tps", |t| {
        with_server_bind(&t, &format!("tps_limit = {TPS}"))
    });
    let pid = setup.gateway.pid();
    let mut partner = bound_partner(setup.port);
    // Warm up so the baseline RSS includes the session and the pool.
    assert_eq!(submit_one(&mut partner, b"warm").status, ESME_ROK);
    let rss_before = rss_kib(pid);

    let mut reader = RawClient::from_stream(partner.stream.try_clone().unwrap());
    let total = (TPS * 10 * SECS) as usize;
    let counter = std::thread::spawn(move || {
        let mut ok = 0usize;
        let mut throttled = 0usize;
        let mut other = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(SECS + 20);
        while ok + throttled + other.len() < total && Instant::now() < deadline {
            match reader.read_pdu(Duration::from_millis(200)) {
                Read1::Pdu(p) if p.command_id == SUBMIT_SM | RESP => match p.status {
                    ESME_ROK => ok += 1,
                    ESME_RTHROTTLED => throttled += 1,
                    s => other.push(s),
                },
                Read1::Pdu(p) => reader.answer(&p),
                Read1::Closed => break,
                Read1::TimedOut => {}
            }
        }
        (ok, throttled, other)
    });
    let started = Instant::now();
    for i in 0..total {
        let due = started + Duration::from_micros(1_000_000 / (TPS * 10) * i as u64);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        partner.request(
            SUBMIT_SM,
            &submit_body("MyBrand", "61412345678", b"flood", false),
        );
    }
    let (ok, throttled, other) = counter.join().unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    assert!(other.is_empty(), "unexpected statuses {other:?}");
    assert_eq!(ok + throttled, total, "answers missing");
    // The bucket lets through its rate over the run plus at most one second's burst.
    let ceiling = (TPS as f64 * (elapsed + 2.0)) as usize;
    assert!(
        ok <= ceiling,
        "{ok} accepted in {elapsed:.1} s at tps {TPS}"
    );
    assert!(ok >= (TPS * (SECS - 1)) as usize, "only {ok} accepted");
    assert!(throttled >= total / 2, "only {throttled} throttled");
    // Every accepted message is at the core, no throttled one is.
    let stats = core_stats(&setup.core);
    assert_eq!(stats.inserted as usize, ok + 1, "{stats:?}");
    let rss_after = rss_kib(pid);
    eprintln!(
        "RESULT tps 10x: {total} submits at {}/s for tps {TPS}: ok {ok} throttled {throttled} \
         at_core {} RSS {rss_before} -> {rss_after} KiB",
        TPS * 10,
        stats.inserted
    );
    assert!(
        rss_after < rss_before + 20 * 1024,
        "RSS grew {rss_before} -> {rss_after} KiB"
    );
    setup.assert_still_serving();
}
