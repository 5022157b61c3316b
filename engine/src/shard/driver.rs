//! The connection driver: one task owns a TCP stream and its sans-io session and waits on the
//! socket, the session's timer and the connection's mailbox in one hand-written `poll_fn`.
//!
//! The read is polled in place (never a read future raced against others and dropped, which
//! would lose bytes); writes go out from one buffer that the session hands over without a copy
//! when it is empty. A connection whose peer stops reading stops being read from once its
//! output backs up past [`WRITE_HIGH_WATER`], so a slow peer cannot make us buffer without
//! bound.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use futures_lite::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use glommio::net::TcpStream;
use glommio::timer::Timer;

use super::mailbox::Mailbox;
use crate::proto::CommandId;
use crate::session::{EsmeSession, SmscSession};

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 16 * 1024;
/// Output buffered beyond this stops reading until the peer catches up.
pub(crate) const WRITE_HIGH_WATER: usize = 1 << 20;
/// How long the final flush of a closing connection may take.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// What both session roles offer the driver.
pub(crate) trait SessionIo {
    fn handle_input(&mut self, buf: &mut BytesMut, now: Instant);
    fn poll_transmit(&mut self, out: &mut BytesMut) -> usize;
    fn poll_timeout(&self) -> Option<Instant>;
}

macro_rules! session_io {
    ($session:ty) => {
        impl SessionIo for $session {
            fn handle_input(&mut self, buf: &mut BytesMut, now: Instant) {
                <$session>::handle_input(self, buf, now)
            }
            fn poll_transmit(&mut self, out: &mut BytesMut) -> usize {
                <$session>::poll_transmit(self, out)
            }
            fn poll_timeout(&self) -> Option<Instant> {
                <$session>::poll_timeout(self)
            }
        }
    };
}
session_io!(EsmeSession);
session_io!(SmscSession);

/// Why the driver woke up.
#[derive(Debug)]
pub(crate) enum Wake<M> {
    /// Bytes arrived: feed them with [`Driver::feed`].
    Input,
    /// The deadline passed (the session's or the caller's).
    Timer,
    /// A message from the connection's mailbox.
    Message(M),
    /// The peer closed the connection (`None`) or it failed.
    Lost(Option<io::Error>),
}

/// The I/O half of one connection.
pub(crate) struct Driver {
    stream: TcpStream,
    read_buf: BytesMut,
    scratch: Box<[u8]>,
    write_buf: BytesMut,
    timer: Option<Timer>,
    timer_at: Option<Instant>,
    lost: bool,
    /// While true the socket is not read (the caller has too much in progress).
    pub(crate) read_paused: bool,
}

impl Driver {
    /// A driver for a connected stream.
    pub(crate) fn new(stream: TcpStream) -> Self {
        // Small request/response PDUs: do not let Nagle hold them back.
        let _ = stream.set_nodelay(true);
        Self {
            stream,
            read_buf: BytesMut::with_capacity(READ_CHUNK),
            scratch: vec![0u8; READ_CHUNK].into_boxed_slice(),
            write_buf: BytesMut::with_capacity(4096),
            timer: None,
            timer_at: None,
            lost: false,
            read_paused: false,
        }
    }

    /// Hands the bytes read so far to `session` and counts the enquire_links among them.
    pub(crate) fn feed<S: SessionIo>(&mut self, session: &mut S, now: Instant) -> u64 {
        let enquire_links = count_commands(&self.read_buf, CommandId::ENQUIRE_LINK);
        session.handle_input(&mut self.read_buf, now);
        enquire_links
    }

    /// Sends what the session has queued, arms the timer to the earlier of the session's
    /// deadline and `deadline`, and waits for the next thing to happen.
    pub(crate) async fn wait<S: SessionIo, M>(
        &mut self,
        session: &mut S,
        mailbox: &Mailbox<M>,
        deadline: Option<Instant>,
    ) -> Wake<M> {
        session.poll_transmit(&mut self.write_buf);
        let next = match (session.poll_timeout(), deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.arm(next);
        if self.lost {
            return Wake::Lost(None);
        }
        std::future::poll_fn(|cx| {
            if let Poll::Ready(message) = mailbox.poll_recv(cx) {
                return Poll::Ready(Wake::Message(message));
            }
            if let Some(timer) = self.timer.as_mut() {
                if Pin::new(timer).poll(cx).is_ready() {
                    self.timer = None;
                    self.timer_at = None;
                    return Poll::Ready(Wake::Timer);
                }
            }
            while !self.write_buf.is_empty() {
                match Pin::new(&mut self.stream).poll_write(cx, &self.write_buf) {
                    Poll::Ready(Ok(0)) => {
                        self.lost = true;
                        return Poll::Ready(Wake::Lost(Some(io::ErrorKind::WriteZero.into())));
                    }
                    Poll::Ready(Ok(n)) => self.write_buf.advance(n),
                    Poll::Ready(Err(error)) => {
                        self.lost = true;
                        return Poll::Ready(Wake::Lost(Some(error)));
                    }
                    Poll::Pending => break,
                }
            }
            if !self.read_paused && self.write_buf.len() < WRITE_HIGH_WATER {
                match Pin::new(&mut self.stream).poll_read(cx, &mut self.scratch) {
                    Poll::Ready(Ok(0)) => {
                        self.lost = true;
                        return Poll::Ready(Wake::Lost(None));
                    }
                    Poll::Ready(Ok(n)) => {
                        let read = self.scratch.get(..n).unwrap_or_default();
                        self.read_buf.extend_from_slice(read);
                        return Poll::Ready(Wake::Input);
                    }
                    Poll::Ready(Err(error)) => {
                        self.lost = true;
                        return Poll::Ready(Wake::Lost(Some(error)));
                    }
                    Poll::Pending => {}
                }
            }
            Poll::Pending
        })
        .await
    }

    /// Writes out everything the session still has (a final bind_resp, unbind_resp, ...) and
    /// closes the connection; gives up after a few seconds on a peer that does not read.
    pub(crate) async fn close<S: SessionIo>(mut self, session: &mut S) {
        session.poll_transmit(&mut self.write_buf);
        if !self.lost && !self.write_buf.is_empty() {
            let _ = self.stream.set_write_timeout(Some(FLUSH_TIMEOUT));
            let _ = self.stream.write_all(&self.write_buf).await;
        }
        let _ = self.stream.shutdown(std::net::Shutdown::Both).await;
    }

    fn arm(&mut self, deadline: Option<Instant>) {
        match deadline {
            None => {
                self.timer = None;
                self.timer_at = None;
            }
            Some(at) if self.timer_at == Some(at) && self.timer.is_some() => {}
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                match self.timer.as_mut() {
                    Some(timer) => timer.reset(wait),
                    None => self.timer = Some(Timer::new(wait)),
                }
                self.timer_at = Some(at);
            }
        }
    }
}

/// How many complete PDUs with `command` sit in `buf` (a cheap walk over the headers).
fn count_commands(buf: &[u8], command: CommandId) -> u64 {
    let mut count = 0;
    let mut rest = buf;
    while let (Some(len), Some(id)) = (read_u32(rest, 0), read_u32(rest, 4)) {
        let Ok(len) = usize::try_from(len) else { break };
        if len < 16 || rest.len() < len {
            break;
        }
        if id == command.0 {
            count += 1;
        }
        rest = rest.get(len..).unwrap_or_default();
    }
    count
}

fn read_u32(buf: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_only_complete_frames_of_the_command() {
        let mut buf = Vec::new();
        for id in [0x15u32, 0x04, 0x15] {
            buf.extend_from_slice(&16u32.to_be_bytes());
            buf.extend_from_slice(&id.to_be_bytes());
            buf.extend_from_slice(&[0; 8]);
        }
        assert_eq!(count_commands(&buf, CommandId::ENQUIRE_LINK), 2);
        // A partial enquire_link at the end is not counted yet.
        buf.extend_from_slice(&16u32.to_be_bytes());
        buf.extend_from_slice(&0x15u32.to_be_bytes());
        assert_eq!(count_commands(&buf, CommandId::ENQUIRE_LINK), 2);
        // A bogus length stops the walk without a panic.
        assert_eq!(
            count_commands(&[0, 0, 0, 3, 0, 0, 0, 0x15], CommandId::ENQUIRE_LINK),
            0
        );
    }
}
