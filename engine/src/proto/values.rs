//! One-octet wire enums of the PDU bodies as open newtypes with the SMPP 3.4 values named.

use std::fmt;

macro_rules! wire_u8 {
    ($(#[$tdoc:meta])* $ty:ident { $($(#[$doc:meta])* $name:ident = $value:expr;)* }) => {
        $(#[$tdoc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $ty(pub u8);

        impl $ty {
            $($(#[$doc])* pub const $name: Self = Self($value);)*

            /// The spec name of the value, or `None` for a reserved one.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(name) => write!(f, "{}::{}", stringify!($ty), name),
                    None => write!(f, "{}({})", stringify!($ty), self.0),
                }
            }
        }

        impl From<u8> for $ty {
            fn from(value: u8) -> Self {
                Self(value)
            }
        }
    };
}

wire_u8! {
    /// Type of Number of an address (SMPP 3.4 section 5.2.5).
    Ton {
        /// Unknown.
        UNKNOWN = 0;
        /// International.
        INTERNATIONAL = 1;
        /// National.
        NATIONAL = 2;
        /// Network specific.
        NETWORK_SPECIFIC = 3;
        /// Subscriber number.
        SUBSCRIBER_NUMBER = 4;
        /// Alphanumeric.
        ALPHANUMERIC = 5;
        /// Abbreviated.
        ABBREVIATED = 6;
    }
}

wire_u8! {
    /// Numbering Plan Indicator of an address (SMPP 3.4 section 5.2.6).
    Npi {
        /// Unknown.
        UNKNOWN = 0;
        /// ISDN (E.163/E.164).
        ISDN = 1;
        /// Data (X.121).
        DATA = 3;
        /// Telex (F.69).
        TELEX = 4;
        /// Land mobile (E.212).
        LAND_MOBILE = 6;
        /// National.
        NATIONAL = 8;
        /// Private.
        PRIVATE = 9;
        /// ERMES.
        ERMES = 10;
        /// Internet (IP).
        INTERNET = 14;
        /// WAP client id.
        WAP_CLIENT_ID = 18;
    }
}

wire_u8! {
    /// State of a message (query_sm_resp and the message_state TLV, SMPP 3.4 section 5.2.28).
    MessageState {
        /// Scheduled (not in 3.4's table, 0 is sometimes sent for it).
        SCHEDULED = 0;
        /// In enroute state.
        ENROUTE = 1;
        /// Delivered to destination.
        DELIVERED = 2;
        /// Validity period expired.
        EXPIRED = 3;
        /// Deleted.
        DELETED = 4;
        /// Undeliverable.
        UNDELIVERABLE = 5;
        /// Accepted (manually read on behalf of the subscriber).
        ACCEPTED = 6;
        /// Invalid state.
        UNKNOWN = 7;
        /// Rejected.
        REJECTED = 8;
    }
}

impl MessageState {
    /// True for states after which the message will not change any more.
    pub const fn is_final(self) -> bool {
        matches!(self.0, 2..=8)
    }
}

/// The SMPP interface version this codec speaks (interface_version / sc_interface_version).
pub const SMPP_VERSION_3_4: u8 = 0x34;

/// Bits of the `esm_class` field (SMPP 3.4 section 5.2.12).
pub mod esm_class {
    /// Mask of the messaging mode (bits 1-0).
    pub const MODE_MASK: u8 = 0x03;
    /// Store and forward mode.
    pub const STORE_AND_FORWARD: u8 = 0x03;
    /// Datagram mode.
    pub const DATAGRAM: u8 = 0x01;
    /// Forward (transaction) mode.
    pub const FORWARD: u8 = 0x02;
    /// Mask of the message type (bits 5-2).
    pub const TYPE_MASK: u8 = 0x3C;
    /// Message type: SMSC delivery receipt (deliver_sm).
    pub const DELIVERY_RECEIPT: u8 = 0x04;
    /// Message type: intermediate delivery notification (deliver_sm).
    pub const INTERMEDIATE_NOTIFICATION: u8 = 0x20;
    /// UDH indicator: short_message starts with a user data header.
    pub const UDHI: u8 = 0x40;
    /// Reply path.
    pub const REPLY_PATH: u8 = 0x80;
}

/// Bits of the `registered_delivery` field (SMPP 3.4 section 5.2.17).
pub mod registered_delivery {
    /// Mask of the SMSC delivery receipt request (bits 1-0).
    pub const RECEIPT_MASK: u8 = 0x03;
    /// Receipt on success and failure.
    pub const RECEIPT_ALWAYS: u8 = 0x01;
    /// Receipt on failure only.
    pub const RECEIPT_ON_FAILURE: u8 = 0x02;
    /// Intermediate notification requested (bit 4).
    pub const INTERMEDIATE_NOTIFICATION: u8 = 0x10;
}
