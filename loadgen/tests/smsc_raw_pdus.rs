//! The SMSC simulator driven by hand-built PDUs (field layouts from SMPP 3.4 sections 4.1,
//! 4.4 and 4.6), over real TCP: no encoder of ours is involved on the client side.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use smpp_loadgen::smsc::{SmscConfig, SmscSim};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const BIND_TRANSMITTER: u32 = 0x0000_0002;
const BIND_RECEIVER: u32 = 0x0000_0001;
const BIND_TRANSCEIVER: u32 = 0x0000_0009;
const SUBMIT_SM: u32 = 0x0000_0004;
const DELIVER_SM: u32 = 0x0000_0005;
const DELIVER_SM_RESP: u32 = 0x8000_0005;
const SUBMIT_SM_RESP: u32 = 0x8000_0004;
const UNBIND: u32 = 0x0000_0006;
const UNBIND_RESP: u32 = 0x8000_0006;

fn pdu(command_id: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(16 + body.len() as u32).to_be_bytes());
    out.extend_from_slice(&command_id.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn bind_body(system_id: &str, password: &str) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(system_id.as_bytes());
    b.push(0);
    b.extend_from_slice(password.as_bytes());
    b.push(0);
    b.push(0); // system_type ""
    b.push(0x34); // interface_version
    b.push(0); // addr_ton
    b.push(0); // addr_npi
    b.push(0); // address_range ""
    b
}

/// submit_sm from "MyBrand" (alphanumeric TON 5) to 447700900123, receipt requested, "hello".
fn submit_body() -> Vec<u8> {
    let mut b = vec![0]; // service_type
    b.extend_from_slice(&[5, 0]);
    b.extend_from_slice(b"MyBrand\0");
    b.extend_from_slice(&[1, 1]);
    b.extend_from_slice(b"447700900123\0");
    b.extend_from_slice(&[0, 0, 0]); // esm_class, protocol_id, priority_flag
    b.extend_from_slice(&[0, 0]); // schedule_delivery_time, validity_period
    b.extend_from_slice(&[1, 0, 0, 0]); // registered_delivery, replace, data_coding, default id
    b.push(5);
    b.extend_from_slice(b"hello");
    b
}

struct Frame {
    command_id: u32,
    status: u32,
    seq: u32,
    body: Vec<u8>,
}

fn read_frame(stream: &mut TcpStream) -> Frame {
    let mut header = [0u8; 16];
    stream.read_exact(&mut header).unwrap();
    let word = |i: usize| u32::from_be_bytes(header[i..i + 4].try_into().unwrap());
    let mut body = vec![0u8; word(0) as usize - 16];
    stream.read_exact(&mut body).unwrap();
    Frame {
        command_id: word(4),
        status: word(8),
        seq: word(12),
        body,
    }
}

fn connect(sim: &SmscSim) -> TcpStream {
    let stream = TcpStream::connect(sim.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream
}

fn bind(sim: &SmscSim, command_id: u32, password: &str) -> (TcpStream, Frame) {
    let mut stream = connect(sim);
    stream
        .write_all(&pdu(command_id, 1, &bind_body("acme", password)))
        .unwrap();
    let resp = read_frame(&mut stream);
    assert_eq!(resp.command_id, command_id | 0x8000_0000);
    assert_eq!(resp.seq, 1);
    (stream, resp)
}

/// Reads a C-octet string at `*at`, moving past its NUL.
fn c_string(body: &[u8], at: &mut usize) -> String {
    let end = *at + body[*at..].iter().position(|&b| b == 0).unwrap();
    let s = String::from_utf8(body[*at..end].to_vec()).unwrap();
    *at = end + 1;
    s
}

struct Deliver {
    source: String,
    destination: String,
    esm_class: u8,
    text: String,
    tlvs: Vec<(u16, Vec<u8>)>,
}

fn parse_deliver(body: &[u8]) -> Deliver {
    let mut at = 0;
    c_string(body, &mut at); // service_type
    at += 2;
    let source = c_string(body, &mut at);
    at += 2;
    let destination = c_string(body, &mut at);
    let esm_class = body[at];
    at += 3;
    c_string(body, &mut at);
    c_string(body, &mut at);
    at += 4; // registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    let len = body[at] as usize;
    at += 1;
    let text = String::from_utf8(body[at..at + len].to_vec()).unwrap();
    at += len;
    let mut tlvs = Vec::new();
    while at < body.len() {
        let tag = u16::from_be_bytes([body[at], body[at + 1]]);
        let len = u16::from_be_bytes([body[at + 2], body[at + 3]]) as usize;
        tlvs.push((tag, body[at + 4..at + 4 + len].to_vec()));
        at += 4 + len;
    }
    Deliver {
        source,
        destination,
        esm_class,
        text,
        tlvs,
    }
}

/// Reads the receipt deliver_sm, checks it reports `message_id`, and answers it.
fn expect_receipt(stream: &mut TcpStream, message_id: &str) {
    let frame = read_frame(stream);
    assert_eq!(frame.command_id, DELIVER_SM);
    let d = parse_deliver(&frame.body);
    assert_eq!(d.esm_class, 0x04, "SMSC delivery receipt");
    assert_eq!(d.source, "447700900123");
    assert_eq!(d.destination, "MyBrand");
    assert!(
        d.text
            .starts_with(&format!("id:{message_id} sub:001 dlvrd:001 submit date:")),
        "{}",
        d.text
    );
    assert!(
        d.text.ends_with(" stat:DELIVRD err:000 text:hello"),
        "{}",
        d.text
    );
    let mut with_nul = message_id.as_bytes().to_vec();
    with_nul.push(0);
    assert!(d.tlvs.contains(&(0x001E, with_nul)), "receipted_message_id");
    assert!(
        d.tlvs.contains(&(0x0427, vec![2])),
        "message_state DELIVERED"
    );
    stream
        .write_all(&pdu(DELIVER_SM_RESP, frame.seq, &[0]))
        .unwrap();
}

fn submit(stream: &mut TcpStream, seq: u32) -> String {
    stream
        .write_all(&pdu(SUBMIT_SM, seq, &submit_body()))
        .unwrap();
    let resp = read_frame(stream);
    assert_eq!(
        (resp.command_id, resp.status, resp.seq),
        (SUBMIT_SM_RESP, 0, seq)
    );
    let id = c_string(&resp.body, &mut 0);
    assert!(
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    id
}

fn unbind(stream: &mut TcpStream, seq: u32) {
    stream.write_all(&pdu(UNBIND, seq, &[])).unwrap();
    let resp = read_frame(stream);
    assert_eq!(
        (resp.command_id, resp.status, resp.seq),
        (UNBIND_RESP, 0, seq)
    );
}

fn sim_for_acme() -> SmscSim {
    SmscSim::start(SmscConfig {
        system_id: Some("acme".to_owned()),
        password: Some("pw".to_owned()),
        ..SmscConfig::default()
    })
    .unwrap()
}

#[test]
fn transceiver_bind_submit_receipt_unbind() {
    let sim = sim_for_acme();
    let (mut stream, resp) = bind(&sim, BIND_TRANSCEIVER, "pw");
    assert_eq!(resp.status, 0);
    assert!(resp.body.starts_with(b"SMSCSIM\0"));
    let first = submit(&mut stream, 2);
    expect_receipt(&mut stream, &first);
    let second = submit(&mut stream, 3);
    assert_ne!(first, second, "message ids are unique");
    expect_receipt(&mut stream, &second);
    unbind(&mut stream, 4);
    std::thread::sleep(Duration::from_millis(100));
    let stats = sim.shutdown();
    assert_eq!((stats.submits, stats.submits_ok), (2, 2));
    assert_eq!((stats.receipts_sent, stats.receipts_acked), (2, 2));
}

#[test]
fn receipts_of_a_transmitter_go_to_a_receiver_of_the_same_system_id() {
    let sim = sim_for_acme();
    let (mut receiver, resp) = bind(&sim, BIND_RECEIVER, "pw");
    assert_eq!(resp.status, 0);
    let (mut transmitter, resp) = bind(&sim, BIND_TRANSMITTER, "pw");
    assert_eq!(resp.status, 0);
    let id = submit(&mut transmitter, 2);
    expect_receipt(&mut receiver, &id);
    unbind(&mut transmitter, 3);
    unbind(&mut receiver, 2);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(sim.shutdown().receipts_acked, 1);
}

#[test]
fn a_wrong_password_gets_esme_rinvpaswd_and_the_connection_closes() {
    let sim = sim_for_acme();
    let (mut stream, resp) = bind(&sim, BIND_TRANSCEIVER, "nope");
    assert_eq!(resp.status, 0x0000_000E);
    let mut rest = Vec::new();
    assert_eq!(
        stream.read_to_end(&mut rest).unwrap(),
        0,
        "closed after the refusal"
    );
    assert_eq!(sim.shutdown().binds_rejected, 1);
}
