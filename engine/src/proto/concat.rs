//! Splitting an encoded body into SMS segments: UDH with an 8- or 16-bit reference, SAR TLVs,
//! or one `message_payload` TLV.
//!
//! # Sizes
//! An SMS carries 140 octets of user data. A body that fits whole (160 GSM-7 septets, 70 UCS-2
//! characters = 140 octets, 140 Latin-1/binary octets) is always sent as one plain segment in
//! `short_message`, whatever the mode. Longer bodies are cut into parts whose room is what is
//! left of 140 octets after the concatenation UDH (6 octets with an 8-bit reference, 7 with a
//! 16-bit one):
//!
//! | charset | UDH 8-bit / SAR | UDH 16-bit |
//! |---|---|---|
//! | GSM-7 | 153 septets | 152 septets |
//! | UCS-2 | 134 octets (67 units) | 132 octets (66 units) |
//! | Latin-1, IA5, binary | 134 octets | 133 octets |
//!
//! SAR parts use the 8-bit UDH sizes because the SMSC turns the SAR TLVs into a concatenation
//! UDH on the air interface, so the same 6 octets are taken there (Jasmin's splitter does the
//! same). Latin-1 is sized as 8-bit data (140/134): safe whether the SMSC sends it as 8-bit or
//! converts it to GSM-7.
//!
//! A part never ends between an escape and its extension code, nor between the halves of a
//! surrogate pair: such a part is one unit shorter. The caller supplies the reference number
//! (the low octet is used with an 8-bit reference); nothing here invents randomness.

use std::fmt;
use std::str::FromStr;

use bytes::{BufMut, Bytes, BytesMut};

use super::text::{gsm7, ucs2, Charset, Encoded};
use super::udh::{self, ConcatInfo, RefWidth, Udh, UdhError};

/// TLV tag of `sar_msg_ref_num` (u16).
pub const TAG_SAR_MSG_REF_NUM: u16 = 0x020C;
/// TLV tag of `sar_total_segments` (u8).
pub const TAG_SAR_TOTAL_SEGMENTS: u16 = 0x020E;
/// TLV tag of `sar_segment_seqnum` (u8).
pub const TAG_SAR_SEGMENT_SEQNUM: u16 = 0x020F;
/// TLV tag of `message_payload`.
pub const TAG_MESSAGE_PAYLOAD: u16 = 0x0424;
/// esm_class bit announcing a UDH at the start of `short_message`.
pub const ESM_CLASS_UDHI: u8 = 0x40;
/// Octets of user data one SMS carries.
pub const SMS_USER_DATA_OCTETS: usize = 140;
/// Largest `message_payload` value (its TLV length is 16 bits).
pub const MAX_PAYLOAD_OCTETS: usize = 0xFFFF;

/// How a long body is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ConcatMode {
    /// UDH with an 8-bit reference (IEI 0x00), UDHI set.
    #[default]
    Udh8,
    /// UDH with a 16-bit reference (IEI 0x08), UDHI set.
    Udh16,
    /// `sar_msg_ref_num`, `sar_total_segments`, `sar_segment_seqnum` TLVs.
    Sar,
    /// The whole body in one `message_payload` TLV.
    MessagePayload,
}

impl ConcatMode {
    /// The configuration spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ConcatMode::Udh8 => "udh8",
            ConcatMode::Udh16 => "udh16",
            ConcatMode::Sar => "sar",
            ConcatMode::MessagePayload => "message_payload",
        }
    }

    /// Octets of concatenation UDH that a part costs on the air interface.
    fn udh_octets(self) -> usize {
        match self {
            ConcatMode::Udh16 => udh::CONCAT_16BIT_UDH_LEN,
            ConcatMode::Udh8 | ConcatMode::Sar | ConcatMode::MessagePayload => {
                udh::CONCAT_8BIT_UDH_LEN
            }
        }
    }
}

impl fmt::Display for ConcatMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A concatenation mode name that is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown concatenation mode {0:?} (expected udh8, udh16, sar or message_payload)")]
pub struct UnknownConcatMode(pub String);

impl FromStr for ConcatMode {
    type Err = UnknownConcatMode;

    /// Accepts `udh8` (or `udh`), `udh16`, `sar`, `message_payload` (or `payload`), any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "udh" | "udh8" => Ok(ConcatMode::Udh8),
            "udh16" => Ok(ConcatMode::Udh16),
            "sar" => Ok(ConcatMode::Sar),
            "message_payload" | "payload" => Ok(ConcatMode::MessagePayload),
            _ => Err(UnknownConcatMode(s.to_owned())),
        }
    }
}

/// Whether GSM-7 text goes out one septet per octet (SMPP's usual form) or packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Gsm7Packing {
    /// One septet per octet.
    #[default]
    Unpacked,
    /// Septets packed into octets, after fill bits that align the text behind a UDH.
    Packed,
}

/// The SAR TLV values of one part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SarInfo {
    /// `sar_msg_ref_num`.
    pub ref_num: u16,
    /// `sar_total_segments`.
    pub total: u8,
    /// `sar_segment_seqnum`, from 1.
    pub seq: u8,
}

/// Where a segment's body goes in the PDU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// In `short_message`.
    ShortMessage,
    /// In the `message_payload` TLV, with an empty `short_message`.
    MessagePayload,
}

/// One PDU's worth of body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The octets, UDH first when `udhi` is set.
    pub body: Bytes,
    /// Which field carries `body`.
    pub placement: Placement,
    /// Whether `body` starts with a UDH (esm_class needs [`ESM_CLASS_UDHI`]).
    pub udhi: bool,
    /// SAR TLVs to add, in SAR mode.
    pub sar: Option<SarInfo>,
    /// The `data_coding` value.
    pub data_coding: u8,
}

impl Segment {
    /// The esm_class bits this segment needs (OR them into the rest of esm_class).
    pub fn esm_class_bits(&self) -> u8 {
        if self.udhi {
            ESM_CLASS_UDHI
        } else {
            0
        }
    }
}

/// Parameters of [`split`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitOptions {
    /// How parts are linked.
    pub mode: ConcatMode,
    /// The reference number shared by the parts.
    pub reference: u16,
    /// GSM-7 output form.
    pub packing: Gsm7Packing,
    /// Refuse bodies that need more parts than this (1..=255).
    pub max_parts: u8,
}

impl SplitOptions {
    /// Options for `mode` and `reference`, unpacked GSM-7, up to 255 parts.
    pub fn new(mode: ConcatMode, reference: u16) -> Self {
        SplitOptions {
            mode,
            reference,
            packing: Gsm7Packing::Unpacked,
            max_parts: u8::MAX,
        }
    }
}

/// Why a body cannot be sent as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// The body needs more parts than allowed.
    #[error("message needs {needed} parts, more than the {max} allowed")]
    TooManyParts {
        /// Parts the body would need.
        needed: usize,
        /// The limit.
        max: usize,
    },
    /// The body is too long for one `message_payload` TLV.
    #[error("message of {octets} octets exceeds the message_payload maximum of 65535")]
    PayloadTooLong {
        /// Octets of the body.
        octets: usize,
    },
    /// A supplied UDH is malformed.
    #[error("invalid udh: {0}")]
    InvalidUdh(#[from] UdhError),
    /// A body with a supplied UDH does not fit one SMS.
    #[error("message of {units} {unit_name} does not fit the {room} left after the udh")]
    DoesNotFit {
        /// Septets (GSM-7) or octets of the body.
        units: usize,
        /// What `units` counts.
        unit_name: &'static str,
        /// Room left after the UDH, in the same unit.
        room: usize,
    },
}

/// Per-charset size limits, in octets of the encoded (unpacked) body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body sent as one plain segment.
    pub single: usize,
    /// Room for the body in each part of a concatenated message.
    pub per_part: usize,
}

/// Size limits for `charset` sent in `mode` (table in the module doc).
pub fn limits(charset: Charset, mode: ConcatMode) -> Limits {
    let udh_octets = mode.udh_octets();
    let room = SMS_USER_DATA_OCTETS - udh_octets;
    match charset {
        Charset::Gsm7 => Limits {
            single: gsm7::septet_capacity(SMS_USER_DATA_OCTETS, 0),
            per_part: gsm7::septet_capacity(room, gsm7::fill_bits(udh_octets)),
        },
        Charset::Ucs2 => Limits {
            single: SMS_USER_DATA_OCTETS,
            per_part: room & !1,
        },
        Charset::Ia5 | Charset::Latin1 | Charset::Binary => Limits {
            single: SMS_USER_DATA_OCTETS,
            per_part: room,
        },
    }
}

/// Splits `encoded` into the segments to send (see the module doc).
pub fn split(encoded: &Encoded, options: &SplitOptions) -> Result<Vec<Segment>, SplitError> {
    split_bytes(&encoded.bytes, encoded.charset, options)
}

/// Splits `body`, encoded in `charset`, into the segments to send (see the module doc).
pub fn split_bytes(
    body: &Bytes,
    charset: Charset,
    options: &SplitOptions,
) -> Result<Vec<Segment>, SplitError> {
    let data_coding = charset.data_coding();
    let packed = charset == Charset::Gsm7 && options.packing == Gsm7Packing::Packed;
    let plain = |placement| Segment {
        body: if packed {
            packed_copy(body)
        } else {
            body.clone()
        },
        placement,
        udhi: false,
        sar: None,
        data_coding,
    };
    let limits = limits(charset, options.mode);
    if body.len() <= limits.single {
        return Ok(vec![plain(Placement::ShortMessage)]);
    }
    if options.mode == ConcatMode::MessagePayload {
        if body.len() > MAX_PAYLOAD_OCTETS {
            return Err(SplitError::PayloadTooLong { octets: body.len() });
        }
        return Ok(vec![plain(Placement::MessagePayload)]);
    }

    let cuts = cut_points(body, charset, limits.per_part);
    let max = usize::from(options.max_parts);
    let total = match u8::try_from(cuts.len()) {
        Ok(total) if cuts.len() <= max => total,
        _ => {
            return Err(SplitError::TooManyParts {
                needed: cuts.len(),
                max,
            })
        }
    };
    let width = match options.mode {
        ConcatMode::Udh16 => Some(RefWidth::Bits16),
        ConcatMode::Udh8 => Some(RefWidth::Bits8),
        ConcatMode::Sar | ConcatMode::MessagePayload => None,
    };

    let udh_octets = width.map_or(0, |_| options.mode.udh_octets());
    let mut buf = BytesMut::with_capacity(cuts.len() * (udh_octets + limits.per_part));
    let mut segments = Vec::with_capacity(cuts.len());
    for (seq, (start, end)) in (1..=total).zip(cuts) {
        let slice = body.get(start..end).unwrap_or_default();
        let sar = match width {
            Some(width) => {
                let info = ConcatInfo {
                    reference: options.reference,
                    total,
                    seq,
                    width,
                };
                udh::put_concat_udh(&info, &mut buf);
                None
            }
            None => Some(SarInfo {
                ref_num: options.reference,
                total,
                seq,
            }),
        };
        let part_body = if packed {
            gsm7::pack(slice, gsm7::fill_bits(udh_octets), &mut buf);
            buf.split().freeze()
        } else if width.is_some() {
            buf.put_slice(slice);
            buf.split().freeze()
        } else {
            body.slice(start..end)
        };
        segments.push(Segment {
            body: part_body,
            placement: Placement::ShortMessage,
            udhi: width.is_some(),
            sar,
            data_coding,
        });
    }
    Ok(segments)
}

/// One segment of `encoded` behind a caller-supplied UDH (a queue item's `udh`), unsplit.
pub fn with_udh(
    udh_octets: &[u8],
    encoded: &Encoded,
    packing: Gsm7Packing,
) -> Result<Segment, SplitError> {
    let header = Udh::parse(udh_octets)?;
    let body = &encoded.bytes;
    let udh_len = header.len();
    let room_octets = SMS_USER_DATA_OCTETS.saturating_sub(udh_len);
    let (room, unit_name) = match encoded.charset {
        Charset::Gsm7 => (
            gsm7::septet_capacity(room_octets, gsm7::fill_bits(udh_len)),
            "septets",
        ),
        _ => (room_octets, "octets"),
    };
    if body.len() > room {
        return Err(SplitError::DoesNotFit {
            units: body.len(),
            unit_name,
            room,
        });
    }
    let mut buf = BytesMut::with_capacity(udh_len + body.len());
    buf.put_slice(header.as_bytes());
    if encoded.charset == Charset::Gsm7 && packing == Gsm7Packing::Packed {
        gsm7::pack(body, gsm7::fill_bits(udh_len), &mut buf);
    } else {
        buf.put_slice(body);
    }
    Ok(Segment {
        body: buf.freeze(),
        placement: Placement::ShortMessage,
        udhi: true,
        sar: None,
        data_coding: encoded.data_coding(),
    })
}

fn packed_copy(septets: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(gsm7::packed_len(septets.len(), 0));
    gsm7::pack(septets, 0, &mut buf);
    buf.freeze()
}

/// `[start, end)` ranges of at most `room` octets covering `body`, never cutting a GSM-7 escape
/// pair or a UTF-16 surrogate pair.
fn cut_points(body: &[u8], charset: Charset, room: usize) -> Vec<(usize, usize)> {
    let room = room.max(2);
    let mut cuts = Vec::with_capacity(body.len().div_ceil(room));
    let mut start = 0;
    while start < body.len() {
        let mut end = (start + room).min(body.len());
        if end < body.len() {
            end = match charset {
                Charset::Gsm7 => gsm7_boundary(body, start, end),
                Charset::Ucs2 => ucs2_boundary(body, start, end),
                Charset::Ia5 | Charset::Latin1 | Charset::Binary => end,
            };
        }
        cuts.push((start, end));
        start = end;
    }
    cuts
}

/// The last character boundary at or before `limit`, scanning escape pairs from `start`.
fn gsm7_boundary(body: &[u8], start: usize, limit: usize) -> usize {
    let mut at = start;
    loop {
        let width = if body.get(at) == Some(&gsm7::ESCAPE) {
            2
        } else {
            1
        };
        if at + width > limit {
            return if at > start { at } else { limit };
        }
        at += width;
    }
}

/// `limit` moved back one unit if it would separate a high surrogate from what follows.
fn ucs2_boundary(body: &[u8], start: usize, limit: usize) -> usize {
    let before = limit.saturating_sub(2);
    match body.get(before..limit) {
        Some(&[high, low])
            if before > start && ucs2::is_high_surrogate(u16::from_be_bytes([high, low])) =>
        {
            before
        }
        _ => limit,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn limits_match_the_usual_numbers() {
        let l = |c, m| {
            let Limits { single, per_part } = limits(c, m);
            (single, per_part)
        };
        assert_eq!(l(Charset::Gsm7, ConcatMode::Udh8), (160, 153));
        assert_eq!(l(Charset::Gsm7, ConcatMode::Udh16), (160, 152));
        assert_eq!(l(Charset::Gsm7, ConcatMode::Sar), (160, 153));
        assert_eq!(l(Charset::Ucs2, ConcatMode::Udh8), (140, 134));
        assert_eq!(l(Charset::Ucs2, ConcatMode::Udh16), (140, 132));
        assert_eq!(l(Charset::Binary, ConcatMode::Udh8), (140, 134));
        assert_eq!(l(Charset::Binary, ConcatMode::Udh16), (140, 133));
        assert_eq!(l(Charset::Latin1, ConcatMode::Sar), (140, 134));
    }

    #[test]
    fn mode_names_parse() {
        assert_eq!("UDH".parse::<ConcatMode>().unwrap(), ConcatMode::Udh8);
        assert_eq!("udh16".parse::<ConcatMode>().unwrap(), ConcatMode::Udh16);
        assert_eq!("sar".parse::<ConcatMode>().unwrap(), ConcatMode::Sar);
        assert_eq!(
            "payload".parse::<ConcatMode>().unwrap(),
            ConcatMode::MessagePayload
        );
        assert!("udh7".parse::<ConcatMode>().is_err());
        for mode in [
            ConcatMode::Udh8,
            ConcatMode::Udh16,
            ConcatMode::Sar,
            ConcatMode::MessagePayload,
        ] {
            assert_eq!(mode.as_str().parse::<ConcatMode>().unwrap(), mode);
        }
    }

    #[test]
    fn escape_pair_moves_to_the_next_part() {
        // 152 plain septets then an escape pair: the pair cannot end part 1 at 153.
        let mut body = vec![b'a'; 152];
        body.extend_from_slice(&[gsm7::ESCAPE, 0x65]);
        body.extend_from_slice(&[b'b'; 10]);
        assert_eq!(
            cut_points(&body, Charset::Gsm7, 153),
            [(0, 152), (152, 164)]
        );
        // ESC ESC is one pair, so ESC ESC ESC 0x65 is two characters.
        assert_eq!(gsm7_boundary(&[0x1B, 0x1B, 0x1B, 0x65], 0, 3), 2);
    }

    #[test]
    fn surrogate_pair_moves_to_the_next_part() {
        let mut body = vec![0x00; 132];
        body.extend_from_slice(&[0xD8, 0x3D, 0xDE, 0x00, 0x00, 0x41]);
        assert_eq!(
            cut_points(&body, Charset::Ucs2, 134),
            [(0, 132), (132, 138)]
        );
    }
}
