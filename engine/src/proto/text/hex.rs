//! Hex text for binary bodies and UDHs, as the core contract carries them (`message_body` with
//! `encoding = "binary"`, and `udh`).

use std::fmt;

/// A hex string that is not an even run of hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HexError {
    /// The string has an odd number of hex digits.
    OddLength,
    /// The character at this byte offset is not a hex digit.
    InvalidDigit(usize),
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::OddLength => f.write_str("odd number of hex digits"),
            HexError::InvalidDigit(at) => write!(f, "not a hex digit at offset {at}"),
        }
    }
}

impl std::error::Error for HexError {}

fn digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Appends the octets spelled by `hex` (either case, no separators) to `out`.
pub fn decode_into(hex: &str, out: &mut Vec<u8>) -> Result<(), HexError> {
    let (pairs, tail) = hex.as_bytes().as_chunks::<2>();
    if !tail.is_empty() {
        return Err(HexError::OddLength);
    }
    out.reserve(pairs.len());
    for (index, &[first, second]) in pairs.iter().enumerate() {
        let high = digit(first).ok_or(HexError::InvalidDigit(index * 2))?;
        let low = digit(second).ok_or(HexError::InvalidDigit(index * 2 + 1))?;
        out.push(high << 4 | low);
    }
    Ok(())
}

/// The octets spelled by `hex`.
pub fn decode(hex: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::new();
    decode_into(hex, &mut out)?;
    Ok(out)
}

/// Appends `octets` as lowercase hex to `out`.
pub fn encode_into(octets: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(octets.len() * 2);
    for &o in octets {
        out.push(char::from(DIGITS[usize::from(o >> 4)]));
        out.push(char::from(DIGITS[usize::from(o & 0x0F)]));
    }
}

/// `octets` as lowercase hex.
pub fn encode(octets: &[u8]) -> String {
    let mut out = String::new();
    encode_into(octets, &mut out);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hex_both_ways() {
        assert_eq!(decode("0a1BfF").unwrap(), [0x0A, 0x1B, 0xFF]);
        assert_eq!(encode(&[0x0A, 0x1B, 0xFF]), "0a1bff");
        assert_eq!(decode("abc"), Err(HexError::OddLength));
        assert_eq!(decode("0g"), Err(HexError::InvalidDigit(1)));
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }
}
