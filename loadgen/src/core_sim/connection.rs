//! One HTTP/1.1 connection: reads requests (request line, headers, `Content-Length` body) into
//! its own buffer, hands each to the dispatcher, writes the answer in one write, and keeps the
//! connection open until the peer closes it, asks to close, errs, or the listener stops.

use super::http::{dispatch, Method};
use super::reply::Reply;
use super::Shared;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Largest request line plus headers accepted.
pub(crate) const MAX_HEAD_BYTES: usize = 16 << 10;
/// Capacity a connection's read buffer keeps between requests.
const KEEP_BUFFER_BYTES: usize = 64 << 10;
/// How long a read blocks before the connection checks whether it must stop.
const READ_POLL: Duration = Duration::from_millis(100);
/// How long a connection closed after an error keeps draining what the client still sends,
/// so the client reads our answer instead of a reset.
const LINGER: Duration = Duration::from_millis(500);

/// A parsed request head; the body follows it in the buffer.
struct Head {
    method: Method,
    target: String,
    frontend: Option<String>,
    content_length: usize,
    keep_alive: bool,
    expect_continue: bool,
    head_len: usize,
}

/// What reading the next request gave.
enum Next {
    Request(Head),
    /// The peer closed, a read failed, or the listener stopped.
    Closed,
    /// The request is unacceptable: answer this and close.
    Reject(Reply),
}

/// Serves `stream` until it closes or `stop` is raised.
pub(crate) fn serve(mut stream: TcpStream, stop: &AtomicBool, shared: &Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    if stream.set_read_timeout(Some(READ_POLL)).is_err() {
        return;
    }
    let mut buffer: Vec<u8> = Vec::with_capacity(8 << 10);
    let mut out: Vec<u8> = Vec::with_capacity(8 << 10);
    loop {
        let head = match next_head(&mut stream, &mut buffer, stop) {
            Next::Request(head) => head,
            Next::Closed => return,
            Next::Reject(mut reply) => {
                reply.close = true;
                let _ = write_reply(&mut stream, &mut out, &reply);
                return linger(stream);
            }
        };
        if head.content_length > shared.max_body_bytes {
            let limit = shared.max_body_bytes;
            let mut reply = Reply::error(413, format!("body larger than {limit} bytes"));
            reply.close = true;
            let _ = write_reply(&mut stream, &mut out, &reply);
            return linger(stream);
        }
        let total = head.head_len.saturating_add(head.content_length);
        let must_continue = head.expect_continue && buffer.len() < total;
        if must_continue && stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").is_err() {
            return;
        }
        if !fill_to(&mut stream, &mut buffer, total, stop) {
            return;
        }
        let body = buffer.get(head.head_len..total).unwrap_or_default();
        let mut reply = dispatch(
            shared,
            &head.method,
            &head.target,
            head.frontend.as_deref(),
            body,
        );
        buffer.drain(..total.min(buffer.len()));
        // One huge body must not pin its memory for the connection's whole life.
        if buffer.is_empty() && buffer.capacity() > KEEP_BUFFER_BYTES {
            buffer.shrink_to(KEEP_BUFFER_BYTES);
        }
        reply.close |= !head.keep_alive || stop.load(Relaxed);
        if write_reply(&mut stream, &mut out, &reply).is_err() || reply.close {
            let _ = stream.shutdown(Shutdown::Write);
            return;
        }
    }
}

/// Reads until `buffer` holds a whole request head, and parses it.
fn next_head(stream: &mut TcpStream, buffer: &mut Vec<u8>, stop: &AtomicBool) -> Next {
    let mut searched = 0;
    loop {
        let found = find_head_end(buffer, searched);
        if found.unwrap_or(buffer.len()) > MAX_HEAD_BYTES {
            return Next::Reject(Reply::error(
                431,
                format!("request head larger than {MAX_HEAD_BYTES} bytes"),
            ));
        }
        if let Some(end) = found {
            return match parse_head(buffer.get(..end).unwrap_or_default()) {
                Ok(mut head) => {
                    head.head_len = end;
                    Next::Request(head)
                }
                Err(reply) => Next::Reject(reply),
            };
        }
        // A terminator may straddle two reads.
        searched = buffer.len().saturating_sub(3);
        // Between requests, stop at once; mid-request, stop too (the answer is lost anyway).
        match read_more(stream, buffer, stop) {
            Ok(true) => {}
            Ok(false) | Err(()) => return Next::Closed,
        }
    }
}

/// Reads until `buffer` holds `total` bytes; false if the connection ended first.
fn fill_to(stream: &mut TcpStream, buffer: &mut Vec<u8>, total: usize, stop: &AtomicBool) -> bool {
    while buffer.len() < total {
        match read_more(stream, buffer, stop) {
            Ok(true) => {}
            Ok(false) | Err(()) => return false,
        }
    }
    true
}

/// One read into `buffer`: `Ok(true)` if bytes arrived (or the poll timed out with `stop`
/// low, then it retries), `Ok(false)` at end of stream or when stopped, `Err` on a read error.
fn read_more(stream: &mut TcpStream, buffer: &mut Vec<u8>, stop: &AtomicBool) -> Result<bool, ()> {
    let mut chunk = [0u8; 8 << 10];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buffer.extend_from_slice(chunk.get(..n).unwrap_or_default());
                return Ok(true);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if stop.load(Relaxed) {
                    return Ok(false);
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return Err(()),
        }
    }
}

/// End of the head (just past the blank line), searching from `from`.
fn find_head_end(buffer: &[u8], from: usize) -> Option<usize> {
    buffer
        .get(from..)?
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| from + at + 4)
}

fn bad(reason: impl Into<String>) -> Reply {
    Reply::error(400, reason)
}

/// Parses the request line and headers (`head` ends with the blank line).
fn parse_head(head: &[u8]) -> Result<Head, Reply> {
    let text = std::str::from_utf8(head).map_err(|_| bad("request head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(bad("malformed method"));
    }
    if !target.starts_with('/') {
        return Err(bad("request target must start with /"));
    }
    let mut keep_alive = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        _ => {
            return Err(Reply::error(
                505,
                format!("unsupported version {version:?}"),
            ))
        }
    };
    let mut head = Head {
        method: Method::parse(method),
        target: target.to_owned(),
        frontend: None,
        content_length: 0,
        keep_alive,
        expect_continue: false,
        head_len: 0,
    };
    let mut content_length: Option<usize> = None;
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad(format!("malformed header line {line:?}")))?;
        if name.is_empty() || name.bytes().any(|b| b.is_ascii_whitespace()) {
            return Err(bad(format!("malformed header name {name:?}")));
        }
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            let length: usize = value
                .parse()
                .map_err(|_| bad(format!("invalid Content-Length {value:?}")))?;
            if content_length.is_some_and(|previous| previous != length) {
                return Err(bad("conflicting Content-Length headers"));
            }
            content_length = Some(length);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Reply::error(
                411,
                "Transfer-Encoding is not supported; send Content-Length",
            ));
        } else if name.eq_ignore_ascii_case("connection") {
            for token in value.split(',').map(str::trim) {
                if token.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if token.eq_ignore_ascii_case("keep-alive") {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("expect") {
            head.expect_continue = value.eq_ignore_ascii_case("100-continue");
        } else if name.eq_ignore_ascii_case(core_api::headers::X_FRONTEND) {
            head.frontend = Some(value.to_owned());
        }
    }
    head.content_length = content_length.unwrap_or(0);
    head.keep_alive = keep_alive;
    Ok(head)
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    }
}

/// Writes the status line, headers and body in one write.
fn write_reply(stream: &mut TcpStream, out: &mut Vec<u8>, reply: &Reply) -> std::io::Result<()> {
    out.clear();
    let connection = if reply.close { "close" } else { "keep-alive" };
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
        reply.status,
        reason(reply.status),
        core_api::headers::CONTENT_TYPE_JSON,
        reply.body.len(),
        connection
    );
    out.extend_from_slice(&reply.body);
    stream.write_all(out)?;
    stream.flush()
}

/// Closes after an error answer: stops writing, then reads and drops what the client still
/// sends for a moment, so closing with unread data does not reset the answer away.
fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut sink = [0u8; 8 << 10];
    while Instant::now() < deadline {
        match stream.read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Head, Reply> {
        parse_head(text.as_bytes())
    }

    fn ok(text: &str) -> Head {
        match parse(text) {
            Ok(head) => head,
            Err(reply) => panic!("{text:?} refused with {}", reply.status),
        }
    }

    #[test]
    fn heads_parse_with_keep_alive_rules() {
        let head =
            ok("POST /api/messages?x=1 HTTP/1.1\r\nX-Frontend: fe1\r\ncontent-length: 12\r\n\r\n");
        assert_eq!(head.method, Method::Post);
        assert_eq!(head.target, "/api/messages?x=1");
        assert_eq!(head.frontend.as_deref(), Some("fe1"));
        assert_eq!(head.content_length, 12);
        assert!(head.keep_alive);
        assert!(!ok("GET / HTTP/1.1\r\nConnection: close\r\n\r\n").keep_alive);
        assert!(!ok("GET / HTTP/1.0\r\n\r\n").keep_alive);
        assert!(ok("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keep_alive);
    }

    #[test]
    fn bad_heads_are_refused_with_the_right_status() {
        let status = |text: &str| parse(text).err().map(|r| r.status);
        assert_eq!(status("GET /\r\n\r\n"), Some(400));
        assert_eq!(status("GET x HTTP/1.1\r\n\r\n"), Some(400));
        assert_eq!(status("GET / HTTP/2.0\r\n\r\n"), Some(505));
        assert_eq!(status("GET / HTTP/1.1\r\nno colon\r\n\r\n"), Some(400));
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
            Some(400)
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            Some(400)
        );
        assert_eq!(
            status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Some(411)
        );
        assert_eq!(
            parse_head(b"GET /\xff HTTP/1.1\r\n\r\n")
                .err()
                .map(|r| r.status),
            Some(400)
        );
    }

    #[test]
    fn head_end_is_found_across_reads() {
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\nrest", 0), Some(18));
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r", 0), None);
        assert_eq!(find_head_end(b"GET / HTTP/1.1\r\n\r\n", 14), Some(18));
    }
}
