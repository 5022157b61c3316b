//! Per-connection SMPP session state machines (ESME and SMSC roles), sans-io.
//!
//! [`EsmeSession`] is the gateway as a client of a carrier SMSC; [`SmscSession`] is the gateway
//! as the SMSC of a partner ESME. Neither touches a socket or reads a clock: bytes and the
//! current time come in as arguments, bytes and [`Event`]s go out. Both share the bind
//! handshake, sequence numbering (1..=0x7FFFFFFF, wrapping to 1), a window of in-flight
//! requests with one response timeout each, enquire_link keepalive, unbind and closing.
//!
//! # Call order
//!
//! The I/O layer owns the socket and one timer per session and loops:
//!
//! 1. Create the session when the TCP connection is up (`EsmeSession::new` then `bind`, or
//!    `SmscSession::new`, which starts the bind timeout).
//! 2. When bytes arrive, append them to the connection's read buffer and call
//!    `handle_input(&mut buf, now)`; the session consumes every complete PDU and leaves a
//!    partial one in the buffer. When the timer fires, call `handle_timeout(now)`.
//! 3. Issue commands (`submit`/`deliver`/`send_request`, `respond`, `accept_bind`, `unbind`)
//!    whenever the layer above decides to; they only queue bytes.
//! 4. After any of the above, drain in this order:
//!    - `poll_event()` until `None`, acting on each event (answer `RequestReceived` with
//!      `respond`, `BindRequested` with `accept_bind`/`reject_bind`, ...). Answering queues
//!      more bytes, so do this before the next step;
//!    - `poll_transmit(&mut out)` and write `out` to the socket (keep unwritten bytes and
//!      write them before the next drain);
//!    - `poll_timeout()` and re-arm the timer to that instant (`None`: no timer).
//! 5. When the socket reports EOF or an error, call `connection_lost()` and drain events once
//!    more: every request still in flight comes out as `RequestAborted`, then `Closed`.
//! 6. After `Event::Closed` (always the last event), write out what `poll_transmit` still
//!    yields (a final unbind_resp, bind_resp or generic_nack) and close the socket.
//!
//! # Behaviour choices
//!
//! - Liveness: after `enquire_link_interval` with nothing received, we send enquire_link; if
//!   neither its response nor any other PDU arrives within `response_timeout`, the session
//!   closes with [`CloseReason::LinkDead`]. A dead link is thus noticed at most
//!   `enquire_link_interval + response_timeout` after the peer went silent. An interval of
//!   zero turns both keepalive and this detection off (request timeouts still apply).
//! - The peer's enquire_link is answered at once in every state, even before bind.
//! - Requests the state or bind type does not allow are answered with ESME_RINVBNDSTS (a
//!   second bind with ESME_RALYBND) without reaching the caller; our own commands that the
//!   state does not allow return [`SessionError::NotAllowed`] and send nothing.
//! - Decode errors are answered with the codec's reply (generic_nack or the command's resp
//!   with the error status); a fatal one (impossible command_length) closes the session with
//!   [`CloseReason::ProtocolError`] after queuing that reply.
//! - Responses whose sequence number is not in flight, or of the wrong command, are dropped
//!   and counted in [`SessionStats::unexpected_responses`].
//! - SMSC role: a rejected bind is answered and the connection closes (no retry on the same
//!   connection, which also limits password guessing); a bind timeout runs from connect until
//!   the caller accepts a bind.
//! - ESME role: an outbind in the open state is reported as [`Event::OutbindReceived`]; the
//!   caller answers with `bind`.
//! - Our unbind waits for unbind_resp up to `unbind_timeout`, then closes anyway; requests
//!   still in flight at that point are reported aborted. Requests received while we unbind
//!   are refused with ESME_RINVBNDSTS so the peer retries them elsewhere.

mod config;
mod connection;
mod esme;
mod event;
mod inbound;
mod sequence;
mod smsc;
mod stream_check;
mod timer;
mod types;
mod window;

pub use config::SessionConfig;
pub use esme::EsmeSession;
pub use event::{CloseReason, Event};
pub use sequence::{SequenceNumber, MAX_SEQUENCE_NUMBER};
pub use smsc::SmscSession;
pub use stream_check::check_smsc_stream;
pub use types::{BindType, SessionError, SessionState, SessionStats};
pub use window::MAX_WINDOW_SIZE;

/// Implements the inputs, outputs and commands both roles share by delegating to `self.conn`.
macro_rules! common_session_api {
    ($session:ty) => {
        impl $session {
            /// Consumes every complete PDU in `buf` (a partial one stays for the next call).
            pub fn handle_input(&mut self, buf: &mut ::bytes::BytesMut, now: ::std::time::Instant) {
                self.conn.handle_input(buf, now);
            }

            /// Fires every timer due at `now` (request timeouts, keepalive, bind, unbind).
            pub fn handle_timeout(&mut self, now: ::std::time::Instant) {
                self.conn.handle_timeout(now);
            }

            /// Moves the bytes waiting to be sent into `out` (without copying when `out` is
            /// empty) and returns how many there were.
            pub fn poll_transmit(&mut self, out: &mut ::bytes::BytesMut) -> usize {
                self.conn.poll_transmit(out)
            }

            /// Releases the memory of empty internal buffers; call it when the connection has
            /// been quiet for a while (they grow again on demand).
            pub fn release_buffers(&mut self) {
                self.conn.release_buffers();
            }

            /// How many bytes `poll_transmit` would hand over now.
            pub fn pending_transmit(&self) -> usize {
                self.conn.pending_transmit()
            }

            /// When `handle_timeout` must be called next; `None` when no timer runs.
            pub fn poll_timeout(&self) -> Option<::std::time::Instant> {
                self.conn.poll_timeout()
            }

            /// The next event for the caller, oldest first.
            pub fn poll_event(&mut self) -> Option<$crate::session::Event> {
                self.conn.events.pop_front()
            }

            /// Sends a request through the window and returns its sequence number; `tag` comes
            /// back with its response, timeout or abort.
            pub fn send_request(
                &mut self,
                body: $crate::proto::Body,
                tag: u64,
                now: ::std::time::Instant,
            ) -> Result<$crate::session::SequenceNumber, $crate::session::SessionError> {
                self.conn.send_request(body, tag, now)
            }

            /// Answers the peer's request `seq` with `status` and a response `body`.
            pub fn respond(
                &mut self,
                seq: $crate::session::SequenceNumber,
                status: $crate::proto::CommandStatus,
                body: $crate::proto::Body,
            ) -> Result<(), $crate::session::SessionError> {
                self.conn.respond(seq, status, body)
            }

            /// Answers the peer's `request` with `status` and an empty response body.
            pub fn respond_status(
                &mut self,
                seq: $crate::session::SequenceNumber,
                request: $crate::proto::CommandId,
                status: $crate::proto::CommandStatus,
            ) -> Result<(), $crate::session::SessionError> {
                self.conn.respond_status(seq, request, status)
            }

            /// Starts a graceful unbind; the session closes on unbind_resp or unbind timeout.
            pub fn unbind(
                &mut self,
                now: ::std::time::Instant,
            ) -> Result<$crate::session::SequenceNumber, $crate::session::SessionError> {
                self.conn.unbind(now)
            }

            /// The transport is gone: aborts the requests in flight and closes the session.
            pub fn connection_lost(&mut self) {
                self.conn
                    .close($crate::session::CloseReason::ConnectionLost);
            }

            /// The current state.
            pub fn state(&self) -> $crate::session::SessionState {
                self.conn.state
            }

            /// Counters of dropped, refused and timed-out PDUs.
            pub fn stats(&self) -> $crate::session::SessionStats {
                self.conn.stats
            }

            /// How many of our requests await a response.
            pub fn in_flight(&self) -> usize {
                self.conn.window.len()
            }

            /// The most requests that can be in flight at once.
            pub fn window_capacity(&self) -> usize {
                self.conn.window.capacity()
            }

            /// Whether another request fits in the window now.
            pub fn has_window_room(&self) -> bool {
                !self.conn.window.is_full()
            }

            /// The settings this session runs with.
            pub fn config(&self) -> &$crate::session::SessionConfig {
                &self.conn.config
            }

            /// Numbers our next request `seq` (1..=0x7FFFFFFF, else 1); for resuming a
            /// numbering and for exercising the wrap.
            pub fn set_next_sequence_number(&mut self, seq: $crate::session::SequenceNumber) {
                self.conn.set_next_sequence_number(seq);
            }
        }
    };
}
use common_session_api;
