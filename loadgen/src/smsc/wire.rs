//! The socket side shared by the SMSC simulator and the ESME generator: one TCP stream per
//! thread, read with a timeout (so timers and pacing run without a poller), written once per
//! loop turn from one buffer.

use bytes::BytesMut;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

/// Bytes read from the socket in one call at most.
const READ_CHUNK: usize = 64 * 1024;
/// Shortest wait: the socket timeout has millisecond resolution here.
const MIN_WAIT: Duration = Duration::from_millis(1);
/// Longest wait, so stop flags and shared queues are looked at often enough.
pub(crate) const MAX_WAIT: Duration = Duration::from_millis(20);
/// Longest a write may block on a peer that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// What one read brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadOutcome {
    /// Bytes were appended to the input buffer.
    Data,
    /// Nothing arrived within the wait.
    Idle,
    /// The peer closed the connection or the socket failed.
    Closed,
}

/// A connected stream with its input and output buffers.
#[derive(Debug)]
pub(crate) struct Wire {
    stream: TcpStream,
    scratch: Box<[u8]>,
    /// Received bytes not yet consumed by the session.
    pub(crate) input: BytesMut,
    /// Bytes to write at the end of this loop turn.
    pub(crate) output: BytesMut,
    timeout: Duration,
}

impl Wire {
    /// Wraps a connected stream (Nagle off: PDUs are small and latency is measured).
    pub(crate) fn new(stream: TcpStream) -> io::Result<Wire> {
        stream.set_nodelay(true)?;
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(MAX_WAIT))?;
        // A peer that stops reading must not hold this thread (and a shutdown) for ever.
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        Ok(Wire {
            stream,
            scratch: vec![0u8; READ_CHUNK].into_boxed_slice(),
            input: BytesMut::with_capacity(READ_CHUNK),
            output: BytesMut::with_capacity(READ_CHUNK),
            timeout: MAX_WAIT,
        })
    }

    /// Waits up to `wait` (clamped to 1..=20 ms) for bytes and appends them to `input`.
    pub(crate) fn read(&mut self, wait: Duration) -> ReadOutcome {
        let wait = wait.clamp(MIN_WAIT, MAX_WAIT);
        // Whole milliseconds, so the timeout only changes (one syscall) when it really does.
        let wait = Duration::from_millis(u64::try_from(wait.as_millis()).unwrap_or(1));
        if wait != self.timeout {
            if self.stream.set_read_timeout(Some(wait)).is_err() {
                return ReadOutcome::Closed;
            }
            self.timeout = wait;
        }
        match self.stream.read(&mut self.scratch) {
            Ok(0) => ReadOutcome::Closed,
            Ok(n) => {
                self.input
                    .extend_from_slice(self.scratch.get(..n).unwrap_or_default());
                ReadOutcome::Data
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                ReadOutcome::Idle
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => ReadOutcome::Idle,
            Err(_) => ReadOutcome::Closed,
        }
    }

    /// Writes all of `output` in one call (the kernel buffer holds a window's worth) and
    /// empties it, keeping its capacity.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if self.output.is_empty() {
            return Ok(());
        }
        let result = self.stream.write_all(&self.output);
        self.output.clear();
        result
    }

    /// Closes both directions.
    pub(crate) fn shutdown(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// Hands out `Bytes` carved from one large buffer, so building a PDU field costs no
/// allocation of its own.
#[derive(Debug)]
pub(crate) struct Arena {
    buf: BytesMut,
}

/// Size of each arena chunk.
const ARENA_CHUNK: usize = 64 * 1024;

impl Arena {
    /// An empty arena.
    pub(crate) fn new() -> Arena {
        Arena {
            buf: BytesMut::with_capacity(ARENA_CHUNK),
        }
    }

    /// Lets `write` append up to `max` bytes and returns them as frozen `Bytes`.
    pub(crate) fn take(&mut self, max: usize, write: impl FnOnce(&mut BytesMut)) -> bytes::Bytes {
        if self.buf.capacity() - self.buf.len() < max {
            self.buf = BytesMut::with_capacity(ARENA_CHUNK.max(max));
        }
        write(&mut self.buf);
        self.buf.split().freeze()
    }
}
