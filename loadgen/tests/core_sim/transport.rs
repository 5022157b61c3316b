//! The simulator's HTTP/1.1 transport on the wire: many keep-alive connections opened at once,
//! requests split across reads, HTTP/1.0, and malformed or oversized requests.

use crate::util::start_default;
use core_api::paths;
use smpp_loadgen::core_sim::{CoreSim, SimConfig};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

fn connect(sim: &CoreSim) -> TcpStream {
    let stream = TcpStream::connect(sim.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream
}

/// Reads one answer (head and `Content-Length` body): status, head, body.
fn read_answer(stream: &mut TcpStream) -> (u16, String, String) {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("answer arrives");
        assert_eq!(
            n,
            1,
            "connection closed mid-answer: {:?}",
            String::from_utf8_lossy(&data)
        );
        data.push(byte[0]);
    }
    let head = String::from_utf8(data).unwrap();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .expect("Content-Length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    (status, head, String::from_utf8(body).unwrap())
}

fn health_request() -> String {
    format!("GET {} HTTP/1.1\r\nHost: sim\r\n\r\n", paths::HEALTH)
}

/// The gateway opens its whole pool at once; every connection must be served, not just the
/// first few (tiny_http's task pool could leave one unserved until another closed).
#[test]
fn sixteen_connections_opened_together_are_all_answered() {
    let sim = start_default();
    for round in 0..20 {
        let barrier = Arc::new(Barrier::new(16));
        let addr = sim.addr();
        let clients: Vec<_> = (0..16)
            .map(|_| {
                let barrier = barrier.clone();
                thread::spawn(move || {
                    barrier.wait();
                    let started = Instant::now();
                    let mut stream = TcpStream::connect(addr).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(2)))
                        .unwrap();
                    stream.write_all(health_request().as_bytes()).unwrap();
                    let (status, head, _) = read_answer(&mut stream);
                    assert_eq!(status, 200);
                    assert!(!head.contains("Connection: close"), "{head}");
                    // The connection stays usable.
                    stream.write_all(health_request().as_bytes()).unwrap();
                    assert_eq!(read_answer(&mut stream).0, 200);
                    // The stream goes back still open: a connection closing early would free
                    // a server thread and hide a connection left unserved.
                    (started.elapsed(), stream)
                })
            })
            .collect();
        let mut open = Vec::new();
        for client in clients {
            let (elapsed, stream) = client
                .join()
                .expect("every connection is answered within 2 s");
            assert!(
                elapsed < Duration::from_secs(2),
                "round {round}: {elapsed:?}"
            );
            open.push(stream);
        }
        drop(open);
    }
}

#[test]
fn a_request_split_across_slow_writes_and_a_pipelined_one_are_answered() {
    let sim = start_default();
    let mut stream = connect(&sim);
    let request = health_request();
    let (first, second) = request.split_at(10);
    stream.write_all(first.as_bytes()).unwrap();
    // Longer than the server's read poll: the partial request must survive it.
    thread::sleep(Duration::from_millis(300));
    stream.write_all(second.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    let two = format!("{request}{request}");
    stream.write_all(two.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    assert_eq!(read_answer(&mut stream).0, 200);
}

#[test]
fn http_1_0_and_connection_close_are_answered_then_closed() {
    let sim = start_default();
    for request in [
        format!("GET {} HTTP/1.0\r\n\r\n", paths::HEALTH),
        format!(
            "GET {} HTTP/1.1\r\nConnection: close\r\n\r\n",
            paths::HEALTH
        ),
    ] {
        let mut stream = connect(&sim);
        stream.write_all(request.as_bytes()).unwrap();
        let (status, head, _) = read_answer(&mut stream);
        assert_eq!(status, 200);
        assert!(head.contains("Connection: close"), "{head}");
        assert_eq!(
            stream.read(&mut [0u8; 1]).unwrap(),
            0,
            "closed after the answer"
        );
    }
    let mut stream = connect(&sim);
    let request = format!(
        "GET {} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        paths::HEALTH
    );
    stream.write_all(request.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
    stream.write_all(request.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
}

#[test]
fn bad_requests_get_an_error_and_a_close() {
    let sim = CoreSim::start(SimConfig {
        max_body_bytes: 1024,
        ..SimConfig::default()
    })
    .unwrap();
    let huge_header = format!(
        "GET {} HTTP/1.1\r\nX-Pad: {}\r\n\r\n",
        paths::HEALTH,
        "a".repeat(20 << 10)
    );
    let cases = [
        ("garbage\r\n\r\n".to_owned(), 400),
        ("GET / HTTP/1.1\r\nbroken header\r\n\r\n".to_owned(), 400),
        (huge_header, 431),
        (
            format!(
                "POST {} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                paths::MESSAGES
            ),
            411,
        ),
        (
            format!(
                "POST {} HTTP/1.1\r\nContent-Length: 4096\r\n\r\n{}",
                paths::MESSAGES,
                "x".repeat(4096)
            ),
            413,
        ),
    ];
    for (request, expected) in cases {
        let mut stream = connect(&sim);
        stream.write_all(request.as_bytes()).unwrap();
        let (status, head, body) = read_answer(&mut stream);
        assert_eq!(status, expected, "{body}");
        assert!(head.contains("Connection: close"), "{head}");
        assert!(body.contains("error"), "{body}");
        assert_eq!(
            stream.read(&mut [0u8; 1]).unwrap(),
            0,
            "closed after the answer"
        );
    }
    // The simulator still serves.
    let mut stream = connect(&sim);
    stream.write_all(health_request().as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 200);
}
