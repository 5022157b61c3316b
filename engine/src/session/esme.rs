//! The ESME role: the gateway binding to a carrier SMSC.

use std::time::Instant;

use crate::proto::{Bind, Body, SubmitSm, SystemId};

use super::common_session_api;
use super::config::SessionConfig;
use super::connection::{Connection, PendingBind, Role};
use super::sequence::SequenceNumber;
use super::timer::Timer;
use super::types::{BindType, SessionError, SessionState};

/// One connection to an SMSC, with us as the ESME. See the module docs for the call order.
#[derive(Debug)]
pub struct EsmeSession {
    conn: Connection,
}

impl EsmeSession {
    /// A session on a freshly connected transport; call [`EsmeSession::bind`] next.
    pub fn new(config: SessionConfig, now: Instant) -> Self {
        Self {
            conn: Connection::new(Role::Esme, config, now),
        }
    }

    /// Sends bind_transmitter/receiver/transceiver; `Bound` or `BindFailed` follows, or the
    /// session closes with `BindTimeout` if no bind_resp arrives within `bind_timeout`.
    pub fn bind(
        &mut self,
        bind_type: BindType,
        bind: Bind,
        now: Instant,
    ) -> Result<SequenceNumber, SessionError> {
        match self.conn.state {
            SessionState::Open => {}
            SessionState::Closed => return Err(SessionError::Closed),
            state => {
                return Err(SessionError::NotAllowed {
                    command: bind_type.request_id(),
                    state,
                })
            }
        }
        let seq = self.conn.send_untracked(bind_type.request_body(bind));
        self.conn.pending_bind = Some(PendingBind {
            seq,
            bind_type,
            peer_system_id: SystemId::empty(),
        });
        self.conn.state = SessionState::Binding(bind_type);
        self.conn
            .timers
            .set(Timer::Bind, now + self.conn.config.bind_timeout);
        Ok(seq)
    }

    /// Sends submit_sm (transmitter or transceiver bind, window permitting).
    pub fn submit(
        &mut self,
        submit: SubmitSm,
        tag: u64,
        now: Instant,
    ) -> Result<SequenceNumber, SessionError> {
        self.conn.send_request(Body::SubmitSm(submit), tag, now)
    }
}

common_session_api!(EsmeSession);
