//! User Data Header (3GPP TS 23.040 §9.2.3.24): parse the UDH at the start of an inbound
//! `short_message` (esm_class UDHI set) and build the concatenation header for outbound parts.
//!
//! Layout: UDHL (octets that follow, excluding itself), then information elements, each
//! `IEI, IEDL, data`. Parsing validates every element's length before anything is returned, so
//! the element iterator is infallible. Elements other than concatenation are kept and skipped.
//! When a concatenation element appears more than once the last one counts (TS 23.040 §9.2.3.24:
//! a repeated non-repeatable element is read from its last occurrence).

use std::fmt;

use bytes::BufMut;

/// IEI of "concatenated short messages, 8-bit reference number".
pub const IEI_CONCAT_8BIT: u8 = 0x00;
/// IEI of "concatenated short messages, 16-bit reference number".
pub const IEI_CONCAT_16BIT: u8 = 0x08;
/// Octets of a UDH holding only the 8-bit concatenation element (UDHL included).
pub const CONCAT_8BIT_UDH_LEN: usize = 6;
/// Octets of a UDH holding only the 16-bit concatenation element (UDHL included).
pub const CONCAT_16BIT_UDH_LEN: usize = 7;

/// Width of a concatenation reference number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefWidth {
    /// IEI 0x00, one-octet reference.
    Bits8,
    /// IEI 0x08, two-octet reference.
    Bits16,
}

/// The concatenation element of a UDH: which part of which message this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConcatInfo {
    /// Reference number shared by all parts (fits in 8 bits when `width` is `Bits8`).
    pub reference: u16,
    /// Number of parts.
    pub total: u8,
    /// This part's number, from 1.
    pub seq: u8,
    /// Which element carries it.
    pub width: RefWidth,
}

impl ConcatInfo {
    /// Octets of a UDH holding just this element (UDHL included).
    pub fn udh_len(&self) -> usize {
        match self.width {
            RefWidth::Bits8 => CONCAT_8BIT_UDH_LEN,
            RefWidth::Bits16 => CONCAT_16BIT_UDH_LEN,
        }
    }
}

/// Writes a UDH holding just the concatenation element `info` (an 8-bit reference keeps the
/// low octet of `info.reference`).
pub fn put_concat_udh<B: BufMut>(info: &ConcatInfo, out: &mut B) {
    match info.width {
        RefWidth::Bits8 => {
            out.put_slice(&[
                5,
                IEI_CONCAT_8BIT,
                3,
                info.reference as u8,
                info.total,
                info.seq,
            ]);
        }
        RefWidth::Bits16 => {
            let [high, low] = info.reference.to_be_bytes();
            out.put_slice(&[6, IEI_CONCAT_16BIT, 4, high, low, info.total, info.seq]);
        }
    }
}

/// Why a UDH could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UdhError {
    /// UDHI is set but the message has no octet for UDHL.
    Empty,
    /// UDHL says more octets than the message holds.
    LengthBeyondMessage {
        /// UDHL as received.
        udhl: usize,
        /// Octets present after UDHL.
        available: usize,
    },
    /// An element's length runs past the end of the UDH.
    ElementTruncated {
        /// Offset of the element's IEI within the UDH (UDHL is offset 0).
        offset: usize,
    },
    /// A concatenation element with the wrong data length.
    BadConcatLength {
        /// The element identifier.
        iei: u8,
        /// Its data length as received.
        len: usize,
    },
    /// The header is followed by octets that are not part of it (where a bare UDH was expected).
    TrailingOctets,
}

impl fmt::Display for UdhError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UdhError::Empty => f.write_str("UDH indicated but short_message is empty"),
            UdhError::LengthBeyondMessage { udhl, available } => write!(
                f,
                "UDH length {udhl} exceeds the {available} octets after it"
            ),
            UdhError::ElementTruncated { offset } => {
                write!(f, "UDH element at offset {offset} runs past the header")
            }
            UdhError::BadConcatLength { iei, len } => {
                write!(f, "UDH concatenation element {iei:#04x} has length {len}")
            }
            UdhError::TrailingOctets => f.write_str("octets follow the UDH"),
        }
    }
}

impl std::error::Error for UdhError {}

/// One information element of a UDH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    /// Information element identifier.
    pub id: u8,
    /// Its data.
    pub data: &'a [u8],
}

/// A validated UDH borrowed from a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udh<'a> {
    /// The whole header, UDHL included.
    raw: &'a [u8],
}

impl<'a> Udh<'a> {
    /// Splits `short_message` into its UDH and the body after it.
    pub fn split(short_message: &'a [u8]) -> Result<(Udh<'a>, &'a [u8]), UdhError> {
        let (&udhl, rest) = short_message.split_first().ok_or(UdhError::Empty)?;
        let udhl = usize::from(udhl);
        let (elements, body) =
            rest.split_at_checked(udhl)
                .ok_or(UdhError::LengthBeyondMessage {
                    udhl,
                    available: rest.len(),
                })?;
        validate(elements)?;
        let raw = short_message.get(..=udhl).unwrap_or(short_message);
        Ok((Udh { raw }, body))
    }

    /// Parses `header` as a whole UDH (e.g. the hex `udh` of a queue item), nothing after it.
    pub fn parse(header: &'a [u8]) -> Result<Udh<'a>, UdhError> {
        let (udh, body) = Udh::split(header)?;
        if body.is_empty() {
            Ok(udh)
        } else {
            Err(UdhError::TrailingOctets)
        }
    }

    /// The whole header, UDHL included.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// Octets of the header, UDHL included.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether the header holds no element (UDHL 0).
    pub fn is_empty(&self) -> bool {
        self.raw.len() <= 1
    }

    /// The elements in order.
    pub fn elements(&self) -> Elements<'a> {
        Elements {
            rest: self.raw.get(1..).unwrap_or_default(),
        }
    }

    /// The concatenation element, if any (the last one when repeated).
    pub fn concat(&self) -> Option<ConcatInfo> {
        self.elements().filter_map(concat_of).last()
    }
}

fn concat_of(element: Element<'_>) -> Option<ConcatInfo> {
    match (element.id, element.data) {
        (IEI_CONCAT_8BIT, &[reference, total, seq]) => Some(ConcatInfo {
            reference: u16::from(reference),
            total,
            seq,
            width: RefWidth::Bits8,
        }),
        (IEI_CONCAT_16BIT, &[high, low, total, seq]) => Some(ConcatInfo {
            reference: u16::from_be_bytes([high, low]),
            total,
            seq,
            width: RefWidth::Bits16,
        }),
        _ => None,
    }
}

fn validate(mut elements: &[u8]) -> Result<(), UdhError> {
    let mut offset = 1;
    while let Some((&id, rest)) = elements.split_first() {
        let (&len, rest) = rest
            .split_first()
            .ok_or(UdhError::ElementTruncated { offset })?;
        let len = usize::from(len);
        let (_, rest) = rest
            .split_at_checked(len)
            .ok_or(UdhError::ElementTruncated { offset })?;
        let expected = match id {
            IEI_CONCAT_8BIT => Some(3),
            IEI_CONCAT_16BIT => Some(4),
            _ => None,
        };
        if expected.is_some_and(|want| want != len) {
            return Err(UdhError::BadConcatLength { iei: id, len });
        }
        offset += 2 + len;
        elements = rest;
    }
    Ok(())
}

/// Iterator over the elements of a validated [`Udh`].
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Elements<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        let (&id, rest) = self.rest.split_first()?;
        let (&len, rest) = rest.split_first()?;
        let (data, rest) = rest.split_at_checked(usize::from(len))?;
        self.rest = rest;
        Some(Element { id, data })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_8bit_concat_and_body() {
        let sm = [0x05, 0x00, 0x03, 0xCC, 0x02, 0x01, b'h', b'i'];
        let (udh, body) = Udh::split(&sm).unwrap();
        assert_eq!(body, b"hi");
        assert_eq!(udh.len(), 6);
        let info = udh.concat().unwrap();
        assert_eq!((info.reference, info.total, info.seq), (0xCC, 2, 1));
        assert_eq!(info.width, RefWidth::Bits8);
    }

    #[test]
    fn parses_16bit_concat_among_other_elements() {
        // Port addressing (0x05, 4 octets) before a 16-bit concat element.
        let sm = [
            0x0C, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x08, 0x04, 0x12, 0x34, 0x03, 0x02, 0xAA,
        ];
        let (udh, body) = Udh::split(&sm).unwrap();
        assert_eq!(body, [0xAA]);
        let ids: Vec<u8> = udh.elements().map(|e| e.id).collect();
        assert_eq!(ids, [0x05, 0x08]);
        let info = udh.concat().unwrap();
        assert_eq!((info.reference, info.total, info.seq), (0x1234, 3, 2));
    }

    #[test]
    fn rejects_malformed_lengths() {
        assert_eq!(Udh::split(&[]), Err(UdhError::Empty));
        assert_eq!(
            Udh::split(&[0x05, 0x00, 0x03, 0x01]),
            Err(UdhError::LengthBeyondMessage {
                udhl: 5,
                available: 3
            })
        );
        assert_eq!(
            Udh::split(&[0x03, 0x00, 0x03, 0x01, 0x41]),
            Err(UdhError::ElementTruncated { offset: 1 })
        );
        assert_eq!(
            Udh::split(&[0x01, 0x00]),
            Err(UdhError::ElementTruncated { offset: 1 })
        );
        assert_eq!(
            Udh::split(&[0x04, 0x00, 0x02, 0x01, 0x02]),
            Err(UdhError::BadConcatLength { iei: 0, len: 2 })
        );
        assert_eq!(Udh::parse(&[0x00, 0x41]), Err(UdhError::TrailingOctets));
        assert!(Udh::parse(&[0x00]).unwrap().is_empty());
    }

    #[test]
    fn builds_concat_headers() {
        let mut out = Vec::new();
        let info = ConcatInfo {
            reference: 0x1234,
            total: 3,
            seq: 1,
            width: RefWidth::Bits16,
        };
        put_concat_udh(&info, &mut out);
        assert_eq!(out, [0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x01]);
        assert_eq!(info.udh_len(), out.len());
        out.clear();
        put_concat_udh(
            &ConcatInfo {
                width: RefWidth::Bits8,
                ..info
            },
            &mut out,
        );
        assert_eq!(out, [0x05, 0x00, 0x03, 0x34, 0x03, 0x01]);
    }
}
