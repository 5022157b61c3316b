//! The SMSC role: a partner ESME bound to the gateway.

use std::time::Instant;

use crate::proto::values::SMPP_VERSION_3_4;
use crate::proto::{BindResp, Body, CommandId, CommandStatus, DeliverSm, Pdu, SystemId, Tlvs};

use super::common_session_api;
use super::config::SessionConfig;
use super::connection::{Connection, Role};
use super::event::CloseReason;
use super::sequence::SequenceNumber;
use super::types::{SessionError, SessionState};

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

common_session_api!(SmscSession);
