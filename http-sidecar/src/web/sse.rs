//! The live log stream of the Logs page: Server-Sent Events written straight to the socket.
//!
//! tiny_http buffers a chunked body 8 KiB at a time, which would hold events back, so the
//! stream takes the raw connection after the headers (`Request::upgrade`) and writes and
//! flushes each event itself; the body ends when the connection closes. Each stream has a
//! thread of its own, and their number is capped.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tiny_http::{Request, Response};

use super::logs::{LogBuffer, LogFilter};
use crate::http::header;

/// Lines sent at once when a stream opens.
const BACKLOG: usize = 500;
/// A comment line goes out after this long without an event, so proxies keep the stream open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often a waiting stream looks at the stop flag.
const POLL: Duration = Duration::from_millis(500);

/// Counts open streams; a slot is given back when its guard drops.
#[derive(Debug)]
pub(crate) struct StreamSlots {
    open: AtomicUsize,
    max: usize,
}

pub(crate) struct SlotGuard<'a>(&'a StreamSlots);

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl StreamSlots {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            open: AtomicUsize::new(0),
            max,
        }
    }

    /// A slot, or `None` when `max` streams are open.
    pub(crate) fn take(&self) -> Option<SlotGuard<'_>> {
        self.open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.max).then_some(open + 1)
            })
            .ok()
            .map(|_| SlotGuard(self))
    }
}

fn event(out: &mut Vec<u8>, line: &super::logs::LogLine) {
    let data = line.to_json().to_string();
    let _ = write!(out, "id: {}\nevent: log\ndata: {data}\n\n", line.seq);
}

/// Streams the lines passing `filter` (those after `last_seen` first) until the client goes
/// away or `stop` is set.
pub(crate) fn stream(
    request: Request,
    logs: &LogBuffer,
    filter: &LogFilter,
    last_seen: Option<u64>,
    stop: &AtomicBool,
) {
    let mut response = Response::empty(200);
    for (name, value) in [
        ("Content-Type", "text/event-stream; charset=utf-8"),
        ("Cache-Control", "no-store"),
        ("X-Accel-Buffering", "no"),
    ] {
        if let Some(header) = header(name, value) {
            response.add_header(header);
        }
    }
    let mut socket = request.upgrade("text/event-stream", response);
    let mut next = last_seen.map_or(0, |seq| seq.saturating_add(1));
    let mut out = Vec::with_capacity(4096);
    let mut last_write = Instant::now();
    loop {
        let upto = logs.next_seq();
        out.clear();
        for line in logs
            .lines_from(next, filter, BACKLOG)
            .iter()
            .filter(|line| line.seq < upto)
        {
            event(&mut out, line);
        }
        next = upto;
        if out.is_empty() && last_write.elapsed() >= KEEP_ALIVE {
            out.extend_from_slice(b": keep-alive\n\n");
        }
        if !out.is_empty() {
            if socket
                .write_all(&out)
                .and_then(|()| socket.flush())
                .is_err()
            {
                return;
            }
            last_write = Instant::now();
        }
        if stop.load(Ordering::Relaxed) {
            return;
        }
        logs.wait_from(next, POLL);
    }
}

/// Spawns the thread of one stream (the connection closes if no thread can start).
pub(crate) fn spawn(
    request: Request,
    logs: Arc<LogBuffer>,
    filter: LogFilter,
    last_seen: Option<u64>,
    stop: Arc<AtomicBool>,
    slots: Arc<StreamSlots>,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("omsmpp-web-logs".to_owned())
        .spawn(move || {
            let Some(_slot) = slots.take() else {
                let body = br#"{"error":"too many log streams open"}"#.to_vec();
                crate::http::reply(request, 503, "application/json", body, &[]);
                return;
            };
            stream(request, &logs, &filter, last_seen, &stop);
        })
        .map(|_| ())
}
