//! Small pieces both HTTP servers share: the listener, answers with headers, capped bodies.

use std::io::Read;
use std::net::{SocketAddr, TcpListener};

use tiny_http::{Header, Request, Response, Server};

/// Binds a listener whose accepted sockets have Nagle's algorithm off (Linux copies
/// TCP_NODELAY to accepted sockets): tiny_http writes headers and body separately, and with
/// Nagle on the body would wait for the client's delayed ACK.
pub(crate) fn listen(addr: SocketAddr) -> std::io::Result<Server> {
    let listener = TcpListener::bind(addr)?;
    let socket = socket2::Socket::from(listener);
    socket.set_tcp_nodelay(true)?;
    Server::from_listener(TcpListener::from(socket), None).map_err(std::io::Error::other)
}

/// The address a server actually bound.
pub(crate) fn bound_addr(server: &Server) -> std::io::Result<SocketAddr> {
    server
        .server_addr()
        .to_ip()
        .ok_or_else(|| std::io::Error::other("listener has no IP address"))
}

pub(crate) fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

/// Answers with `body` and the given headers (plus `Cache-Control: no-store`).
pub(crate) fn reply(
    request: Request,
    status: u16,
    content_type: &str,
    body: Vec<u8>,
    extra: &[(&str, &str)],
) {
    // A Content-Length rather than tiny_http's chunking of bodies over 32 KiB: every answer is
    // complete in memory already, and simple clients (and load balancers) read it directly.
    let mut response = Response::from_data(body)
        .with_status_code(status)
        .with_chunked_threshold(usize::MAX);
    for (name, value) in [
        ("Content-Type", content_type),
        ("Cache-Control", "no-store"),
    ]
    .iter()
    .chain(extra)
    {
        if let Some(header) = header(name, value) {
            response.add_header(header);
        }
    }
    if let Err(error) = request.respond(response) {
        log::debug!("http client went away: {error}");
    }
}

/// Answers with a JSON body.
pub(crate) fn reply_json(
    request: Request,
    status: u16,
    body: &serde_json::Value,
    extra: &[(&str, &str)],
) {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    reply(request, status, "application/json", bytes, extra);
}

/// Reads the body if it is at most `limit` bytes; `None` when it is larger or unreadable.
pub(crate) fn read_body(request: &mut Request, limit: usize) -> Option<Vec<u8>> {
    if request.body_length().is_some_and(|length| length > limit) {
        return None;
    }
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut body = Vec::new();
    match request.as_reader().take(cap).read_to_end(&mut body) {
        Ok(read) if read <= limit => Some(body),
        _ => None,
    }
}

/// The value of a request header.
pub(crate) fn request_header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Decodes `%XX` escapes and, for form bodies, `+` as a space. Invalid escapes stay as they are.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `key` in a query string or form body (`a=1&b=2`).
pub(crate) fn form_value(form: &str, key: &str) -> Option<String> {
    form.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(k, true) == key).then(|| percent_decode(v, true))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_and_escapes() {
        assert_eq!(percent_decode("a%20b+c", true), "a b c");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("100%", true), "100%");
        assert_eq!(percent_decode("%zz%4", true), "%zz%4");
        assert_eq!(percent_decode("%C3%A9", false), "é");
        let form = "user=x&token=s%26cret%3D1&empty";
        assert_eq!(form_value(form, "token").as_deref(), Some("s&cret=1"));
        assert_eq!(form_value(form, "empty").as_deref(), Some(""));
        assert_eq!(form_value(form, "missing"), None);
    }
}
