//! The `command_status` header field: every SMPP 3.4 error code as a named constant.

use std::fmt;

/// An SMPP `command_status`; unknown (vendor) values are kept as they are.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CommandStatus(pub u32);

macro_rules! statuses {
    ($($(#[$doc:meta])* $name:ident = $value:expr;)*) => {
        impl CommandStatus {
            $($(#[$doc])* pub const $name: Self = Self($value);)*

            /// The spec name (`"ESME_RTHROTTLED"`), or `None` for a value SMPP 3.4 does not define.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

// SMPP 3.4 section 5.1.3, table 5-2.
statuses! {
    /// No error.
    ESME_ROK = 0x0000_0000;
    /// Message length is invalid.
    ESME_RINVMSGLEN = 0x0000_0001;
    /// Command length is invalid.
    ESME_RINVCMDLEN = 0x0000_0002;
    /// Invalid command id.
    ESME_RINVCMDID = 0x0000_0003;
    /// Incorrect bind status for the given command.
    ESME_RINVBNDSTS = 0x0000_0004;
    /// ESME already in bound state.
    ESME_RALYBND = 0x0000_0005;
    /// Invalid priority flag.
    ESME_RINVPRTFLG = 0x0000_0006;
    /// Invalid registered delivery flag.
    ESME_RINVREGDLVFLG = 0x0000_0007;
    /// System error.
    ESME_RSYSERR = 0x0000_0008;
    /// Invalid source address.
    ESME_RINVSRCADR = 0x0000_000A;
    /// Invalid destination address.
    ESME_RINVDSTADR = 0x0000_000B;
    /// Message id is invalid.
    ESME_RINVMSGID = 0x0000_000C;
    /// Bind failed.
    ESME_RBINDFAIL = 0x0000_000D;
    /// Invalid password.
    ESME_RINVPASWD = 0x0000_000E;
    /// Invalid system id.
    ESME_RINVSYSID = 0x0000_000F;
    /// cancel_sm failed.
    ESME_RCANCELFAIL = 0x0000_0011;
    /// replace_sm failed.
    ESME_RREPLACEFAIL = 0x0000_0013;
    /// Message queue full.
    ESME_RMSGQFUL = 0x0000_0014;
    /// Invalid service type.
    ESME_RINVSERTYP = 0x0000_0015;
    /// Invalid number of destinations.
    ESME_RINVNUMDESTS = 0x0000_0033;
    /// Invalid distribution list name.
    ESME_RINVDLNAME = 0x0000_0034;
    /// Destination flag is invalid (submit_multi).
    ESME_RINVDESTFLAG = 0x0000_0040;
    /// Invalid 'submit with replace' request (replace_if_present_flag set).
    ESME_RINVSUBREP = 0x0000_0042;
    /// Invalid esm_class field data.
    ESME_RINVESMCLASS = 0x0000_0043;
    /// Cannot submit to distribution list.
    ESME_RCNTSUBDL = 0x0000_0044;
    /// submit_sm or submit_multi failed.
    ESME_RSUBMITFAIL = 0x0000_0045;
    /// Invalid source address TON.
    ESME_RINVSRCTON = 0x0000_0048;
    /// Invalid source address NPI.
    ESME_RINVSRCNPI = 0x0000_0049;
    /// Invalid destination address TON.
    ESME_RINVDSTTON = 0x0000_0050;
    /// Invalid destination address NPI.
    ESME_RINVDSTNPI = 0x0000_0051;
    /// Invalid system_type field.
    ESME_RINVSYSTYP = 0x0000_0053;
    /// Invalid replace_if_present flag.
    ESME_RINVREPFLAG = 0x0000_0054;
    /// Invalid number of messages.
    ESME_RINVNUMMSGS = 0x0000_0055;
    /// Throttling error (ESME has exceeded allowed message limits).
    ESME_RTHROTTLED = 0x0000_0058;
    /// Invalid scheduled delivery time.
    ESME_RINVSCHED = 0x0000_0061;
    /// Invalid message validity period (expiry time).
    ESME_RINVEXPIRY = 0x0000_0062;
    /// Predefined message invalid or not found.
    ESME_RINVDFTMSGID = 0x0000_0063;
    /// ESME receiver temporary application error code.
    ESME_RX_T_APPN = 0x0000_0064;
    /// ESME receiver permanent application error code.
    ESME_RX_P_APPN = 0x0000_0065;
    /// ESME receiver reject message error code.
    ESME_RX_R_APPN = 0x0000_0066;
    /// query_sm request failed.
    ESME_RQUERYFAIL = 0x0000_0067;
    /// Error in the optional part of the PDU body.
    ESME_RINVOPTPARSTREAM = 0x0000_00C0;
    /// Optional parameter not allowed.
    ESME_ROPTPARNOTALLWD = 0x0000_00C1;
    /// Invalid parameter length.
    ESME_RINVPARLEN = 0x0000_00C2;
    /// Expected optional parameter missing.
    ESME_RMISSINGOPTPARAM = 0x0000_00C3;
    /// Invalid optional parameter value.
    ESME_RINVOPTPARAMVAL = 0x0000_00C4;
    /// Delivery failure (used for data_sm_resp).
    ESME_RDELIVERYFAILURE = 0x0000_00FE;
    /// Unknown error.
    ESME_RUNKNOWNERR = 0x0000_00FF;
}

impl CommandStatus {
    /// True for `ESME_ROK`.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }

    /// True for statuses that say "try again later" rather than "this message is wrong":
    /// system error, queue full, throttled and the receiver's temporary application error.
    pub const fn is_temporary(self) -> bool {
        matches!(
            self,
            Self::ESME_RSYSERR | Self::ESME_RMSGQFUL | Self::ESME_RTHROTTLED | Self::ESME_RX_T_APPN
        )
    }

    /// True for the statuses that ask the sender to slow down (throttled, queue full).
    pub const fn is_throttling(self) -> bool {
        matches!(self, Self::ESME_RTHROTTLED | Self::ESME_RMSGQFUL)
    }

    /// True for values SMPP 3.4 reserves for vendor-specific errors (0x400-0x4FF).
    pub const fn is_vendor_specific(self) -> bool {
        self.0 >= 0x400 && self.0 <= 0x4FF
    }
}

impl fmt::Debug for CommandStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}(0x{:08X})", self.0),
            None => write!(f, "CommandStatus(0x{:08X})", self.0),
        }
    }
}

impl fmt::Display for CommandStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:02X})", self.0),
            None => write!(f, "0x{:02X}", self.0),
        }
    }
}

impl From<u32> for CommandStatus {
    fn from(value: u32) -> Self {
        Self(value)
    }
}

impl From<CommandStatus> for u32 {
    fn from(value: CommandStatus) -> Self {
        value.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values_match_the_spec_table() {
        assert_eq!(CommandStatus::ESME_RINVCMDLEN.0, 0x02);
        assert_eq!(CommandStatus::ESME_RTHROTTLED.0, 0x58);
        assert_eq!(CommandStatus::ESME_RINVPARLEN.0, 0xC2);
        assert_eq!(CommandStatus::ESME_RUNKNOWNERR.0, 0xFF);
        assert_eq!(CommandStatus(0x58).name(), Some("ESME_RTHROTTLED"));
        assert_eq!(CommandStatus(0x09).name(), None);
    }

    #[test]
    fn display_names_known_and_shows_unknown() {
        assert_eq!(
            CommandStatus::ESME_RINVDSTADR.to_string(),
            "ESME_RINVDSTADR (0x0B)"
        );
        assert_eq!(CommandStatus(0x401).to_string(), "0x401");
        assert!(CommandStatus(0x401).is_vendor_specific());
        assert!(CommandStatus::ESME_RTHROTTLED.is_temporary());
        assert!(!CommandStatus::ESME_RINVDSTADR.is_temporary());
    }
}
