//! Length-limited strings of the SMPP body: C-Octet Strings, SMPP times and short_message.
//!
//! Each type carries the spec's maximum so a too-long value is rejected when it is decoded or
//! built, never later on the wire. Contents are `Bytes` slices of the received frame.

use std::fmt;

use bytes::Bytes;

use super::error::EncodeError;

/// A C-Octet String of at most `MAX` octets on the wire, the terminating NUL included
/// (so at most `MAX - 1` octets of content). Holds the content without the NUL.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct COctetString<const MAX: usize> {
    content: Bytes,
}

/// `system_id` (bind, bind_resp, outbind): 16 octets.
pub type SystemId = COctetString<16>;
/// `password` (bind, outbind): 9 octets.
pub type Password = COctetString<9>;
/// `system_type` (bind): 13 octets.
pub type SystemType = COctetString<13>;
/// `address_range` (bind): 41 octets.
pub type AddressRange = COctetString<41>;
/// `service_type`: 6 octets.
pub type ServiceType = COctetString<6>;
/// `source_addr` / `destination_addr` of submit_sm, deliver_sm, submit_multi, query_sm,
/// cancel_sm, replace_sm and a distribution list name: 21 octets.
pub type Address = COctetString<21>;
/// The addresses of data_sm and alert_notification: 65 octets.
pub type LongAddress = COctetString<65>;
/// `message_id`: 65 octets.
pub type MessageId = COctetString<65>;

impl<const MAX: usize> COctetString<MAX> {
    /// The largest content length in octets (the NUL excluded).
    pub const MAX_CONTENT: usize = MAX - 1;

    /// The empty string (encoded as a single NUL).
    pub const fn empty() -> Self {
        Self {
            content: Bytes::new(),
        }
    }

    /// Checks `value` against the limit; the error names only the limit. Use
    /// [`COctetString::for_field`] to name the field in the error.
    pub fn new(value: &str) -> Result<Self, EncodeError> {
        Self::for_field("c-octet string", value)
    }

    /// Checks `value` against the limit; the error names `field`.
    pub fn for_field(field: &'static str, value: &str) -> Result<Self, EncodeError> {
        Self::from_bytes(field, Bytes::copy_from_slice(value.as_bytes()))
    }

    /// Checks raw octets (no NUL inside, at most `MAX - 1` long); the error names `field`.
    pub fn from_bytes(field: &'static str, content: Bytes) -> Result<Self, EncodeError> {
        if content.len() > Self::MAX_CONTENT {
            return Err(EncodeError::TooLong {
                field,
                max: Self::MAX_CONTENT,
                len: content.len(),
            });
        }
        if content.contains(&0) {
            return Err(EncodeError::InteriorNul { field });
        }
        Ok(Self { content })
    }

    /// Builds from content the reader has already checked.
    pub(crate) fn from_checked(content: Bytes) -> Self {
        Self { content }
    }

    /// The content octets, without the NUL.
    pub fn as_bytes(&self) -> &[u8] {
        &self.content
    }

    /// The content as a shared `Bytes` slice (no copy).
    pub fn bytes(&self) -> &Bytes {
        &self.content
    }

    /// The content as UTF-8 text, if it is.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.content).ok()
    }

    /// The content as text, invalid UTF-8 replaced (for logs).
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.content)
    }

    /// Content length in octets (the NUL excluded).
    pub fn len(&self) -> usize {
        self.content.len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }

    /// Octets on the wire: content plus NUL.
    pub fn encoded_len(&self) -> usize {
        self.content.len() + 1
    }
}

impl<const MAX: usize> fmt::Debug for COctetString<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

impl<const MAX: usize> fmt::Display for COctetString<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl<const MAX: usize> PartialEq<str> for COctetString<MAX> {
    fn eq(&self, other: &str) -> bool {
        self.content == other.as_bytes()
    }
}

impl<const MAX: usize> PartialEq<&str> for COctetString<MAX> {
    fn eq(&self, other: &&str) -> bool {
        self.content == other.as_bytes()
    }
}

impl<const MAX: usize> TryFrom<&str> for COctetString<MAX> {
    type Error = EncodeError;

    fn try_from(value: &str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

/// An SMPP time (`schedule_delivery_time`, `validity_period`, `final_date`): either empty or
/// exactly 16 characters `YYMMDDhhmmsstnnp` (absolute with `p` = `+`/`-`, relative with `R`).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct SmppTime {
    text: COctetString<17>,
}

impl SmppTime {
    /// The empty time ("immediate" / "SMSC default").
    pub const fn empty() -> Self {
        Self {
            text: COctetString::empty(),
        }
    }

    /// Checks the format; the error names `field`.
    pub fn for_field(field: &'static str, value: &str) -> Result<Self, EncodeError> {
        let text = COctetString::<17>::for_field(field, value)?;
        if !is_valid_time(text.as_bytes()) {
            return Err(EncodeError::InvalidTime { field });
        }
        Ok(Self { text })
    }

    /// Checks the format (error names the field generically).
    pub fn new(value: &str) -> Result<Self, EncodeError> {
        Self::for_field("smpp time", value)
    }

    pub(crate) fn from_checked(text: COctetString<17>) -> Self {
        Self { text }
    }

    /// The 16 characters (or nothing).
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The characters as text (always ASCII once checked).
    pub fn as_str(&self) -> &str {
        self.text.to_str().unwrap_or_default()
    }

    /// True for the empty time.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// True for a relative time (`p` = `R`).
    pub fn is_relative(&self) -> bool {
        self.text.as_bytes().get(15) == Some(&b'R')
    }

    /// Octets on the wire: 1 or 17.
    pub fn encoded_len(&self) -> usize {
        self.text.encoded_len()
    }

    pub(crate) fn inner(&self) -> &COctetString<17> {
        &self.text
    }
}

impl fmt::Debug for SmppTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// `YYMMDDhhmmss` digits, tenths digit, quarter-hour offset digits, then `+`, `-` or `R`.
pub(crate) fn is_valid_time(text: &[u8]) -> bool {
    match text {
        [] => true,
        [digits @ .., p] if digits.len() == 15 => {
            digits.iter().all(u8::is_ascii_digit) && matches!(p, b'+' | b'-' | b'R')
        }
        _ => false,
    }
}

/// The `short_message` field: at most 254 octets (SMPP 3.4 section 5.2.22); `sm_length` is
/// derived from it.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ShortMessage {
    octets: Bytes,
}

impl ShortMessage {
    /// The spec's limit on `sm_length`.
    pub const MAX_LEN: usize = 254;

    /// The empty short message (use message_payload instead, or an empty text).
    pub const fn empty() -> Self {
        Self {
            octets: Bytes::new(),
        }
    }

    /// Checks the length limit.
    pub fn new(octets: Bytes) -> Result<Self, EncodeError> {
        if octets.len() > Self::MAX_LEN {
            return Err(EncodeError::TooLong {
                field: "short_message",
                max: Self::MAX_LEN,
                len: octets.len(),
            });
        }
        Ok(Self { octets })
    }

    pub(crate) fn from_checked(octets: Bytes) -> Self {
        Self { octets }
    }

    /// The octets (no copy).
    pub fn bytes(&self) -> &Bytes {
        &self.octets
    }

    /// The octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.octets
    }

    /// Length in octets (= sm_length).
    pub fn len(&self) -> usize {
        self.octets.len()
    }

    /// True when sm_length is 0.
    pub fn is_empty(&self) -> bool {
        self.octets.is_empty()
    }
}

impl fmt::Debug for ShortMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShortMessage({:02X?})", &self.octets[..])
    }
}

impl TryFrom<Bytes> for ShortMessage {
    type Error = EncodeError;

    fn try_from(value: Bytes) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl TryFrom<&[u8]> for ShortMessage {
    type Error = EncodeError;

    fn try_from(value: &[u8]) -> Result<Self, Self::Error> {
        Self::new(Bytes::copy_from_slice(value))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_the_nul() {
        assert!(SystemId::new("abcdefghijklmno").is_ok());
        let err = SystemId::for_field("system_id", "abcdefghijklmnop").unwrap_err();
        assert_eq!(
            err,
            EncodeError::TooLong {
                field: "system_id",
                max: 15,
                len: 16
            }
        );
        assert!(err.to_string().contains("system_id"));
        assert!(Password::new("a\0b").is_err());
    }

    #[test]
    fn smpp_time_is_empty_or_sixteen_chars() {
        assert!(SmppTime::new("").is_ok());
        assert!(SmppTime::new("240101120000004+").is_ok());
        assert!(SmppTime::new("24010112000000+").is_err());
        let t = SmppTime::new("000001000000000R").unwrap();
        assert!(t.is_relative());
        assert!(SmppTime::new("2401011200000040+").is_err());
        assert!(SmppTime::new("240101120000004X").is_err());
    }

    #[test]
    fn short_message_limit() {
        assert!(ShortMessage::new(Bytes::from(vec![0u8; 254])).is_ok());
        assert!(ShortMessage::new(Bytes::from(vec![0u8; 255])).is_err());
    }
}
