//! Optional parameters (TLVs): an ordered list of (tag, value) pairs that keeps unknown and
//! vendor TLVs byte-exact, with the lengths of the SMPP 3.4 standard tags checked on decode.
//! Typed accessors per standard tag live in `tlv_access`.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use super::error::{DecodeErrorKind, EncodeError};
use super::reader::Reader;

/// A TLV parameter tag; the constants are the SMPP 3.4 standard tags (section 5.3.2).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TlvTag(pub u16);

macro_rules! tlv_tags {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $text:expr, $min:expr, $max:expr;)*) => {
        impl TlvTag {
            $($(#[$doc])* pub const $name: Self = Self($value);)*

            /// The spec name in lower case (`"sar_msg_ref_num"`), or `None` for other tags.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }

            /// The value lengths SMPP 3.4 allows for a standard tag, as (min, max) inclusive.
            pub const fn allowed_len(self) -> Option<(u16, u16)> {
                match self.0 {
                    $($value => Some(($min, $max)),)*
                    _ => None,
                }
            }
        }

    };
}

// Tag, name, then the value length range from the definition in SMPP 3.4 section 5.3.2.
tlv_tags! {
    /// dest_addr_subunit (1 octet).
    DEST_ADDR_SUBUNIT = 0x0005, "dest_addr_subunit", 1, 1;
    /// dest_network_type (1 octet).
    DEST_NETWORK_TYPE = 0x0006, "dest_network_type", 1, 1;
    /// dest_bearer_type (1 octet).
    DEST_BEARER_TYPE = 0x0007, "dest_bearer_type", 1, 1;
    /// dest_telematics_id (2 octets).
    DEST_TELEMATICS_ID = 0x0008, "dest_telematics_id", 2, 2;
    /// source_addr_subunit (1 octet).
    SOURCE_ADDR_SUBUNIT = 0x000D, "source_addr_subunit", 1, 1;
    /// source_network_type (1 octet).
    SOURCE_NETWORK_TYPE = 0x000E, "source_network_type", 1, 1;
    /// source_bearer_type (1 octet).
    SOURCE_BEARER_TYPE = 0x000F, "source_bearer_type", 1, 1;
    /// source_telematics_id (1 octet).
    SOURCE_TELEMATICS_ID = 0x0010, "source_telematics_id", 1, 1;
    /// qos_time_to_live (4 octets, seconds).
    QOS_TIME_TO_LIVE = 0x0017, "qos_time_to_live", 4, 4;
    /// payload_type (1 octet).
    PAYLOAD_TYPE = 0x0019, "payload_type", 1, 1;
    /// additional_status_info_text (C-Octet String, up to 256 octets).
    ADDITIONAL_STATUS_INFO_TEXT = 0x001D, "additional_status_info_text", 1, 256;
    /// receipted_message_id (C-Octet String, up to 65 octets).
    RECEIPTED_MESSAGE_ID = 0x001E, "receipted_message_id", 1, 65;
    /// ms_msg_wait_facilities (1 octet).
    MS_MSG_WAIT_FACILITIES = 0x0030, "ms_msg_wait_facilities", 1, 1;
    /// privacy_indicator (1 octet).
    PRIVACY_INDICATOR = 0x0201, "privacy_indicator", 1, 1;
    /// source_subaddress (2 to 23 octets).
    SOURCE_SUBADDRESS = 0x0202, "source_subaddress", 2, 23;
    /// dest_subaddress (2 to 23 octets).
    DEST_SUBADDRESS = 0x0203, "dest_subaddress", 2, 23;
    /// user_message_reference (2 octets).
    USER_MESSAGE_REFERENCE = 0x0204, "user_message_reference", 2, 2;
    /// user_response_code (1 octet).
    USER_RESPONSE_CODE = 0x0205, "user_response_code", 1, 1;
    /// source_port (2 octets).
    SOURCE_PORT = 0x020A, "source_port", 2, 2;
    /// destination_port (2 octets).
    DESTINATION_PORT = 0x020B, "destination_port", 2, 2;
    /// sar_msg_ref_num (2 octets).
    SAR_MSG_REF_NUM = 0x020C, "sar_msg_ref_num", 2, 2;
    /// language_indicator (1 octet).
    LANGUAGE_INDICATOR = 0x020D, "language_indicator", 1, 1;
    /// sar_total_segments (1 octet).
    SAR_TOTAL_SEGMENTS = 0x020E, "sar_total_segments", 1, 1;
    /// sar_segment_seqnum (1 octet).
    SAR_SEGMENT_SEQNUM = 0x020F, "sar_segment_seqnum", 1, 1;
    /// sc_interface_version (1 octet).
    SC_INTERFACE_VERSION = 0x0210, "sc_interface_version", 1, 1;
    /// callback_num_pres_ind (1 octet).
    CALLBACK_NUM_PRES_IND = 0x0302, "callback_num_pres_ind", 1, 1;
    /// callback_num_atag (up to 65 octets).
    CALLBACK_NUM_ATAG = 0x0303, "callback_num_atag", 0, 65;
    /// number_of_messages (1 octet).
    NUMBER_OF_MESSAGES = 0x0304, "number_of_messages", 1, 1;
    /// callback_num (4 to 19 octets).
    CALLBACK_NUM = 0x0381, "callback_num", 4, 19;
    /// dpf_result (1 octet).
    DPF_RESULT = 0x0420, "dpf_result", 1, 1;
    /// set_dpf (1 octet).
    SET_DPF = 0x0421, "set_dpf", 1, 1;
    /// ms_availability_status (1 octet).
    MS_AVAILABILITY_STATUS = 0x0422, "ms_availability_status", 1, 1;
    /// network_error_code (3 octets: network type, error code).
    NETWORK_ERROR_CODE = 0x0423, "network_error_code", 3, 3;
    /// message_payload (any length up to 65535).
    MESSAGE_PAYLOAD = 0x0424, "message_payload", 0, 65535;
    /// delivery_failure_reason (1 octet).
    DELIVERY_FAILURE_REASON = 0x0425, "delivery_failure_reason", 1, 1;
    /// more_messages_to_send (1 octet).
    MORE_MESSAGES_TO_SEND = 0x0426, "more_messages_to_send", 1, 1;
    /// message_state (1 octet).
    MESSAGE_STATE = 0x0427, "message_state", 1, 1;
    /// ussd_service_op (1 octet).
    USSD_SERVICE_OP = 0x0501, "ussd_service_op", 1, 1;
    /// display_time (1 octet).
    DISPLAY_TIME = 0x1201, "display_time", 1, 1;
    /// sms_signal (2 octets).
    SMS_SIGNAL = 0x1203, "sms_signal", 2, 2;
    /// ms_validity (1 octet).
    MS_VALIDITY = 0x1204, "ms_validity", 1, 1;
    /// alert_on_message_delivery (no value).
    ALERT_ON_MESSAGE_DELIVERY = 0x130C, "alert_on_message_delivery", 0, 0;
    /// its_reply_type (1 octet).
    ITS_REPLY_TYPE = 0x1380, "its_reply_type", 1, 1;
    /// its_session_info (2 octets).
    ITS_SESSION_INFO = 0x1383, "its_session_info", 2, 2;
}

impl TlvTag {
    /// True when `len` is a valid value length for this tag (always true for other tags).
    pub fn allows_len(self, len: usize) -> bool {
        match self.allowed_len() {
            Some((min, max)) => len >= usize::from(min) && len <= usize::from(max),
            None => len <= usize::from(u16::MAX),
        }
    }
}

impl fmt::Debug for TlvTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}(0x{:04X})", self.0),
            None => write!(f, "TlvTag(0x{:04X})", self.0),
        }
    }
}

impl fmt::Display for TlvTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:04X}", self.0),
        }
    }
}

/// One TLV; its value length is always valid for its tag.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Tlv {
    tag: TlvTag,
    value: Bytes,
}

impl Tlv {
    /// Checks the length against the tag's definition (any tag: at most 65535 octets).
    pub fn new(tag: TlvTag, value: Bytes) -> Result<Self, EncodeError> {
        if !tag.allows_len(value.len()) {
            return Err(EncodeError::InvalidTlvLength {
                tag,
                len: value.len(),
            });
        }
        Ok(Self { tag, value })
    }

    /// The tag.
    pub fn tag(&self) -> TlvTag {
        self.tag
    }

    /// The raw value (no copy).
    pub fn value(&self) -> &Bytes {
        &self.value
    }

    /// Octets on the wire: 4 of header plus the value.
    pub fn encoded_len(&self) -> usize {
        4 + self.value.len()
    }

    fn encode(&self, out: &mut BytesMut) {
        out.put_u16(self.tag.0);
        // `new` and the decoder keep every value within u16.
        out.put_u16(u16::try_from(self.value.len()).unwrap_or(u16::MAX));
        out.put_slice(&self.value);
    }
}

impl fmt::Debug for Tlv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}={:02X?}", self.tag, &self.value[..])
    }
}

/// The optional parameters of a PDU in wire order.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Tlvs {
    items: Vec<Tlv>,
}

impl Tlvs {
    /// No TLVs (does not allocate).
    pub const fn new() -> Self {
        Self { items: Vec::new() }
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many TLVs.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// The TLVs in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tlv> {
        self.items.iter()
    }

    /// The value of the first TLV with this tag.
    pub fn get(&self, tag: TlvTag) -> Option<&Bytes> {
        self.items
            .iter()
            .find(|tlv| tlv.tag == tag)
            .map(|tlv| &tlv.value)
    }

    /// True when a TLV with this tag is present.
    pub fn contains(&self, tag: TlvTag) -> bool {
        self.items.iter().any(|tlv| tlv.tag == tag)
    }

    /// Appends a TLV, even if one with the same tag exists.
    pub fn push(&mut self, tlv: Tlv) {
        self.items.push(tlv);
    }

    /// Replaces the value of the first TLV with this tag (keeping its place) or appends one.
    pub fn set(&mut self, tlv: Tlv) {
        match self.items.iter_mut().find(|item| item.tag == tlv.tag) {
            Some(item) => *item = tlv,
            None => self.items.push(tlv),
        }
    }

    /// Removes every TLV with this tag; returns the first value removed.
    pub fn remove(&mut self, tag: TlvTag) -> Option<Bytes> {
        let first = self.get(tag).cloned();
        self.items.retain(|tlv| tlv.tag != tag);
        first
    }

    /// Octets on the wire.
    pub fn encoded_len(&self) -> usize {
        self.items.iter().map(Tlv::encoded_len).sum()
    }

    /// Writes every TLV in order.
    pub fn encode(&self, out: &mut BytesMut) {
        for tlv in &self.items {
            tlv.encode(out);
        }
    }

    /// Reads TLVs until the reader is empty.
    pub fn decode(reader: &mut Reader<'_>) -> Result<Self, DecodeErrorKind> {
        let mut items = Vec::new();
        while !reader.is_empty() {
            if reader.remaining() < 4 {
                return Err(DecodeErrorKind::InvalidTlvStream);
            }
            let tag = TlvTag(reader.u16("tlv tag")?);
            let len = reader.u16("tlv length")?;
            let value = reader
                .take(usize::from(len), "tlv value")
                .map_err(|_| DecodeErrorKind::InvalidTlvStream)?;
            if !tag.allows_len(value.len()) {
                return Err(DecodeErrorKind::InvalidTlvLength { tag, len });
            }
            items.push(Tlv { tag, value });
        }
        Ok(Self { items })
    }

    /// Builds a typed TLV whose value length is known to be valid for the tag.
    pub(crate) fn set_checked(&mut self, tag: TlvTag, value: Bytes) {
        self.set(Tlv { tag, value });
    }
}

impl fmt::Debug for Tlvs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.items.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Tlvs {
    type Item = &'a Tlv;
    type IntoIter = std::slice::Iter<'a, Tlv>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
