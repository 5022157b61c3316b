//! Carrier message ids normalised so that the id of a `submit_sm_resp` and the id in the
//! receipt for that message match.
//!
//! Carriers write the same number differently: hex in one place and decimal in the other, upper
//! or lower case, with or without leading zeros. An id is therefore reduced to a
//! [`MessageIdKey`]: a number when it reads as one, else lowercase text.
//!
//! # Readings
//! * Hex digits with at least one letter `a-f` (optionally `0x`-prefixed): the hex number.
//! * Decimal digits only: the decimal number first; since the carrier may mean hex, the hex
//!   number is the *alternate* reading (when it differs and fits).
//! * Anything else, or numbers wider than 128 bits: the text, ASCII-lowercased.
//!
//! Leading and trailing whitespace and NULs are ignored; an empty id has no key.
//!
//! # Matching rule
//! An all-digit id is ambiguous, so a store keeps two indexes: record each submit id's
//! `primary` key in the primary index and its `alternate` key (if any) in the alternate index
//! (see [`keys`]). Resolve a receipt id with [`find`], which asks the primary index under both
//! of the receipt id's readings before the alternate index: a match as written always beats a
//! match through a base conversion, and every combination of hex/decimal on either side is
//! tried. Example: `7F3A21` (resp) and `8337953` (receipt) are both the number 8 337 953.

use std::fmt;

/// The normalised form of a message id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageIdKey {
    /// The id read as a number.
    Number(u128),
    /// The id as lowercase text.
    Text(String),
}

impl MessageIdKey {
    /// Appends a compact, unambiguous byte form (for a key-value store) to `out`.
    pub fn write_bytes(&self, out: &mut Vec<u8>) {
        match self {
            MessageIdKey::Number(n) => {
                out.push(b'#');
                out.extend_from_slice(&n.to_be_bytes());
            }
            MessageIdKey::Text(text) => {
                out.push(b'$');
                out.extend_from_slice(text.as_bytes());
            }
        }
    }

    /// The byte form of [`MessageIdKey::write_bytes`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(17);
        self.write_bytes(&mut out);
        out
    }
}

impl fmt::Display for MessageIdKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageIdKey::Number(n) => write!(f, "#{n}"),
            MessageIdKey::Text(text) => f.write_str(text),
        }
    }
}

/// Both readings of an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MessageIdKeys {
    /// The reading as written.
    pub primary: MessageIdKey,
    /// The hex reading of an all-digit id, when it differs from the decimal one.
    pub alternate: Option<MessageIdKey>,
}

impl MessageIdKeys {
    /// The readings, primary first.
    pub fn iter(&self) -> impl Iterator<Item = &MessageIdKey> {
        std::iter::once(&self.primary).chain(self.alternate.as_ref())
    }

    /// The readings with the index each is recorded in, primary first.
    pub fn indexed(&self) -> impl Iterator<Item = (Index, &MessageIdKey)> {
        std::iter::once((Index::Primary, &self.primary))
            .chain(self.alternate.as_ref().map(|key| (Index::Alternate, key)))
    }

    /// [`MessageIdKeys::indexed`], taking the keys.
    pub fn into_indexed(self) -> impl Iterator<Item = (Index, MessageIdKey)> {
        std::iter::once((Index::Primary, self.primary))
            .chain(self.alternate.map(|key| (Index::Alternate, key)))
    }
}

/// Which index of a store a key belongs to (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Index {
    /// Keys recorded from the id as written.
    Primary,
    /// Keys recorded from the alternate (hex) reading of an all-digit id.
    Alternate,
}

fn parse_radix(digits: &str, radix: u32) -> Option<u128> {
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    u128::from_str_radix(significant, radix).ok()
}

/// Both readings of `id`, or `None` for an empty id.
pub fn keys(id: &str) -> Option<MessageIdKeys> {
    let id = id.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    if id.is_empty() {
        return None;
    }
    let text = || MessageIdKey::Text(id.to_ascii_lowercase());
    let only = |primary| {
        Some(MessageIdKeys {
            primary,
            alternate: None,
        })
    };
    let unprefixed = id
        .strip_prefix("0x")
        .or_else(|| id.strip_prefix("0X"))
        .filter(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_hexdigit()));
    if let Some(hex) = unprefixed {
        return only(parse_radix(hex, 16).map_or_else(text, MessageIdKey::Number));
    }
    if id.bytes().all(|b| b.is_ascii_digit()) {
        let Some(decimal) = parse_radix(id, 10) else {
            return only(text());
        };
        let alternate = parse_radix(id, 16)
            .filter(|&hex| hex != decimal)
            .map(MessageIdKey::Number);
        return Some(MessageIdKeys {
            primary: MessageIdKey::Number(decimal),
            alternate,
        });
    }
    if id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return only(parse_radix(id, 16).map_or_else(text, MessageIdKey::Number));
    }
    only(text())
}

/// The primary key of `id` (see the module doc), or `None` for an empty id.
pub fn normalize(id: &str) -> Option<MessageIdKey> {
    keys(id).map(|k| k.primary)
}

/// Looks `receipt_id` up with `lookup(index, key)` in the order of the module doc's matching
/// rule and returns the first hit.
pub fn find<T>(
    receipt_id: &str,
    mut lookup: impl FnMut(Index, &MessageIdKey) -> Option<T>,
) -> Option<T> {
    let readings = keys(receipt_id)?;
    [Index::Primary, Index::Alternate]
        .into_iter()
        .find_map(|index| readings.iter().find_map(|key| lookup(index, key)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn readings() {
        let k = keys("7F3A21").unwrap();
        assert_eq!(k.primary, MessageIdKey::Number(0x7F3A21));
        assert_eq!(k.alternate, None);
        let k = keys(" 00123\0").unwrap();
        assert_eq!(k.primary, MessageIdKey::Number(123));
        assert_eq!(k.alternate, Some(MessageIdKey::Number(0x123)));
        assert_eq!(keys("7").unwrap().alternate, None);
        let both: Vec<_> = keys("00123").unwrap().into_indexed().collect();
        assert_eq!(
            both,
            [
                (Index::Primary, MessageIdKey::Number(123)),
                (Index::Alternate, MessageIdKey::Number(0x123)),
            ]
        );
        let one: Vec<_> = keys("Msg-1").unwrap().indexed().map(|(i, _)| i).collect();
        assert_eq!(one, [Index::Primary]);
        assert_eq!(normalize("0x1F"), Some(MessageIdKey::Number(31)));
        assert_eq!(
            normalize("Msg-ABC"),
            Some(MessageIdKey::Text("msg-abc".into()))
        );
        assert_eq!(normalize(" \0"), None);
        let wide = "f".repeat(33);
        assert_eq!(normalize(&wide), Some(MessageIdKey::Text(wide.clone())));
    }
}
