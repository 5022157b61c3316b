//! What a session reports to the layer above.

use crate::proto::{AlertNotification, Bind, CommandId, CommandStatus, Outbind, Pdu, SystemId};

use super::sequence::SequenceNumber;
use super::types::BindType;

/// Something the caller must know or act upon; drained with `poll_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// ESME role: an SMSC asked us to bind (outbind); answer with `bind` or close.
    OutbindReceived(Outbind),
    /// SMSC role: the peer sent a bind; check it and answer with `accept_bind` or
    /// `reject_bind`.
    BindRequested {
        /// The bind's sequence number (the bind_resp carries it).
        seq: SequenceNumber,
        /// Which bind PDU it was.
        bind_type: BindType,
        /// Credentials and address range.
        bind: Bind,
    },
    /// The session is bound. ESME role: `system_id` is the SMSC's, from bind_resp; SMSC
    /// role: it is the peer's, from its bind.
    Bound {
        /// The bind type in force.
        bind_type: BindType,
        /// The other side's system_id.
        system_id: SystemId,
    },
    /// ESME role: the SMSC refused our bind (bind_resp error or generic_nack); `Closed`
    /// follows.
    BindFailed(CommandStatus),
    /// The peer sent a request we must answer with `respond` using its sequence number.
    RequestReceived(Pdu),
    /// The peer sent an alert_notification (it takes no response).
    AlertReceived(AlertNotification),
    /// The response to one of our requests arrived; `pdu.command_status` tells the outcome
    /// (a generic_nack is reported here too).
    Response {
        /// The request's sequence number.
        seq: SequenceNumber,
        /// The caller's tag given when sending the request.
        tag: u64,
        /// The request's command id.
        request: CommandId,
        /// The response.
        pdu: Pdu,
    },
    /// One of our requests got no response within the response timeout; its window slot is
    /// free again and a late response will be dropped.
    RequestTimedOut {
        /// The request's sequence number.
        seq: SequenceNumber,
        /// The caller's tag.
        tag: u64,
        /// The request's command id.
        request: CommandId,
    },
    /// One of our requests was still awaiting its response when the session closed.
    RequestAborted {
        /// The request's sequence number.
        seq: SequenceNumber,
        /// The caller's tag.
        tag: u64,
        /// The request's command id.
        request: CommandId,
    },
    /// The session is over (always the last event): flush `poll_transmit`, close the socket.
    Closed(CloseReason),
}

/// Why a session closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// SMSC role: no bind within the bind timeout. ESME role: no bind_resp in time.
    BindTimeout,
    /// ESME role: the SMSC refused our bind (see [`Event::BindFailed`]).
    BindFailed(CommandStatus),
    /// SMSC role: the caller refused the peer's bind with this status.
    BindRejected(CommandStatus),
    /// Our enquire_link went unanswered, with nothing else received, for the response
    /// timeout.
    LinkDead,
    /// Our unbind was answered.
    Unbound,
    /// Our unbind got no unbind_resp within the unbind timeout.
    UnbindTimeout,
    /// The peer unbound; we answered unbind_resp.
    PeerUnbound,
    /// The byte stream broke (impossible command_length); the reply was queued before closing.
    ProtocolError,
    /// The caller reported that the transport went away.
    ConnectionLost,
}
