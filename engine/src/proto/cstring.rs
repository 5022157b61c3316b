//! Length-limited strings of the SMPP body: C-Octet Strings, SMPP times and short_message.
//!
//! Each type carries the spec's maximum so a too-long value is rejected when it is decoded or
//! built, never later on the wire. C-Octet Strings and times are short and held inline;
//! short_message is a `Bytes` slice of the received frame (zero-copy).

use std::fmt;

use bytes::Bytes;

use super::error::EncodeError;

/// A C-Octet String of at most `MAX` octets on the wire, the terminating NUL included
/// (so at most `MAX - 1` octets of content). Holds the content without the NUL.
///
/// The content is stored inline (`MAX` octets plus a length), not as a `Bytes` slice of the
/// frame: these fields are short, and copying a few octets is cheaper than the atomic
/// reference count increment and decrement a slice costs. `MAX` must be at most 256.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct COctetString<const MAX: usize> {
    len: u8,
    /// `octets[..len]` is the content, every octet after it is 0 (so `octets[len]` is the
    /// NUL the encoder writes, and derived equality and hashing see only the content).
    octets: [u8; MAX],
}

/// `system_id` (bind, bind_resp, outbind): 16 octets.
pub type SystemId = COctetString<16>;
/// `password` (bind, outbind): SMPP 3.4 gives 9 octets, but carriers and partners in the field
/// use longer passwords (the operator guide's own examples have 12 or more characters), and
/// rejecting them would make the gateway unusable with those peers. We accept up to 65 octets
/// (64 characters) both ways, matching the config's limit; anything longer is still refused
/// with ESME_RINVPASWD.
pub type Password = COctetString<65>;
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
    pub const MAX_CONTENT: usize = {
        assert!(
            MAX >= 1 && MAX <= 256,
            "a C-Octet String holds 1 to 256 octets"
        );
        MAX - 1
    };

    /// The empty string (encoded as a single NUL).
    pub const fn empty() -> Self {
        Self {
            len: 0,
            octets: [0; MAX],
        }
    }

    /// Checks `value` against the limit; the error names only the limit. Use
    /// [`COctetString::for_field`] to name the field in the error.
    pub fn new(value: &str) -> Result<Self, EncodeError> {
        Self::for_field("c-octet string", value)
    }

    /// Checks `value` against the limit; the error names `field`.
    pub fn for_field(field: &'static str, value: &str) -> Result<Self, EncodeError> {
        Self::from_slice(field, value.as_bytes())
    }

    /// Checks raw octets (no NUL inside, at most `MAX - 1` long); the error names `field`.
    pub fn from_bytes(field: &'static str, content: Bytes) -> Result<Self, EncodeError> {
        Self::from_slice(field, &content)
    }

    /// Checks raw octets (no NUL inside, at most `MAX - 1` long); the error names `field`.
    pub fn from_slice(field: &'static str, content: &[u8]) -> Result<Self, EncodeError> {
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
        Ok(Self::from_checked(content))
    }

    /// Builds from content the reader has already checked: no NUL, at most `MAX - 1` octets
    /// (longer content is cut there rather than panicking).
    #[inline]
    pub(crate) fn from_checked(content: &[u8]) -> Self {
        let mut octets = [0; MAX];
        let len = content.len().min(Self::MAX_CONTENT);
        if let (Some(to), Some(from)) = (octets.get_mut(..len), content.get(..len)) {
            to.copy_from_slice(from);
        }
        Self {
            // MAX_CONTENT is at most 255.
            len: u8::try_from(len).unwrap_or(u8::MAX),
            octets,
        }
    }

    /// The content octets, without the NUL.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.octets.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// The content followed by its NUL: the octets on the wire.
    #[inline]
    pub(crate) fn with_nul(&self) -> &[u8] {
        self.octets
            .get(..=usize::from(self.len))
            .unwrap_or_default()
    }

    /// The content as a new `Bytes` (a copy: the content is held inline).
    pub fn bytes(&self) -> Bytes {
        Bytes::copy_from_slice(self.as_bytes())
    }

    /// The content as UTF-8 text, if it is.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// The content as text, invalid UTF-8 replaced (for logs).
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// Content length in octets (the NUL excluded).
    #[inline]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// True for the empty string.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Octets on the wire: content plus NUL.
    #[inline]
    pub fn encoded_len(&self) -> usize {
        usize::from(self.len) + 1
    }
}

impl<const MAX: usize> Default for COctetString<MAX> {
    fn default() -> Self {
        Self::empty()
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
        self.as_bytes() == other.as_bytes()
    }
}

impl<const MAX: usize> PartialEq<&str> for COctetString<MAX> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
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
    fn inline_content_compares_and_encodes_with_its_nul() {
        let a = Address::new("447700900123").unwrap();
        assert_eq!(a.as_bytes(), b"447700900123");
        assert_eq!(a.with_nul(), b"447700900123\0");
        assert_eq!(a.len(), 12);
        assert_eq!(a.encoded_len(), 13);
        assert_eq!(a.bytes(), Bytes::from_static(b"447700900123"));
        assert_eq!(a, Address::from_bytes("a", a.bytes()).unwrap());
        assert_ne!(a, Address::new("44770090012").unwrap());
        assert_eq!(Address::empty().with_nul(), b"\0");
        assert_eq!(Address::default(), Address::empty());
        let full = "x".repeat(20);
        assert_eq!(Address::new(&full).unwrap().with_nul().len(), 21);
        assert!(Address::from_slice("a", &[b'x'; 21]).is_err());
        // Inline is only worth it while it stays smaller than the Bytes it replaces.
        assert!(std::mem::size_of::<Address>() < std::mem::size_of::<Bytes>());
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
