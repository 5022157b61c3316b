//! A raw SMPP client for the reliability tests: PDUs built by hand from the SMPP 3.4 field
//! tables (so a bug in our encoder cannot hide one in the gateway), plain blocking sockets,
//! and the gateway's process figures read from /proc.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

pub const BIND_TRANSMITTER: u32 = 0x0000_0002;
pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
pub const SUBMIT_SM: u32 = 0x0000_0004;
pub const DELIVER_SM: u32 = 0x0000_0005;
pub const UNBIND: u32 = 0x0000_0006;
pub const ENQUIRE_LINK: u32 = 0x0000_0015;
pub const GENERIC_NACK: u32 = 0x8000_0000;
pub const RESP: u32 = 0x8000_0000;

pub const ESME_ROK: u32 = 0x00;
pub const ESME_RINVBNDSTS: u32 = 0x04;
pub const ESME_RALYBND: u32 = 0x05;
pub const ESME_RBINDFAIL: u32 = 0x0D;
pub const ESME_RINVPASWD: u32 = 0x0E;
pub const ESME_RINVSYSID: u32 = 0x0F;
pub const ESME_RMSGQFUL: u32 = 0x14;
pub const ESME_RTHROTTLED: u32 = 0x58;

/// A PDU as it travelled: header words and the body octets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPdu {
    pub command_id: u32,
    pub status: u32,
    pub seq: u32,
    pub body: Vec<u8>,
}

impl RawPdu {
    /// The first C-string of the body (submit_sm_resp's message_id).
    pub fn first_cstring(&self) -> String {
        let end = self
            .body
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(self.body.len());
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }
}

/// What one read attempt found.
#[derive(Debug)]
pub enum Read1 {
    Pdu(RawPdu),
    Closed,
    TimedOut,
}

/// Header (command_length, command_id, command_status, sequence_number) plus body.
pub fn pdu(command_id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + body.len());
    out.extend_from_slice(&(16 + body.len() as u32).to_be_bytes());
    out.extend_from_slice(&command_id.to_be_bytes());
    out.extend_from_slice(&status.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A bind body: system_id, password, system_type "", interface_version 0x34, addr_ton 0,
/// addr_npi 0, address_range "".
pub fn bind_body(system_id: &str, password: &str) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(system_id.as_bytes());
    body.push(0);
    body.extend_from_slice(password.as_bytes());
    body.push(0);
    body.extend_from_slice(&[0, 0x34, 0, 0, 0]);
    body
}

/// A submit_sm body (SMPP 3.4 section 4.4.1) from `source` to `destination` with `text`,
/// data_coding 0, registered_delivery `receipt`.
pub fn submit_body(source: &str, destination: &str, text: &[u8], receipt: bool) -> Vec<u8> {
    let mut body = vec![0]; // service_type ""
    body.extend_from_slice(&[5, 0]); // source ton (alphanumeric), npi
    body.extend_from_slice(source.as_bytes());
    body.push(0);
    body.extend_from_slice(&[1, 1]); // dest ton, npi
    body.extend_from_slice(destination.as_bytes());
    body.push(0);
    body.extend_from_slice(&[0, 0, 0]); // esm_class, protocol_id, priority_flag
    body.extend_from_slice(&[0, 0]); // schedule_delivery_time "", validity_period ""
    body.push(u8::from(receipt)); // registered_delivery
    body.extend_from_slice(&[0, 0, 0]); // replace_if_present, data_coding, sm_default_msg_id
    body.push(text.len() as u8);
    body.extend_from_slice(text);
    body
}

/// One blocking connection speaking raw PDUs.
pub struct RawClient {
    pub stream: TcpStream,
    buf: Vec<u8>,
    next_seq: u32,
}

impl RawClient {
    /// Connects (retrying for up to 10 s while the gateway starts).
    pub fn connect(port: u16) -> RawClient {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(stream) => return RawClient::from_stream(stream),
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("cannot connect to {port}: {e}"),
            }
        }
    }

    pub fn from_stream(stream: TcpStream) -> RawClient {
        stream.set_nodelay(true).unwrap();
        RawClient {
            stream,
            buf: Vec::new(),
            next_seq: 1,
        }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    /// Sends a request and returns its sequence number.
    pub fn request(&mut self, command_id: u32, body: &[u8]) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.send(&pdu(command_id, 0, seq, body));
        seq
    }

    /// Reads one PDU, or reports EOF/reset, or gives up after `within`.
    pub fn read_pdu(&mut self, within: Duration) -> Read1 {
        let deadline = Instant::now() + within;
        loop {
            if self.buf.len() >= 16 {
                let len = u32::from_be_bytes(self.buf[0..4].try_into().unwrap()) as usize;
                assert!(len >= 16, "the gateway sent command_length {len}");
                if self.buf.len() >= len {
                    let word =
                        |i: usize| u32::from_be_bytes(self.buf[i..i + 4].try_into().unwrap());
                    let pdu = RawPdu {
                        command_id: word(4),
                        status: word(8),
                        seq: word(12),
                        body: self.buf[16..len].to_vec(),
                    };
                    self.buf.drain(..len);
                    return Read1::Pdu(pdu);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Read1::TimedOut;
            }
            self.stream
                .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                .unwrap();
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Read1::Closed,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return Read1::Closed,
            }
        }
    }

    /// Waits for the response to `seq`, answering deliver_sm and enquire_link meanwhile.
    pub fn response(&mut self, seq: u32, within: Duration) -> Option<RawPdu> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read_pdu(left) {
                Read1::Pdu(p) if p.seq == seq && p.command_id & RESP != 0 => return Some(p),
                Read1::Pdu(p) => self.answer(&p),
                Read1::Closed | Read1::TimedOut => return None,
            }
        }
    }

    /// Answers a request of the gateway's (deliver_sm, enquire_link, unbind) with ESME_ROK.
    pub fn answer(&mut self, p: &RawPdu) {
        if p.command_id & RESP != 0 {
            return;
        }
        let body: &[u8] = if p.command_id == DELIVER_SM {
            &[0]
        } else {
            &[]
        };
        self.send(&pdu(p.command_id | RESP, 0, p.seq, body));
    }

    /// Binds; returns the bind_resp status.
    pub fn bind(&mut self, command_id: u32, system_id: &str, password: &str) -> u32 {
        let seq = self.request(command_id, &bind_body(system_id, password));
        let resp = self
            .response(seq, Duration::from_secs(10))
            .expect("no bind_resp");
        assert_eq!(resp.command_id, command_id | RESP, "{resp:?}");
        resp.status
    }

    /// Waits until the gateway closes the connection (answering what it sends meanwhile);
    /// false if it is still open after `within`.
    pub fn wait_closed(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read_pdu(left) {
                Read1::Closed => return true,
                Read1::TimedOut => return false,
                Read1::Pdu(p) => self.answer(&p),
            }
        }
    }
}

/// Connects and binds the partner of the shared e2e configuration as a transceiver.
pub fn bound_partner(port: u16) -> RawClient {
    let mut client = RawClient::connect(port);
    let status = client.bind(BIND_TRANSCEIVER, "partner", "partner1");
    assert_eq!(status, ESME_ROK, "the good partner could not bind");
    client
}

/// One submit_sm from `MyBrand`; returns its response (status and message id).
pub fn submit_one(client: &mut RawClient, text: &[u8]) -> RawPdu {
    let seq = client.request(
        SUBMIT_SM,
        &submit_body("MyBrand", "61412345678", text, false),
    );
    client
        .response(seq, Duration::from_secs(20))
        .expect("no submit_sm_resp")
}

/// Resident set size of process `pid` in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Open file descriptors of process `pid`.
pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Whether process `pid` still runs (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.contains(") Z "))
        .unwrap_or(false)
}

/// A minimal HTTP/1.0 exchange: returns (status, body).
pub fn http(port: u16, request_head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => s,
        Err(_) => return (0, String::new()),
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(request_head.as_bytes());
    let _ = stream.write_all(body);
    // Read until the body announced by Content-Length is in (or EOF without one).
    let mut answer = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())
                    .flatten()
            });
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// `GET path` on the sidecar at `port`.
pub fn http_get(port: u16, path: &str) -> (u16, String) {
    http(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"),
        &[],
    )
}

/// The sum of a metric's samples whose line contains every one of `labels`.
pub fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name).is_some_and(|rest| {
                rest.starts_with('{') || rest.starts_with(' ') || rest.starts_with("_total")
            })
        })
        .filter(|l| labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum()
}

/// Turns on the metrics endpoint in an E2eConfig text; returns the text and its port.
pub fn with_metrics(toml: &str) -> (String, u16) {
    let marker = "[metrics]\nenabled = false\nport = ";
    let at = toml.find(marker).expect("no [metrics] section") + marker.len();
    let port: u16 = toml[at..]
        .lines()
        .next()
        .and_then(|p| p.trim().parse().ok())
        .expect("metrics port");
    let toml = toml.replace(
        "[metrics]\nenabled = false\n",
        "[metrics]\nenabled = true\nhost = \"127.0.0.1\"\n",
    );
    (toml, port)
}

/// Adds lines to the `[listen]` section of an E2eConfig text.
pub fn with_listen(toml: &str, lines: &str) -> String {
    toml.replace("[listen]\n", &format!("[listen]\n{lines}\n"))
}

/// Adds lines to the `[[server_binds]]` entry of an E2eConfig text.
pub fn with_server_bind(toml: &str, lines: &str) -> String {
    toml.replace(
        "[[server_binds]]\n",
        &format!("[[server_binds]]\n{lines}\n"),
    )
}

// Every test crate that has this module has `common` too: one poll helper for both.
pub use super::common::poll;

/// The core simulator's `GET /admin/stats`.
pub fn core_stats(core: &smpp_loadgen::core_sim::CoreSim) -> smpp_loadgen::core_sim::Stats {
    let (status, body) = http_get(core.addr().port(), "/admin/stats");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The core failure both fault suites script while a flood runs: the core answers until
/// `answered` reaches `first`, answers 503 until it reaches `second`, then refuses connections
/// for 1.5 s and answers again. Panics (with `log()`) when the flood stalls on the way.
pub fn fail_core_mid_flood(
    core: &smpp_loadgen::core_sim::CoreSim,
    answered: &std::sync::atomic::AtomicUsize,
    (first, second): (usize, usize),
    log: impl Fn() -> String,
) {
    use smpp_loadgen::core_sim::{FaultMode, FaultRequest};
    let reached = |n| {
        poll(Duration::from_secs(30), || {
            (answered.load(std::sync::atomic::Ordering::Relaxed) >= n).then_some(())
        })
    };
    assert!(reached(first).is_some(), "flood stalled:\n{}", log());
    core_fault(core, &FaultRequest::mode(FaultMode::Http503));
    assert!(
        reached(second).is_some(),
        "flood stalled under 503:\n{}",
        log()
    );
    core_fault(core, &FaultRequest::mode(FaultMode::Ok));
    let mut refuse = FaultRequest::mode(FaultMode::Refuse);
    refuse.for_ms = Some(1_500);
    core_fault(core, &refuse);
}

/// Arms (or with mode ok, clears) a fault of the core simulator.
pub fn core_fault(
    core: &smpp_loadgen::core_sim::CoreSim,
    fault: &smpp_loadgen::core_sim::FaultRequest,
) {
    let body = serde_json::to_vec(fault).unwrap();
    let head = format!(
        "POST /admin/faults HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let (status, answer) = http(core.addr().port(), &head, &body);
    assert!(
        (200..300).contains(&status),
        "fault {fault:?}: {status} {answer}"
    );
}
