//! The connection driver: one task owns a TCP stream and its sans-io session and waits on the
//! socket, the session's timer and the connection's mailbox in one hand-written `poll_fn`.
//!
//! The read is polled in place (never a read future raced against others and dropped, which
//! would lose bytes); writes go out from one buffer that the session hands over without a copy
//! when it is empty. A connection whose peer stops reading stops being read from once its
//! output backs up past [`WRITE_HIGH_WATER`], so a slow peer cannot make us buffer without
//! bound.
//!
//! An idle connection holds no buffers: every read lands in one scratch buffer per shard
//! thread ([`READ_SCRATCH`] bytes), is copied once into an exactly sized buffer that the
//! session decodes from, and only an incomplete PDU's tail stays with the connection. The
//! write buffer is released once it has been sent if it grew past [`KEEP_CAPACITY`], and
//! every empty buffer is released when the connection's timer fires (it has been quiet).

use std::cell::RefCell;
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

/// Bytes read from the socket per call, into the shard's one scratch buffer.
const READ_SCRATCH: usize = 64 * 1024;
/// An empty write buffer larger than this is released rather than kept for the next burst.
pub(crate) const KEEP_CAPACITY: usize = 4096;
/// Output buffered beyond this stops reading until the peer catches up.
pub(crate) const WRITE_HIGH_WATER: usize = 1 << 20;
/// How long the final flush of a closing connection may take.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

thread_local! {
    /// The read buffer every connection of this shard (thread) shares: a read is polled and
    /// copied out synchronously, so no two connections can use it at once.
    static SCRATCH: RefCell<Box<[u8]>> = RefCell::new(vec![0u8; READ_SCRATCH].into_boxed_slice());
}

/// What both session roles offer the driver.
pub(crate) trait SessionIo {
    fn handle_input(&mut self, buf: &mut BytesMut, now: Instant);
    fn poll_transmit(&mut self, out: &mut BytesMut) -> usize;
    fn poll_timeout(&self) -> Option<Instant>;
    /// Gives back the memory of empty buffers (the connection is quiet).
    fn release_buffers(&mut self);
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
            fn release_buffers(&mut self) {
                <$session>::release_buffers(self)
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
    /// Bytes read and not yet consumed by the session: empty between reads, except for the
    /// tail of a PDU that has not fully arrived.
    read_buf: BytesMut,
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
            read_buf: BytesMut::new(),
            write_buf: BytesMut::new(),
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
        if self.read_buf.is_empty() {
            // Let go of the read's allocation (the decoded PDUs may still share it); the next
            // read gets a buffer of its own size.
            self.read_buf = BytesMut::new();
        }
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
        let wake = self.poll_wake(mailbox).await;
        if matches!(wake, Wake::Timer) {
            // Quiet until a deadline (keepalive, a timeout): hold no memory while idle.
            self.release_buffers();
            session.release_buffers();
        }
        wake
    }

    async fn poll_wake<M>(&mut self, mailbox: &Mailbox<M>) -> Wake<M> {
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
                    Poll::Ready(Ok(n)) => {
                        self.write_buf.advance(n);
                        if self.write_buf.is_empty() && self.write_buf.capacity() > KEEP_CAPACITY {
                            self.write_buf = BytesMut::new();
                        }
                    }
                    Poll::Ready(Err(error)) => {
                        self.lost = true;
                        return Poll::Ready(Wake::Lost(Some(error)));
                    }
                    Poll::Pending => break,
                }
            }
            if !self.read_paused && self.write_buf.len() < WRITE_HIGH_WATER {
                let read = SCRATCH.with_borrow_mut(|scratch| {
                    let read = Pin::new(&mut self.stream).poll_read(cx, scratch);
                    if let Poll::Ready(Ok(n)) = read {
                        // Only these bytes are copied: into the tail of an incomplete PDU,
                        // or into a new buffer of exactly their size.
                        self.read_buf
                            .extend_from_slice(scratch.get(..n).unwrap_or_default());
                    }
                    read
                });
                match read {
                    Poll::Ready(Ok(0)) => {
                        self.lost = true;
                        return Poll::Ready(Wake::Lost(None));
                    }
                    Poll::Ready(Ok(_)) => return Poll::Ready(Wake::Input),
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

    /// Drops the empty buffers' allocations.
    fn release_buffers(&mut self) {
        if self.read_buf.is_empty() {
            self.read_buf = BytesMut::new();
        }
        if self.write_buf.is_empty() {
            self.write_buf = BytesMut::new();
        }
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

/// The driver against a real socket: reads that split PDUs anywhere, a PDU larger than the
/// shard's scratch buffer, many PDUs in one read, and what a connection holds afterwards.
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod socket_tests {
    use std::io::{Read, Write};
    use std::thread;

    use bytes::Bytes;
    use glommio::net::TcpListener;
    use glommio::{LocalExecutorBuilder, Placement};

    use super::*;
    use crate::proto::{Bind, Body, CommandStatus, Pdu, SubmitSm, SubmitSmResp, SystemId};
    use crate::session::{BindType, Event, SessionConfig};

    const PAYLOAD: usize = 65_535;
    const ENQUIRE_LINKS: u32 = 300;

    /// What the server side saw.
    #[derive(Debug, Default)]
    struct Seen {
        payloads: Vec<usize>,
        reads: usize,
        tail_held: bool,
        read_capacity_after: usize,
    }

    fn frame(pdu: &Pdu) -> Vec<u8> {
        let mut wire = BytesMut::new();
        pdu.encode(&mut wire);
        wire.to_vec()
    }

    /// The partner: a byte-by-byte bind, a submit_sm bigger than the scratch in uneven
    /// pieces, then hundreds of enquire_links and an unbind in one write. Returns the
    /// command ids and sequence numbers of everything answered.
    fn partner(port: u16) -> Vec<(u32, u32)> {
        let mut socket = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        socket.set_nodelay(true).unwrap();
        let bind = Bind::new("partner", "secret").unwrap();
        for byte in frame(&Pdu::ok(1, BindType::Transceiver.request_body(bind))) {
            socket.write_all(&[byte]).unwrap();
            thread::sleep(Duration::from_millis(2));
        }
        let mut submit = SubmitSm::default();
        submit
            .tlvs
            .set_message_payload(Bytes::from(vec![b'x'; PAYLOAD]))
            .unwrap();
        let submit = frame(&Pdu::ok(2, Body::SubmitSm(submit)));
        assert!(submit.len() > READ_SCRATCH, "the PDU must not fit one read");
        for piece in submit.chunks(9_999) {
            socket.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(5));
        }
        let mut burst = Vec::new();
        for seq in 0..ENQUIRE_LINKS {
            burst.extend_from_slice(&frame(&Pdu::ok(3 + seq, Body::EnquireLink)));
        }
        burst.extend_from_slice(&frame(&Pdu::ok(3 + ENQUIRE_LINKS, Body::Unbind)));
        socket.write_all(&burst).unwrap();
        let mut answers = Vec::new();
        socket.read_to_end(&mut answers).unwrap();
        let mut seen = Vec::new();
        let mut rest = &answers[..];
        while let (Some(len), Some(id), Some(seq)) =
            (read_u32(rest, 0), read_u32(rest, 4), read_u32(rest, 12))
        {
            seen.push((id, seq));
            rest = rest.get(len as usize..).unwrap();
        }
        assert!(rest.is_empty(), "no partial answer");
        seen
    }

    async fn serve(listener: TcpListener) -> Seen {
        let stream = listener.accept().await.unwrap();
        let mut driver = Driver::new(stream);
        let now = Instant::now();
        let mut session = SmscSession::new(SessionConfig::default(), now);
        let (_sender, mailbox) = super::super::mailbox::mailbox::<()>();
        let mut seen = Seen::default();
        loop {
            while let Some(event) = session.poll_event() {
                match event {
                    Event::BindRequested { .. } => {
                        session.accept_bind(SystemId::empty(), now).unwrap();
                    }
                    Event::RequestReceived(pdu) => {
                        let Body::SubmitSm(submit) = &pdu.body else {
                            panic!("unexpected request {pdu:?}");
                        };
                        let len = submit.tlvs.message_payload().map_or(0, |p| p.len());
                        seen.payloads.push(len);
                        let resp = Body::SubmitSmResp(SubmitSmResp::default());
                        session
                            .respond(pdu.sequence_number, CommandStatus::ESME_ROK, resp)
                            .unwrap();
                    }
                    Event::Closed(_) => {
                        seen.read_capacity_after = driver.read_buf.capacity();
                        driver.close(&mut session).await;
                        return seen;
                    }
                    _ => {}
                }
            }
            match driver.wait(&mut session, &mailbox, None).await {
                Wake::Input => {
                    seen.reads += 1;
                    driver.feed(&mut session, Instant::now());
                    seen.tail_held |= !driver.read_buf.is_empty();
                }
                Wake::Timer => session.handle_timeout(Instant::now()),
                Wake::Message(()) => {}
                Wake::Lost(error) => panic!("connection lost: {error:?}"),
            }
        }
    }

    #[test]
    fn split_large_and_batched_pdus_all_arrive_and_leave_no_buffer_behind() {
        let seen = LocalExecutorBuilder::new(Placement::Unbound)
            .io_memory(256 * 1024)
            .spawn(|| async move {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let port = listener.local_addr().unwrap().port();
                let client = thread::spawn(move || partner(port));
                let seen = serve(listener).await;
                (seen, client.join().unwrap())
            })
            .unwrap()
            .join()
            .unwrap();
        let (seen, answers) = seen;
        assert_eq!(seen.payloads, vec![PAYLOAD], "the large PDU decoded whole");
        assert!(
            seen.reads > 2,
            "the PDUs came in several reads: {}",
            seen.reads
        );
        assert!(
            seen.tail_held,
            "partial PDUs waited in the connection's buffer"
        );
        assert_eq!(seen.read_capacity_after, 0, "nothing left, nothing held");
        let expected: Vec<(u32, u32)> = [(0x8000_0009, 1), (0x8000_0004, 2)]
            .into_iter()
            .chain((0..ENQUIRE_LINKS).map(|seq| (0x8000_0015, 3 + seq)))
            .chain([(0x8000_0006, 3 + ENQUIRE_LINKS)])
            .collect();
        assert_eq!(answers.len(), expected.len());
        assert_eq!(answers, expected, "every request answered once, in order");
    }
}
