//! The HTTP side: a supervisor owns the listener, whose accept thread gives every connection
//! a thread of its own (see `connection`); a `refuse` fault makes it close the listener for a
//! while and bind it again.

use super::connection;
use super::reply::Reply;
use super::Shared;
use core_api::paths::split_target;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Most calls a `hang` fault holds at once; later ones get a 503.
const MAX_HANGING: usize = 1024;
/// Body of the `malformed_json` fault: valid as a start, never as a whole.
const MALFORMED: &[u8] = b"{\"id\":\"0\",\"status\":[";

/// Commands to the supervisor.
pub(crate) enum Control {
    /// Close the listener for this many milliseconds, then listen again.
    Refuse(u64),
    /// Stop for good.
    Shutdown,
}

/// An HTTP request method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Put,
    Delete,
    Head,
    Patch,
    Options,
    /// Any other token, as sent.
    Other(String),
}

impl Method {
    /// The method named by a request line's first token.
    pub(crate) fn parse(token: &str) -> Method {
        match token {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "HEAD" => Method::Head,
            "PATCH" => Method::Patch,
            "OPTIONS" => Method::Options,
            other => Method::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Options => "OPTIONS",
            Method::Other(token) => token,
        })
    }
}

/// One call, as the handlers see it.
pub(crate) struct Call<'a> {
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) body: &'a [u8],
    /// The `X-Frontend` header.
    pub(crate) frontend: Option<&'a str>,
    pub(crate) now_ms: i64,
}

/// Runs listener generations until told to shut down.
pub(crate) fn supervise(
    shared: Arc<Shared>,
    listener: TcpListener,
    addr: SocketAddr,
    commands: Receiver<Control>,
) {
    let mut next = Some(listener);
    while let Some(listener) = next.take() {
        let generation = Generation::start(listener, addr, &shared);
        let command = commands.recv().unwrap_or(Control::Shutdown);
        generation.stop();
        match command {
            Control::Shutdown => return,
            Control::Refuse(ms) => {
                match commands.recv_timeout(Duration::from_millis(ms)) {
                    Ok(Control::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
                    Ok(Control::Refuse(_)) | Err(RecvTimeoutError::Timeout) => {}
                }
                next = rebind(addr);
            }
        }
    }
}

/// Binds the listener.
pub(crate) fn listen(addr: impl ToSocketAddrs) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr)
}

/// Binds `addr` again; the old accept thread may hold it for a moment.
fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match listen(addr) {
            Ok(listener) => return Some(listener),
            Err(e) if Instant::now() >= deadline => {
                eprintln!("core simulator: cannot listen on {addr} again: {e}");
                return None;
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A listener's accept thread; its connections share its stop flag.
struct Generation {
    stop: Arc<AtomicBool>,
    /// Where a connection wakes the blocked accept thread.
    wake: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
}

impl Generation {
    fn start(listener: TcpListener, addr: SocketAddr, shared: &Arc<Shared>) -> Generation {
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, shared) = (stop.clone(), shared.clone());
        let acceptor = thread::Builder::new()
            .name("core-sim-accept".into())
            .spawn(move || accept(&listener, &flag, &shared))
            .map_err(|e| eprintln!("core simulator: cannot start the accept thread: {e}"))
            .ok();
        Generation {
            stop,
            wake: wake_address(addr),
            acceptor,
        }
    }

    /// Closes the listener; connections finish the call they are in, then close.
    fn stop(mut self) {
        self.stop.store(true, Relaxed);
        if let Some(acceptor) = self.acceptor.take() {
            // The accept thread sees the flag once a connection arrives; make one.
            let woken = TcpStream::connect_timeout(&self.wake, Duration::from_secs(2)).is_ok();
            if woken {
                let _ = acceptor.join();
            }
        }
    }
}

/// The address a local client reaches a listener bound to `addr` at.
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// Accepts until stopped, one thread per connection. Dropping the listener on return closes it.
fn accept(listener: &TcpListener, stop: &Arc<AtomicBool>, shared: &Arc<Shared>) {
    loop {
        let accepted = listener.accept();
        if stop.load(Relaxed) {
            return;
        }
        match accepted {
            Ok((stream, _)) => {
                let (stop, shared) = (stop.clone(), shared.clone());
                let spawned = thread::Builder::new()
                    .name("core-sim-conn".into())
                    .spawn(move || connection::serve(stream, &stop, &shared));
                if let Err(e) = spawned {
                    eprintln!("core simulator: cannot start a connection thread: {e}");
                }
            }
            // Out of descriptors and the like: back off rather than spin.
            Err(_) => thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// Runs one request: the fault, if any, then the handler.
pub(crate) fn dispatch(
    shared: &Arc<Shared>,
    method: &Method,
    target: &str,
    frontend: Option<&str>,
    body: &[u8],
) -> Reply {
    let (path, query) = split_target(target);
    let call = Call {
        method,
        path,
        query,
        body,
        frontend,
        now_ms: 0,
    };
    handle(shared, call)
}

/// Applies any fault, then processes the call.
fn handle(shared: &Arc<Shared>, call: Call<'_>) -> Reply {
    if call.path.starts_with("/api/") {
        use super::faults::Decision;
        match shared.faults.decide(call.path) {
            Decision::Proceed => {}
            Decision::Status(status) => return Reply::error(status, "fault injected"),
            Decision::Malformed => {
                return Reply {
                    status: 200,
                    body: MALFORMED.to_vec(),
                    close: false,
                }
            }
            Decision::Hang(ms) => return hang(shared, call, ms),
        }
    }
    process(shared, call)
}

/// Holds the call, then processes it. Only this connection waits: every connection has its
/// own thread, so other calls (and admin) go on.
fn hang(shared: &Arc<Shared>, call: Call<'_>, ms: u64) -> Reply {
    if shared.hanging.fetch_add(1, Relaxed) >= MAX_HANGING {
        shared.hanging.fetch_sub(1, Relaxed);
        return Reply::error(503, "fault injected (too many hanging calls)");
    }
    thread::sleep(Duration::from_millis(ms));
    let reply = process(shared, call);
    shared.hanging.fetch_sub(1, Relaxed);
    reply
}

/// Dispatches to the admin or the contract handlers.
fn process(shared: &Shared, mut call: Call<'_>) -> Reply {
    call.now_ms = core_api::rfc3339::now_millis();
    if call.path.starts_with("/admin/") {
        super::admin::handle(shared, &call)
    } else {
        super::api::handle(shared, &call)
    }
}
