//! The SMSC role: a partner ESME bound to the gateway.

use std::time::{Duration, Instant};

use crate::proto::values::SMPP_VERSION_3_4;
use crate::proto::{BindResp, Body, CommandId, CommandStatus, DeliverSm, Pdu, SystemId, Tlvs};

use super::common_session_api;
use super::config::SessionConfig;
use super::connection::{Connection, Role};
use super::event::CloseReason;
use super::sequence::SequenceNumber;
use super::types::{SessionError, SessionState};
use super::window::Window;

/// One connection from a partner ESME, with us as the SMSC. See the module docs for the call
/// order.
#[derive(Debug)]
pub struct SmscSession {
    conn: Connection,
}

impl SmscSession {
    /// A session on a freshly accepted connection; the bind timeout starts now.
    pub fn new(config: SessionConfig, now: Instant) -> Self {
        Self {
            conn: Connection::new(Role::Smsc, config, now),
        }
    }

    /// Accepts the bind reported by `Event::BindRequested`: sends bind_resp (with our
    /// `system_id` and sc_interface_version 3.4) and reports `Bound`.
    pub fn accept_bind(&mut self, system_id: SystemId, now: Instant) -> Result<(), SessionError> {
        let pending = self.take_pending_bind()?;
        let mut tlvs = Tlvs::new();
        tlvs.set_sc_interface_version(SMPP_VERSION_3_4);
        let resp = BindResp { system_id, tlvs };
        self.conn
            .write(&Pdu::ok(pending.seq, pending.bind_type.response_body(resp)));
        self.conn
            .enter_bound(pending.bind_type, pending.peer_system_id, now);
        Ok(())
    }

    /// Refuses the bind reported by `Event::BindRequested` with `status` (ESME_ROK becomes
    /// ESME_RBINDFAIL) and closes the session once the bind_resp is flushed.
    pub fn reject_bind(&mut self, status: CommandStatus) -> Result<(), SessionError> {
        let pending = self.take_pending_bind()?;
        let status = if status.is_ok() {
            CommandStatus::ESME_RBINDFAIL
        } else {
            status
        };
        let body = pending.bind_type.response_body(BindResp::default());
        self.conn.write(&Pdu::new(status, pending.seq, body));
        self.conn.close(CloseReason::BindRejected(status));
        Ok(())
    }

    fn take_pending_bind(&mut self) -> Result<super::connection::PendingBind, SessionError> {
        let state = self.conn.state;
        let command = match state {
            SessionState::Binding(bind_type) => bind_type.response_id(),
            SessionState::Closed => return Err(SessionError::Closed),
            _ => CommandId::BIND_TRANSCEIVER_RESP,
        };
        self.conn
            .pending_bind
            .take()
            .ok_or(SessionError::NotAllowed { command, state })
    }

    /// Sends deliver_sm (receiver or transceiver bind, window permitting).
    pub fn deliver(
        &mut self,
        deliver: DeliverSm,
        tag: u64,
        now: Instant,
    ) -> Result<SequenceNumber, SessionError> {
        self.conn.send_request(Body::DeliverSm(deliver), tag, now)
    }
}

impl SmscSession {
    /// Sets how many of our requests (deliver_sm) may await a response at once, clamped to
    /// 1..=[`super::MAX_WINDOW_SIZE`]: the partner's own window, known once its bind names it.
    /// Refused while requests are in flight (their slots would be lost); before
    /// `accept_bind` nothing can be.
    pub fn set_window_size(&mut self, size: usize) -> Result<(), SessionError> {
        if self.conn.state == SessionState::Closed {
            return Err(SessionError::Closed);
        }
        let in_flight = self.conn.window.len();
        if in_flight > 0 {
            return Err(SessionError::RequestsInFlight(in_flight));
        }
        self.conn.window = Window::new(size);
        self.conn.config.window_size = self.conn.window.capacity();
        Ok(())
    }

    /// Sets how long our requests (and our enquire_link) may wait for their response; applies
    /// to requests sent from now on.
    pub fn set_response_timeout(&mut self, timeout: Duration) {
        self.conn.config.response_timeout = timeout;
    }

    /// Sets the keepalive interval (zero: no enquire_link and no dead-link detection). When
    /// bound, the keepalive timer restarts from `now` with the new interval.
    pub fn set_enquire_link_interval(&mut self, interval: Duration, now: Instant) {
        self.conn.config.enquire_link_interval = interval;
        if self.conn.state.is_bound() {
            self.conn.timers.stop(super::timer::Timer::KeepAlive);
            self.conn.arm_keepalive(now);
        }
    }
}

common_session_api!(SmscSession);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use bytes::BytesMut;

    use super::*;
    use crate::proto::{Bind, Pdu};
    use crate::session::{BindType, Event};

    /// A session with a transceiver bound at `t0`, with default (64, 30 s, 60 s) settings.
    fn bound_after(configure: impl FnOnce(&mut SmscSession), t0: Instant) -> SmscSession {
        let mut session = SmscSession::new(SessionConfig::default(), t0);
        let mut wire = BytesMut::new();
        let bind = Bind::new("partner", "secret").unwrap();
        Pdu::ok(1, BindType::Transceiver.request_body(bind)).encode(&mut wire);
        session.handle_input(&mut wire, t0);
        assert!(matches!(
            session.poll_event(),
            Some(Event::BindRequested { .. })
        ));
        configure(&mut session);
        session.accept_bind(SystemId::empty(), t0).unwrap();
        assert!(matches!(session.poll_event(), Some(Event::Bound { .. })));
        let mut out = BytesMut::new();
        session.poll_transmit(&mut out);
        session
    }

    fn deliver(session: &mut SmscSession, now: Instant) -> Result<SequenceNumber, SessionError> {
        session.deliver(DeliverSm::default(), 0, now)
    }

    #[test]
    fn the_partner_window_bounds_deliveries() {
        let t0 = Instant::now();
        let mut session = bound_after(|s| s.set_window_size(2).unwrap(), t0);
        assert_eq!(session.window_capacity(), 2);
        assert_eq!(session.config().window_size, 2);
        deliver(&mut session, t0).unwrap();
        deliver(&mut session, t0).unwrap();
        assert_eq!(deliver(&mut session, t0), Err(SessionError::WindowFull(2)));
        assert_eq!(
            session.set_window_size(10),
            Err(SessionError::RequestsInFlight(2)),
            "resizing would lose the requests in flight"
        );
    }

    #[test]
    fn window_sizes_are_clamped() {
        let t0 = Instant::now();
        let mut session = SmscSession::new(SessionConfig::default(), t0);
        session.set_window_size(0).unwrap();
        assert_eq!(session.window_capacity(), 1);
        session.set_window_size(usize::MAX).unwrap();
        assert_eq!(session.window_capacity(), super::super::MAX_WINDOW_SIZE);
    }

    #[test]
    fn the_partner_response_timeout_times_deliveries_out() {
        let t0 = Instant::now();
        let mut session = bound_after(|s| s.set_response_timeout(Duration::from_secs(5)), t0);
        let seq = deliver(&mut session, t0).unwrap();
        session.handle_timeout(t0 + Duration::from_millis(4_999));
        assert!(session.poll_event().is_none());
        assert_eq!(
            session.poll_timeout(),
            Some(t0 + Duration::from_secs(5)),
            "the timer is armed for the configured timeout, not the default 30 s"
        );
        session.handle_timeout(t0 + Duration::from_secs(5));
        assert!(matches!(
            session.poll_event(),
            Some(Event::RequestTimedOut { seq: s, .. }) if s == seq
        ));
    }

    #[test]
    fn the_partner_enquire_link_interval_drives_keepalive() {
        let t0 = Instant::now();
        let mut session = bound_after(
            |s| s.set_enquire_link_interval(Duration::from_secs(7), t0),
            t0,
        );
        assert_eq!(session.poll_timeout(), Some(t0 + Duration::from_secs(7)));
        session.handle_timeout(t0 + Duration::from_secs(7));
        let mut out = BytesMut::new();
        session.poll_transmit(&mut out);
        let sent = Pdu::decode(out.freeze()).unwrap();
        assert_eq!(sent.command_id(), CommandId::ENQUIRE_LINK);
        assert_eq!(session.stats().enquire_links_sent, 1);
    }

    #[test]
    fn changing_the_interval_while_bound_rearms_or_stops_keepalive() {
        let t0 = Instant::now();
        let mut session = bound_after(|_| {}, t0);
        assert_eq!(session.poll_timeout(), Some(t0 + Duration::from_secs(60)));
        let t1 = t0 + Duration::from_secs(1);
        session.set_enquire_link_interval(Duration::from_secs(3), t1);
        assert_eq!(session.poll_timeout(), Some(t1 + Duration::from_secs(3)));
        session.set_enquire_link_interval(Duration::ZERO, t1);
        assert_eq!(session.poll_timeout(), None, "zero turns keepalive off");
    }
}
