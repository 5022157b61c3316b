//! The machinery both roles share: framing, the window, timers, keepalive, unbind, closing.
//!
//! The role only changes which requests each side may send and receive and who answers a bind;
//! those decisions live in `inbound.rs` (what the peer may send us) and `may_send` here.

use std::collections::VecDeque;
use std::mem;
use std::time::Instant;

use bytes::BytesMut;

use crate::proto::{Body, CommandId, CommandStatus, Decoder, Pdu, SystemId};

use super::config::SessionConfig;
use super::event::{CloseReason, Event};
use super::sequence::{SequenceCounter, SequenceNumber};
use super::timer::{Timer, TimerTable};
use super::types::{BindType, SessionError, SessionState, SessionStats};
use super::window::{InsertError, Window};

/// An emptied output buffer larger than this is released instead of kept for the next burst.
const KEEP_OUT_CAPACITY: usize = 4096;

/// Which end of the SMPP link this session plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// We are the client: we bind and submit, the SMSC delivers.
    Esme,
    /// We are the server: the peer binds and submits, we deliver.
    Smsc,
}

/// What the window remembers about one of the caller's requests.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outstanding {
    pub(crate) request: CommandId,
    pub(crate) tag: u64,
}

/// Our enquire_link awaiting its response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe {
    pub(crate) seq: SequenceNumber,
    pub(crate) sent_at: Instant,
}

/// A bind between request and answer: ours (ESME role) or the peer's awaiting the caller's
/// decision (SMSC role).
#[derive(Debug, Clone)]
pub(crate) struct PendingBind {
    pub(crate) seq: SequenceNumber,
    pub(crate) bind_type: BindType,
    /// SMSC role: the peer's system_id, reported in `Event::Bound` once accepted.
    pub(crate) peer_system_id: SystemId,
}

/// One SMPP connection's protocol state, role-agnostic.
#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) role: Role,
    pub(crate) config: SessionConfig,
    pub(crate) state: SessionState,
    decoder: Decoder,
    out: BytesMut,
    pub(crate) events: VecDeque<Event>,
    pub(crate) timers: TimerTable,
    pub(crate) window: Window<Outstanding>,
    sequence: SequenceCounter,
    pub(crate) probe: Option<Probe>,
    pub(crate) pending_bind: Option<PendingBind>,
    pub(crate) unbind_seq: Option<SequenceNumber>,
    pub(crate) last_received: Instant,
    pub(crate) stats: SessionStats,
}

impl Connection {
    pub(crate) fn new(role: Role, config: SessionConfig, now: Instant) -> Self {
        let max_len = u32::try_from(config.max_pdu_len).unwrap_or(u32::MAX);
        let mut connection = Self {
            role,
            decoder: Decoder::new(max_len),
            state: SessionState::Open,
            // Nothing up front: an idle connection should cost as little memory as possible.
            out: BytesMut::new(),
            events: VecDeque::new(),
            timers: TimerTable::default(),
            window: Window::new(config.window_size),
            sequence: SequenceCounter::new(),
            probe: None,
            pending_bind: None,
            unbind_seq: None,
            last_received: now,
            stats: SessionStats::default(),
            config,
        };
        if role == Role::Smsc {
            connection
                .timers
                .set(Timer::Bind, now + connection.config.bind_timeout);
        }
        connection
    }

    /// Starts numbering our requests at `first` (tests use it to reach the wrap quickly).
    pub(crate) fn set_next_sequence_number(&mut self, first: SequenceNumber) {
        self.sequence = SequenceCounter::starting_at(first);
    }

    // ---- output ----

    pub(crate) fn write(&mut self, pdu: &Pdu) {
        pdu.encode(&mut self.out);
    }

    pub(crate) fn poll_transmit(&mut self, out: &mut BytesMut) -> usize {
        let len = self.out.len();
        if len == 0 {
            return 0;
        }
        if out.is_empty() {
            // Hand our buffer over and keep the caller's (empty) one: no copy.
            mem::swap(out, &mut self.out);
        } else {
            out.extend_from_slice(&self.out);
            self.out.clear();
            if self.out.capacity() > KEEP_OUT_CAPACITY {
                self.out = BytesMut::new();
            }
        }
        len
    }

    /// Releases the memory of the empty output buffer and event queue (the caller's
    /// connection is quiet); they grow again on demand.
    pub(crate) fn release_buffers(&mut self) {
        if self.out.is_empty() {
            self.out = BytesMut::new();
        }
        if self.events.is_empty() {
            self.events = VecDeque::new();
        }
    }

    pub(crate) fn pending_transmit(&self) -> usize {
        self.out.len()
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.state == SessionState::Closed {
            return None;
        }
        match (self.timers.next_deadline(), self.window.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ---- commands ----

    /// Sends one of the caller's requests through the window.
    pub(crate) fn send_request(
        &mut self,
        body: Body,
        tag: u64,
        now: Instant,
    ) -> Result<SequenceNumber, SessionError> {
        let command = body.command_id();
        if command.is_response() {
            return Err(SessionError::NotARequest(command));
        }
        self.check_may_send(command)?;
        let seq = if command.response().is_some() {
            if self.window.is_full() {
                return Err(SessionError::WindowFull(self.window.len()));
            }
            let seq = self.sequence.next_number();
            let entry = Outstanding {
                request: command,
                tag,
            };
            let deadline = now + self.config.response_timeout;
            match self.window.insert(seq, deadline, entry) {
                Ok(()) => seq,
                Err(InsertError::Full) => return Err(SessionError::WindowFull(self.window.len())),
                Err(InsertError::Duplicate) => return Err(SessionError::SequenceInUse(seq)),
            }
        } else {
            // alert_notification takes no response, so it needs no window slot.
            self.sequence.next_number()
        };
        self.write(&Pdu::ok(seq, body));
        Ok(seq)
    }

    fn check_may_send(&self, command: CommandId) -> Result<(), SessionError> {
        let allowed = match self.state {
            SessionState::Bound(bind_type) => may_send(self.role, bind_type, command),
            SessionState::Closed => return Err(SessionError::Closed),
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(SessionError::NotAllowed {
                command,
                state: self.state,
            })
        }
    }

    pub(crate) fn respond(
        &mut self,
        seq: SequenceNumber,
        status: CommandStatus,
        body: Body,
    ) -> Result<(), SessionError> {
        if self.state == SessionState::Closed {
            return Err(SessionError::Closed);
        }
        let command = body.command_id();
        if !command.is_response() {
            return Err(SessionError::NotAResponse(command));
        }
        self.write(&Pdu::new(status, seq, body));
        Ok(())
    }

    /// Answers a request with an error status and an empty response body (generic_nack when
    /// the command has no response of its own).
    pub(crate) fn respond_status(
        &mut self,
        seq: SequenceNumber,
        request: CommandId,
        status: CommandStatus,
    ) -> Result<(), SessionError> {
        let body = request
            .response()
            .and_then(Body::empty_response)
            .unwrap_or(Body::GenericNack);
        self.respond(seq, status, body)
    }

    pub(crate) fn unbind(&mut self, now: Instant) -> Result<SequenceNumber, SessionError> {
        match self.state {
            SessionState::Bound(_) => {}
            SessionState::Closed => return Err(SessionError::Closed),
            state => {
                return Err(SessionError::NotAllowed {
                    command: CommandId::UNBIND,
                    state,
                })
            }
        }
        let seq = self.sequence.next_number();
        self.write(&Pdu::ok(seq, Body::Unbind));
        self.unbind_seq = Some(seq);
        self.state = SessionState::Unbinding;
        self.probe = None;
        self.timers.stop(Timer::KeepAlive);
        self.timers.stop(Timer::EnquireLinkResponse);
        self.timers
            .set(Timer::Unbind, now + self.config.unbind_timeout);
        Ok(seq)
    }

    /// Sends an internal request (bind) outside the window.
    pub(crate) fn send_untracked(&mut self, body: Body) -> SequenceNumber {
        let seq = self.sequence.next_number();
        self.write(&Pdu::ok(seq, body));
        seq
    }

    // ---- state changes ----

    pub(crate) fn enter_bound(&mut self, bind_type: BindType, system_id: SystemId, now: Instant) {
        self.state = SessionState::Bound(bind_type);
        self.pending_bind = None;
        self.timers.stop(Timer::Bind);
        self.arm_keepalive(now);
        self.events.push_back(Event::Bound {
            bind_type,
            system_id,
        });
    }

    pub(crate) fn arm_keepalive(&mut self, now: Instant) {
        if !self.config.enquire_link_interval.is_zero() {
            self.timers
                .set(Timer::KeepAlive, now + self.config.enquire_link_interval);
        }
    }

    /// Ends the session: every request still in flight is reported aborted, then `Closed`.
    pub(crate) fn close(&mut self, reason: CloseReason) {
        if self.state == SessionState::Closed {
            return;
        }
        self.state = SessionState::Closed;
        self.timers.stop_all();
        self.probe = None;
        self.pending_bind = None;
        self.unbind_seq = None;
        while let Some(entry) = self.window.pop_oldest() {
            self.events.push_back(Event::RequestAborted {
                seq: entry.seq,
                tag: entry.data.tag,
                request: entry.data.request,
            });
        }
        self.events.push_back(Event::Closed(reason));
    }

    // ---- input ----

    pub(crate) fn handle_input(&mut self, buf: &mut BytesMut, now: Instant) {
        while self.state != SessionState::Closed {
            match self.decoder.decode(buf) {
                Ok(Some(pdu)) => {
                    self.note_received(now);
                    if pdu.command_id().is_response() {
                        self.on_response(pdu, now);
                    } else {
                        self.on_request(pdu);
                    }
                }
                Ok(None) => break,
                Err(err) => {
                    self.note_received(now);
                    self.stats.decode_errors += 1;
                    if let Some(reply) = err.reply() {
                        self.write(&reply);
                    }
                    if err.is_fatal() {
                        self.close(CloseReason::ProtocolError);
                    }
                }
            }
        }
    }

    fn note_received(&mut self, now: Instant) {
        self.last_received = now;
        if self.state.is_bound() {
            self.arm_keepalive(now);
        }
    }

    fn on_response(&mut self, pdu: Pdu, now: Instant) {
        let seq = pdu.sequence_number;
        let command = pdu.command_id();
        let nack = command == CommandId::GENERIC_NACK;
        if let Some(probe) = self.probe {
            if probe.seq == seq && (nack || command == CommandId::ENQUIRE_LINK_RESP) {
                self.probe = None;
                self.timers.stop(Timer::EnquireLinkResponse);
                return;
            }
        }
        if self.unbind_seq == Some(seq) && (nack || command == CommandId::UNBIND_RESP) {
            self.close(CloseReason::Unbound);
            return;
        }
        if let Some(pending) = &self.pending_bind {
            if self.role == Role::Esme
                && pending.seq == seq
                && (nack || command == pending.bind_type.response_id())
            {
                self.on_bind_response(pdu, now);
                return;
            }
        }
        // A response of the wrong kind leaves the request in flight to time out normally.
        let answered = self.window.remove_if(seq, |entry| {
            nack || entry.data.request.response() == Some(command)
        });
        match answered {
            Some(entry) => self.events.push_back(Event::Response {
                seq,
                tag: entry.data.tag,
                request: entry.data.request,
                pdu,
            }),
            None => self.stats.unexpected_responses += 1,
        }
    }

    fn on_bind_response(&mut self, pdu: Pdu, now: Instant) {
        let Some(pending) = self.pending_bind.take() else {
            return;
        };
        let system_id = match pdu.body {
            Body::BindTransmitterResp(resp)
            | Body::BindReceiverResp(resp)
            | Body::BindTransceiverResp(resp) => Some(resp.system_id),
            _ => None,
        };
        match system_id {
            Some(system_id) if pdu.command_status.is_ok() => {
                self.enter_bound(pending.bind_type, system_id, now)
            }
            _ => {
                // A generic_nack with status 0 still refuses the bind; report a real error code.
                let status = if pdu.command_status.is_ok() {
                    CommandStatus::ESME_RBINDFAIL
                } else {
                    pdu.command_status
                };
                self.events.push_back(Event::BindFailed(status));
                self.close(CloseReason::BindFailed(status));
            }
        }
    }

    /// Refuses a request the state or bind type does not allow.
    pub(crate) fn reject(&mut self, pdu: &Pdu, status: CommandStatus) {
        self.stats.rejected_requests += 1;
        let reply = pdu
            .error_response(status)
            .unwrap_or_else(|| Pdu::generic_nack(status, pdu.sequence_number));
        self.write(&reply);
    }

    // ---- time ----

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.state == SessionState::Closed {
            return;
        }
        while let Some(entry) = self.window.pop_expired(now) {
            self.stats.timed_out_requests += 1;
            self.events.push_back(Event::RequestTimedOut {
                seq: entry.seq,
                tag: entry.data.tag,
                request: entry.data.request,
            });
        }
        if self.timers.take_expired(Timer::Bind, now) {
            self.close(CloseReason::BindTimeout);
            return;
        }
        if self.timers.take_expired(Timer::Unbind, now) {
            self.close(CloseReason::UnbindTimeout);
            return;
        }
        if self.timers.take_expired(Timer::EnquireLinkResponse, now) {
            if let Some(probe) = self.probe.take() {
                // Any PDU since the probe went out proves the peer alive; only silence kills.
                if self.last_received < probe.sent_at {
                    self.close(CloseReason::LinkDead);
                    return;
                }
            }
        }
        if self.timers.take_expired(Timer::KeepAlive, now) && self.state.is_bound() {
            if self.probe.is_none() {
                let seq = self.send_untracked(Body::EnquireLink);
                self.stats.enquire_links_sent += 1;
                self.probe = Some(Probe { seq, sent_at: now });
                self.timers.set(
                    Timer::EnquireLinkResponse,
                    now + self.config.response_timeout,
                );
            }
            self.arm_keepalive(now);
        }
    }
}

/// Whether `role`, bound as `bind_type`, may originate `command` (SMPP 3.4 table 2-1).
fn may_send(role: Role, bind_type: BindType, command: CommandId) -> bool {
    match role {
        Role::Esme => {
            bind_type.transmits()
                && matches!(
                    command,
                    CommandId::SUBMIT_SM
                        | CommandId::SUBMIT_MULTI
                        | CommandId::DATA_SM
                        | CommandId::QUERY_SM
                        | CommandId::CANCEL_SM
                        | CommandId::REPLACE_SM
                )
        }
        Role::Smsc => {
            bind_type.receives()
                && matches!(
                    command,
                    CommandId::DELIVER_SM | CommandId::DATA_SM | CommandId::ALERT_NOTIFICATION
                )
        }
    }
}

/// Whether the peer of `role`, bound as `bind_type`, may send us `command`.
pub(crate) fn peer_may_send(role: Role, bind_type: BindType, command: CommandId) -> bool {
    match role {
        Role::Esme => may_send(Role::Smsc, bind_type, command),
        Role::Smsc => may_send(Role::Esme, bind_type, command),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn enquire_links(count: u32) -> BytesMut {
        let mut wire = BytesMut::new();
        for seq in 1..=count {
            Pdu::ok(seq, Body::EnquireLink).encode(&mut wire);
        }
        wire
    }

    #[test]
    fn a_new_connection_holds_no_buffers() {
        let connection = Connection::new(Role::Smsc, SessionConfig::default(), Instant::now());
        assert_eq!(connection.out.capacity(), 0);
        assert_eq!(connection.events.capacity(), 0);
        assert_eq!(connection.window.len(), 0);
    }

    #[test]
    fn a_large_burst_copied_out_does_not_stay_allocated() {
        let now = Instant::now();
        let mut connection = Connection::new(Role::Smsc, SessionConfig::default(), now);
        // 1,000 enquire_links are answered with 1,000 enquire_link_resps (16 kB).
        let mut wire = enquire_links(1_000);
        connection.handle_input(&mut wire, now);
        assert!(wire.is_empty());
        // The caller still has bytes of its own: ours are copied after them.
        let mut out = BytesMut::from(&b"pending"[..]);
        assert_eq!(connection.poll_transmit(&mut out), 16_000);
        assert_eq!(out.len(), 7 + 16_000);
        assert_eq!(out.get(7..11), Some(&16u32.to_be_bytes()[..]));
        assert_eq!(connection.out.capacity(), 0, "16 kB are not kept for later");
        // A small answer keeps its small buffer for the next one.
        let mut wire = enquire_links(1);
        connection.handle_input(&mut wire, now);
        assert_eq!(connection.poll_transmit(&mut out), 16);
        assert!(connection.out.capacity() > 0);
        assert!(connection.out.capacity() <= KEEP_OUT_CAPACITY);
    }

    #[test]
    fn release_buffers_frees_only_what_is_empty() {
        let now = Instant::now();
        let mut connection = Connection::new(Role::Smsc, SessionConfig::default(), now);
        let mut wire = enquire_links(3);
        connection.handle_input(&mut wire, now);
        // Unsent output survives a release.
        connection.release_buffers();
        assert_eq!(connection.pending_transmit(), 48);
        let mut out = BytesMut::new();
        assert_eq!(connection.poll_transmit(&mut out), 48);
        assert_eq!(out.len(), 48);
        // Once sent, the (swapped-in, empty) buffers are given back.
        out.clear();
        connection.poll_transmit(&mut out);
        connection.release_buffers();
        assert_eq!(connection.out.capacity(), 0);
        assert_eq!(connection.events.capacity(), 0);
    }
}
