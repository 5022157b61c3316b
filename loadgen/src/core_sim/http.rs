//! The HTTP side: a supervisor owns the tiny_http listener and a few worker threads; a
//! `refuse` fault makes it close the listener for a while and bind it again.

use super::reply::Reply;
use super::Shared;
use core_api::paths::split_target;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use tiny_http::{Header, Method, Request, Response, Server};

/// Most calls a `hang` fault holds at once; later ones get a 503.
const MAX_HANGING: usize = 1024;
/// How long a worker blocks before checking whether it must stop.
const POLL: Duration = Duration::from_millis(50);
/// Body of the `malformed_json` fault: valid as a start, never as a whole.
const MALFORMED: &[u8] = b"{\"id\":\"0\",\"status\":[";

/// Commands to the supervisor.
pub(crate) enum Control {
    /// Close the listener for this many milliseconds, then listen again.
    Refuse(u64),
    /// Stop for good.
    Shutdown,
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
    server: Server,
    addr: SocketAddr,
    workers: usize,
    commands: Receiver<Control>,
) {
    let mut next = Some(server);
    while let Some(server) = next.take() {
        let generation = Generation::start(server, workers, &shared);
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

/// Binds a listener whose accepted connections have Nagle's algorithm off (Linux copies
/// TCP_NODELAY to accepted sockets). tiny_http writes the headers and then the body of a
/// response in separate writes; with Nagle on, the body waits for the client's delayed ACK
/// of the headers (about 40 ms on every answer over 1 KiB).
pub(crate) fn listen(addr: impl ToSocketAddrs) -> std::io::Result<Server> {
    let listener = TcpListener::bind(addr)?;
    let socket = socket2::Socket::from(listener);
    socket.set_tcp_nodelay(true)?;
    Server::from_listener(TcpListener::from(socket), None).map_err(std::io::Error::other)
}

/// Binds `addr` again; the old accept thread may hold it for a moment.
fn rebind(addr: SocketAddr) -> Option<Server> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match listen(addr) {
            Ok(server) => return Some(server),
            Err(e) if Instant::now() >= deadline => {
                eprintln!("core simulator: cannot listen on {addr} again: {e}");
                return None;
            }
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// A listener and its workers.
struct Generation {
    server: Arc<Server>,
    stop: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
}

impl Generation {
    fn start(server: Server, count: usize, shared: &Arc<Shared>) -> Generation {
        let server = Arc::new(server);
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..count)
            .filter_map(|index| {
                let (server, stop, shared) = (server.clone(), stop.clone(), shared.clone());
                thread::Builder::new()
                    .name(format!("core-sim-{index}"))
                    .spawn(move || work(&server, &stop, &shared))
                    .ok()
            })
            .collect();
        Generation {
            server,
            stop,
            workers,
        }
    }

    /// Stops the workers, answers what is still queued with 503, closes the listener.
    fn stop(self) {
        self.stop.store(true, Relaxed);
        for worker in self.workers {
            let _ = worker.join();
        }
        while let Ok(Some(request)) = self.server.try_recv() {
            let mut reply = Reply::error(503, "core simulator is stopping");
            reply.close = true;
            respond(request, reply);
        }
        // Dropping the last handle closes the listening socket.
    }
}

fn work(server: &Server, stop: &AtomicBool, shared: &Arc<Shared>) {
    let mut scratch = Vec::with_capacity(16 << 10);
    while !stop.load(Relaxed) {
        match server.recv_timeout(POLL) {
            Ok(Some(request)) => handle(shared, request, &mut scratch),
            Ok(None) => {}
            Err(_) => thread::sleep(POLL),
        }
    }
}

/// Applies any fault, then processes the call.
fn handle(shared: &Arc<Shared>, request: Request, scratch: &mut Vec<u8>) {
    let path = split_target(request.url()).0;
    if path.starts_with("/api/") {
        use super::faults::Decision;
        match shared.faults.decide(path) {
            Decision::Proceed => {}
            Decision::Status(status) => {
                return respond(request, Reply::error(status, "fault injected"));
            }
            Decision::Malformed => {
                let reply = Reply {
                    status: 200,
                    body: MALFORMED.to_vec(),
                    close: false,
                };
                return respond(request, reply);
            }
            Decision::Hang(ms) => return hang(shared, request, ms),
        }
    }
    process(shared, request, scratch);
}

/// Holds the call on its own thread so the workers stay free for other calls (and admin).
fn hang(shared: &Arc<Shared>, request: Request, ms: u64) {
    if shared.hanging.fetch_add(1, Relaxed) >= MAX_HANGING {
        shared.hanging.fetch_sub(1, Relaxed);
        return respond(
            request,
            Reply::error(503, "fault injected (too many hanging calls)"),
        );
    }
    let holder = shared.clone();
    let spawned = thread::Builder::new()
        .name("core-sim-hang".into())
        .spawn(move || {
            thread::sleep(Duration::from_millis(ms));
            process(&holder, request, &mut Vec::new());
            holder.hanging.fetch_sub(1, Relaxed);
        });
    if spawned.is_err() {
        shared.hanging.fetch_sub(1, Relaxed);
    }
}

/// Reads the body, dispatches, answers.
fn process(shared: &Shared, mut request: Request, scratch: &mut Vec<u8>) {
    scratch.clear();
    let limit = shared.max_body_bytes;
    let read = request
        .as_reader()
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(scratch);
    let reply = if let Err(e) = read {
        Reply::error(400, format!("cannot read the body: {e}"))
    } else if scratch.len() > limit {
        let mut reply = Reply::error(413, format!("body larger than {limit} bytes"));
        reply.close = true;
        reply
    } else {
        let (path, query) = split_target(request.url());
        let frontend = request
            .headers()
            .iter()
            .find(|h| h.field.equiv(core_api::headers::X_FRONTEND))
            .map(|h| h.value.as_str());
        let call = Call {
            method: request.method(),
            path,
            query,
            body: scratch,
            frontend,
            now_ms: core_api::rfc3339::now_millis(),
        };
        if path.starts_with("/admin/") {
            super::admin::handle(shared, &call)
        } else {
            super::api::handle(shared, &call)
        }
    };
    respond(request, reply);
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn respond(request: Request, reply: Reply) {
    let mut response = Response::from_data(reply.body).with_status_code(reply.status);
    if let Some(h) = header("Content-Type", core_api::headers::CONTENT_TYPE_JSON) {
        response.add_header(h);
    }
    if reply.close {
        if let Some(h) = header("Connection", "close") {
            response.add_header(h);
        }
    }
    // A client that went away is not an error of ours.
    let _ = request.respond(response);
}
