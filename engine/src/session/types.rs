//! Plain types shared by both roles: bind types, session states, caller errors and counters.

use thiserror::Error;

use crate::proto::{Bind, BindResp, Body, CommandId};

use super::sequence::SequenceNumber;

/// The three ways to bind (SMPP 3.4 section 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindType {
    /// The ESME only submits (bind_transmitter).
    Transmitter,
    /// The ESME only receives deliveries (bind_receiver).
    Receiver,
    /// Both directions on one connection (bind_transceiver).
    Transceiver,
}

impl BindType {
    /// The bind type of a bind request or bind response command id.
    pub fn from_command_id(id: CommandId) -> Option<Self> {
        match id {
            CommandId::BIND_TRANSMITTER | CommandId::BIND_TRANSMITTER_RESP => {
                Some(Self::Transmitter)
            }
            CommandId::BIND_RECEIVER | CommandId::BIND_RECEIVER_RESP => Some(Self::Receiver),
            CommandId::BIND_TRANSCEIVER | CommandId::BIND_TRANSCEIVER_RESP => {
                Some(Self::Transceiver)
            }
            _ => None,
        }
    }

    /// The bind request command id for this type.
    pub fn request_id(self) -> CommandId {
        match self {
            Self::Transmitter => CommandId::BIND_TRANSMITTER,
            Self::Receiver => CommandId::BIND_RECEIVER,
            Self::Transceiver => CommandId::BIND_TRANSCEIVER,
        }
    }

    /// The bind response command id for this type.
    pub fn response_id(self) -> CommandId {
        match self {
            Self::Transmitter => CommandId::BIND_TRANSMITTER_RESP,
            Self::Receiver => CommandId::BIND_RECEIVER_RESP,
            Self::Transceiver => CommandId::BIND_TRANSCEIVER_RESP,
        }
    }

    /// The bind request body of this type.
    pub fn request_body(self, bind: Bind) -> Body {
        match self {
            Self::Transmitter => Body::BindTransmitter(bind),
            Self::Receiver => Body::BindReceiver(bind),
            Self::Transceiver => Body::BindTransceiver(bind),
        }
    }

    /// The bind response body of this type.
    pub fn response_body(self, resp: BindResp) -> Body {
        match self {
            Self::Transmitter => Body::BindTransmitterResp(resp),
            Self::Receiver => Body::BindReceiverResp(resp),
            Self::Transceiver => Body::BindTransceiverResp(resp),
        }
    }

    /// Whether the ESME may submit (submit_sm, data_sm, query_sm, ...) on this bind.
    pub fn transmits(self) -> bool {
        matches!(self, Self::Transmitter | Self::Transceiver)
    }

    /// Whether the SMSC may deliver (deliver_sm, data_sm, alert_notification) on this bind.
    pub fn receives(self) -> bool {
        matches!(self, Self::Receiver | Self::Transceiver)
    }

    /// The lowercase name used in configuration (`transmitter`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transmitter => "transmitter",
            Self::Receiver => "receiver",
            Self::Transceiver => "transceiver",
        }
    }
}

/// Where a session is in its life (SMPP 3.4 section 2.2 plus the in-between steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Connected, not bound: only a bind (or, toward an ESME, an outbind) is meaningful.
    Open,
    /// ESME: our bind is awaiting its bind_resp. SMSC: the peer's bind awaits the caller's
    /// `accept_bind`/`reject_bind`.
    Binding(BindType),
    /// Bound; traffic flows as the bind type allows.
    Bound(BindType),
    /// We sent unbind and wait for unbind_resp.
    Unbinding,
    /// Finished: flush what `poll_transmit` still yields, then close the socket.
    Closed,
}

impl SessionState {
    /// True in [`SessionState::Bound`].
    pub fn is_bound(self) -> bool {
        matches!(self, Self::Bound(_))
    }
}

/// Caller misuse of a session command; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SessionError {
    /// Every window slot holds a request awaiting its response.
    #[error("window full: {0} requests already in flight")]
    WindowFull(usize),
    /// The command is not allowed in this state or on this bind type.
    #[error("{command} not allowed in session state {state:?}")]
    NotAllowed {
        /// The command refused.
        command: CommandId,
        /// The state that refused it.
        state: SessionState,
    },
    /// `send_request` was given a response body.
    #[error("{0} is not a request")]
    NotARequest(CommandId),
    /// `respond` was given a request body.
    #[error("{0} is not a response")]
    NotAResponse(CommandId),
    /// The sequence number is still in flight (only after 2^31 requests without a timeout pass).
    #[error("sequence number {0} is still in flight")]
    SequenceInUse(SequenceNumber),
    /// The session has closed.
    #[error("session closed")]
    Closed,
    /// The window cannot be resized while requests are in flight.
    #[error("cannot resize the window: {0} requests in flight")]
    RequestsInFlight(usize),
}

/// Counters of the unusual things a session absorbed without failing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Responses whose sequence number was not in flight (late, duplicate or bogus): dropped.
    pub unexpected_responses: u64,
    /// PDUs that failed to decode (answered with the codec's reply where one exists).
    pub decode_errors: u64,
    /// Requests refused because of the session state or bind type.
    pub rejected_requests: u64,
    /// Our requests that got no response within the response timeout.
    pub timed_out_requests: u64,
    /// enquire_link requests we sent.
    pub enquire_links_sent: u64,
}
