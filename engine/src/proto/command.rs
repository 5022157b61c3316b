//! The `command_id` header field as an open newtype: unknown ids survive a round trip.

use std::fmt;

/// An SMPP `command_id`; the constants name every SMPP 3.4 command.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(pub u32);

/// Bit that marks a response `command_id` (SMPP 3.4 section 5.1.2.1).
const RESPONSE_BIT: u32 = 0x8000_0000;

impl CommandId {
    /// generic_nack.
    pub const GENERIC_NACK: Self = Self(0x8000_0000);
    /// bind_receiver.
    pub const BIND_RECEIVER: Self = Self(0x0000_0001);
    /// bind_receiver_resp.
    pub const BIND_RECEIVER_RESP: Self = Self(0x8000_0001);
    /// bind_transmitter.
    pub const BIND_TRANSMITTER: Self = Self(0x0000_0002);
    /// bind_transmitter_resp.
    pub const BIND_TRANSMITTER_RESP: Self = Self(0x8000_0002);
    /// query_sm.
    pub const QUERY_SM: Self = Self(0x0000_0003);
    /// query_sm_resp.
    pub const QUERY_SM_RESP: Self = Self(0x8000_0003);
    /// submit_sm.
    pub const SUBMIT_SM: Self = Self(0x0000_0004);
    /// submit_sm_resp.
    pub const SUBMIT_SM_RESP: Self = Self(0x8000_0004);
    /// deliver_sm.
    pub const DELIVER_SM: Self = Self(0x0000_0005);
    /// deliver_sm_resp.
    pub const DELIVER_SM_RESP: Self = Self(0x8000_0005);
    /// unbind.
    pub const UNBIND: Self = Self(0x0000_0006);
    /// unbind_resp.
    pub const UNBIND_RESP: Self = Self(0x8000_0006);
    /// replace_sm.
    pub const REPLACE_SM: Self = Self(0x0000_0007);
    /// replace_sm_resp.
    pub const REPLACE_SM_RESP: Self = Self(0x8000_0007);
    /// cancel_sm.
    pub const CANCEL_SM: Self = Self(0x0000_0008);
    /// cancel_sm_resp.
    pub const CANCEL_SM_RESP: Self = Self(0x8000_0008);
    /// bind_transceiver.
    pub const BIND_TRANSCEIVER: Self = Self(0x0000_0009);
    /// bind_transceiver_resp.
    pub const BIND_TRANSCEIVER_RESP: Self = Self(0x8000_0009);
    /// outbind.
    pub const OUTBIND: Self = Self(0x0000_000B);
    /// enquire_link.
    pub const ENQUIRE_LINK: Self = Self(0x0000_0015);
    /// enquire_link_resp.
    pub const ENQUIRE_LINK_RESP: Self = Self(0x8000_0015);
    /// submit_multi.
    pub const SUBMIT_MULTI: Self = Self(0x0000_0021);
    /// submit_multi_resp.
    pub const SUBMIT_MULTI_RESP: Self = Self(0x8000_0021);
    /// alert_notification.
    pub const ALERT_NOTIFICATION: Self = Self(0x0000_0102);
    /// data_sm.
    pub const DATA_SM: Self = Self(0x0000_0103);
    /// data_sm_resp.
    pub const DATA_SM_RESP: Self = Self(0x8000_0103);

    /// True for response ids (the top bit is set), including generic_nack.
    pub const fn is_response(self) -> bool {
        self.0 & RESPONSE_BIT != 0
    }

    /// The response id that answers this request, or `None` for responses and for the requests
    /// that have no response (outbind, alert_notification) or are unknown.
    pub const fn response(self) -> Option<Self> {
        match self {
            Self::BIND_RECEIVER
            | Self::BIND_TRANSMITTER
            | Self::QUERY_SM
            | Self::SUBMIT_SM
            | Self::DELIVER_SM
            | Self::UNBIND
            | Self::REPLACE_SM
            | Self::CANCEL_SM
            | Self::BIND_TRANSCEIVER
            | Self::ENQUIRE_LINK
            | Self::SUBMIT_MULTI
            | Self::DATA_SM => Some(Self(self.0 | RESPONSE_BIT)),
            _ => None,
        }
    }

    /// True when this id is one of the SMPP 3.4 commands.
    pub const fn is_known(self) -> bool {
        self.name().is_some()
    }

    /// The spec name (`"submit_sm"`), or `None` for an unknown id.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::GENERIC_NACK => "generic_nack",
            Self::BIND_RECEIVER => "bind_receiver",
            Self::BIND_RECEIVER_RESP => "bind_receiver_resp",
            Self::BIND_TRANSMITTER => "bind_transmitter",
            Self::BIND_TRANSMITTER_RESP => "bind_transmitter_resp",
            Self::QUERY_SM => "query_sm",
            Self::QUERY_SM_RESP => "query_sm_resp",
            Self::SUBMIT_SM => "submit_sm",
            Self::SUBMIT_SM_RESP => "submit_sm_resp",
            Self::DELIVER_SM => "deliver_sm",
            Self::DELIVER_SM_RESP => "deliver_sm_resp",
            Self::UNBIND => "unbind",
            Self::UNBIND_RESP => "unbind_resp",
            Self::REPLACE_SM => "replace_sm",
            Self::REPLACE_SM_RESP => "replace_sm_resp",
            Self::CANCEL_SM => "cancel_sm",
            Self::CANCEL_SM_RESP => "cancel_sm_resp",
            Self::BIND_TRANSCEIVER => "bind_transceiver",
            Self::BIND_TRANSCEIVER_RESP => "bind_transceiver_resp",
            Self::OUTBIND => "outbind",
            Self::ENQUIRE_LINK => "enquire_link",
            Self::ENQUIRE_LINK_RESP => "enquire_link_resp",
            Self::SUBMIT_MULTI => "submit_multi",
            Self::SUBMIT_MULTI_RESP => "submit_multi_resp",
            Self::ALERT_NOTIFICATION => "alert_notification",
            Self::DATA_SM => "data_sm",
            Self::DATA_SM_RESP => "data_sm_resp",
            _ => return None,
        })
    }
}

impl fmt::Debug for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}(0x{:08X})", self.0),
            None => write!(f, "CommandId(0x{:08X})", self.0),
        }
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl From<u32> for CommandId {
    fn from(value: u32) -> Self {
        Self(value)
    }
}

impl From<CommandId> for u32 {
    fn from(value: CommandId) -> Self {
        value.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn requests_map_to_their_responses() {
        assert_eq!(
            CommandId::SUBMIT_SM.response(),
            Some(CommandId::SUBMIT_SM_RESP)
        );
        assert_eq!(CommandId::DATA_SM.response(), Some(CommandId::DATA_SM_RESP));
        assert_eq!(CommandId::OUTBIND.response(), None);
        assert_eq!(CommandId::ALERT_NOTIFICATION.response(), None);
        assert_eq!(CommandId::SUBMIT_SM_RESP.response(), None);
        assert_eq!(CommandId(0x1234).response(), None);
    }

    #[test]
    fn response_bit_and_names() {
        assert!(CommandId::GENERIC_NACK.is_response());
        assert!(!CommandId::ENQUIRE_LINK.is_response());
        assert_eq!(CommandId::ENQUIRE_LINK.to_string(), "enquire_link");
        assert_eq!(CommandId(0x42).to_string(), "0x00000042");
        assert!(!CommandId(0x42).is_known());
    }
}
