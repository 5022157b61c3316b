//! SMS text encodings: GSM 03.38 7-bit, Latin-1, UCS-2 (UTF-16BE) and binary bodies as hex.
//!
//! [`Encoding`] is what the core asks for (`auto`, `gsm7`, `latin1`, `ucs2`, `binary`);
//! [`Charset`] is what the bytes on the wire actually are, with its SMPP `data_coding` value.
//! [`encode`] turns a core `message_body` into wire bytes, [`decode`] turns wire bytes back.
//!
//! # Characters that do not fit
//! * `auto` never loses anything: GSM-7 when every character is in the default alphabet or its
//!   extension table (extension characters count as two septets), UCS-2 otherwise.
//! * An explicit `gsm7` or `latin1` writes `?` for each character the charset lacks and reports
//!   the count in [`Encoded::replaced`] so the caller can log it; nothing is transliterated.
//! * `ucs2` represents everything (non-BMP characters as surrogate pairs).
//! * `binary` takes hex text; anything else is an [`EncodeError`].
//!
//! # Decoding
//! Decoding never fails and never panics. Malformed units (a GSM-7 octet above 0x7F, a lone
//! escape at the end, an unpaired surrogate, an odd trailing UCS-2 octet) become U+FFFD and are
//! counted in [`Decoded::replaced`]. Binary bodies decode to lowercase hex, the contract's form.
//!
//! # Inbound `data_coding` (see [`Charset::from_data_coding`])
//! | value | meaning | decoded as |
//! |---|---|---|
//! | 0x00 | SMSC default alphabet | GSM-7 unpacked (the usual SMPP reading) |
//! | 0x01 | IA5 / ASCII | ASCII (a stray high octet kept as its Latin-1 character) |
//! | 0x03 | Latin-1 | Latin-1 |
//! | 0x08 | UCS-2 | UTF-16BE |
//! | 0x02, 0x04 | octet unspecified | binary |
//! | 0x05-0x07, 0x09-0x0F | JIS, Cyrillic, Hebrew, pictogram, ISO-2022-JP, Kanji, KS C 5601, reserved | binary (bytes kept, not guessed) |
//! | 0x10-0x7F | GSM 03.38 general data coding / auto-deletion groups | bits 3-2: 00 GSM-7, 01 binary, 10 UCS-2, 11 binary; compressed (bit 5) binary |
//! | 0x80-0xBF | reserved coding groups | binary |
//! | 0xC0-0xDF | message waiting, GSM-7 | GSM-7 |
//! | 0xE0-0xEF | message waiting, UCS-2 | UCS-2 |
//! | 0xF0-0xFF | data coding / message class | bit 2: 0 GSM-7, 1 binary |

pub mod gsm7;
pub mod hex;
pub mod latin1;
pub mod ucs2;

use std::fmt;
use std::str::FromStr;

use bytes::Bytes;

/// The encoding a core queue item asks for (`encoding` in the contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// GSM-7 when every character fits, otherwise UCS-2.
    #[default]
    Auto,
    /// GSM 03.38 default alphabet with the extension table.
    Gsm7,
    /// ISO-8859-1.
    Latin1,
    /// UCS-2 / UTF-16BE.
    Ucs2,
    /// Raw octets, given as hex text.
    Binary,
}

impl Encoding {
    /// Every encoding, in contract order.
    pub const ALL: [Encoding; 5] = [
        Encoding::Auto,
        Encoding::Gsm7,
        Encoding::Latin1,
        Encoding::Ucs2,
        Encoding::Binary,
    ];

    /// The contract's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Gsm7 => "gsm7",
            Encoding::Latin1 => "latin1",
            Encoding::Ucs2 => "ucs2",
            Encoding::Binary => "binary",
        }
    }

    /// The wire charset, or `None` for `auto` (decided per text by [`encode`]).
    pub fn charset(self) -> Option<Charset> {
        match self {
            Encoding::Auto => None,
            Encoding::Gsm7 => Some(Charset::Gsm7),
            Encoding::Latin1 => Some(Charset::Latin1),
            Encoding::Ucs2 => Some(Charset::Ucs2),
            Encoding::Binary => Some(Charset::Binary),
        }
    }

    /// The SMPP `data_coding` value, or `None` for `auto`.
    pub fn data_coding(self) -> Option<u8> {
        self.charset().map(Charset::data_coding)
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An `encoding` string that is not one of the contract's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEncoding(pub String);

impl fmt::Display for UnknownEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown encoding {:?} (expected auto, gsm7, latin1, ucs2 or binary)",
            self.0
        )
    }
}

impl std::error::Error for UnknownEncoding {}

impl FromStr for Encoding {
    type Err = UnknownEncoding;

    /// Parses the contract's names, ignoring ASCII case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = s.trim();
        Encoding::ALL
            .into_iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownEncoding(s.to_owned()))
    }
}

/// What the octets of a body are on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    /// GSM 03.38, unpacked (one septet per octet).
    Gsm7,
    /// IA5 / ASCII (`data_coding` 1); only ever decoded.
    Ia5,
    /// ISO-8859-1.
    Latin1,
    /// UCS-2 / UTF-16BE.
    Ucs2,
    /// Octets with no text meaning.
    Binary,
}

impl Charset {
    /// The SMPP `data_coding` value used when sending this charset.
    pub fn data_coding(self) -> u8 {
        match self {
            Charset::Gsm7 => 0x00,
            Charset::Ia5 => 0x01,
            Charset::Latin1 => 0x03,
            Charset::Ucs2 => 0x08,
            Charset::Binary => 0x04,
        }
    }

    /// The charset an inbound `data_coding` value is decoded with (table in the module doc).
    pub fn from_data_coding(data_coding: u8) -> Charset {
        match data_coding {
            0x00 => Charset::Gsm7,
            0x01 => Charset::Ia5,
            0x03 => Charset::Latin1,
            0x08 => Charset::Ucs2,
            0x02 | 0x04..=0x07 | 0x09..=0x0F => Charset::Binary,
            0x10..=0x7F if data_coding & 0x20 != 0 => Charset::Binary,
            0x10..=0x7F => match (data_coding >> 2) & 0x03 {
                0 => Charset::Gsm7,
                2 => Charset::Ucs2,
                _ => Charset::Binary,
            },
            0x80..=0xBF => Charset::Binary,
            0xC0..=0xDF => Charset::Gsm7,
            0xE0..=0xEF => Charset::Ucs2,
            0xF0..=0xFF if data_coding & 0x04 == 0 => Charset::Gsm7,
            0xF0..=0xFF => Charset::Binary,
        }
    }

    /// The contract `encoding` name for a body received in this charset (IA5 reports `latin1`,
    /// its superset, since the contract has no name for it).
    pub fn encoding(self) -> Encoding {
        match self {
            Charset::Gsm7 => Encoding::Gsm7,
            Charset::Ia5 | Charset::Latin1 => Encoding::Latin1,
            Charset::Ucs2 => Encoding::Ucs2,
            Charset::Binary => Encoding::Binary,
        }
    }
}

/// A body ready for the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    /// The octets (GSM-7 unpacked: one septet per octet).
    pub bytes: Bytes,
    /// What the octets are.
    pub charset: Charset,
    /// Characters replaced by `?` because the charset lacks them.
    pub replaced: usize,
}

impl Encoded {
    /// The SMPP `data_coding` value for these octets.
    pub fn data_coding(&self) -> u8 {
        self.charset.data_coding()
    }
}

/// A body that cannot be encoded as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// `encoding = "binary"` but `message_body` is not hex.
    InvalidHex(hex::HexError),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::InvalidHex(e) => write!(f, "message_body is not valid hex: {e}"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Encodes a contract `message_body` as `encoding` asks (see the module doc for the policy).
pub fn encode(body: &str, encoding: Encoding) -> Result<Encoded, EncodeError> {
    let mut out = Vec::with_capacity(body.len());
    let (charset, replaced) = match encoding {
        Encoding::Auto => {
            if gsm7::try_encode_unpacked(body, &mut out).is_some() {
                (Charset::Gsm7, 0)
            } else {
                out.clear();
                ucs2::encode(body, &mut out);
                (Charset::Ucs2, 0)
            }
        }
        Encoding::Gsm7 => (Charset::Gsm7, gsm7::encode_unpacked(body, &mut out)),
        Encoding::Latin1 => (Charset::Latin1, latin1::encode(body, &mut out)),
        Encoding::Ucs2 => {
            ucs2::encode(body, &mut out);
            (Charset::Ucs2, 0)
        }
        Encoding::Binary => {
            hex::decode_into(body.trim(), &mut out).map_err(EncodeError::InvalidHex)?;
            (Charset::Binary, 0)
        }
    };
    Ok(Encoded {
        bytes: Bytes::from(out),
        charset,
        replaced,
    })
}

/// Text decoded from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text (lowercase hex for binary bodies).
    pub text: String,
    /// Malformed units replaced by U+FFFD.
    pub replaced: usize,
}

/// Decodes `bytes` received in `charset` (see the module doc for malformed input).
pub fn decode(bytes: &[u8], charset: Charset) -> Decoded {
    let mut text = String::with_capacity(bytes.len());
    let replaced = match charset {
        Charset::Gsm7 => gsm7::decode_unpacked(bytes, &mut text),
        Charset::Ia5 | Charset::Latin1 => {
            latin1::decode(bytes, &mut text);
            0
        }
        Charset::Ucs2 => ucs2::decode(bytes, &mut text),
        Charset::Binary => {
            hex::encode_into(bytes, &mut text);
            0
        }
    };
    Decoded { text, replaced }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encoding_names_parse_and_print() {
        for e in Encoding::ALL {
            assert_eq!(e.as_str().parse::<Encoding>().unwrap(), e);
            assert_eq!(e.to_string(), e.as_str());
        }
        assert_eq!(" UCS2 ".parse::<Encoding>().unwrap(), Encoding::Ucs2);
        assert!("utf8".parse::<Encoding>().is_err());
        assert_eq!(Encoding::Gsm7.data_coding(), Some(0));
        assert_eq!(Encoding::Latin1.data_coding(), Some(3));
        assert_eq!(Encoding::Ucs2.data_coding(), Some(8));
        assert_eq!(Encoding::Binary.data_coding(), Some(4));
        assert_eq!(Encoding::Auto.data_coding(), None);
    }

    #[test]
    fn data_coding_table() {
        let cases = [
            (0x00, Charset::Gsm7),
            (0x01, Charset::Ia5),
            (0x02, Charset::Binary),
            (0x03, Charset::Latin1),
            (0x04, Charset::Binary),
            (0x06, Charset::Binary),
            (0x08, Charset::Ucs2),
            (0x0E, Charset::Binary),
            (0x10, Charset::Gsm7),
            (0x11, Charset::Gsm7),
            (0x14, Charset::Binary),
            (0x18, Charset::Ucs2),
            (0x1C, Charset::Binary),
            (0x28, Charset::Binary),
            (0x48, Charset::Ucs2),
            (0x90, Charset::Binary),
            (0xC0, Charset::Gsm7),
            (0xD8, Charset::Gsm7),
            (0xE0, Charset::Ucs2),
            (0xF0, Charset::Gsm7),
            (0xF3, Charset::Gsm7),
            (0xF4, Charset::Binary),
            (0xF6, Charset::Binary),
        ];
        for (dc, charset) in cases {
            assert_eq!(
                Charset::from_data_coding(dc),
                charset,
                "data_coding {dc:#04x}"
            );
        }
    }
}
